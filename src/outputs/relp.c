// SPDX-License-Identifier: GPL-2.0
/* relp.c - syslog+relp://HOST[:PORT]: deliver the journal over RELP, the
 * protocol of librelp (rsyslog imrelp/omrelp, doc/relp.html), spoken on the
 * loop.
 *
 * Why not librelp: its client send (relpCltSendSyslog) waits on the peer
 * when the window is full, and its server engine runs its own select loop;
 * in our one thread either would let one slow receiver freeze observation.
 * The protocol is small, so it is spoken here, non-blocking, with the pure
 * codec of base/relpframe.c (fuzzed, tested on rsyslog's bytes).
 *
 * A session: TCP connect, "1 open" with our offers, the receiver's
 * "rsp 200" naming the commands it takes (it must take "syslog"), then one
 * "TXNR syslog LEN RECORD" per event, up to RELP_WINDOW unanswered. An
 * event is delivered when the receiver answered its txnr with "rsp 200"
 * (the ring of txnrs and the cursor are relpledger.c's; struct relp_out,
 * shared by both, is in relp_int.h).
 *
 * Anything else ends the session: a rsp other than 200, "serverclose", a
 * broken frame, a silent receiver (no answer for RELP_ACK_TIMEOUT_MS while
 * events wait), a reset. Then everything unanswered is forgotten and read
 * again from the journal after the reconnect, with new txnrs and the same
 * event_id: duplicates are possible (the receiver stored it but its answer
 * was lost), losses are not.
 *
 * Nothing waits: non-blocking socket, connect completes on EPOLLOUT, a
 * host name is resolved off the loop (resolve.c: getaddrinfo_a, polled
 * by timer here, given up after RELP_RESOLVE_MS like a failed connect), a turn sends at most RELP_TURN_BATCHES batches then yields.
 * TLS (?tls=1, as librelp's tls="on": TLS from the first byte, RELP inside)
 * uses tls.c's client session (CA, client certificate, name check as for
 * syslog+tls://); its handshake is one more state, bounded like the open.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include "base/failpoint.h"
#include "base/log.h"
#include "base/loop.h"
#include "base/relpframe.h"
#include "base/util.h"
#include "outputs/output.h"
#include "outputs/relp.h"
#include "outputs/relp_int.h"
#include "outputs/resolve.h"
#include "outputs/tls.h"
#include "store/store.h"

static void on_fd(void *ctx, int fd, uint32_t events);
static void conn_start(struct relp_out *r);
static void pump(struct relp_out *r, bool yield);

/* --- small helpers ------------------------------------------------------ */

static void r_arm(struct relp_out *r, int delay_ms)
{
	if (r->loop)
		loop_timer_arm(r->loop, &r->timer,
			       now_monotonic_us() + (int64_t)delay_ms * 1000);
}

static void r_events(struct relp_out *r, bool want_out)
{
	uint32_t ev = EPOLLIN | (want_out ? EPOLLOUT : 0);

	if (!r->loop || r->fd < 0)
		return;
	if (!r->watched) {
		if (loop_add_fd(r->loop, r->fd, ev, on_fd, r) == 0)
			r->watched = true;
	} else if (want_out != r->want_out) {
		loop_mod_fd(r->loop, r->fd, ev);
	}
	r->want_out = want_out;
}

static void r_close(struct relp_out *r)
{
	tls_conn_free(r->tls);
	r->tls = NULL;
	if (r->fd >= 0) {
		if (r->watched && r->loop)
			loop_del_fd(r->loop, r->fd);
		close(r->fd);
	}
	r->fd = -1;
	r->watched = r->want_out = false;
	r->deadline_us = 0;
}


static uint32_t r_rand(struct relp_out *r)
{
	r->rng ^= r->rng << 13;
	r->rng ^= r->rng >> 7;
	r->rng ^= r->rng << 17;
	return (uint32_t)(r->rng >> 32);
}


static void went_down(struct relp_out *r, const char *what, int err)
{
	r->st.failed++;
	r->last_err = err;
	if (!r->down_logged) {
		log_warnx("output %s: %s: %s; retrying with backoff (events are kept)",
			  r->name, what, strerror(err));
		r->down_logged = true;
	} else {
		log_debug("output %s: %s: %s", r->name, what, strerror(err));
	}
}

static void backoff(struct relp_out *r)
{
	int d = r->backoff_ms;

	r->state = R_BACKOFF;
	d = d / 2 + (int)(r_rand(r) % (uint32_t)(d / 2 + 1));
	r->backoff_ms = r->backoff_ms * 2 > RELP_BACKOFF_MAX_MS ?
			RELP_BACKOFF_MAX_MS : r->backoff_ms * 2;
	r_arm(r, d);
}

static void fail(struct relp_out *r, const char *what, int err)
{
	r_close(r);
	relp_ledger_reset(r);
	went_down(r, what, err);
	backoff(r);
}


/* --- the session -------------------------------------------------------- */

static void got_open_rsp(struct relp_out *r, const struct relp_frame *f)
{
	const char *v;
	size_t vl;
	int code;

	if (relp_rsp_code(f->data, f->datalen, &code) < 0 || code != 200) {
		log_warnx("output %s: the receiver refused the RELP session: %.*s",
			  r->name, (int)(f->datalen < 200 ? f->datalen : 200), f->data);
		fail(r, "RELP open", EPROTO);
		return;
	}
	if (relp_offer_get(f->data, f->datalen, "commands", &v, &vl) < 0 ||
	    !relp_commands_have(v, vl, "syslog")) {
		log_warnx("output %s: the RELP receiver does not take syslog records",
			  r->name);
		fail(r, "RELP open", EPROTONOSUPPORT);
		return;
	}
	r->state = R_UP;
	r->deadline_us = 0;
	r->backoff_ms = RELP_BACKOFF_MIN_MS;
	if (r->down_logged || !r->st.sent)
		log_info("output %s: connected", r->name);
	r->down_logged = false;
	pump(r, true);
}

/* One frame from the receiver. false: the session was ended. */
static bool got_frame(struct relp_out *r, const struct relp_frame *f)
{
	int code;

	if (!strcmp(f->cmd, "serverclose")) {
		fail(r, "the receiver closed the RELP session", ECONNRESET);
		return false;
	}
	if (strcmp(f->cmd, "rsp")) {
		log_warnx("output %s: unexpected RELP command '%s' from the receiver",
			  r->name, f->cmd);
		fail(r, "RELP protocol", EPROTO);
		return false;
	}
	if (r->state == R_OPENING) {
		if (f->txnr != 1) {
			fail(r, "RELP open: answer for another txnr", EPROTO);
			return false;
		}
		got_open_rsp(r, f);
		return r->state == R_UP;
	}
	if (relp_rsp_code(f->data, f->datalen, &code) < 0 || code != 200) {
		log_warnx("output %s: the receiver refused txnr %u: %.*s", r->name,
			  f->txnr, (int)(f->datalen < 200 ? f->datalen : 200), f->data);
		fail(r, "RELP rsp", EPROTO);
		return false;
	}
	if (relp_ledger_ack(r, f->txnr) < 0) {
		log_warnx("output %s: RELP answer for txnr %u that was not sent",
			  r->name, f->txnr);
		fail(r, "RELP protocol", EPROTO);
		return false;
	}
	return true;
}

/* Bytes from the receiver: > 0, 0 closed, -EAGAIN, -errno. */
static ssize_t r_recv(struct relp_out *r)
{
	char why[512];
	bool ww;
	ssize_t n;

	if (!r->tls) {
		n = recv(r->fd, r->rbuf + r->rlen, sizeof(r->rbuf) - r->rlen, MSG_DONTWAIT);
		return n < 0 ? -errno : n;
	}
	n = tls_read(r->tls, r->rbuf + r->rlen, sizeof(r->rbuf) - r->rlen, &ww, why, sizeof(why));
	if (n == -EAGAIN && ww)
		r_events(r, true);	/* a read that must write first */
	if (n == -ECONNRESET)
		return 0;
	if (n < 0 && n != -EAGAIN)
		log_debug("output %s: %s", r->name, why);
	return n;
}

static void read_input(struct relp_out *r)
{
	/* TLS: until EAGAIN, as epoll does not announce what OpenSSL holds */
	for (int i = 0; i < 16 || (r->tls && tls_pending(r->tls)); i++) {
		size_t off = 0;
		ssize_t n = r_recv(r);

		if (n == 0) {
			fail(r, "connection closed by the receiver", ECONNRESET);
			return;
		}
		if (n < 0) {
			if (n == -EINTR)
				continue;
			if (n != -EAGAIN)
				fail(r, r->tls ? "TLS" : "receive", (int)-n);
			return;
		}
		r->rlen += (size_t)n;
		while (off < r->rlen) {
			struct relp_frame f;
			ssize_t used = relp_frame_parse(r->rbuf + off, r->rlen - off,
							 RELP_RSP_MAX, &f);

			if (used == 0)
				break;
			if (used < 0) {
				log_warnx("output %s: the receiver sent bytes that are not RELP",
					  r->name);
				fail(r, "RELP protocol", EPROTO);
				return;
			}
			if (!got_frame(r, &f))
				return;
			off += (size_t)used;
		}
		memmove(r->rbuf, r->rbuf + off, r->rlen - off);
		r->rlen -= off;
		if (r->rlen == sizeof(r->rbuf)) {
			fail(r, "RELP protocol: answer too long", EPROTO);
			return;
		}
		if (r->state == R_UP && r->inflight == 0)
			r->deadline_us = 0;
		else if (r->state == R_UP)
			r->deadline_us = now_monotonic_us() + RELP_ACK_TIMEOUT_MS * 1000LL;
	}
}

/* 1 progress, 0 must wait, -1 failed (handled). */
static int write_step(struct relp_out *r)
{
	ssize_t n;

	if (r->tls) {
		char why[512];
		bool ww;

		n = tls_write(r->tls, r->sbuf + r->soff, r->slen - r->soff, &ww, why, sizeof(why));
		if (n == -EAGAIN)
			return 0;
		if (n < 0) {
			log_warnx("output %s: %s", r->name, why);
			fail(r, "TLS", (int)-n);
			return -1;
		}
	} else {
		n = send(r->fd, r->sbuf + r->soff, r->slen - r->soff, MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	if (n >= 0) {
		r->soff += (size_t)n;
		if (r->soff == r->slen)
			r->soff = r->slen = 0;
		FAILPOINT("relp_sent");
		return 1;
	}
	if (errno == EINTR)
		return 1;
	if (errno == EAGAIN)
		return 0;
	fail(r, "send", errno);
	return -1;
}

static void pump(struct relp_out *r, bool yield)
{
	int batches = 0;

	while (r->state == R_UP) {
		if (r->soff == r->slen) {
			bool got;

			relp_ledger_confirm(r);
			if (yield && batches++ >= RELP_TURN_BATCHES) {
				r_arm(r, 0);
				return;
			}
			if (relp_ledger_fill(r, &got) < 0 || !got)
				break;
			continue;
		}
		switch (write_step(r)) {
		case 0:
			r_events(r, true);
			return;
		case -1:
			return;
		}
	}
	if (r->state != R_UP)
		return;
	relp_ledger_confirm(r);
	if (r->want_out)
		r_events(r, false);
	if (r->inflight) {
		if (!r->deadline_us)
			r->deadline_us = now_monotonic_us() + RELP_ACK_TIMEOUT_MS * 1000LL;
		r_arm(r, RELP_ACK_POLL_MS);
	}
}

static void session_open(struct relp_out *r);

/* One TLS handshake step; WANT_READ / WANT_WRITE become epoll interest. */
static void tls_step(struct relp_out *r)
{
	char why[512];
	bool ww;
	int ret = tls_handshake(r->tls, &ww, why, sizeof(why));

	if (ret == -EAGAIN) {
		r_events(r, ww);
		return;
	}
	if (ret < 0) {
		log_warnx("output %s: %s", r->name, why);
		fail(r, "TLS handshake", -ret);
		return;
	}
	log_debug("output %s: %s", r->name, tls_describe(r->tls));
	session_open(r);
}

static void tcp_up(struct relp_out *r)
{
	int one = 1, idle = 30, intvl = 10, cnt = 3;
	unsigned int user_timeout_ms = 60000;

	setsockopt(r->fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(r->fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(r->fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(r->fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	setsockopt(r->fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout_ms,
		   sizeof(user_timeout_ms));
	setsockopt(r->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (r->tls_ctx) {
		int ret = tls_conn_new(r->tls_ctx, r->fd, &r->tls);

		if (ret < 0) {
			fail(r, "TLS session", -ret);
			return;
		}
		r->state = R_HANDSHAKE;
		r->deadline_us = now_monotonic_us() + RELP_OPEN_MS * 1000LL;
		r_arm(r, RELP_OPEN_MS);
		r_events(r, false);
		tls_step(r);
		return;
	}
	session_open(r);
}

/* The RELP session's first frame: "1 open" with our offers. */
static void session_open(struct relp_out *r)
{
	ssize_t n;

	relp_ledger_reset(r);
	n = relp_frame_put(r->sbuf, RELP_SBUF_CAP, relp_ledger_txnr(r), "open",
			   RELP_OFFERS, strlen(RELP_OFFERS));
	r->slen = (size_t)n;
	r->state = R_OPENING;
	r->deadline_us = now_monotonic_us() + RELP_OPEN_MS * 1000LL;
	r_arm(r, RELP_OPEN_MS);
	r_events(r, false);
	if (write_step(r) == 0)
		r_events(r, true);
}

/* 0 addresses ready, -EINPROGRESS (a name: asked off the loop, polled
 * by timer), or -errno. A numeric host never leaves this function. */
static int relp_resolve(struct relp_out *r)
{
	const char *why;
	int ret;

	resolve_free(r->rq);
	r->rq = NULL;
	r->naddrs = r->addr_idx = 0;
	ret = resolve_start(r->url.host, r->url.port, SOCK_STREAM, &r->rq);
	if (ret < 0)
		return ret == -ENOMEM ? ret : -EAGAIN;
	if (ret == 1) {
		ret = resolve_result(r->rq, r->addrs, r->addrlens, RELP_MAX_ADDRS, &r->naddrs, &why);
		resolve_free(r->rq);
		r->rq = NULL;
		return ret;
	}
	r->state = R_RESOLVING;
	r->resolve_until = now_monotonic_us() + RELP_RESOLVE_MS * 1000LL;
	r_arm(r, RELP_GAI_POLL_MS);
	return -EINPROGRESS;
}

/* Connect to addrs from addr_idx on. */
static void connect_next(struct relp_out *r)
{
	while (r->addr_idx < r->naddrs) {
		union endpoint *a = &r->addrs[r->addr_idx];
		int fd = socket(a->sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		if (fd < 0) {
			r->last_err = errno;
			r->addr_idx++;
			continue;
		}
		r->fd = fd;
		if (connect(fd, &a->sa, r->addrlens[r->addr_idx]) == 0) {
			tcp_up(r);
			return;
		}
		if (errno == EINPROGRESS) {
			r->state = R_CONNECTING;
			r->deadline_us = now_monotonic_us() + RELP_OPEN_MS * 1000LL;
			r_arm(r, RELP_OPEN_MS);
			r_events(r, true);
			return;
		}
		r->last_err = errno;
		r_close(r);
		r->addr_idx++;
	}
	went_down(r, "connect", r->last_err ? r->last_err : ECONNREFUSED);
	backoff(r);
}

static void conn_start(struct relp_out *r)
{
	int ret;

	if (r->loop)
		loop_timer_cancel(r->loop, &r->timer);
	r_close(r);
	relp_ledger_reset(r);
	if (r->addr_idx >= r->naddrs) {
		ret = relp_resolve(r);
		if (ret == -EINPROGRESS)
			return;
		if (ret < 0) {
			went_down(r, "resolve", -ret == EAGAIN ? EHOSTUNREACH : -ret);
			backoff(r);
			return;
		}
	}
	connect_next(r);
}

static void resolve_poll(struct relp_out *r)
{
	const char *why = "no answer from the name server";
	int rc = r->rq ? resolve_result(r->rq, r->addrs, r->addrlens, RELP_MAX_ADDRS,
				       &r->naddrs, &why) : -EHOSTUNREACH;

	if (rc == -EINPROGRESS && now_monotonic_us() < r->resolve_until) {
		r_arm(r, RELP_GAI_POLL_MS);
		return;
	}
	resolve_free(r->rq);
	r->rq = NULL;
	r->addr_idx = 0;
	if (rc < 0) {
		if (!r->down_logged)
			log_warnx("output %s: cannot resolve %s: %s", r->name, r->url.host, why);
		r->down_logged = true;
		r->st.failed++;
		r->last_err = EHOSTUNREACH;
		r->naddrs = 0;
		backoff(r);
		return;
	}
	connect_next(r);
}

static void connect_done(struct relp_out *r)
{
	int err = 0;
	socklen_t el = sizeof(err);

	if (getsockopt(r->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
		err = errno;
	if (err == 0) {
		tcp_up(r);
		return;
	}
	r->last_err = err;
	r_close(r);
	r->addr_idx++;
	connect_next(r);
}

static void on_fd(void *ctx, int fd, uint32_t events)
{
	struct relp_out *r = ctx;

	if (r->state == R_CONNECTING) {
		connect_done(r);
		return;
	}
	if (r->state == R_HANDSHAKE) {
		tls_step(r);
		return;
	}
	if (r->state != R_OPENING && r->state != R_UP)
		return;
	if (r->tls && (events & EPOLLOUT))
		events |= EPOLLIN;	/* maybe the read that wanted to write */
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		read_input(r);
	if ((r->state == R_OPENING || r->state == R_UP) && (events & (EPOLLERR | EPOLLHUP))) {
		int err = 0;
		socklen_t el = sizeof(err);

		getsockopt(r->fd, SOL_SOCKET, SO_ERROR, &err, &el);
		fail(r, "connection lost", err ? err : ECONNRESET);
		return;
	}
	if (r->state == R_UP) {
		/* answers open the window: send more, unless a full socket
		 * buffer is what we wait for */
		if ((events & EPOLLOUT) || !r->want_out)
			pump(r, true);
	} else if (!(events & EPOLLOUT)) {
		return;
	} else if (r->state == R_OPENING && r->soff != r->slen) {
		if (write_step(r) == 1 && r->soff == r->slen)
			r_events(r, false);
	}
}

static void on_timer(void *ctx)
{
	struct relp_out *r = ctx;

	switch (r->state) {
	case R_BACKOFF:
		conn_start(r);
		break;
	case R_RESOLVING:
		resolve_poll(r);
		break;
	case R_CONNECTING:
	case R_HANDSHAKE:
	case R_OPENING:
		fail(r, "RELP session: no answer from the receiver", ETIMEDOUT);
		break;
	case R_UP:
		if (r->inflight && r->deadline_us && now_monotonic_us() >= r->deadline_us) {
			fail(r, "RELP: events unanswered", ETIMEDOUT);
			break;
		}
		pump(r, true);
		break;
	default:
		break;
	}
}

/* --- public ------------------------------------------------------------- */

int relp_out_open(const char *name, const struct output_url *u, const char *cursor_key,
		  const struct output_opts *opts, struct loop *loop, struct store *store,
		  struct relp_out **out, char *err, size_t errlen)
{
	struct relp_out *r;
	int ret = -ENOMEM;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->fd = -1;
	r->url = *u;
	r->opts = *opts;
	snprintf(r->host, sizeof(r->host), "%s", opts->hostname ? opts->hostname : "");
	r->opts.hostname = r->host;
	snprintf(r->port, sizeof(r->port), "%u", u->port);
	r->name = strdup(name);
	r->cursor_key = strdup(cursor_key);
	r->sbuf = malloc(RELP_SBUF_CAP);
	r->rec = malloc(RELP_REC_MAX);
	if (!r->name || !r->cursor_key || !r->sbuf || !r->rec)
		goto out;
	r->loop = loop;
	r->store = store;
	r->timer = (struct loop_timer){ .cb = on_timer, .ctx = r };
	r->backoff_ms = RELP_BACKOFF_MIN_MS;
	r->rng = (uint64_t)now_monotonic_us() ^ ((uint64_t)(uintptr_t)r << 16) ^
		 0x9e3779b97f4a7c15ULL;
	if (u->tls) {
		/* CA, certificate and key are read now, once (as syslog+tls) */
		ret = tls_ctx_new(u, name, &r->tls_ctx, err, errlen);
		if (ret < 0)
			goto out;
	}
	ret = store_cursor_get(store, r->cursor_key, &r->cursor);
	if (ret < 0)
		goto out;
	if (r->cursor < 0) {
		/* a new output starts at the journal's end (as ledger.c) */
		ret = store_last_id(store, &r->cursor);
		if (ret == 0)
			ret = store_cursor_set(store, r->cursor_key, r->cursor);
		if (ret < 0)
			goto out;
	}
	ret = store_last_id(store, &r->limit);
	if (ret < 0)
		goto out;
	relp_ledger_reset(r);
	r->st.cursor = r->cursor;
	if (loop)
		conn_start(r);
	*out = r;
	r = NULL;
	ret = 0;
out:
	if (ret < 0 && err && errlen && !err[0])
		snprintf(err, errlen, "output \"%s\": %s", name, strerror(-ret));
	relp_out_free(r);
	return ret;
}

void relp_out_free(struct relp_out *r)
{
	if (!r)
		return;
	if (r->loop)
		loop_timer_cancel(r->loop, &r->timer);
	if (r->state == R_UP && r->fd >= 0 && !r->inflight) {
		/* polite end; nothing waits on it */
		char fr[32], why[256];
		ssize_t n = relp_frame_put(fr, sizeof(fr), relp_ledger_txnr(r), "close", NULL, 0);
		bool ww;

		if (n > 0 && r->tls)
			tls_write(r->tls, fr, (size_t)n, &ww, why, sizeof(why));
		else if (n > 0 && send(r->fd, fr, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			log_debug("output %s: close: %s", r->name, strerror(errno));
	}
	r_close(r);
	tls_ctx_free(r->tls_ctx);
	resolve_free(r->rq);	/* a lookup still running frees itself */
	free(r->rec);
	free(r->sbuf);
	free(r->name);
	free(r->cursor_key);
	free(r);
}

void relp_out_kick(struct relp_out *r)
{
	int64_t last;

	if (store_last_id(r->store, &last) == 0 && last > r->limit)
		r->limit = last;
	if (r->state == R_IDLE)
		conn_start(r);
	else if (r->state == R_UP && !r->want_out)
		pump(r, true);
}


/* Drive the session with poll(2): `check` and shutdown have no loop. */
int relp_out_flush(struct relp_out *r, int timeout_ms)
{
	int64_t deadline = now_monotonic_us() + (int64_t)timeout_ms * 1000;
	int rounds = 0;

	if (store_last_id(r->store, &r->limit) < 0)
		return -EIO;
	for (;;) {
		struct pollfd p = { .fd = r->fd };
		int64_t now = now_monotonic_us(), left;
		uint32_t ev = 0;
		int n;

		if (r->state == R_UP)
			pump(r, false);
		if (r->state == R_UP && !relp_ledger_pending(r))
			return 0;
		if (now >= deadline)
			return -ETIMEDOUT;
		left = (deadline - now) / 1000;
		switch (r->state) {
		case R_IDLE:
		case R_BACKOFF:
			if (rounds++ >= 2)
				return -(r->last_err ? r->last_err : ECONNREFUSED);
			r->addr_idx = r->naddrs;
			conn_start(r);
			continue;
		case R_RESOLVING:
			poll(NULL, 0, RELP_GAI_POLL_MS);
			resolve_poll(r);
			continue;
		default:
			break;
		}
		if ((r->state == R_OPENING || r->state == R_CONNECTING || r->state == R_HANDSHAKE) &&
		    r->deadline_us && now >= r->deadline_us) {
			fail(r, "RELP session: no answer from the receiver", ETIMEDOUT);
			continue;
		}
		p.events = POLLIN | (r->state == R_CONNECTING || r->soff != r->slen ||
				     r->want_out ? POLLOUT : 0);
		n = poll(&p, 1, left > 100 ? 100 : (int)left + 1);
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n <= 0)
			continue;
		ev = (p.revents & POLLIN ? EPOLLIN : 0) | (p.revents & POLLOUT ? EPOLLOUT : 0) |
		     (p.revents & POLLERR ? EPOLLERR : 0) | (p.revents & POLLHUP ? EPOLLHUP : 0);
		on_fd(r, r->fd, ev);
	}
}

