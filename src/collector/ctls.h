// SPDX-License-Identifier: GPL-2.0
/* ctls.h - the collector's TLS server side (RFC 5425): one context from
 * --tls-cert/--tls-key/--tls-ca, one non-blocking session per connection,
 * driven by the listener's epoll callbacks. */
#ifndef WGAUDIT_CTLS_H
#define WGAUDIT_CTLS_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct ctls_ctx;
struct ctls_conn;

struct ctls_opts {
	const char *cert;	/* PEM chain, server certificate first */
	const char *key;	/* PEM key, unencrypted; NULL = in cert */
	const char *ca;		/* client CAs; NULL = no client authentication */
	bool require_client_cert;	/* needs ca */
};

#define CTLS_CN_LEN	64

/* Reads every file once. 0, or -errno with a message naming the file in
 * err (never any key material). */
int ctls_ctx_new(const struct ctls_opts *o, struct ctls_ctx **out, char *err, size_t errlen);
void ctls_ctx_free(struct ctls_ctx *t);

int ctls_conn_new(struct ctls_ctx *t, int fd, struct ctls_conn **out);
/* Sends close_notify once (non-blocking) if the handshake finished. */
void ctls_conn_free(struct ctls_conn *c);
/* 0 done; -EAGAIN: call again when the fd is readable (or writable if
 * *want_write); any other -errno: failed, why says how. */
int ctls_accept(struct ctls_conn *c, bool *want_write, char *why, size_t whylen);
/* Plaintext bytes > 0; 0 at the end of the stream (close_notify or a
 * plain TCP close); -EAGAIN as for ctls_accept; other -errno with why. */
ssize_t ctls_read(struct ctls_conn *c, void *buf, size_t len, bool *want_write,
		  char *why, size_t whylen);
/* Plaintext bytes taken (> 0), -EAGAIN (retry with the same bytes once
 * writable, or readable if !*want_write), other -errno with why. For the
 * RELP listener's answers. */
ssize_t ctls_write(struct ctls_conn *c, const void *buf, size_t len, bool *want_write,
		   char *why, size_t whylen);
/* Decrypted bytes OpenSSL holds that the socket will not announce again. */
bool ctls_pending(const struct ctls_conn *c);
/* The verified client certificate's subject CN, printable ASCII only;
 * "" when there is none. Valid after ctls_accept returned 0. */
const char *ctls_peer_cn(const struct ctls_conn *c);
/* "TLSv1.3 TLS_AES_256_GCM_SHA384" after the handshake. */
const char *ctls_describe(const struct ctls_conn *c);
/* CN bytes to printable ASCII ('?' for anything else), NUL-terminated in
 * out. Exposed for the unit test. */
void ctls_clean_cn(const unsigned char *in, size_t len, char *out, size_t outlen);
#endif
