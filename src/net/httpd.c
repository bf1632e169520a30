// SPDX-License-Identifier: GPL-2.0
/* httpd.c - libmicrohttpd in external-epoll mode on the agent's loop. See
 * httpd.h. MHD is started without MHD_USE_INTERNAL_POLLING_THREAD, so it
 * runs only inside MHD_run(), called from the loop: every callback below
 * runs on the agent's one thread. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "base/log.h"
#include "base/loop.h"
#include "base/readfile.h"
#include "base/util.h"
#include "net/httpd.h"

#ifndef HAVE_MICROHTTPD

int httpd_start(const struct httpd_opts *o, struct loop *l, httpd_get_fn get,
		void *ctx, struct httpd **out, char *err, size_t errlen)
{
	*out = NULL;
	snprintf(err, errlen, "metrics: this wgaudit was built without libmicrohttpd "
		 "(install libmicrohttpd-dev and rebuild)");
	return -ENOTSUP;
}

void httpd_free(struct httpd *h)
{
}

#else
#include <microhttpd.h>
#include <sodium.h>
#include <sys/epoll.h>

#define HTTPD_FILE_MAX		65536	/* a PEM file or a password file */
#define HTTPD_BLOCK		65536	/* body bytes handed to MHD at a time */

struct httpd {
	struct MHD_Daemon *d;
	struct loop *loop;
	struct loop_timer timer;
	int epfd;
	httpd_get_fn get;
	void *ctx;
	bool auth;
	uint8_t user_md[32], pass_md[32];	/* SHA-256: compared in constant time */
	char *cert, *key;			/* PEM, kept while MHD runs; key wiped */
	size_t key_len;
};

static void sha256(uint8_t md[static 32], const void *p, size_t n)
{
	if (sodium_init() < 0 || crypto_hash_sha256(md, p, n) != 0)
		memset(md, 0, 32);
}

/* A whole small file, NUL-terminated; -EFBIG past max. Secret: a
 * password or a TLS key. */
static int read_small(const char *path, size_t max, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	*out = NULL;
	if (fd < 0)
		return -errno;
	ret = read_bounded(fd, max, 0, true, out, len);
	close(fd);
	return ret;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[256];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_info("metrics: %s", msg);
}

static void httpd_run(struct httpd *h);

static void on_timer(void *ctx)
{
	httpd_run(ctx);
}

static void on_ready(void *ctx, int fd, uint32_t events)
{
	httpd_run(ctx);
}

/* Serve what is ready, then come back when MHD next needs a turn (a
 * connection's timeout, or at once when it still has work queued). */
static void httpd_run(struct httpd *h)
{
	MHD_UNSIGNED_LONG_LONG ms;

	MHD_run(h->d);
	if (MHD_get_timeout(h->d, &ms) == MHD_YES)
		loop_timer_arm(h->loop, &h->timer, now_monotonic_us() + (int64_t)ms * 1000);
	else
		loop_timer_cancel(h->loop, &h->timer);
}

static ssize_t body_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct httpd_body *b = cls;
	size_t n;

	if (pos >= b->len)
		return MHD_CONTENT_READER_END_OF_STREAM;
	n = b->read(b->bctx, (size_t)pos, buf, max);
	return n ? (ssize_t)n : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void body_free(void *cls)
{
	struct httpd_body *b = cls;

	if (b->release)
		b->release(b->bctx);
	free(b);
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status,
				  const char *text, const char *allow)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text,
								 MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
	if (allow)
		MHD_add_response_header(r, "Allow", allow);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* User and password against the configured ones: both digests compared
 * whole, whatever the first says, so the time tells nothing. */
static bool auth_ok(struct httpd *h, struct MHD_Connection *c)
{
	char *pass = NULL, *user = MHD_basic_auth_get_username_password(c, &pass);
	uint8_t u[32], p[32];
	int bad;

	if (!user || !pass) {
		if (pass) {
			wipe(pass, strlen(pass));
			MHD_free(pass);
		}
		MHD_free(user);
		return false;
	}
	sha256(u, user, strlen(user));
	sha256(p, pass, strlen(pass));
	wipe(pass, strlen(pass));
	MHD_free(pass);
	MHD_free(user);
	bad = sodium_memcmp(u, h->user_md, 32) | sodium_memcmp(p, h->pass_md, 32);
	wipe(p, sizeof(p));
	return !bad;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload, size_t *upload_len, void **con_cls)
{
	struct httpd *h = cls;
	struct httpd_body *b;
	struct MHD_Response *r;
	enum MHD_Result ret;
	int status;

	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET is served\n", "GET, HEAD");
	if (h->auth && !auth_ok(h, c)) {
		r = MHD_create_response_from_buffer(strlen("unauthorized\n"), (void *)"unauthorized\n",
						    MHD_RESPMEM_PERSISTENT);
		if (!r)
			return MHD_NO;
		ret = MHD_queue_basic_auth_fail_response(c, "wgaudit", r);
		MHD_destroy_response(r);
		return ret;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory\n", NULL);
	status = h->get(h->ctx, url, b);
	if (status != MHD_HTTP_OK) {
		free(b);
		return reply_text(c, (unsigned)status, status == MHD_HTTP_NOT_FOUND ?
				  "not found: try /metrics\n" : "busy, try again\n", NULL);
	}
	if (b->iovcnt) {
		struct MHD_IoVec v[HTTPD_MAX_IOV];
		unsigned n = b->iovcnt < HTTPD_MAX_IOV ? b->iovcnt : HTTPD_MAX_IOV;

		for (unsigned i = 0; i < n; i++)
			v[i] = (struct MHD_IoVec){ b->iov[i].base, b->iov[i].len };
		r = MHD_create_response_from_iovec(v, n, body_free, b);	/* copies v */
	} else {
		r = MHD_create_response_from_callback(b->len, HTTPD_BLOCK, body_reader, b,
						      body_free);
	}
	if (!r) {
		body_free(b);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", b->content_type);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static int load_auth(struct httpd *h, const struct httpd_opts *o, char *err, size_t errlen)
{
	char *pw;
	size_t len;
	int ret;

	if (!o->user || !o->user[0])
		return 0;
	if (!o->password_file || !o->password_file[0]) {
		snprintf(err, errlen, "metrics: basic_auth_user needs basic_auth_password_file");
		return -EINVAL;
	}
	ret = read_small(o->password_file, 4096, &pw, &len);
	if (ret < 0) {
		snprintf(err, errlen, "metrics: %s: %s", o->password_file, strerror(-ret));
		return ret;
	}
	len = strcspn(pw, "\r\n");
	if (!len) {
		snprintf(err, errlen, "metrics: %s: the first line (the password) is empty",
			 o->password_file);
		ret = -EINVAL;
	} else {
		sha256(h->user_md, o->user, strlen(o->user));
		sha256(h->pass_md, pw, len);
		h->auth = true;
	}
	wipe(pw, strlen(pw));
	free(pw);
	return ret;
}

static int load_tls(struct httpd *h, const struct httpd_opts *o, char *err, size_t errlen)
{
	size_t len;
	int ret;

	if ((!o->tls_cert || !o->tls_cert[0]) && (!o->tls_key || !o->tls_key[0]))
		return 0;
	if (!o->tls_cert || !o->tls_cert[0] || !o->tls_key || !o->tls_key[0]) {
		snprintf(err, errlen, "metrics: TLS needs both tls_cert and tls_key");
		return -EINVAL;
	}
	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		snprintf(err, errlen, "metrics: this libmicrohttpd has no TLS support");
		return -ENOTSUP;
	}
	ret = read_small(o->tls_cert, HTTPD_FILE_MAX, &h->cert, &len);
	if (ret == 0)
		ret = read_small(o->tls_key, HTTPD_FILE_MAX, &h->key, &h->key_len);
	if (ret < 0)
		snprintf(err, errlen, "metrics: %s: %s", h->cert ? o->tls_key : o->tls_cert,
			 strerror(-ret));
	return ret;
}

int httpd_start(const struct httpd_opts *o, struct loop *l, httpd_get_fn get,
		void *ctx, struct httpd **out, char *err, size_t errlen)
{
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	struct httpd *h;
	union endpoint ep;
	int ret;

	*out = NULL;
	if (endpoint_parse(o->listen, strlen(o->listen), &ep) < 0) {
		snprintf(err, errlen, "metrics: listen \"%s\" is not ADDR:PORT", o->listen);
		return -EINVAL;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->loop = l;
	h->get = get;
	h->ctx = ctx;
	h->epfd = -1;
	h->timer.cb = on_timer;
	h->timer.ctx = h;
	if ((ret = load_auth(h, o, err, errlen)) < 0 || (ret = load_tls(h, o, err, errlen)) < 0)
		goto out;
	if (ep.sa.sa_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (h->cert)
		flags |= MHD_USE_TLS;
	/* The port is in the address; given too, MHD's messages name it. */
	h->d = MHD_start_daemon(flags, ntohs(ep.sin.sin_port), NULL, NULL, on_request, h,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,	/* first: see MHD's docs */
		MHD_OPTION_SOCK_ADDR, &ep.sa,
		MHD_OPTION_CONNECTION_LIMIT, o->max_connections ? o->max_connections : 16u,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, 8u,
		MHD_OPTION_CONNECTION_TIMEOUT, o->timeout_s ? o->timeout_s : 10u,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, o->max_request ? o->max_request : (size_t)16384,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, 16u,
		h->cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, h->cert,
		MHD_OPTION_HTTPS_MEM_KEY, h->key,
		MHD_OPTION_END);
	if (!h->d) {
		ret = errno ? -errno : -EADDRINUSE;
		snprintf(err, errlen, "metrics: cannot serve on %s: %s", o->listen,
			 errno ? strerror(errno) : "libmicrohttpd refused to start (see above)");
		goto out;
	}
	info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info || info->epoll_fd < 0) {
		snprintf(err, errlen, "metrics: libmicrohttpd has no epoll fd");
		ret = -ENOTSUP;
		goto out;
	}
	h->epfd = info->epoll_fd;
	ret = loop_add_fd(l, h->epfd, EPOLLIN, on_ready, h);
	if (ret < 0) {
		snprintf(err, errlen, "metrics: epoll: %s", strerror(-ret));
		h->epfd = -1;
		goto out;
	}
	httpd_run(h);
	*out = h;
	h = NULL;
out:
	httpd_free(h);
	return ret;
}

void httpd_free(struct httpd *h)
{
	if (!h)
		return;
	if (h->epfd >= 0)
		loop_del_fd(h->loop, h->epfd);
	loop_timer_cancel(h->loop, &h->timer);
	if (h->d)
		MHD_stop_daemon(h->d);
	if (h->key) {
		wipe(h->key, h->key_len);
		free(h->key);
	}
	free(h->cert);
	wipe(h->pass_md, sizeof(h->pass_md));
	free(h);
}
#endif
