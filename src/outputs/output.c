// SPDX-License-Identifier: GPL-2.0
/* output.c - deliver journaled events to syslog collectors (TCP, TLS, UDP)
 * and JSON lines (stdout, file). The OpenSSL side of TLS is in tls.c; here
 * TLS is one more state (ST_HANDSHAKE) and a ciphertext ack map (see
 * tls_acked() in ledger.c). docs/tls.md is the operator's view.
 *
 * This file is the connection state machine: resolve, connect, TLS steps,
 * backoff, and the public calls. The bytes of an up connection (writes,
 * the pump, reading back what the collector sends) are pump.c's; what is
 * delivered (the journal cursor, the events in flight and what the
 * collector acknowledged) is ledger.c's; struct output, shared by the
 * three, is in output_int.h.
 *
 * Nothing here blocks the loop: sockets are non-blocking, connect completes
 * on EPOLLOUT, a full socket buffer waits for EPOLLOUT, and one turn sends
 * at most OUT_TURN_BATCHES batches before yielding through a zero timer
 * (pump.c).
 * The TLS handshake runs from the loop too (WANT_READ / WANT_WRITE become
 * epoll interest) and is bounded by OUT_HANDSHAKE_MS.
 * A host name is resolved off the loop (resolve.c) on each (re)connect,
 * one lookup at a time per output, given up after OUT_RESOLVE_MS like a
 * connect that fails (backoff); a DNS outage delays delivery, never
 * observation.
 *
 * Reconnect: capped exponential backoff, 1 s doubling to 60 s, each delay
 * jittered to [d/2, d). State changes are logged once (connected /
 * disconnected); repeated failures while down go to debug.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "base/log.h"
#include "base/loop.h"
#include "outputs/output.h"
#include "outputs/output_int.h"
#include "outputs/relp.h"
#include "outputs/resolve.h"
#include "outputs/tls.h"
#include "store/store.h"
#include "base/util.h"

/* --- small helpers ------------------------------------------------------ */

static void on_fd(void *ctx, int fd, uint32_t events);

void conn_set_events(struct output *o, bool want_out)
{
	uint32_t ev = EPOLLIN | (want_out ? EPOLLOUT : 0);

	/* jsonl: files cannot be polled; a retry timer does instead */
	if (!o->loop || o->fd < 0 || o->url.kind == OUTPUT_JSONL)
		return;
	if (!o->fd_watched) {
		if (loop_add_fd(o->loop, o->fd, ev, on_fd, o) == 0)
			o->fd_watched = true;
	} else if (want_out != o->want_out) {
		loop_mod_fd(o->loop, o->fd, ev);
	}
	o->want_out = want_out;
}

static void o_close(struct output *o)
{
	tls_conn_free(o->tls);
	o->tls = NULL;
	o->tls_read_out = false;
	o->tls_ok = false;
	if (o->fd >= 0) {
		if (o->fd_watched && o->loop)
			loop_del_fd(o->loop, o->fd);
		if (o->own_fd)
			close(o->fd);
	}
	o->fd = -1;
	o->fd_watched = false;
	o->want_out = false;
}

void conn_arm(struct output *o, int delay_ms)
{
	if (o->loop)
		loop_timer_arm(o->loop, &o->timer,
			       now_monotonic_us() + (int64_t)delay_ms * 1000);
}

static uint32_t o_rand(struct output *o)
{
	/* xorshift64: jitter only, no need for quality */
	o->rng ^= o->rng << 13;
	o->rng ^= o->rng >> 7;
	o->rng ^= o->rng << 17;
	return (uint32_t)(o->rng >> 32);
}

static bool is_net(const struct output *o)
{
	return o->url.kind != OUTPUT_JSONL;
}

/* --- connection -------------------------------------------------------- */

static void conn_start(struct output *o);

/* why: a full reason (TLS), else strerror(err) after what. */
static void went_down_why(struct output *o, const char *what, const char *why, int err)
{
	o->st.failed++;
	o->last_err = err;
	if (!o->down_logged) {
		log_warnx("output %s: %s: %s; retrying with backoff (events are kept)",
			  o->name, what, why);
		o->down_logged = true;
	} else {
		log_debug("output %s: %s: %s", o->name, what, why);
	}
}

void conn_went_down(struct output *o, const char *what, int err)
{
	went_down_why(o, what, strerror(err), err);
}

void conn_backoff(struct output *o)
{
	int d = o->backoff_ms;

	o->state = ST_BACKOFF;
	d = d / 2 + (int)(o_rand(o) % (uint32_t)(d / 2 + 1));
	o->backoff_ms = o->backoff_ms * 2 > OUT_BACKOFF_MAX_MS ?
			OUT_BACKOFF_MAX_MS : o->backoff_ms * 2;
	conn_arm(o, d);
}

void conn_fail(struct output *o, const char *what, int err)
{
	o_close(o);
	ledger_reset(o);
	conn_went_down(o, what, err);
	conn_backoff(o);
}

/* A TLS failure: why already names the step and the reason. */
void conn_fail_tls(struct output *o, const char *why, int err)
{
	o_close(o);
	ledger_reset(o);
	went_down_why(o, o->url.host, why, err);
	conn_backoff(o);
}

static void resolve_done(struct output *o);

static void on_resolved(void *ctx, int fd, uint32_t events)
{
	resolve_done(ctx);
}

/* Drop the lookup under way (done, timed out, or the output closes). */
static void resolve_stop(struct output *o)
{
	if (!o->rq)
		return;
	if (o->loop && resolve_fd(o->rq) >= 0)
		loop_del_fd(o->loop, resolve_fd(o->rq));
	resolve_free(o->rq);
	o->rq = NULL;
}

static void resolve_failed(struct output *o, const char *why)
{
	if (!o->down_logged) {
		log_warnx("output %s: cannot resolve %s: %s; retrying with backoff (events are kept)",
			  o->name, o->url.host, why);
		o->down_logged = true;
	} else {
		log_debug("output %s: cannot resolve %s: %s", o->name, o->url.host, why);
	}
	o->st.failed++;
	o->last_err = EHOSTUNREACH;
	conn_backoff(o);
}

/* The lookup answered (or the fd woke us early: then keep waiting). */
static void resolve_done(struct output *o)
{
	const char *why;
	int ret;

	if (o->state != ST_RESOLVING || !o->rq)
		return;
	ret = resolve_result(o->rq, o->addrs, o->addrlens, OUT_MAX_ADDRS, &o->naddrs, &why);
	if (ret == -EINPROGRESS)
		return;
	resolve_stop(o);
	if (o->loop)
		loop_timer_cancel(o->loop, &o->timer);
	o->addr_idx = 0;
	if (ret < 0) {
		o->naddrs = 0;
		resolve_failed(o, why);
		return;
	}
	o->state = ST_IDLE;
	conn_start(o);
}

/* 0: addresses ready, 1: a lookup is under way (ST_RESOLVING), -errno. */
static int resolve(struct output *o)
{
	int ret;

	resolve_stop(o);
	o->naddrs = o->addr_idx = 0;
	ret = resolve_start(o->url.host, o->url.port,
			    o->url.kind == OUTPUT_UDP ? SOCK_DGRAM : SOCK_STREAM, &o->rq);
	if (ret < 0) {
		resolve_failed(o, strerror(-ret));
		return ret;
	}
	o->state = ST_RESOLVING;
	if (ret == 0) {
		if (o->loop && loop_add_fd(o->loop, resolve_fd(o->rq), EPOLLIN,
					   on_resolved, o) < 0) {
			resolve_stop(o);
			resolve_failed(o, "cannot watch the lookup");
			return -EIO;
		}
		o->resolve_until = now_monotonic_us() + OUT_RESOLVE_MS * 1000LL;
		conn_arm(o, OUT_RESOLVE_MS);
		return 1;
	}
	resolve_done(o);	/* numeric: connects (or fails) now */
	return 1;
}

/* Up for real: log it once, and only now reset the backoff, so a TLS 1.3
 * collector that rejects us after the handshake is retried with backoff,
 * not in a tight loop with a "connected" line each time. */
static void say_connected(struct output *o)
{
	o->backoff_ms = OUT_BACKOFF_MIN_MS;
	if (o->down_logged || o->st.sent == 0)
		log_info("output %s: connected%s%s", o->name, o->tls ? ", " : "",
			 o->tls ? tls_describe(o->tls) : "");
	o->down_logged = false;
	o->tls_ok = true;
}

/* TLS 1.3: nothing is confirmed until the collector has shown it accepts
 * us (why: see tls_acked() in ledger.c). */
bool conn_tls_accepted(struct output *o)
{
	if (o->tls_ok)
		return true;
	if (!tls_peer_accepted(o->tls) &&
	    now_monotonic_us() - o->tls_up_us < OUT_TLS_ACCEPT_MS * 1000LL)
		return false;
	say_connected(o);
	return true;
}

static void connected(struct output *o)
{
	int one = 1;

	o->state = ST_UP;
	if (o->url.kind != OUTPUT_UDP) {
		/* A dead collector (host gone, link cut, or a peer that stopped
		 * reading) must become an error we reconnect from, not a socket
		 * that waits for hours: probe an idle connection after 30 s, and
		 * give up on bytes unacknowledged for 60 s. */
		int idle = 30, intvl = 10, cnt = 3;
		unsigned int user_timeout_ms = 60000;

		setsockopt(o->fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
		setsockopt(o->fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
		setsockopt(o->fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
		setsockopt(o->fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
		setsockopt(o->fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout_ms,
			   sizeof(user_timeout_ms));
	}
	if (!o->tls || tls_peer_accepted(o->tls))
		say_connected(o);
	else
		log_debug("output %s: TLS session up (%s), waiting for the collector to accept it",
			  o->name, tls_describe(o->tls));
	ledger_reset(o);	/* resend from the cursor */
	conn_set_events(o, false);
	pump_send(o, true);
}

/* One handshake step; WANT_READ / WANT_WRITE become epoll interest. */
static void tls_step(struct output *o)
{
	char why[512];
	bool want_write;
	int ret = tls_handshake(o->tls, &want_write, why, sizeof(why));

	if (ret == -EAGAIN) {
		conn_set_events(o, want_write);
		return;
	}
	if (ret < 0) {
		conn_fail_tls(o, why, -ret);
		return;
	}
	if (o->loop)
		loop_timer_cancel(o->loop, &o->timer);
	o->tls_up_us = now_monotonic_us();
	connected(o);
}

/* TCP is up: plain TCP is connected, TLS starts its handshake (bounded
 * by OUT_HANDSHAKE_MS: a peer that accepts and stays silent is down). */
static void tcp_up(struct output *o)
{
	int ret;

	if (o->url.kind != OUTPUT_TLS) {
		connected(o);
		return;
	}
	ret = tls_conn_new(o->tls_ctx, o->fd, &o->tls);
	if (ret < 0) {
		conn_fail(o, "TLS session", -ret);
		return;
	}
	o->state = ST_HANDSHAKE;
	conn_arm(o, OUT_HANDSHAKE_MS);
	tls_step(o);
}

/* Try addresses from addr_idx on; immediate failures move to the next. */
static void conn_start(struct output *o)
{
	int type = o->url.kind == OUTPUT_UDP ? SOCK_DGRAM : SOCK_STREAM;

	if (o->loop)
		loop_timer_cancel(o->loop, &o->timer);
	o_close(o);
	if (o->addr_idx >= o->naddrs) {
		resolve(o);	/* it connects (or backs off) when answered */
		return;
	}
	while (o->addr_idx < o->naddrs) {
		union endpoint *a = &o->addrs[o->addr_idx];
		int fd = socket(a->sa.sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		if (fd < 0) {
			o->addr_idx++;
			o->last_err = errno;
			continue;
		}
		o->fd = fd;
		o->own_fd = true;
		/* A turn's records go out in one write: no reason to let Nagle
		 * hold the next turn's behind the collector's delayed ACK (tens
		 * of ms on every event otherwise: bench/latency.sh). */
		if (type == SOCK_STREAM)
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
		if (connect(fd, &a->sa, o->addrlens[o->addr_idx]) == 0) {
			tcp_up(o);
			return;
		}
		if (errno == EINPROGRESS) {
			o->state = ST_CONNECTING;
			conn_set_events(o, true);
			return;
		}
		o->last_err = errno;
		o_close(o);
		o->addr_idx++;
	}
	conn_went_down(o, "connect", o->last_err ? o->last_err : ECONNREFUSED);
	conn_backoff(o);
}

static void connect_done(struct output *o)
{
	int err = 0;
	socklen_t el = sizeof(err);

	if (getsockopt(o->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
		err = errno;
	if (err == 0) {
		tcp_up(o);
		return;
	}
	o->last_err = err;
	o_close(o);
	o->addr_idx++;
	if (o->addr_idx < o->naddrs) {
		conn_start(o);
		return;
	}
	conn_went_down(o, "connect", err);
	conn_backoff(o);
}

static void on_fd(void *ctx, int fd, uint32_t events)
{
	struct output *o = ctx;

	if (o->state == ST_CONNECTING) {
		connect_done(o);
		return;
	}
	if (o->state == ST_HANDSHAKE) {
		tls_step(o);
		return;
	}
	if (o->state != ST_UP)
		return;
	if (o->tls_read_out && (events & EPOLLOUT))
		events |= EPOLLIN;	/* the read that wanted the socket writable */
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		pump_discard_input(o);
	if (o->state == ST_UP && (events & (EPOLLERR | EPOLLHUP)) &&
	    o->url.kind != OUTPUT_UDP) {
		int err = 0;
		socklen_t el = sizeof(err);

		getsockopt(o->fd, SOL_SOCKET, SO_ERROR, &err, &el);
		conn_fail(o, "connection lost", err ? err : ECONNRESET);
		return;
	}
	if (o->state == ST_UP && (events & EPOLLOUT))
		pump_send(o, true);
}

static void on_timer(void *ctx)
{
	struct output *o = ctx;

	switch (o->state) {
	case ST_BACKOFF:
		if (is_net(o)) {
			conn_start(o);
		} else {
			o->state = ST_UP;
			pump_send(o, true);
		}
		break;
	case ST_UP:
		pump_send(o, true);
		break;
	case ST_HANDSHAKE:
		conn_fail_tls(o, "TLS handshake: no answer from the collector", ETIMEDOUT);
		break;
	case ST_RESOLVING:
		resolve_stop(o);
		resolve_failed(o, "no answer from the name server");
		break;
	default:
		break;
	}
}

/* --- public -------------------------------------------------------------- */

int output_open(const char *url, const struct output_opts *opts,
		struct loop *loop, struct store *store,
		struct output **out, char *err, size_t errlen)
{
	struct output *o;
	int ret;

	*out = NULL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->fd = -1;
	ret = output_url_parse(url, strlen(url), &o->url, err, errlen);
	if (ret < 0)
		goto out;
	ret = -ENOMEM;
	o->name = strdup(url);
	o->buf = malloc(OUT_BUF_CAP);
	o->rec = malloc(OUT_REC_MAX);
	if (!o->name || !o->buf || !o->rec)
		goto out;
	if (o->url.kind == OUTPUT_TLS) {
		/* CA, certificate and key are read now, once: a bad file is a
		 * startup error naming it, not a reconnect loop. */
		ret = tls_ctx_new(&o->url, url, &o->tls_ctx, err, errlen);
		if (ret < 0)
			goto out;
	}
	if (opts)
		o->opts = *opts;
	else
		o->opts.min_severity = LOG_DEBUG;
	if (o->opts.facility < 0 || o->opts.facility > 23)
		o->opts.facility = 1;
	/* [output] sd_id wins over ?sd_id=; kept in url, not a pointer into
	 * a configuration a reload rewrites. */
	if (opts && opts->sd_id && opts->sd_id[0])
		snprintf(o->url.sd_id, sizeof(o->url.sd_id), "%s", opts->sd_id);
	o->opts.sd_id = NULL;
	if (opts && opts->hostname && opts->hostname[0])
		snprintf(o->host, sizeof(o->host), "%s", opts->hostname);
	else if (gethostname(o->host, sizeof(o->host) - 1) < 0)
		o->host[0] = '\0';
	o->opts.hostname = o->host;
	o->loop = loop;
	o->store = store;
	o->timer.cb = on_timer;
	o->timer.ctx = o;
	o->backoff_ms = OUT_BACKOFF_MIN_MS;
	o->rng = (uint64_t)now_monotonic_us() ^ ((uint64_t)(uintptr_t)o << 16) ^ 0x9e3779b97f4a7c15ULL;

	ret = ledger_open_cursor(o, url, opts ? opts->cursor_key : NULL);
	if (ret < 0)
		goto out;
	if (o->url.kind == OUTPUT_RELP) {
		/* relp.c keeps the cursor ledger_open_cursor() named (and took over) */
		ret = relp_out_open(o->name, &o->url, o->cursor_key, &o->opts, loop,
				    store, &o->relp, err, errlen);
		if (ret < 0)
			goto out;
		*out = o;
		return 0;
	}
	o->st.cursor = o->cursor;
	o->queued = o->cursor;
	ret = store_last_id(store, &o->limit);
	if (ret < 0)
		goto out;
	if (o->url.kind == OUTPUT_JSONL) {
		ret = ledger_open_jsonl(o, err, errlen);
		if (ret < 0)
			goto out;
	} else if (loop) {
		conn_start(o);	/* early: a bad collector shows in the log at start */
	}
	*out = o;
	o = NULL;
	ret = 0;
out:
	output_free(o);
	return ret;
}

void output_free(struct output *o)
{
	if (!o)
		return;
	if (o->loop)
		loop_timer_cancel(o->loop, &o->timer);
	resolve_stop(o);
	o_close(o);
	relp_out_free(o->relp);
	tls_ctx_free(o->tls_ctx);
	free(o->rec);
	free(o->buf);
	free(o->name);
	free(o->cursor_key);
	free(o);
}

const char *output_name(const struct output *o)
{
	return o->name;
}


void output_kick(struct output *o)
{
	if (o->relp) {
		relp_out_kick(o->relp);
		return;
	}
	ledger_update_limit(o);
	switch (o->state) {
	case ST_IDLE:
		if (is_net(o))
			conn_start(o);
		break;
	case ST_UP:
		if (!o->want_out)
			pump_send(o, true);
		break;
	default:
		break;	/* connecting or backing off: it will catch up */
	}
}


static int poll_any(int fd, short events, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int64_t left = (deadline - now_monotonic_us()) / 1000;
	int n;

	if (left <= 0)
		return 0;
	n = poll(&p, 1, left > 1000 ? 1000 : (int)left);
	if (n <= 0)
		return n < 0 && errno != EINTR ? -errno : 0;
	return (p.revents & POLLIN ? EPOLLIN : 0) | (p.revents & POLLOUT ? EPOLLOUT : 0) |
	       (p.revents & POLLERR ? EPOLLERR : 0) | (p.revents & POLLHUP ? EPOLLHUP : 0);
}

static int poll_fd(struct output *o, short events, int64_t deadline)
{
	return poll_any(o->fd, events, deadline);
}

/* Drive the same state machine with poll(2), not the loop: `check` and
 * shutdown have no loop turn to wait for. At most two connection rounds:
 * a refused collector fails `check` quickly instead of eating the timeout. */
int output_flush(struct output *o, int timeout_ms)
{
	int64_t deadline = now_monotonic_us() + (int64_t)timeout_ms * 1000;
	int rounds = 0;

	if (o->relp)
		return relp_out_flush(o->relp, timeout_ms);
	ledger_update_limit(o);
	for (;;) {
		int ev;

		if (o->state == ST_UP)
			pump_send(o, false);
		if (!ledger_pending(o))
			return 0;
		if (now_monotonic_us() >= deadline)
			return -ETIMEDOUT;
		switch (o->state) {
		case ST_IDLE:
		case ST_BACKOFF:
			if (!is_net(o)) {
				if (rounds++ >= 2)
					return -(o->last_err ? o->last_err : EIO);
				o->state = ST_UP;
				break;
			}
			if (rounds++ >= 2)
				return -(o->last_err ? o->last_err : ECONNREFUSED);
			o->addr_idx = o->naddrs;	/* resolve again */
			conn_start(o);
			break;
		case ST_RESOLVING:
			ev = poll_any(resolve_fd(o->rq), POLLIN, deadline < o->resolve_until ?
				      deadline : o->resolve_until);
			if (ev < 0)
				return ev;
			if (ev) {
				resolve_done(o);
			} else if (now_monotonic_us() >= o->resolve_until) {
				resolve_stop(o);
				resolve_failed(o, "no answer from the name server");
			}
			break;
		case ST_CONNECTING:
			ev = poll_fd(o, POLLOUT, deadline);
			if (ev < 0)
				return ev;
			if (ev)
				connect_done(o);
			break;
		case ST_HANDSHAKE:
			ev = poll_fd(o, o->want_out ? POLLIN | POLLOUT : POLLIN, deadline);
			if (ev < 0)
				return ev;
			tls_step(o);	/* also on a timeout: no answer, no wait */
			if (!ev && o->state == ST_HANDSHAKE &&
			    now_monotonic_us() >= deadline)
				return -ETIMEDOUT;
			break;
		case ST_UP:
			if (!is_net(o)) {	/* a stdout pipe that was full */
				if (poll_fd(o, POLLOUT, deadline) < 0)
					return -EIO;
				break;
			}
			/* nothing to write: wait for acks (or a reset) */
			ev = poll_fd(o, o->off != o->len ? POLLIN | POLLOUT : POLLIN,
				     o->off != o->len ? deadline :
				     now_monotonic_us() + pump_ack_poll_delay(o) * 1000LL);
			if (ev < 0)
				return ev;
			if (ev)
				on_fd(o, o->fd, (uint32_t)ev);
			break;
		}
	}
}

