// SPDX-License-Identifier: GPL-2.0
/* uapifast.c - the UAPI reply's fast path: the lines wireguard-go prints
 * for every peer, taken in one forward pass, exactly as uapi_ctx_line
 * (uapiparse.c) would have taken them. Pure, like its reference. */
#include <arpa/inet.h>
#include <endian.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "base/util.h"
#include "base/wgdev.h"
#include "sources/uapiparse.h"

/* A steady-state poll at 10,000 peers is ~100,000 lines of the same few
 * shapes (wireguard-go prints every peer as public_key, preshared_key,
 * protocol_version, endpoint, two handshake times, two counters, the
 * keepalive and its allowed IPs). uapi_ctx_line finds each line's '\n'
 * and '=' with memchr, picks the key, then parses the value with the
 * general helpers: ~2,700 instructions a peer. uapi_ctx_fast takes those
 * shapes in one forward pass from the line's first byte: the key by a
 * fixed-size compare, the value by a scan that stops at the '\n' it
 * expects (lowercase hex decoded 8 digits at a time, short decimal
 * numbers, a dotted-quad IPv4 endpoint or /prefix).
 *
 * It is an accelerator, not a second parser: it takes a line only when it
 * can prove what uapi_ctx_line would have done with it, does exactly that
 * to c, and otherwise returns 0 having changed nothing, so the caller
 * hands the same bytes to uapi_ctx_line (the reference). Everything
 * unusual goes there: other keys, errno, the private key, uppercase hex,
 * IPv6, 20-digit numbers, leading zeros in a quad, any bad value or
 * missing peer (so every error and its code come from one place), and a
 * line not yet complete in the buffer. tests/unit/test_uapifast.c and
 * tests/fuzz/fuzz_uapi.c run both paths on the same bytes and compare. */

/* 16 lowercase hex digits at s -> their nibbles (a digit's value in
 * each byte), all lanes 0xff in *ok when every one is [0-9a-f].
 * GCC/clang vector extensions: plain SSE2 on x86-64, scalar elsewhere. */
typedef uint8_t u8x16 __attribute__((vector_size(16)));
typedef uint16_t u16x8 __attribute__((vector_size(16)));

static inline u8x16 hex16_nibbles(const char *s, u8x16 *ok)
{
	u8x16 x, dig, let, isdig, islet;

	memcpy(&x, s, sizeof(x));
	dig = x - '0';			/* '0'-'9' -> 0-9, the rest wraps above */
	let = x - 'a';			/* 'a'-'f' -> 0-5 */
	isdig = (u8x16)(dig <= 9);	/* 0xff where true */
	islet = (u8x16)(let <= 5);
	*ok &= isdig | islet;
	return (dig & isdig) | ((let + 10) & islet);
}

/* 32 digits' nibbles (a, b) -> 16 bytes, each first << 4 | second.
 * Little-endian: each pair of lanes read as one 16-bit lane (first digit
 * low), then the even bytes of both (SSE2: pand + packuswb). Elsewhere
 * the two digits of each byte picked by lane, which needs no byte order. */
static inline u8x16 hex_pack(u8x16 a, u8x16 b)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	u16x8 wa = (u16x8)a, wb = (u16x8)b;

	wa = ((wa & 0xff) << 4) | (wa >> 8);
	wb = ((wb & 0xff) << 4) | (wb >> 8);
	return __builtin_shufflevector((u8x16)wa, (u8x16)wb, 0, 2, 4, 6, 8, 10, 12, 14,
				       16, 18, 20, 22, 24, 26, 28, 30);
#else
	u8x16 hi = __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14,
					   16, 18, 20, 22, 24, 26, 28, 30);
	u8x16 lo = __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15,
					   17, 19, 21, 23, 25, 27, 29, 31);

	return (u8x16)(hi << 4) | lo;
#endif
}

/* 64 lowercase hex digits -> key; false (key undefined) if any is not
 * [0-9a-f]. One test for all 64. */
static bool hex64_lower(const char *s, uint8_t key[static WG_KEY_LEN])
{
	u8x16 ok = (u8x16){ 0 } - 1, n0, n1, n2, n3, k0, k1;
	uint64_t h[2];

	n0 = hex16_nibbles(s, &ok);
	n1 = hex16_nibbles(s + 16, &ok);
	n2 = hex16_nibbles(s + 32, &ok);
	n3 = hex16_nibbles(s + 48, &ok);
	memcpy(h, &ok, sizeof(h));
	if ((h[0] & h[1]) != UINT64_MAX)
		return false;
	k0 = hex_pack(n0, n1);
	k1 = hex_pack(n2, n3);
	memcpy(key, &k0, sizeof(k0));
	memcpy(key + 16, &k1, sizeof(k1));
	return true;
}

/* Eight digit values (0-9, first digit in the lowest byte) -> their
 * number: three multiplies (the SWAR conversion simdjson made known). */
static inline uint64_t swar8(uint64_t v)
{
	v = (v * 10) + (v >> 8);
	v = ((v & 0x000000ff000000ffull) * (100 + (1000000ull << 32)) +
	     ((v >> 16) & 0x000000ff000000ffull) * (1 + (10000ull << 32))) >> 32;
	return v;
}

/* The scalar loop: 1-19 digits (19 cannot overflow; 20 go the slow way). */
static inline bool fast_num_loop(const char *p, const char *end, uint64_t *out,
				 const char **stop)
{
	const char *s = p;
	uint64_t v = 0;
	unsigned d;

	while (p < end && (d = (unsigned char)*p - '0') <= 9) {
		if (p - s == 19)
			return false;
		v = v * 10 + d;
		p++;
	}
	*out = v;
	*stop = p;
	return p != s;
}

/* 1-15 digits and the byte after them, from 16 readable bytes at p,
 * without a branch per digit: the digits' lane mask gives their count,
 * swar8 their value. false when there are none or more than 15. */
static inline bool fast_num_wide(const char *p, uint64_t *out, const char **stop)
{
	u8x16 x, d, isdig;
	uint64_t m[2], lo, hi;
	unsigned n;

	memcpy(&x, p, sizeof(x));
	d = x - '0';
	isdig = (u8x16)(d <= 9);
	memcpy(m, &isdig, sizeof(m));
	if (~m[0]) {
		n = (unsigned)__builtin_ctzll(~le64toh(m[0])) / 8;
		if (n == 0)
			return false;
		memcpy(&lo, &d, sizeof(lo));
		lo = le64toh(lo) << (8 * (8 - n));	/* zero digits in front */
		*out = swar8(lo);
	} else {
		if (!~m[1])
			return false;	/* 16 or more: the loop's */
		n = 8 + (unsigned)__builtin_ctzll(~le64toh(m[1])) / 8;
		memcpy(m, &d, sizeof(m));
		lo = le64toh(m[0]);	/* digits 0-7 */
		hi = le64toh(m[1]);	/* digits 8-15, then what ends them */
		if (n == 8) {
			*out = swar8(lo);
			goto done;
		}
		/* the last 8 digits, [n - 8, n), and the first n - 8 with
		 * zero digits in front */
		hi = (lo >> (8 * (n - 8))) | (hi << (8 * (16 - n)));
		lo <<= 8 * (16 - n);
		*out = swar8(lo) * 100000000 + swar8(hi);
	}
done:
	*stop = p + n;
	return true;
}

/* 1-19 digits at p, then '\n' before end, value <= max: what parse_u64
 * accepts. *nl = the '\n'. */
static inline __attribute__((always_inline)) bool
fast_num(const char *p, const char *end, uint64_t max, uint64_t *out, const char **nl)
{
	const char *q;
	uint64_t v;

	/* One digit (a zero counter, protocol_version, a never-handshake)
	 * is most lines of an idle interface: no vector for it. */
	if (end - p >= 2 && p[1] == '\n' && (v = (unsigned char)p[0] - '0') <= 9)
		q = p + 1;
	else if (end - p >= 16 ? !fast_num_wide(p, &v, &q) && !fast_num_loop(p, end, &v, &q)
			       : !fast_num_loop(p, end, &v, &q))
		return false;
	if (q == end || *q != '\n' || v > max)
		return false;
	*out = v;
	*nl = q;
	return true;
}

/* One part of a dotted quad from 3 readable bytes at p, by ipv4_parse's
 * rules (1-3 digits, no leading zero, <= 255), its length picked by
 * compares and selects rather than a branch per digit (part lengths
 * vary from peer to peer: those branches were mispredicted). */
static inline bool quad_part(const char *p, unsigned *val, unsigned *len)
{
	unsigned d0 = (unsigned char)p[0] - '0', d1 = (unsigned char)p[1] - '0',
		 d2 = (unsigned char)p[2] - '0';
	unsigned two = d1 <= 9, three = two & (d2 <= 9);
	unsigned v2 = d0 * 10 + d1, v3 = v2 * 10 + d2;
	/* selects by masks: the compiler made branches of ?: here */
	unsigned v = d0 + ((v2 - d0) & -two) + ((v3 - v2) & -three);

	*val = v;
	*len = 1 + two + three;
	return (d0 <= 9) & !(two & (d0 == 0)) & (v <= 255);
}

/* fast_ipv4 with 16 readable bytes at p (a quad is at most 15). */
static inline bool fast_ipv4_wide(const char *p, struct in_addr *a, const char **stop)
{
	uint32_t addr = 0;
	unsigned v, n;

	for (int part = 0; part < 4; part++) {
		if (part && *p++ != '.')
			return false;
		if (!quad_part(p, &v, &n))
			return false;
		p += n;
		addr = addr << 8 | v;
	}
	a->s_addr = htonl(addr);
	*stop = p;
	return true;
}

/* A dotted quad at p, by ipv4_parse's rules (1-3 digits a part, <= 255,
 * no leading zero); *stop = the first byte after it. */
static inline bool fast_ipv4(const char *p, const char *end, struct in_addr *a,
			     const char **stop)
{
	uint32_t addr = 0;

	if (end - p >= 16)
		return fast_ipv4_wide(p, a, stop);
	for (int part = 0; part < 4; part++) {
		unsigned v, d;

		if (part && (p == end || *p++ != '.'))
			return false;
		if (p == end || (v = (unsigned char)*p - '0') > 9)
			return false;
		p++;
		if (p < end && (d = (unsigned char)*p - '0') <= 9) {
			if (v == 0)
				return false;
			v = v * 10 + d;
			p++;
			if (p < end && (d = (unsigned char)*p - '0') <= 9) {
				v = v * 10 + d;
				p++;
				if (v > 255)
					return false;
			}
		}
		addr = addr << 8 | v;
	}
	a->s_addr = htonl(addr);
	*stop = p;
	return true;
}

/* "A.B.C.D:PORT\n": endpoint_ipv4's answer (the ':' it finds is the last
 * one, since only digits follow). */
static bool fast_endpoint(struct uapi_ctx *c, const char *v, const char *end,
			  const char **nl)
{
	struct in_addr a;
	const char *q;
	uint64_t port;

	if (!fast_ipv4(v, end, &a, &q) || q == end || *q != ':' ||
	    !fast_num(q + 1, end, 65535, &port, nl))
		return false;
	memset(&c->peer->endpoint, 0, sizeof(c->peer->endpoint));
	c->peer->endpoint.sin.sin_family = AF_INET;
	c->peer->endpoint.sin.sin_addr = a;
	c->peer->endpoint.sin.sin_port = htons((uint16_t)port);
	return true;
}

/* "A.B.C.D/N\n": parse_allowed_ip's IPv4 answer, then the same append. */
static bool fast_allowed_ip(struct uapi_ctx *c, const char *v, const char *end,
			    const char **nl)
{
	struct wg_allowedip aip;
	struct in_addr a;
	const char *q;
	uint64_t cidr;

	if (!fast_ipv4(v, end, &a, &q) || q == end || *q != '/' ||
	    !fast_num(q + 1, end, 32, &cidr, nl))
		return false;
	memset(&aip, 0, sizeof(aip));
	aip.family = AF_INET;
	aip.ip4 = a;
	aip.cidr = (uint8_t)cidr;
	/* a failure here changes nothing: uapi_ctx_line meets it again */
	return wg_device_add_aip(c->dev, &aip) == 0;
}

static bool fast_public_key(struct uapi_ctx *c, const char *v, const char *end,
			    const char **nl)
{
	uint8_t key[WG_KEY_LEN];
	struct wg_peer *p;

	if (end - v < 2 * WG_KEY_LEN + 1 || v[2 * WG_KEY_LEN] != '\n' ||
	    !hex64_lower(v, key))
		return false;
	p = wg_device_new_peer(c->dev);
	if (!p)
		return false;
	c->peer = p;
	memcpy(p->public_key, key, WG_KEY_LEN);
	*nl = v + 2 * WG_KEY_LEN;
	return true;
}

/* Only where the line ends matters (uapi_ctx_line never looks at the
 * value): its first '\n' after 64 bytes, wireguard-go's 64 hex digits.
 * The caller wipes it. */
static bool fast_preshared_key(struct uapi_ctx *c, const char *v, const char *end,
			       const char **nl)
{
	if (end - v < 2 * WG_KEY_LEN + 1 ||
	    memchr(v, '\n', 2 * WG_KEY_LEN + 1) != v + 2 * WG_KEY_LEN)
		return false;
	c->secret_line = true;
	*nl = v + 2 * WG_KEY_LEN;
	return true;
}

/* A number line: the value to *dst (NULL: validated and dropped, as the
 * handler does), by the handler's bound. */
enum fast_num_dst { FN_DROP, FN_HS_SEC, FN_TX, FN_RX, FN_KEEPALIVE };

static inline __attribute__((always_inline)) bool
fast_num_line(struct uapi_ctx *c, const char *v, const char *end, uint64_t max,
	      enum fast_num_dst dst, const char **nl)
{
	uint64_t x;

	if (!fast_num(v, end, max, &x, nl))
		return false;
	switch (dst) {
	case FN_DROP:		break;
	case FN_HS_SEC:		c->peer->last_handshake_sec = (int64_t)x; break;
	case FN_TX:		c->peer->tx_bytes = x; break;
	case FN_RX:		c->peer->rx_bytes = x; break;
	case FN_KEEPALIVE:	c->peer->keepalive = (uint16_t)x; break;
	}
	return true;
}

#define KEYIS(lit) (len >= sizeof(lit) - 1 && !memcmp(p, lit, sizeof(lit) - 1) && \
		    (v = p + sizeof(lit) - 1, true))

static size_t fast_line(struct uapi_ctx *c, const char *p, size_t len)
{
	const char *end = p + len, *v = NULL, *nl = NULL;
	bool ok = false;

	/* errno= ends the reply; after it everything is an error: slow path */
	if (c->have_errno || len == 0)
		return 0;
	if (!c->peer) {
		if (KEYIS("public_key="))
			ok = fast_public_key(c, v, end, &nl);
		return ok ? (size_t)(nl - p) + 1 : 0;
	}
	switch (p[0]) {
	case 'p':
		if (KEYIS("public_key="))
			ok = fast_public_key(c, v, end, &nl);
		else if (KEYIS("preshared_key="))
			ok = fast_preshared_key(c, v, end, &nl);
		else if (KEYIS("protocol_version="))
			ok = fast_num_line(c, v, end, UINT32_MAX, FN_DROP, &nl);
		else if (KEYIS("persistent_keepalive_interval="))
			ok = fast_num_line(c, v, end, UINT16_MAX, FN_KEEPALIVE, &nl);
		break;
	case 'e':
		ok = KEYIS("endpoint=") && fast_endpoint(c, v, end, &nl);
		break;
	case 'l':
		if (KEYIS("last_handshake_time_sec="))
			ok = fast_num_line(c, v, end, INT64_MAX, FN_HS_SEC, &nl);
		else if (KEYIS("last_handshake_time_nsec="))
			ok = fast_num_line(c, v, end, 999999999, FN_DROP, &nl);
		break;
	case 't':
		ok = KEYIS("tx_bytes=") && fast_num_line(c, v, end, UINT64_MAX, FN_TX, &nl);
		break;
	case 'r':
		ok = KEYIS("rx_bytes=") && fast_num_line(c, v, end, UINT64_MAX, FN_RX, &nl);
		break;
	case 'a':
		ok = KEYIS("allowed_ip=") && fast_allowed_ip(c, v, end, &nl);
		break;
	}
	return ok ? (size_t)(nl - p) + 1 : 0;
}
#undef KEYIS

/* One peer's lines in the order wireguard-go prints them (device/uapi.go
 * IpcGetOperation), as many as match from a public_key line on: the same
 * handler fast_line would pick for each (no key is a prefix of another,
 * so the literal alone picks it), reached by a fixed chain of branches
 * that the CPU predicts, not by a jump on the line's first byte, which it
 * mostly did not. Stops at the first line that differs (no endpoint, an
 * IPv6 allowed IP, the next peer...): fast_line goes on from there.
 * Returns the bytes taken. */
/* p[0, n) == lit[0, n), n >= 8, in 8-byte words (the last one
 * overlapping): inlined with n and lit constant, where memcmp of the
 * longer keys was a call. */
static inline __attribute__((always_inline)) bool
lit_eq(const char *p, const char *lit, size_t n)
{
	uint64_t a, b, diff = 0;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&a, p + i, 8);
		memcpy(&b, lit + i, 8);
		diff |= a ^ b;
	}
	if (i < n) {
		memcpy(&a, p + n - 8, 8);
		memcpy(&b, lit + n - 8, 8);
		diff |= a ^ b;
	}
	return diff == 0;
}

#define STEP(lit, call)							\
	do {								\
		ls = p;							\
		if (end - p < (ptrdiff_t)sizeof(lit) - 1 ||		\
		    !lit_eq(p, lit, sizeof(lit) - 1))			\
			goto out;					\
		v = p + sizeof(lit) - 1;				\
		if (!(call))						\
			goto out;					\
		p = nl + 1;						\
		(*lines)++;						\
	} while (0)

static size_t fast_block(struct uapi_ctx *c, char *buf, size_t len, unsigned long *lines)
{
	const char *end = buf + len, *p = buf, *ls, *v, *nl;

	if (c->have_errno)
		return 0;
	STEP("public_key=", fast_public_key(c, v, end, &nl));
	STEP("preshared_key=", fast_preshared_key(c, v, end, &nl));
	wipe(buf + (ls - buf), (size_t)(p - ls) - 1);	/* the preshared key's line */
	c->secret_line = false;
	STEP("protocol_version=", fast_num_line(c, v, end, UINT32_MAX, FN_DROP, &nl));
	STEP("endpoint=", fast_endpoint(c, v, end, &nl));
	STEP("last_handshake_time_sec=", fast_num_line(c, v, end, INT64_MAX, FN_HS_SEC, &nl));
	STEP("last_handshake_time_nsec=", fast_num_line(c, v, end, 999999999, FN_DROP, &nl));
	STEP("tx_bytes=", fast_num_line(c, v, end, UINT64_MAX, FN_TX, &nl));
	STEP("rx_bytes=", fast_num_line(c, v, end, UINT64_MAX, FN_RX, &nl));
	STEP("persistent_keepalive_interval=",
	     fast_num_line(c, v, end, UINT16_MAX, FN_KEEPALIVE, &nl));
	for (;;)
		STEP("allowed_ip=", fast_allowed_ip(c, v, end, &nl));
out:
	return (size_t)(ls - buf);
}
#undef STEP

size_t uapi_ctx_fast(struct uapi_ctx *c, char *buf, size_t len, unsigned long *lines)
{
	size_t off = 0, n;

	for (;;) {
		n = fast_block(c, buf + off, len - off, lines);
		if (n) {
			off += n;
			continue;
		}
		n = fast_line(c, buf + off, len - off);
		if (!n)
			break;
		if (c->secret_line) {
			wipe(buf + off, n - 1);	/* the preshared key's line */
			c->secret_line = false;
		}
		off += n;
		(*lines)++;
	}
	return off;
}
