// SPDX-License-Identifier: GPL-2.0
/* tlsbase.h - what both TLS roles share (outputs/tls.c, the agent's
 * client; collector/ctls.c, the collector's server): the policy every
 * context starts from, reading a certificate and its key with messages
 * that name the file, OpenSSL's error queue as text, and the first sort
 * of an SSL_get_error() outcome. Lives in wgaudit-tls.so with them
 * (net/modload.h): only they include OpenSSL. */
#ifndef WGAUDIT_TLSBASE_H
#define WGAUDIT_TLSBASE_H
#include <stdbool.h>
#include <stddef.h>
#include <openssl/ssl.h>

/* A context for method with the shared policy: TLS 1.2 or newer, no
 * compression, no renegotiation, encrypted keys refused (OpenSSL would
 * prompt on a daemon's terminal). NULL with "<pfx>cannot ..." in err. */
SSL_CTX *tlsb_ctx_new(const SSL_METHOD *method, const char *pfx, char *err, size_t errlen);

/* The last OpenSSL error as text, the queue cleared. */
const char *tlsb_err(char *buf, size_t len);

/* open() first, so a missing or unreadable file says which and why:
 * "<pfx>cannot read <what> <path>: <strerror>". 0 or -errno. */
int tlsb_readable(const char *pfx, const char *what, const char *path,
		  char *err, size_t errlen);

/* The certificate chain (leaf first) and its key (key NULL: in the cert
 * file), checked to match. Messages "<pfx><cert_what> <path>: ...",
 * "<pfx><key_what> <path> does not match <cert_what> <path>"; never key
 * bytes. 0 or -errno. */
int tlsb_use_pair(SSL_CTX *ctx, const char *pfx, const char *cert_what, const char *cert,
		  const char *key_what, const char *key, char *err, size_t errlen);

/* What an SSL call's failure was. */
enum tlsb_fail {
	TLSB_AGAIN,	/* retry when readable, or writable if *want_write */
	TLSB_CLOSED,	/* close_notify received */
	TLSB_EOF,	/* the socket ended without one (errno 0) */
	TLSB_ERRNO,	/* the socket failed: the saved errno */
	TLSB_PROTO,	/* TLS failed: the verify result or OpenSSL's error */
};

/* SSL_get_error(ssl, rc) sorted; saved is errno right after the call. */
enum tlsb_fail tlsb_classify(SSL *ssl, int rc, int saved, bool *want_write);
#endif
