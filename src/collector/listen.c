// SPDX-License-Identifier: GPL-2.0
/* listen.c - TCP, TLS and UDP syslog listeners on the shared epoll loop.
 *
 * One thread serves every sender, so no sender may hold it: sockets are
 * non-blocking, each readiness callback does a bounded amount of work
 * (a few reads, a few hundred datagrams) and returns, and epoll is level
 * triggered so what is left is picked up on the next turn, after the
 * other senders had theirs. Each TCP connection owns a buffer of
 * max_msg + FRAMER_HDR_MAX bytes: a frame up to max_msg always fits, a
 * longer one is skipped by the framer without buffering it. A sender
 * that trickles a frame (slow loris) or goes silent is closed by the
 * sweep timer; beyond max_conns new connections are closed at once.
 *
 * TLS (RFC 5425) is the same connection with an OpenSSL session between
 * the socket and the framer (ctls.c): SSL_accept and SSL_read run from the
 * same readiness callback and never wait; when OpenSSL needs to write
 * (handshake messages, alerts) the fd is re-armed for EPOLLOUT until it
 * can, then back to EPOLLIN. A sender that does not finish its handshake
 * within handshake_us is closed by the sweep, like a slow frame. Plaintext
 * OpenSSL already decrypted is drained in the same turn (at most one TLS
 * record, 16 KiB), because epoll will not announce it again.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "collector/cstore.h"
#include "collector/ctls.h"
#include "collector/listen.h"
#include "collector/syslogparse.h"
#include "base/log.h"
#include "base/loop.h"
#include "base/util.h"

#define LISTEN_MAX		8
#define READS_PER_TURN		4
#define DGRAMS_PER_BATCH	32
#define DGRAM_BATCHES_PER_TURN	8
#define SWEEP_US		(1000 * 1000)
#define RATELOG_US		(10 * 1000 * 1000)
#define SRC_LEN			INET6_ADDRSTRLEN

struct lset;

struct listener {
	struct lset *ls;
	const struct lsock *sk;
	bool udp, tls;
};

struct conn {
	struct lset *ls;
	int fd;
	char src[SRC_LEN];
	char *buf;
	size_t have;
	struct framer fr;
	struct ctls_conn *tls;	/* NULL: plain TCP */
	bool hs_done;		/* TLS handshake finished */
	bool want_write;	/* armed for EPOLLOUT (OpenSSL must write) */
	int64_t opened_us, last_rx_us, partial_since_us;
	struct conn *prev, *next;
};

/* At most one diagnostic per RATELOG_US per kind; the rest are counted
 * and the count said with the next one. */
struct ratelog {
	int64_t last_us;
	unsigned suppressed;
};

struct lset {
	struct loop *loop;
	struct listen_opts o;
	struct listen_hooks h;
	struct listener lis[LISTEN_MAX];
	struct lsock socks[LISTEN_MAX];	/* lis[i]'s socket */
	unsigned nlis;
	struct conn *conns;
	unsigned nconns;
	struct loop_timer sweep;
	char *dgram;		/* DGRAMS_PER_BATCH * (max_msg + 1) */
	struct ratelog rl_frame, rl_oversize, rl_refused, rl_timeout, rl_tls;
};

static bool ratelog_ok(struct ratelog *r, unsigned *suppressed)
{
	int64_t now = now_monotonic_us();

	if (r->last_us && now - r->last_us < RATELOG_US) {
		r->suppressed++;
		return false;
	}
	r->last_us = now;
	*suppressed = r->suppressed;
	r->suppressed = 0;
	return true;
}

static void conn_close(struct conn *c)
{
	struct lset *ls = c->ls;

	loop_del_fd(ls->loop, c->fd);
	ctls_conn_free(c->tls);
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		ls->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	ls->nconns--;
	free(c->buf);
	free(c);
}

void listen_addr_text(const struct sockaddr_storage *ss, char out[static INET6_ADDRSTRLEN])
{
	const void *a = ss->ss_family == AF_INET6 ?
		(const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr :
		(const void *)&((const struct sockaddr_in *)ss)->sin_addr;

	if (!inet_ntop(ss->ss_family, a, out, SRC_LEN))
		snprintf(out, SRC_LEN, "?");
	/* v4-mapped senders on a v6 socket are shown as v4 */
	if (!strncmp(out, "::ffff:", 7) && strchr(out, '.'))
		memmove(out, out + 7, strlen(out + 7) + 1);
}

/* Frames in c->buf to records. false when the stream cannot go on. */
static bool conn_frames(struct conn *c)
{
	struct lset *ls = c->ls;
	size_t off = 0;
	unsigned sup;

	for (;;) {
		struct slice fr;
		size_t used;
		enum frame_kind k = framer_next(&c->fr, c->buf + off, c->have - off, &used, &fr);

		if (k == FRAME_ERROR) {
			ls->h.st->framing_errors++;
			ls->h.st->rejected++;
			if (ratelog_ok(&ls->rl_frame, &sup))
				log_warnx("collector: %s: octet count unusable, closing"
					  " (%u more suppressed)", c->src, sup);
			return false;
		}
		if (k == FRAME_MSG)
			ls->h.record(ls->h.ctx, fr.p, fr.n, c->src, c->tls ? "tls" : "tcp");
		if (k == FRAME_OVERSIZE) {
			ls->h.st->oversize++;
			ls->h.st->rejected++;
			if (ratelog_ok(&ls->rl_oversize, &sup))
				log_warnx("collector: %s: record over %zu bytes dropped"
					  " (%u more suppressed)", c->src, ls->o.max_msg, sup);
		}
		off += used;
		if (k == FRAME_NEED)
			break;
	}
	if (off) {
		memmove(c->buf, c->buf + off, c->have - off);
		c->have -= off;
	}
	return true;
}

/* Wait for what OpenSSL asked for: readable, or writable. */
static void conn_want(struct conn *c, bool want_write)
{
	if (want_write == c->want_write)
		return;
	c->want_write = want_write;
	loop_mod_fd(c->ls->loop, c->fd, want_write ? EPOLLOUT : EPOLLIN);
}

static void conn_tls_failed(struct conn *c, const char *why)
{
	struct lset *ls = c->ls;
	unsigned sup;

	ls->h.st->tls_failed++;
	if (ratelog_ok(&ls->rl_tls, &sup))
		log_warnx("collector: %s: %s, closing (%u more suppressed)", c->src, why, sup);
}

/* Bytes from the connection: > 0, 0 at the end, -EAGAIN, or -errno. */
static ssize_t conn_recv(struct conn *c, void *buf, size_t len)
{
	char why[256];
	bool ww;
	ssize_t n;

	if (!c->tls) {
		n = read(c->fd, buf, len);
		return n < 0 ? -errno : n;
	}
	n = ctls_read(c->tls, buf, len, &ww, why, sizeof(why));
	conn_want(c, n == -EAGAIN && ww);
	/* A broken record or alert mid-stream is hostile or corrupt input;
	 * a reset is only a close. */
	if (n < 0 && n != -EAGAIN && n != -EINTR && n != -ECONNRESET && n != -EPIPE)
		conn_tls_failed(c, why);
	return n;
}

/* 1 handshake done, 0 not yet, -1 failed and the connection closed. */
static int conn_handshake(struct conn *c)
{
	char why[256];
	bool ww;
	int ret = ctls_accept(c->tls, &ww, why, sizeof(why));

	if (ret == -EAGAIN) {
		conn_want(c, ww);
		return 0;
	}
	if (ret < 0) {
		conn_tls_failed(c, why);
		conn_close(c);
		return -1;
	}
	conn_want(c, false);
	c->hs_done = true;
	c->last_rx_us = now_monotonic_us();
	log_debug("collector: %s: %s%s%s", c->src, ctls_describe(c->tls),
		  *ctls_peer_cn(c->tls) ? ", client CN=" : ", no client certificate",
		  ctls_peer_cn(c->tls));
	return 1;
}

static void conn_read(struct conn *c)
{
	size_t cap = c->ls->o.max_msg + FRAMER_HDR_MAX;
	bool eof = false;

	for (int i = 0; (i < READS_PER_TURN || (c->tls && ctls_pending(c->tls))) &&
	     c->have < cap; i++) {
		size_t want = cap - c->have;
		ssize_t n = conn_recv(c, c->buf + c->have, want);

		if (n == 0) {
			eof = true;
			break;
		}
		if (n < 0) {
			if (n == -EINTR)
				continue;
			eof = n != -EAGAIN;
			break;
		}
		c->have += (size_t)n;
		c->last_rx_us = now_monotonic_us();
		if (!conn_frames(c)) {
			conn_close(c);
			return;
		}
		/* A short read drains a socket; SSL_read returns one TLS
		 * record at a time, so only EAGAIN says that for TLS. */
		if (!c->tls && (size_t)n < want)
			break;
	}
	if (eof) {
		/* An LF sender may end without a final LF: the rest is a record
		 * unless an oversize frame was being skipped. */
		if (c->have && !c->fr.skip && !c->fr.skip_to_lf)
			c->ls->h.record(c->ls->h.ctx, c->buf, c->have, c->src,
					c->tls ? "tls" : "tcp");
		conn_close(c);
		return;
	}
	if (!c->have)
		c->partial_since_us = 0;
	else if (!c->partial_since_us)
		c->partial_since_us = now_monotonic_us();
}

static void conn_event(void *ctx, int fd, uint32_t events)
{
	struct conn *c = ctx;

	if (c->tls && !c->hs_done && conn_handshake(c) <= 0)
		return;
	conn_read(c);
}

static void tcp_accept(void *ctx, int fd, uint32_t events)
{
	struct listener *li = ctx;
	struct lset *ls = li->ls;

	for (int i = 0; i < 16; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct conn *c;
		unsigned sup;
		int cfd = accept4(fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (cfd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				log_warn("collector: accept on %s", li->sk->url);
			return;
		}
		if (ls->nconns >= ls->o.max_conns) {
			ls->h.st->conns_refused++;
			if (ratelog_ok(&ls->rl_refused, &sup))
				log_warnx("collector: %u connections open, refusing more"
					  " (%u more suppressed)", ls->nconns, sup);
			close(cfd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (c)
			c->buf = malloc(ls->o.max_msg + FRAMER_HDR_MAX);
		if (c && c->buf && li->tls && ctls_conn_new(ls->o.tls, cfd, &c->tls) < 0) {
			free(c->buf);
			c->buf = NULL;
		}
		if (!c || !c->buf || loop_add_fd(ls->loop, cfd, EPOLLIN, conn_event, c) < 0) {
			log_warnx("collector: cannot take a connection: out of memory");
			if (c) {
				ctls_conn_free(c->tls);
				free(c->buf);
			}
			free(c);
			close(cfd);
			continue;
		}
		c->ls = ls;
		c->fd = cfd;
		listen_addr_text(&ss, c->src);
		framer_init(&c->fr, ls->o.max_msg);
		c->opened_us = c->last_rx_us = now_monotonic_us();
		c->next = ls->conns;
		if (ls->conns)
			ls->conns->prev = c;
		ls->conns = c;
		ls->nconns++;
		ls->h.st->conns_accepted++;
	}
}

static void udp_read(void *ctx, int fd, uint32_t events)
{
	struct listener *li = ctx;
	struct lset *ls = li->ls;
	size_t slot = ls->o.max_msg + 1;

	for (int b = 0; b < DGRAM_BATCHES_PER_TURN; b++) {
		struct mmsghdr mm[DGRAMS_PER_BATCH];
		struct iovec iov[DGRAMS_PER_BATCH];
		struct sockaddr_storage ss[DGRAMS_PER_BATCH];
		int n;

		memset(mm, 0, sizeof(mm));
		for (int i = 0; i < DGRAMS_PER_BATCH; i++) {
			iov[i] = (struct iovec){ ls->dgram + i * slot, slot };
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
			mm[i].msg_hdr.msg_name = &ss[i];
			mm[i].msg_hdr.msg_namelen = sizeof(ss[i]);
		}
		n = recvmmsg(fd, mm, DGRAMS_PER_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		for (int i = 0; i < n; i++) {
			char src[SRC_LEN];
			unsigned sup;

			listen_addr_text(&ss[i], src);
			if ((mm[i].msg_hdr.msg_flags & MSG_TRUNC) || mm[i].msg_len > ls->o.max_msg) {
				ls->h.st->oversize++;
				ls->h.st->rejected++;
				if (ratelog_ok(&ls->rl_oversize, &sup))
					log_warnx("collector: %s: datagram over %zu bytes dropped"
						  " (%u more suppressed)", src, ls->o.max_msg, sup);
				continue;
			}
			ls->h.record(ls->h.ctx, iov[i].iov_base, mm[i].msg_len, src, "udp");
		}
		if (n < DGRAMS_PER_BATCH)
			return;
	}
}

static void sweep(void *ctx)
{
	struct lset *ls = ctx;
	int64_t now = now_monotonic_us();
	struct conn *c, *next;
	unsigned sup;

	for (c = ls->conns; c; c = next) {
		bool idle = now - c->last_rx_us > ls->o.idle_us;
		bool slow = c->partial_since_us && now - c->partial_since_us > ls->o.frame_us;
		bool hs = c->tls && !c->hs_done && now - c->opened_us > ls->o.handshake_us;

		next = c->next;
		if (!idle && !slow && !hs)
			continue;
		ls->h.st->conns_timed_out++;
		if (hs)
			conn_tls_failed(c, "TLS handshake not completed in time");
		else if (ratelog_ok(&ls->rl_timeout, &sup))
			log_warnx("collector: %s: %s, closing (%u more suppressed)", c->src,
				  slow ? "frame not completed in time" : "idle", sup);
		conn_close(c);
	}
	loop_timer_arm(ls->loop, &ls->sweep, now + SWEEP_US);
}

int listen_new(struct loop *l, const struct listen_opts *o, const struct listen_hooks *h,
	       struct lset **out)
{
	struct lset *ls;

	*out = NULL;
	ls = calloc(1, sizeof(*ls));
	if (!ls)
		return -ENOMEM;
	ls->dgram = malloc(DGRAMS_PER_BATCH * (o->max_msg + 1));
	if (!ls->dgram) {
		free(ls);
		return -ENOMEM;
	}
	ls->loop = l;
	ls->o = *o;
	ls->h = *h;
	ls->sweep = (struct loop_timer){ .cb = sweep, .ctx = ls };
	loop_timer_arm(l, &ls->sweep, now_monotonic_us() + SWEEP_US);
	*out = ls;
	return 0;
}

int listen_parse_hostport(const char *s, struct sockaddr_storage *ss, socklen_t *sl)
{
	const char *colon = strrchr(s, ':');
	char host[64];
	uint64_t port;
	size_t hl;

	if (!colon || parse_u64(colon + 1, strlen(colon + 1), 65535, &port) < 0)
		return -EINVAL;
	hl = (size_t)(colon - s);
	if (hl >= 2 && s[0] == '[' && s[hl - 1] == ']') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		if (hl - 2 >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, hl - 2);
		host[hl - 2] = '\0';
		memset(a, 0, sizeof(*a));
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		*sl = sizeof(*a);
		return inet_pton(AF_INET6, host, &a->sin6_addr) == 1 ? 0 : -EINVAL;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		if (hl >= sizeof(host))
			return -EINVAL;
		memcpy(host, s, hl);
		host[hl] = '\0';
		memset(a, 0, sizeof(*a));
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		*sl = sizeof(*a);
		return inet_pton(AF_INET, host, &a->sin_addr) == 1 ? 0 : -EINVAL;
	}
}

int listen_bind(const char *url, int type, struct sockaddr_storage *ss, socklen_t sl,
		const char *scheme, const char *suffix, char *bound, size_t blen)
{
	char host[INET6_ADDRSTRLEN];
	int fd, ret, one = 1;

	fd = socket(ss->ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (type == SOCK_DGRAM) {
		/* Bursts arrive faster than one turn drains: a deep queue. */
		int rcv = 8 << 20;

		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	}
	if (bind(fd, (struct sockaddr *)ss, sl) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 512) < 0)) {
		ret = -errno;
		log_warn("collector: --listen %s", url);
		close(fd);
		return ret;
	}
	sl = sizeof(*ss);
	getsockname(fd, (struct sockaddr *)ss, &sl);
	listen_addr_text(ss, host);
	snprintf(bound, blen, ss->ss_family == AF_INET6 ? "%s://[%s]:%u%s" : "%s://%s:%u%s",
		 scheme, host,
		 ntohs(ss->ss_family == AF_INET6 ? ((struct sockaddr_in6 *)ss)->sin6_port :
		       ((struct sockaddr_in *)ss)->sin_port), suffix);
	return fd;
}

int listen_add(struct lset *ls, const char *url)
{
	struct sockaddr_storage ss;
	struct listener *li;
	struct lsock *sk;
	socklen_t sl;
	bool udp, tls = false;
	int fd, ret;

	if (!strncmp(url, "tcp://", 6)) {
		udp = false;
	} else if (!strncmp(url, "udp://", 6)) {
		udp = true;
	} else if (!strncmp(url, "tls://", 6)) {
		udp = false;
		tls = true;
		if (!ls->o.tls) {
			log_warnx("collector: --listen %s: needs --tls-cert and --tls-key", url);
			return -EINVAL;
		}
	} else {
		log_warnx("collector: --listen %s: want tcp://HOST:PORT, udp://HOST:PORT"
			  " or tls://HOST:PORT", url);
		return -EINVAL;
	}
	if (listen_parse_hostport(url + 6, &ss, &sl) < 0) {
		log_warnx("collector: --listen %s: HOST must be an address (127.0.0.1,"
			  " [::1], 0.0.0.0) and PORT a number", url);
		return -EINVAL;
	}
	if (ls->nlis == LISTEN_MAX) {
		log_warnx("collector: --listen %s: at most %d listeners", url, LISTEN_MAX);
		return -EINVAL;
	}
	li = &ls->lis[ls->nlis];
	sk = &ls->socks[ls->nlis];
	fd = listen_bind(url, udp ? SOCK_DGRAM : SOCK_STREAM, &ss, sl,
			 udp ? "udp" : tls ? "tls" : "tcp", "", sk->url, sizeof(sk->url));
	if (fd < 0)
		return fd;
	sk->fd = fd;
	li->ls = ls;
	li->sk = sk;
	li->udp = udp;
	li->tls = tls;
	ret = loop_add_fd(ls->loop, fd, EPOLLIN, udp ? udp_read : tcp_accept, li);
	if (ret < 0) {
		close(fd);
		return ret;
	}
	ls->nlis++;
	return 0;
}

void lsock_describe(const struct lsock *s, unsigned n, char *out, size_t len)
{
	size_t w = 0;

	if (len)
		out[0] = '\0';
	for (unsigned i = 0; i < n && w < len; i++)
		w += (size_t)snprintf(out + w, len - w, "%s%s", i ? " " : "", s[i].url);
}

void lsock_close(struct loop *l, const struct lsock *s, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		loop_del_fd(l, s[i].fd);
		close(s[i].fd);
	}
}

void listen_describe(const struct lset *ls, char *out, size_t len)
{
	lsock_describe(ls->socks, ls->nlis, out, len);
}

unsigned listen_conns(const struct lset *ls)
{
	return ls->nconns;
}

void listen_free(struct lset *ls)
{
	if (!ls)
		return;
	while (ls->conns)
		conn_close(ls->conns);
	lsock_close(ls->loop, ls->socks, ls->nlis);
	loop_timer_cancel(ls->loop, &ls->sweep);
	free(ls->dgram);
	free(ls);
}
