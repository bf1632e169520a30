// SPDX-License-Identifier: GPL-2.0
/* ctls.c - OpenSSL server sessions for the collector's tls:// listeners
 * (RFC 5425).
 *
 * Policy, fixed here: TLS 1.2 or newer, no compression, no renegotiation,
 * no session tickets or cache (agents keep one long connection; resumption
 * would only add state). The server certificate and key are read once, at
 * start, so a bad file is an error at start and not a failure per client.
 * With a CA file, a client certificate that is presented must verify
 * against it; with require_client_cert one must be presented too
 * (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT). Encrypted keys are
 * refused: OpenSSL would otherwise prompt on the terminal of a daemon.
 *
 * Sessions are non-blocking: SSL_accept / SSL_read report WANT_READ or
 * WANT_WRITE and the listener re-arms the fd for that; nothing here waits.
 * Error texts carry OpenSSL's reason strings and file names, never key
 * bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "collector/ctls.h"
#include "net/tlsbase.h"

struct ctls_ctx {
	SSL_CTX *ctx;
};

struct ctls_conn {
	SSL *ssl;
	bool done;
	char cn[CTLS_CN_LEN];
	char desc[96];
};

static int ctx_files(SSL_CTX *ctx, const struct ctls_opts *o, char *err, size_t errlen)
{
	STACK_OF(X509_NAME) *names;
	char e[256];
	int ret;

	ret = tlsb_use_pair(ctx, "", "--tls-cert", o->cert, "--tls-key", o->key, err, errlen);
	if (ret == 0 && o->ca)
		ret = tlsb_readable("", "--tls-ca", o->ca, err, errlen);
	if (ret < 0)
		return ret;
	if (!o->ca)
		return 0;
	if (SSL_CTX_load_verify_locations(ctx, o->ca, NULL) != 1) {
		snprintf(err, errlen, "--tls-ca %s: no usable PEM certificate (%s)",
			 o->ca, tlsb_err(e, sizeof(e)));
		return -EINVAL;
	}
	/* The CA names go into the CertificateRequest so a client holding
	 * several certificates can pick the right one. */
	names = SSL_load_client_CA_file(o->ca);
	if (!names) {
		snprintf(err, errlen, "--tls-ca %s: no usable PEM certificate (%s)",
			 o->ca, tlsb_err(e, sizeof(e)));
		return -EINVAL;
	}
	SSL_CTX_set_client_CA_list(ctx, names);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | (o->require_client_cert ?
			   SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), NULL);
	SSL_CTX_set_verify_depth(ctx, 8);
	return 0;
}

int ctls_ctx_new(const struct ctls_opts *o, struct ctls_ctx **out, char *err, size_t errlen)
{
	struct ctls_ctx *t;
	int ret = -ENOMEM;

	*out = NULL;
	if (o->require_client_cert && !o->ca) {
		snprintf(err, errlen, "--tls-require-client-cert needs --tls-ca");
		return -EINVAL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->ctx = tlsb_ctx_new(TLS_server_method(), "", err, errlen);
	if (!t->ctx)
		goto out;
	ret = -EINVAL;
	SSL_CTX_set_options(t->ctx, SSL_OP_NO_TICKET | SSL_OP_CIPHER_SERVER_PREFERENCE);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
	/* Senders often end with a TCP close and no close_notify (s_client,
	 * a killed agent). Every record is framed, so a cut stream loses at
	 * most its unfinished frame, exactly as with TCP: an end, not an
	 * error. */
	SSL_CTX_set_options(t->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
	SSL_CTX_set_num_tickets(t->ctx, 0);
	SSL_CTX_set_session_cache_mode(t->ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_NONE, NULL);
	ret = ctx_files(t->ctx, o, err, errlen);
	if (ret < 0)
		goto out;
	*out = t;
	t = NULL;
	ret = 0;
out:
	ctls_ctx_free(t);
	ERR_clear_error();
	return ret;
}

void ctls_ctx_free(struct ctls_ctx *t)
{
	if (!t)
		return;
	SSL_CTX_free(t->ctx);
	free(t);
}

int ctls_conn_new(struct ctls_ctx *t, int fd, struct ctls_conn **out)
{
	struct ctls_conn *c;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->ssl = SSL_new(t->ctx);
	if (!c->ssl || SSL_set_fd(c->ssl, fd) != 1) {
		ctls_conn_free(c);
		ERR_clear_error();
		return -ENOMEM;
	}
	SSL_set_accept_state(c->ssl);
	*out = c;
	return 0;
}

void ctls_conn_free(struct ctls_conn *c)
{
	if (!c)
		return;
	if (c->ssl && c->done)
		SSL_shutdown(c->ssl);	/* one try: close_notify if it fits */
	SSL_free(c->ssl);
	ERR_clear_error();
	free(c);
}

void ctls_clean_cn(const unsigned char *in, size_t len, char *out, size_t outlen)
{
	size_t n = 0;

	if (!outlen)
		return;
	for (size_t i = 0; i < len && n + 1 < outlen; i++)
		out[n++] = in[i] >= 0x20 && in[i] < 0x7f ? (char)in[i] : '?';
	out[n] = '\0';
}

static void peer_cn(struct ctls_conn *c)
{
	X509 *x = SSL_get_peer_certificate(c->ssl);
	X509_NAME *name = x ? X509_get_subject_name(x) : NULL;
	int i = name ? X509_NAME_get_index_by_NID(name, NID_commonName, -1) : -1;
	unsigned char *u = NULL;
	int n;

	c->cn[0] = '\0';
	if (i >= 0) {
		n = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
		if (n > 0)
			ctls_clean_cn(u, (size_t)n, c->cn, sizeof(c->cn));
		OPENSSL_free(u);
	}
	X509_free(x);
}

/* Map an SSL call's failure to -EAGAIN, 0 (clean end) or -errno. */
static int ssl_fail(struct ctls_conn *c, int rc, const char *what, bool *want_write,
		    char *why, size_t whylen)
{
	int saved = errno;
	long vr;
	char e[256];

	switch (tlsb_classify(c->ssl, rc, saved, want_write)) {
	case TLSB_AGAIN:
		return -EAGAIN;
	case TLSB_CLOSED:
		return 0;
	case TLSB_EOF:
		if (c->done)
			return 0;	/* TCP close without close_notify */
		snprintf(why, whylen, "%s: connection closed by the sender", what);
		return -ECONNRESET;
	case TLSB_ERRNO:
		snprintf(why, whylen, "%s: %s", what, strerror(saved));
		return -saved;
	case TLSB_PROTO:
		break;
	}
	vr = SSL_get_verify_result(c->ssl);
	if (!c->done && vr != X509_V_OK) {
		snprintf(why, whylen, "%s: client certificate rejected: %s", what,
			 X509_verify_cert_error_string(vr));
		ERR_clear_error();
		return -EPERM;
	}
	snprintf(why, whylen, "%s: %s", what, tlsb_err(e, sizeof(e)));
	return -EPROTO;
}

int ctls_accept(struct ctls_conn *c, bool *want_write, char *why, size_t whylen)
{
	int rc, ret;

	ERR_clear_error();
	errno = 0;
	rc = SSL_accept(c->ssl);
	if (rc != 1) {
		ret = ssl_fail(c, rc, "TLS handshake", want_write, why, whylen);
		if (ret == 0) {
			snprintf(why, whylen, "TLS handshake: closed by the sender");
			ret = -ECONNRESET;
		}
		return ret;
	}
	*want_write = false;
	c->done = true;
	peer_cn(c);
	snprintf(c->desc, sizeof(c->desc), "%s %s", SSL_get_version(c->ssl),
		 SSL_get_cipher_name(c->ssl));
	return 0;
}

ssize_t ctls_read(struct ctls_conn *c, void *buf, size_t len, bool *want_write,
		  char *why, size_t whylen)
{
	int rc;

	if (len > INT32_MAX)
		len = INT32_MAX;
	ERR_clear_error();
	errno = 0;
	rc = SSL_read(c->ssl, buf, (int)len);
	if (rc > 0) {
		*want_write = false;
		return rc;
	}
	return ssl_fail(c, rc, "TLS read", want_write, why, whylen);
}

ssize_t ctls_write(struct ctls_conn *c, const void *buf, size_t len, bool *want_write,
		   char *why, size_t whylen)
{
	int rc;

	if (len > INT32_MAX)
		len = INT32_MAX;
	ERR_clear_error();
	errno = 0;
	rc = SSL_write(c->ssl, buf, (int)len);
	if (rc > 0) {
		*want_write = false;
		return rc;
	}
	return ssl_fail(c, rc, "TLS write", want_write, why, whylen);
}

bool ctls_pending(const struct ctls_conn *c)
{
	return SSL_pending(c->ssl) > 0;
}

const char *ctls_peer_cn(const struct ctls_conn *c)
{
	return c->cn;
}

const char *ctls_describe(const struct ctls_conn *c)
{
	return c->desc;
}
