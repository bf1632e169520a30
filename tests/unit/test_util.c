// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "test.h"
#include "base/util.h"

TEST(parse_u64_bounds)
{
	uint64_t v;

	CHECK_INT(parse_u64("18446744073709551615", 20, UINT64_MAX, &v), 0);
	CHECK(v == UINT64_MAX);
	CHECK_INT(parse_u64("18446744073709551616", 20, UINT64_MAX, &v), -ERANGE);
	CHECK_INT(parse_u64("65536", 5, 65535, &v), -ERANGE);
	CHECK_INT(parse_u64("", 0, 10, &v), -EINVAL);
	CHECK_INT(parse_u64("1a", 2, 100, &v), -EINVAL);
	CHECK_INT(parse_u64("-1", 2, 100, &v), -EINVAL);
}

TEST(rfc3339_roundtrip)
{
	char ts[32];
	int64_t t;

	fmt_rfc3339_us(ts, 1796156577123456LL);
	CHECK_INT(parse_rfc3339_us(ts, strlen(ts), &t), 0);
	CHECK(t == 1796156577123456LL);
	CHECK_INT(parse_rfc3339_us("2026-12-01T20:29:42Z", 20, &t), -EINVAL);
	CHECK_INT(parse_rfc3339_us("2026-13-01T20:29:42.000000Z", 27, &t), -EINVAL);
	CHECK_INT(parse_rfc3339_us("2026-12-01 20:29:42.000000Z", 27, &t), -EINVAL);
	CHECK_INT(parse_rfc3339_us("2026-12-01T2a:29:42.000000Z", 27, &t), -EINVAL);
}

TEST(durations)
{
	uint64_t ms;

	CHECK_INT(parse_duration_ms("500ms", 5, &ms), 0);
	CHECK_INT(ms, 500);
	CHECK_INT(parse_duration_ms("10s", 3, &ms), 0);
	CHECK_INT(ms, 10000);
	CHECK_INT(parse_duration_ms("5m", 2, &ms), 0);
	CHECK_INT(ms, 300000);
	CHECK_INT(parse_duration_ms("7", 1, &ms), 0);
	CHECK_INT(ms, 7000);
	CHECK_INT(parse_duration_ms("10 s", 4, &ms), -EINVAL);
	CHECK_INT(parse_duration_ms("0s", 2, &ms), -ERANGE);
	CHECK_INT(parse_duration_ms("31d", 3, &ms), -ERANGE);
	CHECK_INT(parse_duration_ms("s", 1, &ms), -EINVAL);
	CHECK_INT(parse_duration_ms("99999999999999999999h", 21, &ms), -ERANGE);
}

/* RFC 7748 section 6.1 test vector (a public test key, not a secret). */
TEST(x25519_public_key)
{
	static const char priv_hex[] = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
	static const char pub_hex[] = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
	uint8_t priv[32], pub[32], want[32];
	char b64[WG_KEY_B64_LEN];
	uint8_t back[32];

	CHECK_INT(key_from_hex(priv, priv_hex, 64), 0);
	CHECK_INT(key_from_hex(want, pub_hex, 64), 0);
	CHECK_INT(key_public_from_private(pub, priv), 0);
	CHECK(!memcmp(pub, want, 32));
	key_to_base64(b64, pub);
	CHECK_INT(strlen(b64), 44);
	CHECK_INT(key_from_base64(back, b64, 44), 0);
	CHECK(!memcmp(back, pub, 32));
	wipe(priv, sizeof(priv));
	CHECK(key_is_zero(priv));
}

TEST(base64_rejects)
{
	uint8_t k[32];
	char good[WG_KEY_B64_LEN], bad[WG_KEY_B64_LEN];

	memset(k, 0x5a, sizeof(k));
	key_to_base64(good, k);
	memcpy(bad, good, sizeof(bad));
	bad[43] = 'A';
	CHECK_INT(key_from_base64(k, bad, 44), -EINVAL);	/* no padding */
	memcpy(bad, good, sizeof(bad));
	bad[42] = good[42] == 'B' ? 'C' : 'B';	/* low bits set in the last char */
	CHECK(key_from_base64(k, bad, 44) == -EINVAL || bad[42] == 'A');
	memcpy(bad, good, sizeof(bad));
	bad[5] = '*';
	CHECK_INT(key_from_base64(k, bad, 44), -EINVAL);
	CHECK_INT(key_from_base64(k, good, 43), -EINVAL);
	CHECK_INT(key_from_hex(k, "zz", 2), -EINVAL);
}

static void ep_round(const char *in, const char *want)
{
	union endpoint ep;
	char out[ENDPOINT_STR_LEN];

	if (endpoint_parse(in, strlen(in), &ep) != 0) {
		test_fail("endpoint_parse(%s) failed", in);
		return;
	}
	endpoint_format(out, &ep);
	if (strcmp(out, want))
		test_fail("%s -> %s, expected %s", in, out, want);
}

TEST(endpoints)
{
	union endpoint ep, ep2;

	ep_round("192.0.2.1:51820", "192.0.2.1:51820");
	ep_round("[2001:db8::1]:51820", "[2001:db8::1]:51820");
	ep_round("[fd00:241::2]:54580/0%0", "[fd00:241::2]:54580");	/* kernel %pISpfsc */
	ep_round("[fe80::1]:51820/0%2", "[fe80::1%2]:51820");
	ep_round("[fe80::1%2]:51820", "[fe80::1%2]:51820");
	CHECK_INT(endpoint_parse("[fe80::1%lo]:1", 14, &ep), -EINVAL);	/* names: uapi.c */
	CHECK_INT(endpoint_parse("1.2.3.4\0xx:80", 13, &ep), -EINVAL);
	CHECK_INT(endpoint_parse("1.2.3.4:65536", 13, &ep), -EINVAL);
	CHECK_INT(endpoint_parse("1.2.3.4", 7, &ep), -EINVAL);
	CHECK_INT(endpoint_parse("[::1]51820", 10, &ep), -EINVAL);
	CHECK_INT(endpoint_parse("[::1]:", 6, &ep), -EINVAL);
	CHECK_INT(endpoint_parse("(einval)", 8, &ep), -EINVAL);
	CHECK_INT(endpoint_parse("[fe80::1%nosuchif0]:1", 21, &ep), -EINVAL);
	CHECK_INT(endpoint_parse("10.0.0.1:5", 10, &ep), 0);
	CHECK_INT(endpoint_parse("10.0.0.1:5", 10, &ep2), 0);
	CHECK(endpoint_equal(&ep, &ep2));
	CHECK_INT(endpoint_parse("10.0.0.1:6", 10, &ep2), 0);
	CHECK(!endpoint_equal(&ep, &ep2));
}

TEST(human_formats)
{
	char b[64];

	fmt_bytes(b, sizeof(b), 512);
	CHECK_STR(b, "512 B");
	fmt_bytes(b, sizeof(b), 1536);
	CHECK_STR(b, "1.50 KiB");
	fmt_bytes(b, sizeof(b), 3ull << 30);
	CHECK_STR(b, "3.00 GiB");
	fmt_ago(b, sizeof(b), 1000, 0);
	CHECK_STR(b, "never");
	fmt_ago(b, sizeof(b), 1000, 1000 - 123);
	CHECK_STR(b, "2 minutes, 3 seconds ago");
	fmt_ago(b, sizeof(b), 100000, 100000 - 86401);
	CHECK_STR(b, "1 day, 1 second ago");
	fmt_rfc3339_us(b, 1780000000123456LL);
	CHECK_STR(b, "2026-05-28T20:26:40.123456Z");
}

/* The hand-written formatters against the libc ones they replace. */
static void ref_rfc3339(char out[32], int64_t time_us)
{
	time_t sec = (time_t)(time_us / 1000000);
	long us = (long)(time_us % 1000000);
	struct tm tm;

	if (us < 0) {
		us += 1000000;
		sec--;
	}
	gmtime_r(&sec, &tm);
	snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, us);
}

TEST(rfc3339_matches_gmtime)
{
	static const int64_t fixed[] = {
		0, -1, 1, 999999, -999999, -1000000, 86399999999LL, 86400000000LL,
		951782400000000LL,	/* 2000-02-29 */
		4107542400000000LL,	/* 2100-03-01 */
		-62135596800000000LL,	/* 0001-01-01 */
		-62167219200000000LL,	/* 0000-01-01 */
		-62167219200000001LL,	/* year -1: the slow path */
		253402300799999999LL,	/* 9999-12-31T23:59:59.999999 */
		253402300800000000LL,	/* 10000: the slow path */
	};
	char a[32], b[32];
	uint64_t x = 88172645463325252ULL;

	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++) {
		fmt_rfc3339_us(a, fixed[i]);
		ref_rfc3339(b, fixed[i]);
		if (strcmp(a, b))
			test_fail("%lld: %s, gmtime says %s", (long long)fixed[i], a, b);
	}
	for (int i = 0; i < 200000; i++) {	/* xorshift */
		int64_t t;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (i & 1)	/* the whole int64 range: +-292,000 years */
			t = (int64_t)x;
		else		/* +-317 years around 1970 */
			t = (int64_t)(x % 20000000000000000ULL) - 10000000000000000LL;
		fmt_rfc3339_us(a, t);
		ref_rfc3339(b, t);
		if (strcmp(a, b)) {
			test_fail("%lld: %s, gmtime says %s", (long long)t, a, b);
			break;
		}
	}
}

TEST(endpoint_format_matches_inet_ntop)
{
	union endpoint ep;
	char a[ENDPOINT_STR_LEN], b[ENDPOINT_STR_LEN], h[INET6_ADDRSTRLEN];
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	for (int i = 0; i < 100000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memset(&ep, 0, sizeof(ep));
		if (i & 1) {
			ep.sin.sin_family = AF_INET;
			ep.sin.sin_addr.s_addr = (uint32_t)(i & 2 ? x : x & 0x0100ff00);
			ep.sin.sin_port = (uint16_t)(x >> 32);
			inet_ntop(AF_INET, &ep.sin.sin_addr, h, sizeof(h));
			snprintf(b, sizeof(b), "%s:%u", h, ntohs(ep.sin.sin_port));
		} else {
			ep.sin6.sin6_family = AF_INET6;
			for (int k = 0; k < 16; k++)	/* zero words and bytes, runs of them */
				ep.sin6.sin6_addr.s6_addr[k] = (x >> (k / 2 + (i & 4 ? 8 : 0))) & 1 ?
					((x >> (k * 3)) & 3 ? (uint8_t)(x >> (k + 20)) : 0) : 0;
			if (i % 7 == 0)		/* v4-mapped */
				memcpy(ep.sin6.sin6_addr.s6_addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12);
			else if (i % 11 == 0)	/* v4-compatible, ::1, :: */
				memset(ep.sin6.sin6_addr.s6_addr, 0, 12 + (i % 3) * 2);
			ep.sin6.sin6_port = (uint16_t)(x >> 40);
			ep.sin6.sin6_scope_id = i % 3 ? 0 : (uint32_t)(x >> 20);
			inet_ntop(AF_INET6, &ep.sin6.sin6_addr, h, sizeof(h));
			if (ep.sin6.sin6_scope_id)
				snprintf(b, sizeof(b), "[%s%%%u]:%u", h, ep.sin6.sin6_scope_id,
					 ntohs(ep.sin6.sin6_port));
			else
				snprintf(b, sizeof(b), "[%s]:%u", h, ntohs(ep.sin6.sin6_port));
		}
		endpoint_format(a, &ep);
		if (strcmp(a, b)) {
			test_fail("%s, inet_ntop says %s", a, b);
			break;
		}
	}
	/* Every pattern of zero and non-zero words, word 5 also 0xffff. */
	for (unsigned m = 0; m < 256 * 3; m++) {
		memset(&ep, 0, sizeof(ep));
		ep.sin6.sin6_family = AF_INET6;
		for (int w = 0; w < 8; w++)
			if (m >> w & 1) {
				ep.sin6.sin6_addr.s6_addr[2 * w] = (uint8_t)(m / 256 == 1 ? 0 : 0xab);
				ep.sin6.sin6_addr.s6_addr[2 * w + 1] = (uint8_t)(w + 1);
			}
		if (m / 256 == 2)
			ep.sin6.sin6_addr.s6_addr[10] = ep.sin6.sin6_addr.s6_addr[11] = 0xff;
		inet_ntop(AF_INET6, &ep.sin6.sin6_addr, h, sizeof(h));
		snprintf(b, sizeof(b), "[%s]:0", h);
		endpoint_format(a, &ep);
		if (strcmp(a, b)) {
			test_fail("%s, inet_ntop says %s", a, b);
			break;
		}
	}
}

struct esc_buf {
	char s[512];
	size_t n;
};

static void esc_put(void *ctx, const char *p, size_t n)
{
	struct esc_buf *b = ctx;

	memcpy(b->s + b->n, p, n);
	b->n += n;
	b->s[b->n] = '\0';
}

static const char *esc(const char *s, size_t n, enum str_esc mode)
{
	static struct esc_buf b;

	b.n = 0;
	b.s[0] = '\0';
	str_escape(s, n, mode, esc_put, &b);
	return b.s;
}

/* Nothing a terminal acts on passes: C0, DEL, C1 (as UTF-8 and as a raw
 * byte), invalid UTF-8; printable UTF-8 (é, U+00A0, emoji) does. */
TEST(str_escape_text_and_json)
{
	static const char in[] = "a\x1b[2Jb\x9b" "c\xc2\x9b" "d\xc2\x80\xc2\x9f\x7f\t\n\"\\"
				 "\xc3\xa9\xc2\xa0\xf0\x9f\x98\x80\xc0\xaf\xed\xa0\x80";

	CHECK_STR(esc(in, sizeof(in) - 1, STR_ESC_TEXT),
		  "a\\x1b[2Jb\\x9bc\\u009bd\\u0080\\u009f\\x7f\\x09\\x0a\"\\"
		  "\xc3\xa9\xc2\xa0\xf0\x9f\x98\x80\\xc0\\xaf\\xed\\xa0\\x80");
	CHECK_STR(esc(in, sizeof(in) - 1, STR_ESC_JSON),
		  "a\\u001b[2Jb\\ufffdc\\u009bd\\u0080\\u009f\\u007f\\t\\n\\\"\\\\"
		  "\xc3\xa9\xc2\xa0\xf0\x9f\x98\x80\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd");
	CHECK_STR(esc("\0x", 2, STR_ESC_TEXT), "\\x00x");
	CHECK_STR(esc("\0x", 2, STR_ESC_JSON), "\\u0000x");
	CHECK_STR(esc("\xc2", 1, STR_ESC_TEXT), "\\xc2");	/* truncated sequence */
	CHECK_STR(esc(NULL, 0, STR_ESC_JSON), "");
	CHECK_STR(esc("plain", 5, STR_ESC_TEXT), "plain");
}
/* ip_format against inet_ntop on random addresses and zero-run patterns. */
TEST(ip_format_matches_inet_ntop)
{
	unsigned char a[16];
	char mine[INET6_ADDRSTRLEN], ref[INET6_ADDRSTRLEN];
	uint32_t x = 12345;

	for (int i = 0; i < 20000; i++) {
		for (int k = 0; k < 16; k++) {
			x = x * 1103515245u + 12345u;
			a[k] = (unsigned char)(x >> 16);
			if ((i & 3) && (x >> 28) < 6)
				a[k] = 0;	/* zero runs, as real prefixes have */
		}
		ip_format(mine, AF_INET6, a);
		inet_ntop(AF_INET6, a, ref, sizeof(ref));
		if (strcmp(mine, ref)) {
			test_fail("%s, inet_ntop says %s", mine, ref);
			break;
		}
		ip_format(mine, AF_INET, a);
		inet_ntop(AF_INET, a, ref, sizeof(ref));
		if (strcmp(mine, ref)) {
			test_fail("%s, inet_ntop says %s", mine, ref);
			break;
		}
	}
	CHECK_INT((int)ip_format(mine, AF_UNSPEC, a), 0);
	CHECK_STR(mine, "");
}

TEST(hex_digit_every_byte)
{
	for (int b = 0; b < 256; b++) {
		int want = b >= '0' && b <= '9' ? b - '0' :
			   b >= 'a' && b <= 'f' ? b - 'a' + 10 :
			   b >= 'A' && b <= 'F' ? b - 'A' + 10 : -1;

		if (hex_digit((char)b) != want)
			test_fail("hex_digit(0x%02x) = %d, want %d", b, hex_digit((char)b), want);
	}
}

TEST_MAIN()
