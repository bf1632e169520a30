// SPDX-License-Identifier: GPL-2.0
/* tls.h - the OpenSSL half of syslog+tls:// outputs (RFC 5425): a context
 * built once per output from its URL (CA, client certificate and key read
 * then, never again), and one non-blocking session per TCP connection.
 * No loop, no journal: output.c drives it. Functions that can fail put a
 * one-line reason in `why` (never key material). */
#ifndef WGAUDIT_TLS_H
#define WGAUDIT_TLS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct output_url;
struct tls_ctx;
struct tls_conn;

/* TLS 1.2+, peer verification against u->ca (or the system store), the
 * client certificate u->cert with key u->key (or u->cert) if given.
 * -EINVAL/-ENOENT/-EACCES/-ENOMEM with "output \"URL\": ..." in err. */
int tls_ctx_new(const struct output_url *u, const char *url,
		struct tls_ctx **out, char *err, size_t errlen);
void tls_ctx_free(struct tls_ctx *t);

/* A client session on the connected non-blocking socket fd (not owned). */
int tls_conn_new(struct tls_ctx *t, int fd, struct tls_conn **out);
/* Best-effort close_notify, then free; the caller closes the fd. */
void tls_conn_free(struct tls_conn *c);

/* 0 done; -EAGAIN: call again once fd is writable (*want_write) or
 * readable; other -errno: failed, reason in why. */
int tls_handshake(struct tls_conn *c, bool *want_write, char *why, size_t whylen);
/* Plaintext bytes taken (> 0, their ciphertext is all in the socket), or
 * -EAGAIN (retry with the same bytes), or -errno with why. */
ssize_t tls_write(struct tls_conn *c, const void *buf, size_t len,
		  bool *want_write, char *why, size_t whylen);
/* Read and drop what the collector sent (tickets, alerts), at most max
 * plaintext bytes. 0 nothing more for now (*want_write: a read needs the
 * socket writable), -ECONNRESET closed / alert, other -errno; why set. */
int tls_drain(struct tls_conn *c, size_t max, bool *want_write, char *why, size_t whylen);

/* Plaintext bytes the peer sent (> 0), -EAGAIN (again once readable, or
 * writable if *want_write), -ECONNRESET closed, other -errno; why set.
 * (RELP reads its answers with it.) */
ssize_t tls_read(struct tls_conn *c, void *buf, size_t len, bool *want_write,
		 char *why, size_t whylen);
/* Decrypted bytes OpenSSL holds that the socket will not announce again. */
bool tls_pending(const struct tls_conn *c);
/* Ciphertext bytes handed to the socket on this connection so far. */
uint64_t tls_wire_written(const struct tls_conn *c);
/* The collector has shown it accepted us: always after a TLS 1.2
 * handshake; with TLS 1.3 (where a server rejects a client certificate
 * only after the client finished) once a post-handshake record came. */
bool tls_peer_accepted(const struct tls_conn *c);
const char *tls_describe(const struct tls_conn *c);	/* "TLSv1.3 TLS_AES_..." */
#endif
