// SPDX-License-Identifier: GPL-2.0
/* doctor_net.c - `wgaudit doctor`: is each configured output reachable?
 * Name lookup, TCP connect, the TLS handshake (outputs/tls.c: the very
 * context and verification the agent uses) and the RELP open (its rsp 200,
 * base/relpframe.c) get DOCTOR_STEP_MS each, so a
 * black-holed collector costs seconds, never a hang. No record is sent:
 * a successful check leaves nothing at the collector. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libgen.h>

#include "cli/doctor.h"
#include "conf/conf.h"
#include "outputs/output.h"
#include "outputs/tls.h"
#include "base/relpframe.h"
#include "base/util.h"

#define DOCTOR_STEP_MS	2000

/* getaddrinfo_a bounded by DOCTOR_STEP_MS. A lookup still running at the
 * deadline cannot be freed under the resolver: it is left to the exit. */
static int resolve(const char *host, uint16_t port, struct addrinfo **res, char *why, size_t len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	struct gaicb *req, *list[1];
	struct timespec ts = { DOCTOR_STEP_MS / 1000, 0 };
	char service[8];
	int ret;

	snprintf(service, sizeof(service), "%u", port);
	hints.ai_flags |= AI_NUMERICHOST;
	if (getaddrinfo(host, service, &hints, res) == 0)
		return 0;
	hints.ai_flags &= ~AI_NUMERICHOST;
	req = calloc(1, sizeof(*req) + sizeof(hints));
	if (!req)
		return -ENOMEM;
	memcpy(req + 1, &hints, sizeof(hints));
	req->ar_name = strdup(host);
	req->ar_service = strdup(service);
	req->ar_request = (struct addrinfo *)(req + 1);
	list[0] = req;
	if (!req->ar_name || !req->ar_service ||
	    getaddrinfo_a(GAI_NOWAIT, list, 1, NULL) != 0) {
		snprintf(why, len, "cannot start the lookup of %s", host);
		ret = -ENOMEM;
		goto out;
	}
	gai_suspend((const struct gaicb *const *)list, 1, &ts);
	ret = gai_error(req);
	if (ret == EAI_INPROGRESS) {
		if (gai_cancel(req) != EAI_CANCELED) {
			snprintf(why, len, "looking up %s: no answer in %d ms", host, DOCTOR_STEP_MS);
			return -ETIMEDOUT;	/* req stays with the resolver */
		}
		ret = EAI_AGAIN;
	}
	if (ret != 0) {
		snprintf(why, len, "looking up %s: %s", host, gai_strerror(ret));
		ret = -EHOSTUNREACH;
		goto out;
	}
	*res = req->ar_result;
out:
	free((char *)req->ar_name);
	free((char *)req->ar_service);
	free(req);
	return ret;
}

static int wait_fd(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n;

	do
		n = poll(&p, 1, ms);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n == 0 ? -ETIMEDOUT : 0;
}

/* A connected non-blocking TCP socket to the first address that answers,
 * or -errno with why. */
static int tcp_connect(const struct output_url *u, char *why, size_t len)
{
	struct addrinfo *res = NULL, *ai;
	int ret, fd = -1;

	ret = resolve(u->host, u->port, &res, why, len);
	if (ret < 0)
		return ret;
	ret = -EHOSTUNREACH;
	for (ai = res; ai; ai = ai->ai_next) {
		int err = 0;
		socklen_t el = sizeof(err);

		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			ret = -errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS)
			ret = -errno;
		else if ((ret = wait_fd(fd, POLLOUT, DOCTOR_STEP_MS)) == 0 &&
			 getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err)
			ret = -err;
		if (ret == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		snprintf(why, len, "TCP connect to %s port %u: %s%s", u->host, u->port,
			 strerror(-ret), ret == -ETIMEDOUT ? " (2 s; filtered?)" : "");
		return ret;
	}
	return fd;
}

/* The agent's TLS policy, end to end: context from the URL (CA, client
 * certificate), handshake, the collector's certificate verified. */
static int tls_check(const struct output_url *u, const char *url, int fd,
		     char *desc, size_t dlen, char *why, size_t len)
{
	struct tls_ctx *ctx = NULL;
	struct tls_conn *tc = NULL;
	int64_t deadline = now_monotonic_us() + DOCTOR_STEP_MS * 1000LL;
	bool want_write = false;
	int ret;

	ret = tls_ctx_new(u, url, &ctx, why, len);
	if (ret < 0)
		return ret;
	ret = tls_conn_new(ctx, fd, &tc);
	if (ret < 0) {
		snprintf(why, len, "cannot set up a TLS session: %s", strerror(-ret));
		goto out;
	}
	while ((ret = tls_handshake(tc, &want_write, why, len)) == -EAGAIN) {
		int64_t left = (deadline - now_monotonic_us()) / 1000;

		if (left <= 0 || wait_fd(fd, want_write ? POLLOUT : POLLIN, (int)left) < 0) {
			snprintf(why, len, "TLS handshake: no answer in %d ms", DOCTOR_STEP_MS);
			ret = -ETIMEDOUT;
			break;
		}
	}
	if (ret == 0)
		snprintf(desc, dlen, "%s", tls_describe(tc));
out:
	tls_conn_free(tc);
	tls_ctx_free(ctx);
	return ret;
}

/* RELP (librelp's protocol): "1 open" with our offers, the receiver's
 * "1 rsp" must say 200 and offer the syslog command; then "2 close". No
 * record is sent. */
static int relp_check(int fd, char *desc, size_t dlen, char *why, size_t len)
{
	static const char offers[] = "relp_version=0\nrelp_software=wgaudit-doctor\ncommands=syslog";
	int64_t deadline = now_monotonic_us() + DOCTOR_STEP_MS * 1000LL;
	char buf[4096], out[256];
	struct relp_frame f;
	const char *val;
	size_t got = 0, vlen;
	ssize_t n;
	int code;

	n = relp_frame_put(out, sizeof(out), 1, "open", offers, sizeof(offers) - 1);
	if (n < 0 || send(fd, out, (size_t)n, MSG_NOSIGNAL) != n) {
		snprintf(why, len, "RELP open: cannot send: %s", strerror(errno));
		return -EIO;
	}
	for (;;) {
		int64_t left = (deadline - now_monotonic_us()) / 1000;
		ssize_t r;

		n = relp_frame_parse(buf, got, sizeof(buf), &f);
		if (n != 0)
			break;
		if (got == sizeof(buf) || left <= 0 || wait_fd(fd, POLLIN, (int)left) < 0) {
			snprintf(why, len, "RELP open: no answer in %d ms", DOCTOR_STEP_MS);
			return -ETIMEDOUT;
		}
		r = recv(fd, buf + got, sizeof(buf) - got, MSG_DONTWAIT);
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
			snprintf(why, len, "RELP open: %s", r == 0 ? "connection closed by the receiver" :
				 strerror(errno));
			return -ECONNRESET;
		}
		if (r > 0)
			got += (size_t)r;
	}
	if (n < 0 || f.txnr != 1 || strcmp(f.cmd, "rsp") ||
	    relp_rsp_code(f.data, f.datalen, &code) < 0) {
		snprintf(why, len, "RELP open: the answer is not a RELP rsp (not a RELP receiver?)");
		return -EPROTO;
	}
	if (code != 200) {
		snprintf(why, len, "RELP open refused: %.*s", (int)(f.datalen < 120 ? f.datalen : 120), f.data);
		return -EPROTO;
	}
	if (relp_offer_get(f.data, f.datalen, "commands", &val, &vlen) < 0 ||
	    !relp_commands_have(val, vlen, "syslog")) {
		snprintf(why, len, "RELP open: the receiver does not offer the syslog command");
		return -EPROTONOSUPPORT;
	}
	n = relp_frame_put(out, sizeof(out), 2, "close", NULL, 0);
	if (n > 0)
		(void)!send(fd, out, (size_t)n, MSG_NOSIGNAL);
	snprintf(desc, dlen, "RELP open answered 200, syslog offered");
	return 0;
}

static void check_jsonl(struct doctor *d, const struct output_url *u, const char *url)
{
	char dir[OUTPUT_PATH_LEN];
	struct stat st;

	if (!strcmp(u->path, "-")) {
		doctor_report(d, DOCTOR_OK, "output", NULL, "%s: standard output", url);
		return;
	}
	if (stat(u->path, &st) == 0) {
		if (access(u->path, W_OK) == 0)
			doctor_report(d, DOCTOR_OK, "output", NULL, "%s: writable", url);
		else
			doctor_report(d, DOCTOR_FAIL, "output", "fix the file's owner or mode",
				      "%s: %s", url, strerror(errno));
		return;
	}
	snprintf(dir, sizeof(dir), "%s", u->path);
	if (access(dirname(dir), W_OK | X_OK) == 0)
		doctor_report(d, DOCTOR_OK, "output", NULL, "%s: will be created", url);
	else
		doctor_report(d, DOCTOR_FAIL, "output", "create the directory, writable by the agent",
			      "%s: cannot create %s: %s", url, u->path, strerror(errno));
}

static void check_one(struct doctor *d, const char *url)
{
	static const char *const fix =
		"start the collector or fix HOST:PORT; check the firewall between here and it. "
		"The agent keeps events in its journal and delivers them once it connects";
	struct output_url u;
	char err[512], desc[128] = "";
	int fd, ret;

	if (output_url_parse(url, strlen(url), &u, err, sizeof(err)) < 0) {
		doctor_report(d, DOCTOR_FAIL, "output", "see wgaudit(8) OUTPUT URLS", "%s", err);
		return;
	}
	switch (u.kind) {
	case OUTPUT_JSONL:
		check_jsonl(d, &u, url);
		return;
	case OUTPUT_UDP:
		doctor_report(d, DOCTOR_WARN, "output",
			      "UDP is fire-and-forget: use syslog+tcp:// or syslog+tls:// to know events arrive",
			      "%s: UDP cannot be verified (no handshake, no acknowledgement)", url);
		return;
	default:
		break;
	}
	fd = tcp_connect(&u, err, sizeof(err));
	if (fd < 0) {
		doctor_report(d, DOCTOR_FAIL, "output", fix, "%s: %s", url, err);
		return;
	}
	if (u.kind == OUTPUT_RELP && !u.tls) {
		ret = relp_check(fd, desc, sizeof(desc), err, sizeof(err));
		if (ret < 0)
			doctor_report(d, DOCTOR_FAIL, "output",
				      "check that a RELP receiver listens there (rsyslog imrelp, "
				      "wgaudit collector --listen relp://)", "%s: %s", url, err);
		else
			doctor_report(d, DOCTOR_OK, "output", NULL, "%s: TCP connected, %s", url, desc);
	} else if (u.kind == OUTPUT_TLS || u.kind == OUTPUT_RELP) {
		ret = tls_check(&u, url, fd, desc, sizeof(desc), err, sizeof(err));
		if (ret < 0)
			doctor_report(d, DOCTOR_FAIL, "output",
				      ret == -EPERM ? "give ?ca= the collector's CA, or ?name= the name its "
						      "certificate carries"
						    : "check the collector speaks TLS on this port (RFC 5425) "
						      "and accepts this client",
				      "%s: %s", url, err);
		else
			doctor_report(d, DOCTOR_OK, "output", NULL,
				      "%s: TCP connected, TLS handshake verified (%s)%s", url, desc,
				      u.kind == OUTPUT_RELP ? "; the RELP session inside is not opened" : "");
	} else {
		doctor_report(d, DOCTOR_OK, "output", NULL, "%s: TCP connected", url);
	}
	close(fd);
}

void doctor_check_outputs(struct doctor *d, const struct conf *c)
{
	/* a collector that resets us must not kill the doctor */
	signal(SIGPIPE, SIG_IGN);
	if (!c->n_outputs)
		doctor_report(d, DOCTOR_OK, "output", NULL,
			      "none configured (wgaudit run writes JSON lines to standard output)");
	for (size_t i = 0; i < c->n_outputs; i++)
		check_one(d, c->outputs[i].url);
}
