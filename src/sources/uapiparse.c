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
