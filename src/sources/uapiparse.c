// SPDX-License-Identifier: GPL-2.0
/* uapiparse.c - the UAPI get=1 reply, line by line, into a wg_device: pure
 * (no socket), shared by uapi_parse() over a buffer and the streaming
 * reader in uapi.c. The private key becomes the public key at once and is
 * wiped; the preshared key is skipped uncopied. */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sodium.h>

#include "base/util.h"
#include "base/wgdev.h"
#include "sources/uapi.h"
#include "sources/uapiparse.h"
/* 2001-01-01T00:00:00Z. No WireGuard handshake is older than this, so a
 * smaller non-zero last_handshake_time_sec is boringtun's "seconds since". */
#define UAPI_WALLCLOCK_MIN	978307200
#define UAPI_ERRNO_MAX		4095

/* A number line: any parse failure or overflow is a bad value. */
static int num(const char *v, size_t len, uint64_t max, uint64_t *out)
{
	return parse_u64(v, len, max, out) < 0 ? -EINVAL : 0;
}

static struct uapi_keycache *cache_find(struct uapi_keys *u, const char *ifname)
{
	for (size_t i = 0; i < UAPI_KEYCACHE_SLOTS; i++) {
		if (u->cache[i].ifname[0] && !strcmp(u->cache[i].ifname, ifname))
			return &u->cache[i];
	}
	return NULL;
}

/* The public key of priv, from the cache when this interface's key has the
 * same tag as last time, else derived (and remembered). */
static int derive_public(struct uapi_ctx *c, uint8_t pub[static WG_KEY_LEN],
			 const uint8_t priv[static WG_KEY_LEN])
{
	struct uapi_keys *u = c->keys;
	struct uapi_keycache *e;
	uint8_t tag[32];
	int ret;

	if (!u || !u->cache_ok || !c->ifname || strlen(c->ifname) >= IFNAMSIZ) {
		if (u)
			u->derivations++;
		return key_public_from_private(pub, priv);
	}
	crypto_generichash(tag, sizeof(tag), priv, WG_KEY_LEN, u->hash_key, sizeof(u->hash_key));
	e = cache_find(u, c->ifname);
	if (e && !memcmp(e->tag, tag, sizeof(tag))) {
		memcpy(pub, e->pub, WG_KEY_LEN);
		ret = 0;
		goto out;
	}
	u->derivations++;
	ret = key_public_from_private(pub, priv);
	if (!e) {
		e = &u->cache[u->cache_next];
		u->cache_next = (u->cache_next + 1) % UAPI_KEYCACHE_SLOTS;
	}
	if (ret < 0) {
		wipe(e, sizeof(*e));	/* forget: no stale answer later */
		goto out;
	}
	memcpy(e->ifname, c->ifname, strlen(c->ifname) + 1);
	memcpy(e->tag, tag, sizeof(tag));
	memcpy(e->pub, pub, WG_KEY_LEN);
out:
	wipe(tag, sizeof(tag));
	return ret;
}

static int on_private_key(struct uapi_ctx *c, const char *v, size_t len)
{
	uint8_t priv[WG_KEY_LEN];
	int ret;

	c->secret_line = true;
	ret = key_from_hex(priv, v, len);
	if (ret < 0) {
		ret = -EINVAL;
		goto out;
	}
	/* wireguard-go omits an unset key; an all-zero one has no identity. */
	if (key_is_zero(priv)) {
		c->dev->has_public_key = false;
		goto out;
	}
	ret = derive_public(c, c->dev->public_key, priv);
	c->dev->has_public_key = ret == 0;
out:
	wipe(priv, sizeof(priv));
	return ret;
}

static int on_listen_port(struct uapi_ctx *c, const char *v, size_t len)
{
	uint64_t x;
	int ret = num(v, len, UINT16_MAX, &x);

	if (!ret)
		c->dev->listen_port = (uint16_t)x;
	return ret;
}

static int on_fwmark(struct uapi_ctx *c, const char *v, size_t len)
{
	uint64_t x;
	int ret = num(v, len, UINT32_MAX, &x);

	if (!ret)
		c->dev->fwmark = (uint32_t)x;
	return ret;
}

static int on_public_key(struct uapi_ctx *c, const char *v, size_t len)
{
	uint8_t key[WG_KEY_LEN];

	if (key_from_hex(key, v, len) < 0)
		return -EINVAL;
	c->peer = wg_device_new_peer(c->dev);
	if (!c->peer)
		return -ENOMEM;
	memcpy(c->peer->public_key, key, WG_KEY_LEN);
	return 0;
}

static int on_preshared_key(struct uapi_ctx *c, const char *v, size_t len)
{
	c->secret_line = true;	/* the stream wipes the line */
	return 0;	/* secret: not parsed, not copied, not looked at */
}

static int on_protocol_version(struct uapi_ctx *c, const char *v, size_t len)
{
	uint64_t x;

	return num(v, len, UINT32_MAX, &x);
}

/* wireguard-go prints a link-local zone by name ("[fe80::1%eth0]:51820");
 * the rest of wgaudit speaks the kernel's numeric scope, so resolve it. */
static int zone_by_name(const char *v, size_t len, union endpoint *ep)
{
	const char *pct = memchr(v, '%', len), *rb = memchr(v, ']', len);
	char zone[IFNAMSIZ], tmp[128];
	unsigned idx;
	int n;

	if (!pct || !rb || rb < pct || (size_t)(rb - pct - 1) >= sizeof(zone) || rb == pct + 1)
		return -EINVAL;
	memcpy(zone, pct + 1, (size_t)(rb - pct - 1));
	zone[rb - pct - 1] = '\0';
	idx = if_nametoindex(zone);
	if (!idx)
		return -EINVAL;
	n = snprintf(tmp, sizeof(tmp), "%.*s%%%u%.*s", (int)(pct - v), v, idx,
		     (int)(v + len - rb), rb);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -EINVAL;
	return endpoint_parse(tmp, (size_t)n, ep);
}

/* "A.B.C.D:PORT" is nearly every endpoint: parsed here without inet_pton;
 * anything else (or anything odd) goes to endpoint_parse, which gives the
 * same answer for the IPv4 case (same split at the last ':', same strict
 * dotted quad, same port bound). */
static int endpoint_ipv4(const char *v, size_t len, union endpoint *ep)
{
	const char *colon = memrchr(v, ':', len);
	struct in_addr a;
	uint64_t port;

	if (!colon || ipv4_parse(v, (size_t)(colon - v), &a) < 0 ||
	    parse_u64(colon + 1, len - (size_t)(colon - v) - 1, 65535, &port) < 0)
		return -EINVAL;
	memset(ep, 0, sizeof(*ep));
	ep->sin.sin_family = AF_INET;
	ep->sin.sin_addr = a;
	ep->sin.sin_port = htons((uint16_t)port);
	return 0;
}

static int on_endpoint(struct uapi_ctx *c, const char *v, size_t len)
{
	if (endpoint_ipv4(v, len, &c->peer->endpoint) == 0 ||
	    endpoint_parse(v, len, &c->peer->endpoint) == 0 ||
	    zone_by_name(v, len, &c->peer->endpoint) == 0)
		return 0;
	return -EINVAL;
}

static int on_handshake_sec(struct uapi_ctx *c, const char *v, size_t len)
{
	uint64_t x;
	int ret = num(v, len, INT64_MAX, &x);

	if (!ret)
		c->peer->last_handshake_sec = (int64_t)x;
	return ret;
}

static int on_handshake_nsec(struct uapi_ctx *c, const char *v, size_t len)
{
	uint64_t x;

	/* Validated, then dropped: the tracker works in whole seconds. */
	return num(v, len, 999999999, &x);
}

static int on_tx_bytes(struct uapi_ctx *c, const char *v, size_t len)
{
	return num(v, len, UINT64_MAX, &c->peer->tx_bytes);
}

static int on_rx_bytes(struct uapi_ctx *c, const char *v, size_t len)
{
	return num(v, len, UINT64_MAX, &c->peer->rx_bytes);
}

static int on_keepalive(struct uapi_ctx *c, const char *v, size_t len)
{
	uint64_t x;
	int ret = num(v, len, UINT16_MAX, &x);

	if (!ret)
		c->peer->keepalive = (uint16_t)x;
	return ret;
}

/* "10.0.0.2/32" or "fd00::2/128". IPv4 without inet_pton (every peer has
 * one, every poll); IPv6 through it. */
static int parse_allowed_ip(const char *v, size_t len, struct wg_allowedip *aip)
{
	const char *slash = memrchr(v, '/', len);
	size_t hlen;
	uint64_t cidr;

	memset(aip, 0, sizeof(*aip));
	if (!slash)
		return -EINVAL;
	hlen = (size_t)(slash - v);
	if (hlen == 0 || hlen >= INET6_ADDRSTRLEN)
		return -EINVAL;
	if (memchr(v, ':', hlen)) {
		char host[INET6_ADDRSTRLEN];

		memcpy(host, v, hlen);
		host[hlen] = '\0';
		if (inet_pton(AF_INET6, host, &aip->ip6) != 1)
			return -EINVAL;
		aip->family = AF_INET6;
	} else {
		if (ipv4_parse(v, hlen, &aip->ip4) < 0)
			return -EINVAL;
		aip->family = AF_INET;
	}
	if (num(slash + 1, len - hlen - 1, aip->family == AF_INET6 ? 128 : 32, &cidr))
		return -EINVAL;
	aip->cidr = (uint8_t)cidr;
	return 0;
}

static int on_allowed_ip(struct uapi_ctx *c, const char *v, size_t len)
{
	struct wg_allowedip aip;
	int ret;

	ret = parse_allowed_ip(v, len, &aip);
	if (ret < 0)
		return ret;
	return wg_device_add_aip(c->dev, &aip);
}

enum uapi_key_id {
	K_PRIVATE_KEY, K_LISTEN_PORT, K_FWMARK, K_PUBLIC_KEY, K_PRESHARED_KEY,
	K_PROTOCOL_VERSION, K_ENDPOINT, K_HS_SEC, K_HS_NSEC, K_TX_BYTES,
	K_RX_BYTES, K_KEEPALIVE, K_ALLOWED_IP, K_ERRNO,
};

static const struct uapi_key {
	const char *name;
	bool peer;	/* only valid after a public_key line */
	int (*fn)(struct uapi_ctx *c, const char *v, size_t len);
} uapi_keys[] = {
	[K_PRIVATE_KEY]		= { "private_key",			false,	on_private_key },
	[K_LISTEN_PORT]		= { "listen_port",			false,	on_listen_port },
	[K_FWMARK]		= { "fwmark",				false,	on_fwmark },
	[K_PUBLIC_KEY]		= { "public_key",			false,	on_public_key },
	[K_PRESHARED_KEY]	= { "preshared_key",			true,	on_preshared_key },
	[K_PROTOCOL_VERSION]	= { "protocol_version",			true,	on_protocol_version },
	[K_ENDPOINT]		= { "endpoint",				true,	on_endpoint },
	[K_HS_SEC]		= { "last_handshake_time_sec",		true,	on_handshake_sec },
	[K_HS_NSEC]		= { "last_handshake_time_nsec",		true,	on_handshake_nsec },
	[K_TX_BYTES]		= { "tx_bytes",				true,	on_tx_bytes },
	[K_RX_BYTES]		= { "rx_bytes",				true,	on_rx_bytes },
	[K_KEEPALIVE]		= { "persistent_keepalive_interval",	true,	on_keepalive },
	[K_ALLOWED_IP]		= { "allowed_ip",			true,	on_allowed_ip },
	[K_ERRNO]		= { "errno",				false,	NULL },
};

/* ~130,000 lines per 10k-peer poll: pick the one candidate by length and
 * first character, then one fixed-size compare (inlined). -1 for a key we
 * do not know. */
static int uapi_key_find(const char *k, size_t len)
{
#define IS(id, lit) (memcmp(k, lit, sizeof(lit) - 1) == 0 ? (id) : -1)
	switch (len) {
	case 5:  return IS(K_ERRNO, "errno");
	case 6:  return IS(K_FWMARK, "fwmark");
	case 8:  return k[0] == 'e' ? IS(K_ENDPOINT, "endpoint") :
			k[0] == 't' ? IS(K_TX_BYTES, "tx_bytes") : IS(K_RX_BYTES, "rx_bytes");
	case 10: return k[0] == 'p' ? IS(K_PUBLIC_KEY, "public_key") :
			IS(K_ALLOWED_IP, "allowed_ip");
	case 11: return k[0] == 'p' ? IS(K_PRIVATE_KEY, "private_key") :
			IS(K_LISTEN_PORT, "listen_port");
	case 13: return IS(K_PRESHARED_KEY, "preshared_key");
	case 16: return IS(K_PROTOCOL_VERSION, "protocol_version");
	case 23: return IS(K_HS_SEC, "last_handshake_time_sec");
	case 24: return IS(K_HS_NSEC, "last_handshake_time_nsec");
	case 29: return IS(K_KEEPALIVE, "persistent_keepalive_interval");
	default: return -1;
	}
#undef IS
}

/* "errno=N": wireguard-go writes negative codes (errno=-5), the protocol
 * text shows positive ones; either way the result is -|N|. */
static int parse_errno(const char *v, size_t len, int *err)
{
	bool neg = len > 0 && v[0] == '-';
	uint64_t x;

	if (parse_u64(v + neg, len - neg, UAPI_ERRNO_MAX, &x) < 0)
		return -EPROTO;
	*err = -(int)x;
	return 0;
}

void uapi_ctx_begin(struct uapi_ctx *c, struct wg_device *dev,
		    struct uapi_keys *keys, const char *ifname)
{
	memset(c, 0, sizeof(*c));
	c->dev = dev;
	c->keys = keys;
	c->ifname = ifname;
	wg_device_clear(dev);
	dev->impl = WG_IMPL_UAPI;
}

/* One line without its '\n'. 0 = go on, 1 = the final blank line (the
 * reply's result is c->err), < 0 = error. */
int uapi_ctx_line(struct uapi_ctx *c, const char *line, size_t llen)
{
	const char *eq;
	int id;

	if (llen == 0)	/* the blank line ends the reply, only after errno= */
		return c->have_errno ? 1 : -EPROTO;
	if (c->have_errno)
		return -EPROTO;	/* errno= must be the last line */
	eq = memchr(line, '=', llen);
	if (!eq)
		return -EPROTO;
	id = uapi_key_find(line, (size_t)(eq - line));
	if (id < 0)
		return 0;	/* a newer implementation's key */
	if (id == K_ERRNO) {
		if (parse_errno(eq + 1, llen - (size_t)(eq - line) - 1, &c->err) < 0)
			return -EPROTO;
		c->have_errno = true;
		return 0;
	}
	if (uapi_keys[id].peer && !c->peer)
		return -EPROTO;
	return uapi_keys[id].fn(c, eq + 1, llen - (size_t)(eq - line) - 1);
}

/* ---- the fast path ----
 *
 * A steady-state poll at 10,000 peers is ~100,000 lines of the same few
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
 * line not yet complete in the buffer. tests/unit/test_uapi.c and
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

/* 32 digits' nibbles (a, b) -> 16 bytes: each little-endian pair of
 * lanes, first digit low, becomes first << 4 | second; then the even
 * bytes of both (SSE2: pand + packuswb). */
static inline u8x16 hex_pack(u8x16 a, u8x16 b)
{
	u16x8 wa = (u16x8)a, wb = (u16x8)b;

	wa = ((wa & 0xff) << 4) | (wa >> 8);
	wb = ((wb & 0xff) << 4) | (wb >> 8);
	return __builtin_shufflevector((u8x16)wa, (u8x16)wb, 0, 2, 4, 6, 8, 10, 12, 14,
				       16, 18, 20, 22, 24, 26, 28, 30);
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

void uapi_ctx_fail(struct uapi_ctx *c)
{
	wg_device_clear(c->dev);
	c->dev->impl = WG_IMPL_UAPI;
}

int uapi_parse(const char *buf, size_t len, struct wg_device *dev)
{
	struct uapi_ctx c;
	size_t pos = 0;
	int ret = -EPROTO;

	uapi_ctx_begin(&c, dev, NULL, NULL);
	/* NUL is never part of the protocol; refusing it up front keeps every
	 * value parser below free of embedded-terminator surprises. */
	if (memchr(buf, '\0', len))
		goto out;
	while (pos < len) {
		const char *line = buf + pos, *nl = memchr(line, '\n', len - pos);

		if (!nl) {
			ret = -EPROTO;	/* truncated */
			goto out;
		}
		pos += (size_t)(nl - line) + 1;
		ret = uapi_ctx_line(&c, line, (size_t)(nl - line));
		if (ret < 0)
			goto out;
		if (ret == 1) {
			/* only at the very end of what was read */
			ret = pos == len ? c.err : -EPROTO;
			goto out;
		}
		ret = -EPROTO;
	}
out:
	if (ret < 0)
		uapi_ctx_fail(&c);
	wipe(&c, sizeof(c));
	return ret;
}

void uapi_fix_relative_range(struct wg_device *dev, size_t from, size_t to,
			     int64_t now_sec, bool *relative)
{
	for (size_t i = from; i < to && !*relative; i++) {
		int64_t t = dev->peers[i].last_handshake_sec;

		if (t > 0 && t < UAPI_WALLCLOCK_MIN)
			*relative = true;
	}
	if (!*relative)
		return;
	for (size_t i = from; i < to; i++) {
		int64_t *t = &dev->peers[i].last_handshake_sec;

		if (*t > 0)
			*t = *t < now_sec ? now_sec - *t : 0;
	}
}

void uapi_fix_relative_handshakes(struct wg_device *dev, int64_t now_sec)
{
	bool relative = false;

	uapi_fix_relative_range(dev, 0, dev->n_peers, now_sec, &relative);
	dev->relative_handshake = relative;
}

void uapi_keys_init(struct uapi_keys *k)
{
	size_t got = 0;

	memset(k, 0, sizeof(*k));
	while (got < sizeof(k->hash_key)) {
		ssize_t n = getrandom(k->hash_key + got, sizeof(k->hash_key) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	/* Without a secret hash key no cache: derive every poll (correct,
	 * just slower). */
	k->cache_ok = got == sizeof(k->hash_key);
}
