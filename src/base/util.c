// SPDX-License-Identifier: GPL-2.0
/* util.c - bounded parsing and formatting. See util.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include "base/util.h"

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

/* Hex digit values, pre-shifted for the high nibble; 0x100 marks a
 * non-digit. Tables, not branches: every poll decodes ~10,000 public keys
 * (and the private key, so no branch on a digit's value either: one check
 * of the OR of all lookups at the end). */
#define HX(c, sh) ((c) >= '0' && (c) <= '9' ? (((c) - '0') & 15) << (sh) :	\
		   (c) >= 'a' && (c) <= 'f' ? (((c) - 'a' + 10) & 15) << (sh) :	\
		   (c) >= 'A' && (c) <= 'F' ? (((c) - 'A' + 10) & 15) << (sh) : 0x100)
#define HX4(c, sh) HX(c, sh), HX((c) + 1, sh), HX((c) + 2, sh), HX((c) + 3, sh)
#define HX16(c, sh) HX4(c, sh), HX4((c) + 4, sh), HX4((c) + 8, sh), HX4((c) + 12, sh)
#define HX256(sh) HX16(0x00, sh), HX16(0x10, sh), HX16(0x20, sh), HX16(0x30, sh), \
	HX16(0x40, sh), HX16(0x50, sh), HX16(0x60, sh), HX16(0x70, sh),	\
	HX16(0x80, sh), HX16(0x90, sh), HX16(0xa0, sh), HX16(0xb0, sh),	\
	HX16(0xc0, sh), HX16(0xd0, sh), HX16(0xe0, sh), HX16(0xf0, sh)
static const uint16_t hex_hi[256] = { HX256(4) };
static const uint16_t hex_lo[256] = { HX256(0) };
#undef HX256
#undef HX16
#undef HX4
#undef HX

int hex_digit(char c)
{
	unsigned v = hex_lo[(unsigned char)c];

	return v & 0x100 ? -1 : (int)v;
}

int key_from_hex(uint8_t key[static WG_KEY_LEN], const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	uint8_t tmp[WG_KEY_LEN];
	unsigned bad = 0;
	int ret = -EINVAL;

	if (len != 2 * WG_KEY_LEN)
		return -EINVAL;
	for (size_t i = 0; i < WG_KEY_LEN; i++) {
		unsigned x = hex_hi[u[2 * i]] | hex_lo[u[2 * i + 1]];

		bad |= x;
		tmp[i] = (uint8_t)x;
	}
	if (!(bad & 0x100)) {
		memcpy(key, tmp, WG_KEY_LEN);
		ret = 0;
	}
	wipe(tmp, sizeof(tmp));
	return ret;
}

/* Strict dotted quad, exactly what glibc's inet_pton(AF_INET) accepts: four
 * parts of 1-3 digits, each <= 255, no leading zero, nothing else. */
int ipv4_parse(const char *s, size_t len, struct in_addr *out)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	uint32_t addr = 0;

	if (len < 7 || len > 15)
		return -EINVAL;
	for (int part = 0; part < 4; part++) {
		unsigned v, d;

		if (part && (p == end || *p++ != '.'))
			return -EINVAL;
		if (p == end || (v = *p - '0') > 9)
			return -EINVAL;
		p++;
		if (p < end && (d = *p - '0') <= 9) {
			if (v == 0)
				return -EINVAL;	/* leading zero */
			v = v * 10 + d;
			p++;
			if (p < end && (d = *p - '0') <= 9) {
				v = v * 10 + d;
				p++;
				if (v > 255)
					return -EINVAL;
			}
		}
		addr = addr << 8 | v;
	}
	if (p != end)
		return -EINVAL;
	out->s_addr = htonl(addr);
	return 0;
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
	/* libsodium clamps the scalar itself, as the kernel does, and keeps
	 * no copy of it. sodium_init() is idempotent (CPU feature detection);
	 * -1 from the multiplication means an all-zero result (a low-order
	 * "key"), which no real interface key gives. */
	if (sodium_init() < 0)
		return -EIO;
	if (crypto_scalarmult_curve25519_base(pub, priv) != 0)
		return -EINVAL;
	return 0;
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

/* Decimal v at p; returns the bytes written (at most 10). */
static size_t put_uint(char *p, uint32_t v)
{
	char t[10];
	size_t n = 0;

	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		p[i] = t[n - 1 - i];
	return n;
}

/* inet_ntop(AF_INET6) as glibc writes it (resolv/inet_ntop.c: the longest
 * run of two or more zero words, the first of equal ones, becomes "::";
 * ::a.b.c.d and ::ffff:a.b.c.d keep the dotted quad; lower-case hex), but
 * without its sprintf() per word. Returns the bytes written (at most 45). */
static size_t put_ipv6(char *p, const unsigned char a[16])
{
	static const char hex[] = "0123456789abcdef";
	unsigned w[8];
	int best = -1, bestlen = 0, cur = -1, curlen = 0;
	char *o = p;

	for (int i = 0; i < 8; i++) {
		w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
		if (w[i] == 0) {
			if (cur < 0)
				cur = i, curlen = 0;
			if (++curlen > bestlen)
				best = cur, bestlen = curlen;
		} else {
			cur = -1;
		}
	}
	if (bestlen < 2)
		best = -1;
	for (int i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + bestlen) {
			if (i == best)
				*o++ = ':';
			continue;
		}
		if (i)
			*o++ = ':';
		if (i == 6 && best == 0 && (bestlen == 6 || (bestlen == 5 && w[5] == 0xffff))) {
			for (int k = 12; k < 16; k++) {
				o += put_uint(o, a[k]);
				if (k < 15)
					*o++ = '.';
			}
			return (size_t)(o - p);
		}
		for (int sh = 12, lead = 1; sh >= 0; sh -= 4) {
			unsigned d = (w[i] >> sh) & 15;

			if (lead && d == 0 && sh)
				continue;
			lead = 0;
			*o++ = hex[d];
		}
	}
	if (best >= 0 && best + bestlen == 8)
		*o++ = ':';
	return (size_t)(o - p);
}

size_t ip_format(char out[static INET6_ADDRSTRLEN], int family, const void *addr)
{
	size_t n = 0;

	if (family == AF_INET) {
		const unsigned char *a = addr;

		for (int i = 0; i < 4; i++) {
			n += put_uint(out + n, a[i]);
			if (i < 3)
				out[n++] = '.';
		}
	} else if (family == AF_INET6) {
		n = put_ipv6(out, addr);
	}
	out[n] = '\0';
	return n;
}

/* By hand, not inet_ntop() + snprintf(): a metrics scrape formats one per
 * peer and the kernel-log parser one for every line of a flood. Same text
 * as those would give. */
void endpoint_format(char out[static ENDPOINT_STR_LEN], const union endpoint *ep)
{
	char *p = out;

	out[0] = '\0';
	if (ep->sa.sa_family == AF_INET) {
		const unsigned char *a = (const unsigned char *)&ep->sin.sin_addr;

		for (int i = 0; i < 4; i++) {
			p += put_uint(p, a[i]);
			*p++ = i < 3 ? '.' : ':';
		}
		p += put_uint(p, ntohs(ep->sin.sin_port));
		*p = '\0';
	} else if (ep->sa.sa_family == AF_INET6) {
		*p++ = '[';
		p += put_ipv6(p, ep->sin6.sin6_addr.s6_addr);
		if (ep->sin6.sin6_scope_id) {
			*p++ = '%';
			p += put_uint(p, ep->sin6.sin6_scope_id);
		}
		*p++ = ']';
		*p++ = ':';
		p += put_uint(p, ntohs(ep->sin6.sin6_port));
		*p = '\0';
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

/* Length of the valid UTF-8 sequence at s (1..4), 0 if invalid (overlong,
 * surrogate, > U+10FFFF, truncated). ASCII returns 1. */
size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t need;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		need = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return need;
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

/* The inverse of fmt_rfc3339_us: exactly "YYYY-MM-DDTHH:MM:SS.ffffffZ". */
int parse_rfc3339_us(const char *s, size_t len, int64_t *out)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.ddddddZ";
	uint64_t v[7];
	static const unsigned char at[7][2] = {
		{ 0, 4 }, { 5, 2 }, { 8, 2 }, { 11, 2 }, { 14, 2 }, { 17, 2 }, { 20, 6 } };
	struct tm tm = { 0 };
	time_t sec;

	if (len != sizeof(shape) - 1)
		return -EINVAL;
	for (size_t i = 0; i < len; i++)
		if (shape[i] != 'd' && s[i] != shape[i])
			return -EINVAL;
	for (int i = 0; i < 7; i++)
		if (parse_u64(s + at[i][0], at[i][1], 999999, &v[i]) < 0)
			return -EINVAL;
	if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 60)
		return -EINVAL;
	tm.tm_year = (int)v[0] - 1900;
	tm.tm_mon = (int)v[1] - 1;
	tm.tm_mday = (int)v[2];
	tm.tm_hour = (int)v[3];
	tm.tm_min = (int)v[4];
	tm.tm_sec = (int)v[5];
	sec = timegm(&tm);
	*out = (int64_t)sec * 1000000 + (int64_t)v[6];
	return 0;
}

static void put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

/* Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's
 * civil_from_days, exact for every int64 day count in range). */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	yoe = z - era * 146097;
	yoe = (yoe - yoe / 1460 + yoe / 36524 - yoe / 146096) / 365;
	doy = z - era * 146097 - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Arithmetic, not gmtime_r() + snprintf(): replay prints one stamp per
 * event of a flood. Years 0..9999 (what "%04d" prints as four digits);
 * anything else goes the slow way, with the same output as before. */
void fmt_rfc3339_us(char out[static 32], int64_t time_us)
{
	int64_t sec = time_us / 1000000, days, y;
	long us = (long)(time_us % 1000000);
	int m, d, sod;
	struct tm tm;

	if (us < 0) {
		us += 1000000;
		sec--;
	}
	days = sec / 86400;
	sod = (int)(sec % 86400);
	if (sod < 0) {
		sod += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999) {
		time_t t = (time_t)sec;

		gmtime_r(&t, &tm);
		snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec, us);
		return;
	}
	put2(out, (int)(y / 100));
	put2(out + 2, (int)(y % 100));
	out[4] = '-';
	put2(out + 5, m);
	out[7] = '-';
	put2(out + 8, d);
	out[10] = 'T';
	put2(out + 11, sod / 3600);
	out[13] = ':';
	put2(out + 14, sod / 60 % 60);
	out[16] = ':';
	put2(out + 17, sod % 60);
	out[19] = '.';
	for (int i = 25; i >= 20; i--) {
		out[i] = (char)('0' + us % 10);
		us /= 10;
	}
	out[26] = 'Z';
	out[27] = '\0';
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

/* The one escaper of untrusted text for a terminal or a JSON string (the
 * collector's `logs`, `events`, `status`, `check`, `replay`, JSON lines).
 * What a terminal would act on never goes out raw: C0 controls, DEL, the
 * C1 controls U+0080..U+009F (valid UTF-8 "\xc2\x80".."\xc2\x9f"; U+009B is
 * CSI, as good as ESC '[' on many terminals) and invalid UTF-8 (a lone
 * 0x9b byte is CSI to an 8-bit terminal).
 *   STR_ESC_TEXT: each such byte as \xHH, a C1 control as \u00HH; nothing
 *     else is changed (a backslash stays one: the text is for reading).
 *   STR_ESC_JSON: the body of a JSON string (RFC 8259): '"' and '\'
 *     escaped, \n \r \t, other controls and C1 as \u00HH, invalid UTF-8 as
 *     \ufffd (JSON text is UTF-8).
 * put gets the output in runs; a NULL s is the empty string. */
void str_escape(const char *s, size_t n, enum str_esc mode,
		void (*put)(void *ctx, const char *p, size_t n), void *ctx)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t run = 0;	/* start of bytes that pass as they are */
	char e[8];

	for (size_t i = 0; s && i < n;) {
		unsigned c = u[i];
		size_t l, el = 0;

		/* Printable ASCII, nearly every byte of a record: no decoding. */
		if (c >= 0x20 && c < 0x7f && !(mode == STR_ESC_JSON && (c == '"' || c == '\\'))) {
			i++;
			continue;
		}
		l = utf8_seq_len(u + i, n - i);
		if (l == 2 && c == 0xc2 && u[i + 1] <= 0x9f) {
			c = u[i + 1];	/* C1: U+0080..U+009F */
		} else if (l > 1) {
			i += l;
			continue;
		}
		if (i > run)
			put(ctx, s + run, i - run);
		if (l == 0) {
			memcpy(e, mode == STR_ESC_JSON ? "\\ufffd" : "\\x", mode == STR_ESC_JSON ? 6 : 2);
			el = mode == STR_ESC_JSON ? 6 : 2;
			if (mode != STR_ESC_JSON) {
				e[el++] = hex[c >> 4];
				e[el++] = hex[c & 15];
			}
			l = 1;
		} else if (mode == STR_ESC_JSON && (c == '"' || c == '\\' || c == '\n' ||
						    c == '\r' || c == '\t')) {
			e[el++] = '\\';
			e[el++] = c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : (char)c;
		} else if (l == 1 && mode == STR_ESC_TEXT) {
			memcpy(e, "\\x", 2);
			el = 2;
			e[el++] = hex[c >> 4];
			e[el++] = hex[c & 15];
		} else {	/* JSON control, or C1 in either mode */
			memcpy(e, "\\u00", 4);
			el = 4;
			e[el++] = hex[c >> 4];
			e[el++] = hex[c & 15];
		}
		put(ctx, e, el);
		i += l;
		run = i;
	}
	if (s && n > run)
		put(ctx, s + run, n - run);
}

void str_put_file(void *ctx, const char *p, size_t n)
{
	fwrite(p, 1, n, ctx);
}
