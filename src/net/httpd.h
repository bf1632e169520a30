// SPDX-License-Identifier: GPL-2.0
/* httpd.h - a small read-only HTTP(S) server on libmicrohttpd, driven by
 * the agent's epoll loop (MHD's epoll fd registered in base/loop, MHD_run
 * on readiness and at MHD's timeout): no thread. Only GET and HEAD are
 * answered (405 otherwise); bounded request size, connections and time;
 * optional basic auth and TLS. Knows nothing of what it serves. */
#ifndef WGAUDIT_HTTPD_H
#define WGAUDIT_HTTPD_H
#include <stdbool.h>
#include <stddef.h>

struct loop;
struct httpd;

struct httpd_opts {
	const char *listen;		/* "A.B.C.D:PORT" / "[IPV6]:PORT" */
	const char *tls_cert, *tls_key;	/* PEM files; both "" = plain HTTP */
	const char *user;		/* basic auth user; "" = no auth */
	const char *password_file;	/* its password: the file's first line */
	unsigned max_connections;	/* 0 = 16 */
	unsigned timeout_s;		/* idle connection, 0 = 10 s */
	size_t max_request;		/* a connection's request memory, 0 = 16 KiB */
};

#define HTTPD_MAX_IOV	16

struct httpd_iov {
	const void *base;
	size_t len;
};

/* A response body: iovcnt buffers sent as they are (no copy), or else
 * read in blocks while it is sent. release() once it is done with (sent,
 * or the connection dropped); the buffers stay valid until then. */
struct httpd_body {
	const char *content_type;
	struct httpd_iov iov[HTTPD_MAX_IOV];
	unsigned iovcnt;
	size_t len;			/* read: the body's length */
	size_t (*read)(void *bctx, size_t pos, char *out, size_t max);
	void (*release)(void *bctx);	/* may be NULL */
	void *bctx;
};

/* Answer GET path: return 200 with *body filled, or 404 / 503 (nothing
 * to release). */
typedef int (*httpd_get_fn)(void *ctx, const char *path, struct httpd_body *body);

/* Binds and starts. -ENOTSUP when built without libmicrohttpd (or without
 * its TLS support and TLS was asked for); a message for the operator in
 * err on any failure. */
int httpd_start(const struct httpd_opts *o, struct loop *l, httpd_get_fn get,
		void *ctx, struct httpd **out, char *err, size_t errlen);
void httpd_free(struct httpd *h);
#endif
