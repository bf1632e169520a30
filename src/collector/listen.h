// SPDX-License-Identifier: GPL-2.0
/* listen.h - the collector's sockets: TCP and TLS (octet-counted or LF
 * framing, per frame) and UDP (one record per datagram) on one epoll loop;
 * per-connection buffers and limits. Records go to a callback. */
#ifndef WGAUDIT_LISTEN_H
#define WGAUDIT_LISTEN_H
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <netinet/in.h>

struct loop;
struct cstats;
struct lset;
struct ctls_ctx;

struct listen_opts {
	size_t max_msg;		/* largest record; larger ones are dropped */
	unsigned max_conns;	/* TCP connections at once; more are refused */
	int64_t idle_us;	/* close a connection silent this long */
	int64_t frame_us;	/* close one holding a partial frame this long */
	int64_t handshake_us;	/* close a TLS one not through its handshake */
	struct ctls_ctx *tls;	/* for tls:// listeners; owned by the caller */
};

struct listen_hooks {
	/* One record's bytes (a frame or a datagram), the sender's address
	 * and "tcp" / "udp" / "tls". buf is valid only during the call. */
	void (*record)(void *ctx, const char *buf, size_t len, const char *src,
		       const char *proto);
	void *ctx;
	struct cstats *st;	/* counters the listeners update */
};

int listen_new(struct loop *l, const struct listen_opts *o, const struct listen_hooks *h,
	       struct lset **out);
/* "tcp://HOST:PORT", "udp://HOST:PORT" or "tls://HOST:PORT" (HOST an
 * address, [v6] bracketed, PORT 0 = any; tls needs o->tls). 0, -EINVAL
 * (bad URL, message logged) or -errno. */
int listen_add(struct lset *ls, const char *url);
/* The bound addresses, "tcp://127.0.0.1:5514 udp://... tls://..." */
void listen_describe(const struct lset *ls, char *out, size_t len);
unsigned listen_conns(const struct lset *ls);
/* Shared with relplisten.c: "HOST:PORT" with HOST an IPv4 address or a
 * bracketed IPv6 one (0 / -EINVAL); a sender's address as text, v4-mapped
 * shown as v4. */
int listen_parse_hostport(const char *s, struct sockaddr_storage *ss, socklen_t *sl);
void listen_addr_text(const struct sockaddr_storage *ss, char out[static INET6_ADDRSTRLEN]);
/* A non-blocking socket of type (SOCK_STREAM: listening, backlog 512;
 * SOCK_DGRAM: an 8 MiB receive queue) bound to ss, SO_REUSEADDR. Its
 * address as bound (port 0 made real) into bound as
 * "SCHEME://ADDR:PORT" + suffix ([ADDR] for IPv6). The fd, or -errno
 * (logged against url). */
int listen_bind(const char *url, int type, struct sockaddr_storage *ss, socklen_t sl,
		const char *scheme, const char *suffix, char *bound, size_t blen);
void listen_free(struct lset *ls);

/* A bound listening socket and its URL as bound; both kinds of listener
 * (listen.c, relplisten.c) keep theirs in an array of these. */
struct lsock {
	int fd;
	char url[96];
};
/* Their URLs, space-separated, into out (truncated to len). */
void lsock_describe(const struct lsock *s, unsigned n, char *out, size_t len);
/* Takes them off the loop and closes them. */
void lsock_close(struct loop *l, const struct lsock *s, unsigned n);
#endif
