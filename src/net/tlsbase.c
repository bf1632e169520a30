// SPDX-License-Identifier: GPL-2.0
/* tlsbase.c - what both TLS roles share. See tlsbase.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "net/tlsbase.h"

static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	return -1;
}

const char *tlsb_err(char *buf, size_t len)
{
	unsigned long e, last = 0;

	while ((e = ERR_get_error()))
		last = e;
	if (!last)
		return "unknown OpenSSL error";
	ERR_error_string_n(last, buf, len);
	return buf;
}

SSL_CTX *tlsb_ctx_new(const SSL_METHOD *method, const char *pfx, char *err, size_t errlen)
{
	SSL_CTX *ctx;
	char e[256];

	ERR_clear_error();
	ctx = SSL_CTX_new(method);
	if (!ctx) {
		snprintf(err, errlen, "%scannot create a TLS context (%s)", pfx,
			 tlsb_err(e, sizeof(e)));
		return NULL;
	}
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
		snprintf(err, errlen, "%scannot require TLS 1.2", pfx);
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);
	return ctx;
}

int tlsb_readable(const char *pfx, const char *what, const char *path,
		  char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		int ret = -errno;

		snprintf(err, errlen, "%scannot read %s %s: %s", pfx, what, path, strerror(errno));
		return ret;
	}
	close(fd);
	return 0;
}

int tlsb_use_pair(SSL_CTX *ctx, const char *pfx, const char *cert_what, const char *cert,
		  const char *key_what, const char *key, char *err, size_t errlen)
{
	char e[256];
	int ret;

	if (!key)
		key = cert;
	ret = tlsb_readable(pfx, cert_what, cert, err, errlen);
	if (ret == 0 && key != cert)
		ret = tlsb_readable(pfx, key_what, key, err, errlen);
	if (ret < 0)
		return ret;
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		snprintf(err, errlen, "%s%s %s: no usable PEM certificate (%s)", pfx, cert_what,
			 cert, tlsb_err(e, sizeof(e)));
		return -EINVAL;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH)
			snprintf(err, errlen, "%s%s %s does not match %s %s", pfx, key_what, key,
				 cert_what, cert);
		else
			snprintf(err, errlen, "%s%s %s: not a usable unencrypted PEM key (%s)", pfx,
				 key_what, key, tlsb_err(e, sizeof(e)));
		ERR_clear_error();
		return -EINVAL;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		snprintf(err, errlen, "%s%s %s does not match %s %s", pfx, key_what, key,
			 cert_what, cert);
		ERR_clear_error();
		return -EINVAL;
	}
	return 0;
}

enum tlsb_fail tlsb_classify(SSL *ssl, int rc, int saved, bool *want_write)
{
	*want_write = false;
	switch (SSL_get_error(ssl, rc)) {
	case SSL_ERROR_WANT_WRITE:
		*want_write = true;
		return TLSB_AGAIN;
	case SSL_ERROR_WANT_READ:
		return TLSB_AGAIN;
	case SSL_ERROR_ZERO_RETURN:
		return TLSB_CLOSED;
	case SSL_ERROR_SYSCALL:
		if (ERR_peek_error())
			return TLSB_PROTO;
		return saved ? TLSB_ERRNO : TLSB_EOF;
	default:
		return TLSB_PROTO;
	}
}
