// SPDX-License-Identifier: GPL-2.0
/* tls_lazy.c - outputs/tls.h for the agent binary: every call goes to
 * wgaudit-tls.so (tls.c built with OpenSSL, net/modload.h), loaded by the
 * first tls_ctx_new(), i.e. only when a TLS output is configured. Every
 * other call takes a context or session that only the module makes. Unit
 * tests link tls.c itself instead. */
#include <errno.h>
#include <stdio.h>
#include "net/modload.h"
#include "outputs/tls.h"

#define TLS_OPS(X) X(ctx_new) X(ctx_free) X(conn_new) X(conn_free) X(handshake) \
	X(write) X(drain) X(read) X(pending) X(wire_written) X(peer_accepted) X(describe)

static struct {
#define X(f) __typeof__(&tls_##f) f;
	TLS_OPS(X)
#undef X
} ops;

static int tls_ops_load(char *err, size_t errlen)
{
	static const struct modfn fns[] = {
#define X(f) MODFN(ops.f, "tls_" #f),
		TLS_OPS(X)
#undef X
	};

	return ops.ctx_new ? 0 : modload_fns("tls", fns, sizeof(fns) / sizeof(fns[0]), err, errlen);
}

int tls_ctx_new(const struct output_url *u, const char *url,
		struct tls_ctx **out, char *err, size_t errlen)
{
	char why[1200];
	int ret;

	*out = NULL;
	ret = tls_ops_load(why, sizeof(why));
	if (ret < 0) {
		snprintf(err, errlen, "output \"%s\": TLS unavailable: %s", url, why);
		return ret;
	}
	return ops.ctx_new(u, url, out, err, errlen);
}

/* A context or session exists only if the module was loaded. */
void tls_ctx_free(struct tls_ctx *t)
{
	if (t)
		ops.ctx_free(t);
}

int tls_conn_new(struct tls_ctx *t, int fd, struct tls_conn **out)
{
	return ops.conn_new(t, fd, out);
}

void tls_conn_free(struct tls_conn *c)
{
	if (c)
		ops.conn_free(c);
}

int tls_handshake(struct tls_conn *c, bool *want_write, char *why, size_t whylen)
{
	return ops.handshake(c, want_write, why, whylen);
}

ssize_t tls_write(struct tls_conn *c, const void *buf, size_t len,
		  bool *want_write, char *why, size_t whylen)
{
	return ops.write(c, buf, len, want_write, why, whylen);
}

int tls_drain(struct tls_conn *c, size_t max, bool *want_write, char *why, size_t whylen)
{
	return ops.drain(c, max, want_write, why, whylen);
}

ssize_t tls_read(struct tls_conn *c, void *buf, size_t len, bool *want_write,
		 char *why, size_t whylen)
{
	return ops.read(c, buf, len, want_write, why, whylen);
}

bool tls_pending(const struct tls_conn *c)
{
	return c && ops.pending(c);
}

uint64_t tls_wire_written(const struct tls_conn *c)
{
	return c ? ops.wire_written(c) : 0;
}

bool tls_peer_accepted(const struct tls_conn *c)
{
	return c && ops.peer_accepted(c);
}

const char *tls_describe(const struct tls_conn *c)
{
	return c ? ops.describe(c) : "";
}
