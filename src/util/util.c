/* util.c - bounded parsing and formatting. See util.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <openssl/evp.h>
#include "util/util.h"

int parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned char)s[i] - '0';

		if (d > 9)
			return -EINVAL;
		if (d > max || v > (max - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int parse_i64(const char *s, size_t len, int64_t *out)
{
	uint64_t v;
	int neg = len > 0 && s[0] == '-';
	int ret;

	ret = parse_u64(s + neg, len - neg, neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX, &v);
	if (ret < 0)
		return ret;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

static const struct {
	const char *suffix;
	uint64_t ms;
} duration_units[] = {
	{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 }, { "d", 86400000 },
};

int parse_duration_ms(const char *s, size_t len, uint64_t *out_ms)
{
	const uint64_t max_ms = 30ull * 86400000;
	size_t digits = 0;
	uint64_t v, mult = 1000;
	int ret;

	while (digits < len && s[digits] >= '0' && s[digits] <= '9')
		digits++;
	if (digits < len) {
		size_t i;

		for (i = 0; i < ARRAY_SIZE(duration_units); i++) {
			if (strlen(duration_units[i].suffix) == len - digits &&
			    !memcmp(s + digits, duration_units[i].suffix, len - digits))
				break;
		}
		if (i == ARRAY_SIZE(duration_units))
			return -EINVAL;
		mult = duration_units[i].ms;
	}
	ret = parse_u64(s, digits, max_ms, &v);
	if (ret < 0)
		return ret;
	if (v == 0 || v > max_ms / mult)
		return -ERANGE;
	*out_ms = v * mult;
	return 0;
}

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_val(char c)
{
	const char *p = c ? memchr(b64, c, 64) : NULL;

	return p ? (int)(p - b64) : -1;
}

void key_to_base64(char out[static WG_KEY_B64_LEN], const uint8_t key[static WG_KEY_LEN])
{
	size_t o = 0;

	for (size_t i = 0; i < WG_KEY_LEN; i += 3) {
		uint32_t v = (uint32_t)key[i] << 16;

		if (i + 1 < WG_KEY_LEN)
			v |= (uint32_t)key[i + 1] << 8;
		if (i + 2 < WG_KEY_LEN)
			v |= key[i + 2];
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < WG_KEY_LEN ? b64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < WG_KEY_LEN ? b64[v & 63] : '=';
	}
	out[o] = '\0';
}

/* 32 bytes encode to 43 significant chars + '='; the last char carries only
 * 4 bits, so its low 2 bits must be zero (as wg(8) insists). */
int key_from_base64(uint8_t key[static WG_KEY_LEN], const char *s, size_t len)
{
	uint8_t tmp[WG_KEY_LEN + 1];
	size_t o = 0;
	int ret = -EINVAL;

	if (len != 44 || s[43] != '=')
		return -EINVAL;
	for (size_t i = 0; i < 44; i += 4) {
		int v[4];
		uint32_t w;

		for (int j = 0; j < 4; j++)
			v[j] = (i + j == 43) ? 0 : b64_val(s[i + j]);
		if (v[0] < 0 || v[1] < 0 || v[2] < 0 || v[3] < 0)
			goto out;
		w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
		tmp[o++] = w >> 16;
		tmp[o++] = w >> 8;
		if (o < sizeof(tmp))
			tmp[o++] = w;
	}
	if (b64_val(s[42]) & 3)
		goto out;
	memcpy(key, tmp, WG_KEY_LEN);
	ret = 0;
out:
	wipe(tmp, sizeof(tmp));
	return ret;
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int key_from_hex(uint8_t key[static WG_KEY_LEN], const char *s, size_t len)
{
	uint8_t tmp[WG_KEY_LEN];
	int ret = -EINVAL;

	if (len != 2 * WG_KEY_LEN)
		return -EINVAL;
	for (size_t i = 0; i < WG_KEY_LEN; i++) {
		int hi = hex_val(s[2 * i]), lo = hex_val(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			goto out;
		tmp[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(key, tmp, WG_KEY_LEN);
	ret = 0;
out:
	wipe(tmp, sizeof(tmp));
	return ret;
}

int key_is_zero(const uint8_t key[static WG_KEY_LEN])
{
	uint8_t acc = 0;

	for (size_t i = 0; i < WG_KEY_LEN; i++)
		acc |= key[i];
	return acc == 0;
}

int key_public_from_private(uint8_t pub[static WG_KEY_LEN],
			    const uint8_t priv[static WG_KEY_LEN])
{
	EVP_PKEY *pk;
	size_t len = WG_KEY_LEN;
	int ret = -EINVAL;

	/* OpenSSL clamps the scalar itself, as the kernel does. It copies the
	 * key into its own secure-cleared structure, freed below. */
	pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, WG_KEY_LEN);
	if (!pk)
		return -EINVAL;
	if (EVP_PKEY_get_raw_public_key(pk, pub, &len) == 1 && len == WG_KEY_LEN)
		ret = 0;
	EVP_PKEY_free(pk);
	return ret;
}

/* Parse [ADDR] or ADDR, and optional %scope with a numeric scope id. */
int endpoint_parse(const char *s, size_t len, union endpoint *out)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *end = s + len;
	uint64_t port, scope = 0;
	size_t hlen;

	memset(out, 0, sizeof(*out));
	if (len == 0 || len >= 128 || memchr(s, '\0', len))
		return -EINVAL;
	if (s[0] == '[') {
		const char *rb = memchr(s, ']', len);
		const char *pct, *slash;

		if (!rb || rb + 1 >= end || rb[1] != ':')
			return -EINVAL;
		colon = rb + 1;
		/* The kernel's %pISpfsc appends "/flowinfo%scope" after the
		 * port; wg(8) and UAPI put "%scope" inside the brackets. */
		slash = memchr(colon, '/', (size_t)(end - colon));
		pct = memchr(s, '%', (size_t)(rb - s));
		if (slash) {
			const char *p2 = memchr(slash, '%', (size_t)(end - slash));
			uint64_t flow;

			if (!p2 || parse_u64(slash + 1, (size_t)(p2 - slash - 1), UINT32_MAX, &flow) ||
			    parse_u64(p2 + 1, (size_t)(end - p2 - 1), UINT32_MAX, &scope))
				return -EINVAL;
			end = slash;
		}
		if (pct) {
			if (slash || parse_u64(pct + 1, (size_t)(rb - pct - 1), UINT32_MAX, &scope))
				return -EINVAL;
		}
		hlen = (size_t)((pct ? pct : rb) - s - 1);
		if (hlen == 0 || hlen >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, hlen);
		host[hlen] = '\0';
		if (inet_pton(AF_INET6, host, &out->sin6.sin6_addr) != 1)
			return -EINVAL;
		out->sin6.sin6_family = AF_INET6;
		out->sin6.sin6_scope_id = (uint32_t)scope;
	} else {
		colon = memrchr(s, ':', len);
		if (!colon)
			return -EINVAL;
		hlen = (size_t)(colon - s);
		if (hlen == 0 || hlen >= sizeof(host))
			return -EINVAL;
		memcpy(host, s, hlen);
		host[hlen] = '\0';
		if (inet_pton(AF_INET, host, &out->sin.sin_addr) != 1)
			return -EINVAL;
		out->sin.sin_family = AF_INET;
	}
	if (parse_u64(colon + 1, (size_t)(end - colon - 1), 65535, &port) < 0) {
		memset(out, 0, sizeof(*out));
		return -EINVAL;
	}
	if (out->sa.sa_family == AF_INET)
		out->sin.sin_port = htons((uint16_t)port);
	else
		out->sin6.sin6_port = htons((uint16_t)port);
	return 0;
}

void endpoint_format(char out[static ENDPOINT_STR_LEN], const union endpoint *ep)
{
	char host[INET6_ADDRSTRLEN];

	out[0] = '\0';
	if (ep->sa.sa_family == AF_INET) {
		inet_ntop(AF_INET, &ep->sin.sin_addr, host, sizeof(host));
		snprintf(out, ENDPOINT_STR_LEN, "%s:%u", host, ntohs(ep->sin.sin_port));
	} else if (ep->sa.sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &ep->sin6.sin6_addr, host, sizeof(host));
		if (ep->sin6.sin6_scope_id)
			snprintf(out, ENDPOINT_STR_LEN, "[%s%%%u]:%u", host,
				 ep->sin6.sin6_scope_id, ntohs(ep->sin6.sin6_port));
		else
			snprintf(out, ENDPOINT_STR_LEN, "[%s]:%u", host, ntohs(ep->sin6.sin6_port));
	}
}

int endpoint_equal(const union endpoint *a, const union endpoint *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return 0;
	switch (a->sa.sa_family) {
	case AF_INET:
		return a->sin.sin_port == b->sin.sin_port &&
		       a->sin.sin_addr.s_addr == b->sin.sin_addr.s_addr;
	case AF_INET6:
		return a->sin6.sin6_port == b->sin6.sin6_port &&
		       a->sin6.sin6_scope_id == b->sin6.sin6_scope_id &&
		       !memcmp(&a->sin6.sin6_addr, &b->sin6.sin6_addr, sizeof(struct in6_addr));
	default:
		return 1;
	}
}

void fmt_bytes(char *out, size_t len, uint64_t bytes)
{
	static const char *units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)bytes;
	size_t u = 0;

	if (bytes < 1024) {
		snprintf(out, len, "%llu B", (unsigned long long)bytes);
		return;
	}
	v /= 1024;
	while (v >= 1024 && u + 1 < ARRAY_SIZE(units)) {
		v /= 1024;
		u++;
	}
	snprintf(out, len, "%.2f %s", v, units[u]);
}

void fmt_ago(char *out, size_t len, int64_t now_sec, int64_t then_sec)
{
	static const struct { const char *name; int64_t secs; } units[] = {
		{ "year", 365 * 86400 }, { "day", 86400 }, { "hour", 3600 },
		{ "minute", 60 }, { "second", 1 },
	};
	int64_t left;
	size_t o = 0;

	if (then_sec <= 0) {
		snprintf(out, len, "never");
		return;
	}
	left = now_sec - then_sec;
	if (left <= 0) {
		snprintf(out, len, left < 0 ? "in the future" : "now");
		return;
	}
	out[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(units) && o < len; i++) {
		int64_t n = left / units[i].secs;
		int w;

		if (!n)
			continue;
		left -= n * units[i].secs;
		w = snprintf(out + o, len - o, "%s%lld %s%s", o ? ", " : "",
			     (long long)n, units[i].name, n == 1 ? "" : "s");
		if (w < 0)
			break;
		o += (size_t)w;
	}
	if (o < len)
		snprintf(out + o, len - o, " ago");
}

void fmt_rfc3339_us(char out[static 32], int64_t time_us)
{
	time_t sec = (time_t)(time_us / 1000000);
	long us = (long)(time_us % 1000000);
	struct tm tm;

	if (us < 0) {
		us += 1000000;
		sec--;
	}
	gmtime_r(&sec, &tm);
	snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour, tm.tm_min, tm.tm_sec, us);
}

static int64_t clock_us(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t now_realtime_us(void)
{
	return clock_us(CLOCK_REALTIME);
}

int64_t now_monotonic_us(void)
{
	return clock_us(CLOCK_MONOTONIC);
}

void wipe(void *p, size_t len)
{
	explicit_bzero(p, len);
}
