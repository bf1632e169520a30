// SPDX-License-Identifier: GPL-2.0
/* url.c - output URLs (DESIGN.md "Command line"): syslog+tcp|tls|udp|relp://
 * HOST[:PORT][?format=rfc5424|rfc3164&framing=octet|lf&ca=&cert=&key=&name=]
 * (relp: tls=1 and the TLS options, no framing=)
 * and jsonl:-|jsonl:/path. Pure: bytes in, struct output_url or a message
 * naming the URL out. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "outputs/output.h"
#include "base/sdid.h"
#include "base/util.h"

#define URL_SHOW 200	/* at most this much of a URL is quoted in errors */

__attribute__((format(printf, 5, 6)))
static int url_err(const char *url, size_t len, char *err, size_t errlen,
		   const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (err && errlen)
		snprintf(err, errlen, "output \"%.*s\": %s",
			 (int)(len < URL_SHOW ? len : URL_SHOW), url, why);
	return -EINVAL;
}

static bool host_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

/* "[v6]" or a name / IPv4 address; then optional ":port". */
static int url_hostport(const char *s, size_t n, struct output_url *u,
			const char *url, size_t ulen, char *err, size_t errlen)
{
	const char *port = NULL;
	size_t hlen, plen = 0;
	uint64_t p;

	if (n == 0)
		return url_err(url, ulen, err, errlen, "missing host (e.g. syslog+tcp://192.0.2.1:514)");
	if (s[0] == '[') {
		const char *close = memchr(s, ']', n);
		char tmp[INET6_ADDRSTRLEN + 16];
		struct in6_addr a;
		const char *pct;

		if (!close)
			return url_err(url, ulen, err, errlen, "unterminated '[' in IPv6 address");
		hlen = (size_t)(close - s) - 1;
		if (hlen == 0 || hlen >= sizeof(tmp))
			return url_err(url, ulen, err, errlen, "bad IPv6 address");
		memcpy(tmp, s + 1, hlen);
		tmp[hlen] = '\0';
		pct = strchr(tmp, '%');
		if (pct) {	/* zone: interface name or number */
			for (const char *z = pct + 1; *z; z++)
				if (!host_char_ok(*z))
					return url_err(url, ulen, err, errlen, "bad IPv6 zone");
			if (!pct[1])
				return url_err(url, ulen, err, errlen, "empty IPv6 zone");
			tmp[pct - tmp] = '\0';
		}
		if (inet_pton(AF_INET6, tmp, &a) != 1)
			return url_err(url, ulen, err, errlen, "bad IPv6 address '%.*s'",
				       (int)hlen, s + 1);
		memcpy(u->host, s + 1, hlen);
		u->host[hlen] = '\0';
		s = close + 1;
		n -= hlen + 2;
		if (n > 0 && s[0] != ':')
			return url_err(url, ulen, err, errlen, "expected ':' after ']'");
		if (n > 0) {
			port = s + 1;
			plen = n - 1;
		}
	} else {
		const char *colon = memchr(s, ':', n);

		hlen = colon ? (size_t)(colon - s) : n;
		if (hlen == 0)
			return url_err(url, ulen, err, errlen, "missing host");
		if (hlen > 253)
			return url_err(url, ulen, err, errlen, "host name too long");
		for (size_t i = 0; i < hlen; i++)
			if (!host_char_ok(s[i]))
				return url_err(url, ulen, err, errlen,
					       "bad character in host (IPv6 goes in brackets: [::1]:514)");
		memcpy(u->host, s, hlen);
		u->host[hlen] = '\0';
		if (colon) {
			port = colon + 1;
			plen = n - hlen - 1;
		}
	}
	if (port) {
		if (parse_u64(port, plen, 65535, &p) < 0 || p == 0)
			return url_err(url, ulen, err, errlen, "bad port '%.*s' (1-65535)",
				       (int)(plen < 16 ? plen : 16), port);
		u->port = (uint16_t)p;
	}
	return 0;
}

static bool token_is(const char *s, size_t n, const char *lit)
{
	return n == strlen(lit) && !memcmp(s, lit, n);
}

/* Percent-decode v into dst (a path may hold '&' or '?' as %26, %3F).
 * 0, or a message in err: empty, too long, bad escape, control byte. */
static int url_value(const char *key, const char *v, size_t vl, char *dst, size_t cap,
		     const char *url, size_t ulen, char *err, size_t errlen)
{
	size_t o = 0;

	if (dst[0])
		return url_err(url, ulen, err, errlen, "%s= given twice", key);
	if (vl == 0)
		return url_err(url, ulen, err, errlen, "%s= is empty", key);
	for (size_t i = 0; i < vl; i++) {
		int c = (unsigned char)v[i];

		if (c == '%') {
			int h = i + 2 < vl ? hex_digit(v[i + 1]) : -1;
			int l = h >= 0 ? hex_digit(v[i + 2]) : -1;

			if (l < 0)
				return url_err(url, ulen, err, errlen,
					       "%s=: bad %%-escape (use %%XX)", key);
			c = h * 16 + l;
			i += 2;
		}
		if (c < 0x20 || c == 0x7f)
			return url_err(url, ulen, err, errlen,
				       "%s=: control character", key);
		if (o + 1 >= cap)
			return url_err(url, ulen, err, errlen, "%s=: too long (max %zu bytes)",
				       key, cap - 1);
		dst[o++] = (char)c;
	}
	dst[o] = '\0';
	return 0;
}

/* ca=, cert=, key= (absolute paths), name= (a host name or address the
 * collector's certificate must carry): syslog+tls only. */
static int url_tls_option(const char *k, size_t kl, const char *v, size_t vl,
			  struct output_url *u, const char *url, size_t ulen,
			  char *err, size_t errlen)
{
	static const struct {
		const char *key;
		size_t off, cap;
	} opts[] = {
		{ "ca", offsetof(struct output_url, ca), OUTPUT_PATH_LEN },
		{ "cert", offsetof(struct output_url, cert), OUTPUT_PATH_LEN },
		{ "key", offsetof(struct output_url, key), OUTPUT_PATH_LEN },
		{ "name", offsetof(struct output_url, name), OUTPUT_HOST_LEN },
	};

	for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
		char *dst = (char *)u + opts[i].off;
		bool is_name = opts[i].cap == OUTPUT_HOST_LEN;
		int ret;

		if (!token_is(k, kl, opts[i].key))
			continue;
		if (u->kind != OUTPUT_TLS && u->kind != OUTPUT_RELP)
			return url_err(url, ulen, err, errlen,
				       "%s= applies to syslog+tls and syslog+relp only", opts[i].key);
		ret = url_value(opts[i].key, v, vl, dst, is_name ? 254 : opts[i].cap,
				url, ulen, err, errlen);
		if (ret < 0)
			return ret;
		if (!is_name && dst[0] != '/')
			return url_err(url, ulen, err, errlen,
				       "%s= must be an absolute path", opts[i].key);
		for (const char *c = dst; is_name && *c; c++)
			if (!host_char_ok(*c) && *c != ':')
				return url_err(url, ulen, err, errlen,
					       "name= must be a host name or address");
		return 0;
	}
	return 1;	/* not a TLS option */
}

static int url_query(const char *q, size_t n, struct output_url *u, bool *framing_set,
		     const char *url, size_t ulen, char *err, size_t errlen)
{
	while (n > 0) {
		const char *amp = memchr(q, '&', n);
		size_t pl = amp ? (size_t)(amp - q) : n;
		const char *eq = memchr(q, '=', pl);
		size_t kl = eq ? (size_t)(eq - q) : pl;
		const char *v = eq ? eq + 1 : q + pl;
		size_t vl = eq ? pl - kl - 1 : 0;

		if (token_is(q, kl, "format")) {
			if (token_is(v, vl, "rfc5424"))
				u->format = OUTPUT_RFC5424;
			else if (token_is(v, vl, "rfc3164"))
				u->format = OUTPUT_RFC3164;
			else
				return url_err(url, ulen, err, errlen,
					       "format must be rfc5424 or rfc3164");
		} else if (u->kind == OUTPUT_RELP && token_is(q, kl, "tls")) {
			if (token_is(v, vl, "1"))
				u->tls = true;
			else if (token_is(v, vl, "0"))
				u->tls = false;
			else
				return url_err(url, ulen, err, errlen, "tls must be 1 or 0");
		} else if (token_is(q, kl, "sd_id")) {
			const char *why;

			why = sd_id_check(v, vl);
			if (why)
				return url_err(url, ulen, err, errlen, "sd_id %s", why);
			memcpy(u->sd_id, v, vl);
			u->sd_id[vl] = '\0';
		} else if (token_is(q, kl, "framing")) {
			if (u->kind == OUTPUT_RELP)
				return url_err(url, ulen, err, errlen,
					       "framing does not apply to syslog+relp (RELP frames records itself)");
			if (u->kind == OUTPUT_UDP)
				return url_err(url, ulen, err, errlen,
					       "framing applies to syslog+tcp and syslog+tls only");
			if (token_is(v, vl, "octet"))
				u->framing = OUTPUT_OCTET;
			else if (token_is(v, vl, "lf"))
				u->framing = OUTPUT_LF;
			else
				return url_err(url, ulen, err, errlen,
					       "framing must be octet or lf");
			*framing_set = true;
		} else {
			int ret = url_tls_option(q, kl, v, vl, u, url, ulen, err, errlen);

			if (ret < 0)
				return ret;
			if (ret > 0)
				return url_err(url, ulen, err, errlen,
					       "unknown option '%.*s' (use format=, framing=, sd_id=%s)",
					       (int)(kl < 32 ? kl : 32), q,
					       u->kind == OUTPUT_TLS ? ", ca=, cert=, key=, name=" :
					       u->kind == OUTPUT_RELP ? "; relp: tls=1, ca=, cert=, key=, name=" : "");
		}
		if (!amp)
			break;
		n -= pl + 1;
		q = amp + 1;
	}
	return 0;
}

static const struct {
	const char *prefix;
	enum output_kind kind;
	uint16_t port;
} url_schemes[] = {
	{ "syslog+tcp://", OUTPUT_TCP, 514 },
	{ "syslog+udp://", OUTPUT_UDP, 514 },
	{ "syslog+tls://", OUTPUT_TLS, 6514 },
	{ "syslog+relp://", OUTPUT_RELP, 2514 },
};

int output_url_parse(const char *url, size_t len, struct output_url *u,
		     char *err, size_t errlen)
{
	const char *rest = NULL, *q;
	size_t rn, hn;
	bool framing_set = false;
	int ret;

	memset(u, 0, sizeof(*u));
	if (err && errlen)
		err[0] = '\0';
	if (memchr(url, '\0', len))
		return url_err(url, len, err, errlen, "NUL byte in URL");
	if (len >= 5 && !memcmp(url, "jsonl", 5) && (len == 5 || url[5] == ':')) {
		u->kind = OUTPUT_JSONL;
		u->framing = OUTPUT_LF;	/* one object per line, never octet counts */
		rest = url + 6;
		rn = len > 6 ? len - 6 : 0;
		if (len <= 6)
			return url_err(url, len, err, errlen,
				       "jsonl needs '-' (stdout) or an absolute path: jsonl:-, jsonl:/var/log/wgaudit.jsonl");
		if (!(rn == 1 && rest[0] == '-') && rest[0] != '/')
			return url_err(url, len, err, errlen,
				       "jsonl path must be '-' or absolute (jsonl:/var/log/wgaudit.jsonl)");
		if (rn >= sizeof(u->path))
			return url_err(url, len, err, errlen, "path too long");
		memcpy(u->path, rest, rn);
		u->path[rn] = '\0';
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(url_schemes); i++) {
		size_t pl = strlen(url_schemes[i].prefix);

		if (len >= pl && !memcmp(url, url_schemes[i].prefix, pl)) {
			u->kind = url_schemes[i].kind;
			u->port = url_schemes[i].port;
			rest = url + pl;
			break;
		}
	}
	if (!rest) {
		const char *sep = memchr(url, ':', len);
		size_t sl = sep ? (size_t)(sep - url) : len;

		return url_err(url, len, err, errlen,
			       "unknown scheme '%.*s' (use syslog+tcp://, syslog+udp://, syslog+tls://, syslog+relp://, jsonl:)",
			       (int)(sl < 32 ? sl : 32), url);
	}
	rn = len - (size_t)(rest - url);
	u->format = OUTPUT_RFC5424;
	u->framing = u->kind == OUTPUT_UDP ? OUTPUT_DATAGRAM : OUTPUT_OCTET;
	q = memchr(rest, '?', rn);
	hn = q ? (size_t)(q - rest) : rn;
	if (hn > 0 && rest[hn - 1] == '/')
		hn--;	/* tolerate "syslog+tcp://h:514/" */
	if (memchr(rest, '/', hn))
		return url_err(url, len, err, errlen, "a syslog URL has no path");
	if (memchr(rest, '@', hn))
		return url_err(url, len, err, errlen, "user info is not supported");
	ret = url_hostport(rest, hn, u, url, len, err, errlen);
	if (ret < 0)
		return ret;
	if (q) {
		ret = url_query(q + 1, rn - (size_t)(q - rest) - 1, u, &framing_set,
				url, len, err, errlen);
		if (ret < 0)
			return ret;
	}
	if (u->key[0] && !u->cert[0])
		return url_err(url, len, err, errlen, "key= needs cert= (the client certificate)");
	if (u->kind == OUTPUT_RELP && !u->tls && (u->ca[0] || u->cert[0] || u->name[0]))
		return url_err(url, len, err, errlen,
			       "ca=, cert=, key=, name= need tls=1 on syslog+relp");
	return 0;
}


/* Append a query value, %-escaping what would make the name ambiguous
 * (the separators, '%', and anything not printable ASCII). */
static size_t canon_value(char *buf, size_t o, size_t len, const char *v)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *v; v++) {
		unsigned char c = (unsigned char)*v;
		bool esc = c <= 0x20 || c >= 0x7f || c == '%' || c == '&' || c == '=' ||
			   c == '?' || c == '#';

		if (o + 4 > len)
			return len;
		if (esc) {
			buf[o++] = '%';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		} else {
			buf[o++] = (char)c;
		}
	}
	return o;
}

int output_url_canonical(const struct output_url *u, char *buf, size_t len)
{
	static const char *const scheme[] = {
		[OUTPUT_TCP] = "syslog+tcp://", [OUTPUT_TLS] = "syslog+tls://",
		[OUTPUT_UDP] = "syslog+udp://", [OUTPUT_RELP] = "syslog+relp://",
	};
	/* Sorted by key; a value equal to the default is left out, so
	 * "?format=rfc5424" names the same output as no option at all. */
	const struct {
		const char *key, *val;
	} opt[] = {
		{ "ca", u->ca },
		{ "cert", u->cert },
		{ "format", u->format == OUTPUT_RFC3164 ? "rfc3164" : "" },
		{ "framing", u->framing == OUTPUT_LF ? "lf" : "" },
		{ "key", u->key },
		{ "name", u->name },
		{ "tls", u->kind == OUTPUT_RELP && u->tls ? "1" : "" },
	};
	bool v6 = strchr(u->host, ':') != NULL;
	size_t o;
	char sep = '?';

	if (u->kind == OUTPUT_JSONL)
		return snprintf(buf, len, "jsonl:%s", u->path) < (int)len ? 0 : -ENOSPC;
	if (len < 16)
		return -ENOSPC;
	o = (size_t)snprintf(buf, len, "%s%s", scheme[u->kind], v6 ? "[" : "");
	/* DNS names are case-insensitive; an IPv6 zone (interface) is not */
	for (const char *h = u->host; *h && o + 1 < len; h++)
		buf[o++] = v6 ? *h : (char)(*h >= 'A' && *h <= 'Z' ? *h - 'A' + 'a' : *h);
	if (o + 8 >= len)
		return -ENOSPC;
	o += (size_t)snprintf(buf + o, len - o, "%s:%u", v6 ? "]" : "", u->port);
	for (size_t i = 0; i < ARRAY_SIZE(opt); i++) {
		if (!opt[i].val[0])
			continue;
		if (o + strlen(opt[i].key) + 3 >= len)
			return -ENOSPC;
		o += (size_t)snprintf(buf + o, len - o, "%c%s=", sep, opt[i].key);
		o = canon_value(buf, o, len, opt[i].val);
		if (o >= len)
			return -ENOSPC;
		sep = '&';
	}
	buf[o] = '\0';
	return 0;
}
