// SPDX-License-Identifier: GPL-2.0
/* ctls_lazy.c - collector/ctls.h for the binary: calls go to
 * wgaudit-tls.so (ctls.c with OpenSSL), loaded by the first ctls_ctx_new(),
 * i.e. only when a TLS listener is configured (see outputs/tls_lazy.c). */
#include <errno.h>
#include <stdio.h>
#include "collector/ctls.h"
#include "net/modload.h"

#define CTLS_OPS(X) X(ctx_new) X(ctx_free) X(conn_new) X(conn_free) X(accept) \
	X(read) X(write) X(pending) X(peer_cn) X(describe)

static struct {
#define X(f) __typeof__(&ctls_##f) f;
	CTLS_OPS(X)
#undef X
} ops;

static int ctls_ops_load(char *err, size_t errlen)
{
	static const struct modfn fns[] = {
#define X(f) MODFN(ops.f, "ctls_" #f),
		CTLS_OPS(X)
#undef X
	};

	return ops.ctx_new ? 0 : modload_fns("tls", fns, sizeof(fns) / sizeof(fns[0]), err, errlen);
}

int ctls_ctx_new(const struct ctls_opts *o, struct ctls_ctx **out, char *err, size_t errlen)
{
	char why[1200];
	int ret;

	*out = NULL;
	ret = ctls_ops_load(why, sizeof(why));
	if (ret < 0) {
		snprintf(err, errlen, "TLS unavailable: %s", why);
		return ret;
	}
	return ops.ctx_new(o, out, err, errlen);
}

void ctls_ctx_free(struct ctls_ctx *t)
{
	if (t)
		ops.ctx_free(t);
}

int ctls_conn_new(struct ctls_ctx *t, int fd, struct ctls_conn **out)
{
	return ops.conn_new(t, fd, out);
}

void ctls_conn_free(struct ctls_conn *c)
{
	if (c)
		ops.conn_free(c);
}

int ctls_accept(struct ctls_conn *c, bool *want_write, char *why, size_t whylen)
{
	return ops.accept(c, want_write, why, whylen);
}

ssize_t ctls_read(struct ctls_conn *c, void *buf, size_t len, bool *want_write,
		  char *why, size_t whylen)
{
	return ops.read(c, buf, len, want_write, why, whylen);
}

ssize_t ctls_write(struct ctls_conn *c, const void *buf, size_t len, bool *want_write,
		   char *why, size_t whylen)
{
	return ops.write(c, buf, len, want_write, why, whylen);
}

bool ctls_pending(const struct ctls_conn *c)
{
	return c && ops.pending(c);
}

const char *ctls_peer_cn(const struct ctls_conn *c)
{
	return c ? ops.peer_cn(c) : "";
}

const char *ctls_describe(const struct ctls_conn *c)
{
	return c ? ops.describe(c) : "";
}
