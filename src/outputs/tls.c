// SPDX-License-Identifier: GPL-2.0
/* tls.c - OpenSSL client sessions for syslog+tls:// (RFC 5425).
 *
 * Policy, fixed here and nowhere else: TLS 1.2 or newer; the collector's
 * chain is verified against ca= (or the system store) and its name against
 * name= or the URL host (an IP address is matched against the certificate's
 * IP SANs); SNI carries the name when it is a DNS name; a client
 * certificate is offered when cert= is given. A session that fails any of
 * it is torn down by the caller: there is no plaintext fallback and no
 * "verify none" switch.
 *
 * The socket BIO is our own: it counts ciphertext bytes handed to the
 * kernel (the TLS ack rule in ledger.c maps SIOCOUTQ onto that count) and
 * sends with MSG_NOSIGNAL, so a reset collector is an error, not SIGPIPE.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "net/tlsbase.h"
#include "outputs/output.h"
#include "outputs/tls.h"

struct tls_ctx {
	SSL_CTX *ctx;
	char name[OUTPUT_HOST_LEN];	/* what the certificate must carry */
	bool name_is_ip;
};

struct tls_conn {
	SSL *ssl;
	const char *name;		/* the context's, for messages */
	bool done;			/* our handshake finished */
	bool accepted;			/* see tls_peer_accepted() */
	char desc[96];
};

/* --- socket BIO ------------------------------------------------------- */

static BIO_METHOD *sock_method;

static int sock_write(BIO *b, const char *buf, int len)
{
	ssize_t n = send(BIO_get_fd(b, NULL), buf, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT);

	BIO_clear_retry_flags(b);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		BIO_set_retry_write(b);
	return (int)n;
}

static int sock_read(BIO *b, char *buf, int len)
{
	ssize_t n = recv(BIO_get_fd(b, NULL), buf, (size_t)len, MSG_DONTWAIT);

	BIO_clear_retry_flags(b);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		BIO_set_retry_read(b);
	return (int)n;
}

static long sock_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	switch (cmd) {
	case BIO_C_SET_FD:
		BIO_set_data(b, (void *)(intptr_t)*(int *)ptr);
		BIO_set_init(b, 1);
		return 1;
	case BIO_C_GET_FD:
		if (ptr)
			*(int *)ptr = (int)(intptr_t)BIO_get_data(b);
		return (long)(intptr_t)BIO_get_data(b);
	case BIO_CTRL_FLUSH:
		return 1;	/* send() does not buffer in user space */
	default:
		return 0;
	}
}

static BIO *sock_bio(int fd)
{
	BIO *b;

	/* One method for the process, never freed (OpenSSL keeps its own
	 * tables until exit too). Single-threaded: no race here. */
	if (!sock_method) {
		sock_method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK |
					   BIO_TYPE_DESCRIPTOR, "wgaudit socket");
		if (!sock_method || !BIO_meth_set_write(sock_method, sock_write) ||
		    !BIO_meth_set_read(sock_method, sock_read) ||
		    !BIO_meth_set_ctrl(sock_method, sock_ctrl)) {
			BIO_meth_free(sock_method);
			sock_method = NULL;
			return NULL;
		}
	}
	b = BIO_new(sock_method);
	if (b)
		BIO_ctrl(b, BIO_C_SET_FD, 0, &fd);
	return b;
}

/* --- context ------------------------------------------------------------ */

static int ctx_files(struct tls_ctx *t, const struct output_url *u, const char *url,
		     char *err, size_t errlen)
{
	char pfx[1040], e[256];	/* "output \"URL\": " */
	int ret;

	snprintf(pfx, sizeof(pfx), "output \"%s\": ", url);
	if (u->ca[0]) {
		ret = tlsb_readable(pfx, "CA file", u->ca, err, errlen);
		if (ret < 0)
			return ret;
		if (SSL_CTX_load_verify_locations(t->ctx, u->ca, NULL) != 1) {
			snprintf(err, errlen, "%sCA file %s: no usable certificate (%s)",
				 pfx, u->ca, tlsb_err(e, sizeof(e)));
			return -EINVAL;
		}
	} else if (SSL_CTX_set_default_verify_paths(t->ctx) != 1) {
		snprintf(err, errlen, "%scannot load the system CA store (%s)",
			 pfx, tlsb_err(e, sizeof(e)));
		return -EINVAL;
	}
	if (!u->cert[0])
		return 0;
	return tlsb_use_pair(t->ctx, pfx, "client certificate", u->cert, "client key",
			     u->key[0] ? u->key : NULL, err, errlen);
}

static bool is_ip(const char *s)
{
	unsigned char a[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

int tls_ctx_new(const struct output_url *u, const char *url,
		struct tls_ctx **out, char *err, size_t errlen)
{
	char pfx[1040];
	struct tls_ctx *t;
	int ret = -ENOMEM;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	snprintf(pfx, sizeof(pfx), "output \"%s\": ", url);
	t->ctx = tlsb_ctx_new(TLS_client_method(), pfx, err, errlen);
	if (!t->ctx)
		goto out;
	ret = -EINVAL;
	/* Partial writes: SSL_write returns per record, so the ack map gets
	 * a ciphertext count soon after each message, not per buffer. */
	SSL_CTX_set_mode(t->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
			 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
	ret = ctx_files(t, u, url, err, errlen);
	if (ret < 0)
		goto out;
	snprintf(t->name, sizeof(t->name), "%s", u->name[0] ? u->name : u->host);
	t->name[strcspn(t->name, "%")] = '\0';	/* an IPv6 zone is no part of a SAN */
	t->name_is_ip = is_ip(t->name);
	*out = t;
	t = NULL;
	ret = 0;
out:
	tls_ctx_free(t);
	return ret;
}

void tls_ctx_free(struct tls_ctx *t)
{
	if (!t)
		return;
	SSL_CTX_free(t->ctx);
	free(t);
}

/* --- session ------------------------------------------------------------ */

/* Any handshake message after ours finished (a TLS 1.3 ticket or key
 * update) means the server processed our Finished and accepted us.
 * (Not SSL_is_init_finished(): OpenSSL is "in init" again while it reads
 * a post-handshake message.) */
static void msg_cb(int write_p, int version, int content_type, const void *buf,
		   size_t len, SSL *ssl, void *arg)
{
	struct tls_conn *c = arg;

	if (!write_p && content_type == SSL3_RT_HANDSHAKE && c->done)
		c->accepted = true;
}

int tls_conn_new(struct tls_ctx *t, int fd, struct tls_conn **out)
{
	struct tls_conn *c;
	BIO *b;
	int ok;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->ssl = SSL_new(t->ctx);
	b = c->ssl ? sock_bio(fd) : NULL;
	if (!b) {
		tls_conn_free(c);
		ERR_clear_error();
		return -ENOMEM;
	}
	SSL_set_bio(c->ssl, b, b);
	c->name = t->name;
	SSL_set_connect_state(c->ssl);
	SSL_set_hostflags(c->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (t->name_is_ip) {
		ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), t->name);
	} else {
		ok = SSL_set1_host(c->ssl, t->name) &&
		     SSL_set_tlsext_host_name(c->ssl, t->name);
	}
	if (!ok) {
		tls_conn_free(c);
		ERR_clear_error();
		return -EINVAL;
	}
	SSL_set_msg_callback(c->ssl, msg_cb);
	SSL_set_msg_callback_arg(c->ssl, c);
	*out = c;
	return 0;
}

void tls_conn_free(struct tls_conn *c)
{
	if (!c)
		return;
	if (c->done)
		SSL_shutdown(c->ssl);	/* one try, non-blocking: close_notify */
	SSL_free(c->ssl);
	ERR_clear_error();
	free(c);
}

/* Map an SSL call's failure to -EAGAIN or -errno with why. */
static int ssl_fail(struct tls_conn *c, int rc, const char *what, bool *want_write,
		    char *why, size_t whylen)
{
	int saved = errno;
	long vr;
	char e[256];

	switch (tlsb_classify(c->ssl, rc, saved, want_write)) {
	case TLSB_AGAIN:
		return -EAGAIN;
	case TLSB_CLOSED:
		snprintf(why, whylen, "%s: collector closed the TLS session", what);
		return -ECONNRESET;
	case TLSB_EOF:
		snprintf(why, whylen, "%s: connection closed by collector", what);
		return -ECONNRESET;
	case TLSB_ERRNO:
		snprintf(why, whylen, "%s: %s", what, strerror(saved));
		return -saved;
	case TLSB_PROTO:
		break;
	}
	vr = SSL_get_verify_result(c->ssl);
	if (vr != X509_V_OK) {
		bool name = vr == X509_V_ERR_HOSTNAME_MISMATCH ||
			    vr == X509_V_ERR_IP_ADDRESS_MISMATCH;

		snprintf(why, whylen, "%s: collector certificate rejected: %s%s%s%s", what,
			 X509_verify_cert_error_string(vr), name ? " (expected \"" : "",
			 name ? c->name : "", name ? "\")" : "");
		ERR_clear_error();
		return -EPERM;
	}
	snprintf(why, whylen, "%s: %s", what, tlsb_err(e, sizeof(e)));
	return -EPROTO;
}

int tls_handshake(struct tls_conn *c, bool *want_write, char *why, size_t whylen)
{
	int rc;

	ERR_clear_error();
	errno = 0;
	rc = SSL_do_handshake(c->ssl);
	if (rc != 1)
		return ssl_fail(c, rc, "TLS handshake", want_write, why, whylen);
	*want_write = false;
	c->done = true;
	c->accepted = SSL_version(c->ssl) < TLS1_3_VERSION;
	snprintf(c->desc, sizeof(c->desc), "%s %s", SSL_get_version(c->ssl),
		 SSL_get_cipher_name(c->ssl));
	return 0;
}

ssize_t tls_write(struct tls_conn *c, const void *buf, size_t len,
		  bool *want_write, char *why, size_t whylen)
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

int tls_drain(struct tls_conn *c, size_t max, bool *want_write, char *why, size_t whylen)
{
	char tmp[4096];
	size_t total = 0;

	*want_write = false;
	while (total < max) {
		int rc, ret;

		ERR_clear_error();
		errno = 0;
		rc = SSL_read(c->ssl, tmp, sizeof(tmp));
		if (rc > 0) {
			total += (size_t)rc;
			c->accepted = true;	/* it speaks to us after the handshake */
			continue;
		}
		ret = ssl_fail(c, rc, "TLS read", want_write, why, whylen);
		return ret == -EAGAIN ? 0 : ret;
	}
	return 0;
}

ssize_t tls_read(struct tls_conn *c, void *buf, size_t len, bool *want_write,
		 char *why, size_t whylen)
{
	int rc;

	*want_write = false;
	ERR_clear_error();
	errno = 0;
	rc = SSL_read(c->ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
	if (rc > 0) {
		c->accepted = true;
		return rc;
	}
	return ssl_fail(c, rc, "TLS read", want_write, why, whylen);
}

bool tls_pending(const struct tls_conn *c)
{
	return SSL_pending(c->ssl) > 0;
}

uint64_t tls_wire_written(const struct tls_conn *c)
{
	return BIO_number_written(SSL_get_wbio(c->ssl));
}

bool tls_peer_accepted(const struct tls_conn *c)
{
	return c->accepted;
}

const char *tls_describe(const struct tls_conn *c)
{
	return c->desc;
}
