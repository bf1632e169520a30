// SPDX-License-Identifier: GPL-2.0
/* relplisten.c - RELP (librelp's protocol: rsyslog omrelp, wgaudit's
 * syslog+relp://) on the collector's loop, with base/relpframe.c.
 *
 * The point of RELP here is the answer: a sender forgets a record when it
 * reads "rsp 200" for its txnr, so that answer must not go out before the
 * record is committed. Each connection's send buffer has two parts: bytes
 * that may go now (the answer to "open", errors) and, behind them, answers
 * held for the open batch. The collector marks what is held when a batch
 * ends (relpl_mark) and calls relpl_committed() once its commit landed,
 * which releases what was held up to the mark (records taken while the
 * commit ran wait for the next); a failed commit closes the connections
 * that wait on it unanswered, and their senders send again (the unique
 * event_id index keeps that from storing anything twice).
 *
 * Bounds: a frame's DATA is at most max_msg (larger: counted as oversize,
 * connection closed: RELP has no way to skip a frame and carry on that a
 * sender would not answer with an endless retransmission); at most
 * RELPL_HELD_MAX answers held per connection, beyond which the connection
 * is not read until the next commit (back-pressure, not loss); a broken
 * frame is counted (framing_errors), logged (rate-limited) and ends the
 * connection; a connection silent for idle_us or holding a partial frame
 * for frame_us is closed by the sweep, as in listen.c.
 *
 * relp://ADDR:PORT?tls=1 puts the session inside TLS from the first byte
 * (librelp's tls="on"), with ctls.c's server context (--tls-cert, --tls-key,
 * --tls-ca): the handshake runs from the readiness callback like listen.c's,
 * bounded by handshake_us; decrypted bytes OpenSSL holds are drained in the
 * same turn; an SSL_write that must wait is retried with the same bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include "base/failpoint.h"
#include "base/log.h"
#include "base/loop.h"
#include "base/relpframe.h"
#include "base/util.h"
#include "collector/cstore.h"
#include "collector/ctls.h"
#include "collector/listen.h"
#include "collector/relplisten.h"

#define RELPL_LISTEN_MAX	8
#define RELPL_HELD_MAX		2048	/* answers waiting for a commit (agent window: 1024) */
#define RELPL_RSP_LEN		24	/* "999999999 rsp 6 200 OK\n" */
#define RELPL_SBUF_CAP		(RELPL_HELD_MAX * RELPL_RSP_LEN + 4096)
#define RELPL_READS_PER_TURN	4
#define RELPL_SWEEP_US		(1000 * 1000)
#define RELPL_RATELOG_US	(10 * 1000 * 1000)
#define RELPL_OFFERS		"200 OK\nrelp_version=0\nrelp_software=wgaudit," \
				WGAUDIT_VERSION "\ncommands=syslog"

struct rlistener {
	struct rlset *rs;
	const struct lsock *sk;
	bool tls;
};

struct rconn {
	struct rlset *rs;
	int fd;
	char src[INET6_ADDRSTRLEN];
	char *rbuf, *sbuf;
	size_t rlen;
	size_t soff, slen, hlen;	/* sent, may go, held (soff <= slen <= hlen) */
	size_t nheld;
	size_t mlen, mheld;	/* held up to the mark: go when the commit lands */
	bool opened, closing, paused, want_out;
	struct ctls_conn *tls;	/* NULL: plain TCP */
	bool hs_done, tls_ww;	/* handshake over; OpenSSL must write */
	size_t tls_wlen;	/* an SSL_write to retry with these bytes */
	int64_t opened_us, last_rx_us, partial_since_us;
	struct rconn *prev, *next;
};

struct rlset {
	struct loop *loop;
	size_t max_msg;
	unsigned max_conns;
	int64_t idle_us, frame_us, handshake_us;
	struct ctls_ctx *tls;	/* for ?tls=1 listeners; owned by the caller */
	struct relpl_hooks h;
	struct rlistener lis[RELPL_LISTEN_MAX];
	struct lsock socks[RELPL_LISTEN_MAX];	/* lis[i]'s socket */
	unsigned nlis;
	struct rconn *conns;
	unsigned nconns;
	size_t held;
	struct loop_timer sweep;
	int64_t log_us;
	unsigned log_suppressed;
};

/* One warning per RELPL_RATELOG_US; the others are counted. */
static void rl_warn(struct rlset *rs, const char *src, const char *why)
{
	int64_t now = now_monotonic_us();

	if (rs->log_us && now - rs->log_us < RELPL_RATELOG_US) {
		rs->log_suppressed++;
		return;
	}
	log_warnx("collector: relp %s: %s, closing (%u more suppressed)", src, why,
		  rs->log_suppressed);
	rs->log_us = now;
	rs->log_suppressed = 0;
}

static void conn_close(struct rconn *c)
{
	struct rlset *rs = c->rs;

	loop_del_fd(rs->loop, c->fd);
	ctls_conn_free(c->tls);
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		rs->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	rs->nconns--;
	rs->held -= c->nheld;
	free(c->rbuf);
	free(c->sbuf);
	free(c);
}

static void conn_events(struct rconn *c)
{
	uint32_t ev = (c->paused || c->closing ? 0 : EPOLLIN) |
		      (c->soff < c->slen || c->tls_ww ? EPOLLOUT : 0);

	if (c->tls_ww || (c->tls && !c->hs_done))
		ev |= EPOLLIN;	/* OpenSSL's own reads go on */
	bool want_out = ev & EPOLLOUT;

	loop_mod_fd(c->rs->loop, c->fd, ev);
	c->want_out = want_out;
}

/* Bytes written (> 0), -EAGAIN, -errno. */
static ssize_t conn_send(struct rconn *c)
{
	char why[256];
	ssize_t n;

	if (!c->tls) {
		n = send(c->fd, c->sbuf + c->soff, c->slen - c->soff, MSG_NOSIGNAL | MSG_DONTWAIT);
		return n < 0 ? -errno : n;
	}
	/* OpenSSL wants a retried write to carry the same bytes */
	if (!c->tls_wlen)
		c->tls_wlen = c->slen - c->soff;
	n = ctls_write(c->tls, c->sbuf + c->soff, c->tls_wlen, &c->tls_ww, why, sizeof(why));
	if (n > 0)
		c->tls_wlen = 0;
	return n;
}

/* Bytes read (> 0), 0 at the end, -EAGAIN, -errno. */
static ssize_t conn_recv(struct rconn *c, size_t want)
{
	char why[256];
	ssize_t n;
	bool ww;

	if (!c->tls) {
		n = read(c->fd, c->rbuf + c->rlen, want);
		return n < 0 ? -errno : n;
	}
	n = ctls_read(c->tls, c->rbuf + c->rlen, want, &ww, why, sizeof(why));
	if (n == -EAGAIN && ww)
		c->tls_ww = true;
	if (n == -ECONNRESET || n == -EPIPE)
		return 0;
	if (n < 0 && n != -EAGAIN && n != -EINTR) {
		c->rs->h.st->tls_failed++;
		rl_warn(c->rs, c->src, why);
	}
	return n;
}

/* Send what may go. false: the connection was closed. */
static bool conn_flush(struct rconn *c)
{
	while (c->soff < c->slen) {
		ssize_t n = conn_send(c);

		if (n == -EINTR)
			continue;
		if (n == -EAGAIN)
			break;
		if (n <= 0) {
			conn_close(c);
			return false;
		}
		c->soff += (size_t)n;
	}
	if (c->soff == c->slen && c->soff) {
		/* keep the held answers, drop what went */
		memmove(c->sbuf, c->sbuf + c->slen, c->hlen - c->slen);
		c->hlen -= c->slen;
		c->mlen = c->mlen > c->slen ? c->mlen - c->slen : 0;
		c->soff = c->slen = 0;
	}
	if (c->closing && c->soff == c->slen && c->hlen == 0) {
		conn_close(c);
		return false;
	}
	c->paused = c->nheld >= RELPL_HELD_MAX;
	conn_events(c);
	return true;
}

/* Queue a frame: held (released at the next commit), or to go now unless
 * answers are held before it (answers keep their order). */
static int put(struct rconn *c, bool held, uint32_t txnr, const char *cmd,
	       const char *data, size_t len)
{
	ssize_t n;

	held = held || c->hlen > c->slen;
	n = relp_frame_put(c->sbuf + c->hlen, RELPL_SBUF_CAP - c->hlen, txnr, cmd, data, len);
	if (n < 0)
		return (int)n;
	c->hlen += (size_t)n;
	if (!held)
		c->slen = c->hlen;
	return 0;
}

static int rsp(struct rconn *c, bool held, uint32_t txnr, const char *text)
{
	return put(c, held, txnr, "rsp", text, strlen(text));
}

/* One frame. false: the connection must end (already counted). */
static bool conn_frame(struct rconn *c, const struct relp_frame *f)
{
	struct rlset *rs = c->rs;
	const char *v;
	size_t vl;

	if (!c->opened && strcmp(f->cmd, "open")) {
		rs->h.st->framing_errors++;
		rl_warn(rs, c->src, "RELP command before open");
		return false;
	}
	if (!strcmp(f->cmd, "open")) {
		if (relp_offer_get(f->data, f->datalen, "commands", &v, &vl) == 0 &&
		    !relp_commands_have(v, vl, "syslog")) {
			rsp(c, false, f->txnr, "500 this receiver takes syslog only");
			c->closing = true;
			return true;
		}
		c->opened = true;
		return rsp(c, false, f->txnr, RELPL_OFFERS) == 0;
	}
	if (!strcmp(f->cmd, "syslog")) {
		if (c->nheld >= RELPL_HELD_MAX)
			return false;	/* cannot happen: not read while paused */
		if (rs->h.record(rs->h.ctx, f->data, f->datalen, c->src) < 0) {
			rl_warn(rs, c->src, "record not taken (database)");
			return false;
		}
		FAILPOINT("relpl_taken");
		if (rsp(c, true, f->txnr, "200 OK") < 0)
			return false;
		c->nheld++;
		rs->held++;
		return true;
	}
	if (!strcmp(f->cmd, "close")) {
		/* librelp answers "rsp 0" then "serverclose"; both after the
		 * answers still held, so the sender gets those first */
		c->closing = true;
		return put(c, false, f->txnr, "rsp", NULL, 0) == 0 &&
		       put(c, false, 0, "serverclose", NULL, 0) == 0;
	}
	return rsp(c, false, f->txnr, "500 command not supported") == 0;
}

/* Frames in rbuf. false: closed. */
static bool conn_frames(struct rconn *c)
{
	struct rlset *rs = c->rs;
	size_t off = 0;

	while (off < c->rlen && !c->closing && c->nheld < RELPL_HELD_MAX) {
		struct relp_frame f;
		ssize_t n = relp_frame_parse(c->rbuf + off, c->rlen - off, rs->max_msg, &f);

		if (n == 0)
			break;
		if (n < 0) {
			rs->h.st->rejected++;
			if (n == -EMSGSIZE) {
				rs->h.st->oversize++;
				rl_warn(rs, c->src, "RELP record over --max-message");
			} else {
				rs->h.st->framing_errors++;
				rl_warn(rs, c->src, "bytes that are not RELP");
			}
			conn_close(c);
			return false;
		}
		if (!conn_frame(c, &f)) {
			conn_close(c);
			return false;
		}
		off += (size_t)n;
	}
	memmove(c->rbuf, c->rbuf + off, c->rlen - off);
	c->rlen -= off;
	return true;
}

static void conn_read(struct rconn *c)
{
	struct rlset *rs = c->rs;
	size_t cap = rs->max_msg + RELP_HDR_MAX + 2;

	for (int i = 0; (i < RELPL_READS_PER_TURN || (c->tls && ctls_pending(c->tls))) &&
	     !c->closing && c->nheld < RELPL_HELD_MAX && c->rlen < cap; i++) {
		size_t want = cap - c->rlen;
		ssize_t n = conn_recv(c, want);

		if (n == -EINTR)
			continue;
		if (n == -EAGAIN)
			break;
		if (n <= 0) {
			/* held answers go nowhere now; their records are in
			 * the batch and the sender will send them again */
			conn_close(c);
			return;
		}
		c->rlen += (size_t)n;
		c->last_rx_us = now_monotonic_us();
		if (!conn_frames(c))
			return;
		if (!c->tls && (size_t)n < want)
			break;	/* drained (TLS: one record per read, EAGAIN says it) */
	}
	if (!c->rlen)
		c->partial_since_us = 0;
	else if (!c->partial_since_us)
		c->partial_since_us = now_monotonic_us();
	conn_flush(c);
}

/* 1 done, 0 not yet, -1 failed (closed). */
static int conn_handshake(struct rconn *c)
{
	char why[256];
	bool ww;
	int ret = ctls_accept(c->tls, &ww, why, sizeof(why));

	if (ret == -EAGAIN) {
		c->tls_ww = ww;
		conn_events(c);
		return 0;
	}
	if (ret < 0) {
		c->rs->h.st->tls_failed++;
		rl_warn(c->rs, c->src, why);
		conn_close(c);
		return -1;
	}
	c->hs_done = true;
	c->tls_ww = false;
	c->last_rx_us = now_monotonic_us();
	log_debug("collector: relp %s: %s", c->src, ctls_describe(c->tls));
	conn_events(c);
	return 1;
}

static void conn_event(void *ctx, int fd, uint32_t events)
{
	struct rconn *c = ctx;

	if (c->tls && !c->hs_done) {
		if (conn_handshake(c) <= 0)
			return;
		events |= EPOLLIN;
	}
	if (c->tls_ww && (events & EPOLLOUT)) {
		c->tls_ww = false;	/* the read or write that waited can go */
		events |= EPOLLIN;
	}

	if (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLIN)) {
		conn_close(c);
		return;
	}
	if (events & EPOLLIN) {
		conn_read(c);
		return;
	}
	if (events & EPOLLOUT)
		conn_flush(c);
}

static void on_accept(void *ctx, int fd, uint32_t events)
{
	struct rlistener *li = ctx;
	struct rlset *rs = li->rs;

	for (int i = 0; i < 16; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct rconn *c;
		int cfd = accept4(fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (cfd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				log_warn("collector: accept on %s", li->sk->url);
			return;
		}
		if (rs->nconns >= rs->max_conns) {
			rs->h.st->conns_refused++;
			close(cfd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (c) {
			c->rbuf = malloc(rs->max_msg + RELP_HDR_MAX + 2);
			c->sbuf = malloc(RELPL_SBUF_CAP);
		}
		if (c && c->rbuf && c->sbuf && li->tls && ctls_conn_new(rs->tls, cfd, &c->tls) < 0) {
			free(c->sbuf);
			c->sbuf = NULL;
		}
		if (!c || !c->rbuf || !c->sbuf ||
		    loop_add_fd(rs->loop, cfd, EPOLLIN, conn_event, c) < 0) {
			log_warnx("collector: cannot take a RELP connection: out of memory");
			if (c) {
				ctls_conn_free(c->tls);
				free(c->rbuf);
				free(c->sbuf);
			}
			free(c);
			close(cfd);
			continue;
		}
		c->rs = rs;
		c->fd = cfd;
		listen_addr_text(&ss, c->src);
		c->opened_us = c->last_rx_us = now_monotonic_us();
		c->next = rs->conns;
		if (rs->conns)
			rs->conns->prev = c;
		rs->conns = c;
		rs->nconns++;
		rs->h.st->conns_accepted++;
	}
}

void relpl_mark(struct rlset *rs)
{
	for (struct rconn *c = rs->conns; c; c = c->next) {
		c->mlen = c->hlen;
		c->mheld = c->nheld;
	}
}

void relpl_committed(struct rlset *rs, bool ok)
{
	struct rconn *c, *next;

	for (c = rs->conns; c; c = next) {
		bool was_paused = c->paused;

		next = c->next;
		if (!c->mheld && c->mlen <= c->slen)
			continue;
		if (!ok && c->mheld) {
			rl_warn(rs, c->src, "commit failed, records unanswered");
			conn_close(c);
			continue;
		}
		rs->held -= c->mheld;
		c->nheld -= c->mheld;
		c->mheld = 0;
		if (c->mlen > c->slen)
			c->slen = c->mlen;
		if (!conn_flush(c))
			continue;
		/* frames read before the pause get no new EPOLLIN */
		if (was_paused && c->rlen && conn_frames(c))
			conn_flush(c);
	}
}

static void sweep(void *ctx)
{
	struct rlset *rs = ctx;
	int64_t now = now_monotonic_us();
	struct rconn *c, *next;

	for (c = rs->conns; c; c = next) {
		bool idle = !c->nheld && now - c->last_rx_us > rs->idle_us;
		bool slow = c->partial_since_us && now - c->partial_since_us > rs->frame_us;
		bool hs = c->tls && !c->hs_done && now - c->opened_us > rs->handshake_us;

		next = c->next;
		if (!idle && !slow && !hs)
			continue;
		rs->h.st->conns_timed_out++;
		if (hs)
			rs->h.st->tls_failed++;
		rl_warn(rs, c->src, hs ? "TLS handshake not completed in time" :
			slow ? "frame not completed in time" : "idle");
		if (idle && c->opened && !c->tls) {
			/* tell a librelp sender why, so it reconnects quietly */
			char fr[] = "0 serverclose 0\n";

			if (send(c->fd, fr, sizeof(fr) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				log_debug("collector: relp %s: serverclose: %s", c->src,
					  strerror(errno));
		}
		conn_close(c);
	}
	loop_timer_arm(rs->loop, &rs->sweep, now + RELPL_SWEEP_US);
}

int relpl_new(struct loop *l, const struct listen_opts *o, const struct relpl_hooks *h,
	      struct rlset **out)
{
	struct rlset *rs = calloc(1, sizeof(*rs));

	*out = NULL;
	if (!rs)
		return -ENOMEM;
	rs->loop = l;
	rs->max_msg = o->max_msg;
	rs->max_conns = o->max_conns;
	rs->idle_us = o->idle_us;
	rs->frame_us = o->frame_us;
	rs->handshake_us = o->handshake_us;
	rs->tls = o->tls;
	rs->h = *h;
	rs->sweep = (struct loop_timer){ .cb = sweep, .ctx = rs };
	loop_timer_arm(l, &rs->sweep, now_monotonic_us() + RELPL_SWEEP_US);
	*out = rs;
	return 0;
}

int relpl_add(struct rlset *rs, const char *url)
{
	struct sockaddr_storage ss;
	struct rlistener *li;
	struct lsock *sk;
	char hp[80];
	const char *q = strchr(url, '?');
	size_t hl = q ? (size_t)(q - url) : strlen(url);
	bool tls = q && !strcmp(q, "?tls=1");
	socklen_t sl;
	int fd, ret;

	if (strncmp(url, "relp://", 7) || hl - 7 >= sizeof(hp) || (q && !tls)) {
		log_warnx("collector: --listen %s: want relp://ADDR:PORT[?tls=1] with ADDR an"
			  " address (127.0.0.1, [::1], 0.0.0.0)", url);
		return -EINVAL;
	}
	memcpy(hp, url + 7, hl - 7);
	hp[hl - 7] = '\0';
	if (listen_parse_hostport(hp, &ss, &sl) < 0) {
		log_warnx("collector: --listen %s: want relp://ADDR:PORT[?tls=1] with ADDR an"
			  " address (127.0.0.1, [::1], 0.0.0.0)", url);
		return -EINVAL;
	}
	if (tls && !rs->tls) {
		log_warnx("collector: --listen %s: needs --tls-cert and --tls-key", url);
		return -EINVAL;
	}
	if (rs->nlis == RELPL_LISTEN_MAX) {
		log_warnx("collector: --listen %s: at most %d RELP listeners", url,
			  RELPL_LISTEN_MAX);
		return -EINVAL;
	}
	li = &rs->lis[rs->nlis];
	sk = &rs->socks[rs->nlis];
	fd = listen_bind(url, SOCK_STREAM, &ss, sl, "relp", tls ? "?tls=1" : "", sk->url,
			 sizeof(sk->url));
	if (fd < 0)
		return fd;
	sk->fd = fd;
	li->rs = rs;
	li->sk = sk;
	li->tls = tls;
	ret = loop_add_fd(rs->loop, fd, EPOLLIN, on_accept, li);
	if (ret < 0) {
		close(fd);
		return ret;
	}
	rs->nlis++;
	return 0;
}

size_t relpl_held(const struct rlset *rs)
{
	return rs->held;
}

void relpl_describe(const struct rlset *rs, char *out, size_t len)
{
	lsock_describe(rs->socks, rs->nlis, out, len);
}

unsigned relpl_conns(const struct rlset *rs)
{
	return rs->nconns;
}

void relpl_free(struct rlset *rs)
{
	if (!rs)
		return;
	while (rs->conns)
		conn_close(rs->conns);
	lsock_close(rs->loop, rs->socks, rs->nlis);
	loop_timer_cancel(rs->loop, &rs->sweep);
	free(rs);
}
