// SPDX-License-Identifier: GPL-2.0
/* uapi.c - userspace WireGuard (wireguard-go, boringtun) over the
 * cross-platform UAPI socket. I/O (connect, get=1, bounded read) is kept
 * apart from the line parser: uapi_parse() drives it over a plain buffer,
 * uapi_get_device() line by line as the reply arrives, through one fixed
 * 64 KiB buffer in a reusable handle (a 10k-peer reply is ~3.3 MB: it is
 * never held whole, copied, or wiped whole). */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/wgdev.h"
#include "sources/uapi.h"
#include "base/util.h"

/* 2001-01-01T00:00:00Z. No WireGuard handshake is older than this, so a
 * smaller non-zero last_handshake_time_sec is boringtun's "seconds since". */
#define UAPI_WALLCLOCK_MIN	978307200
#define UAPI_ERRNO_MAX		4095
#define UAPI_KEYCACHE_SLOTS	64

struct uapi_ctx {
	struct wg_device *dev;
	struct wg_peer *peer;	/* the peer lines now apply to, NULL before */
	struct uapi *u;		/* key cache; NULL = derive every time */
	const char *ifname;	/* cache key; NULL = no caching */
	int err;		/* the errno= line's value */
	bool have_errno;
	bool secret_line;	/* the line just parsed held the private key */
};

/* The private key -> public key cache, per interface name. X25519 through
 * OpenSSL's EVP costs ~5 % of a 10k-peer poll (and maps in most of
 * libcrypto); the key almost never changes between polls.
 *
 * What is kept to recognise "same key as last poll" is tag =
 * BLAKE2s-256(key = hash_key, msg = private key), never the key itself.
 * This is acceptable because:
 *  - BLAKE2s is preimage resistant (256-bit), and the private key has 256
 *    bits of entropy: the tag cannot be turned back into the key, nor
 *    brute-forced;
 *  - hash_key is 32 random bytes drawn per process (getrandom) and never
 *    leaves it, so a tag means nothing outside this process: it cannot be
 *    matched against a tag of a candidate key computed elsewhere;
 *  - tags live in this heap block only: never written to disk, the state
 *    store, a log line or an event; uapi_free() wipes the whole block.
 * A self-contained BLAKE2s rather than OpenSSL's SHA-256: EVP_Digest goes
 * through OpenSSL 3's provider fetch (and its init) on every call, which is
 * the kind of per-poll cost this cache is here to remove. A keyed hash also
 * makes accidental equality with anything else meaningless.
 * A tag collision (2^-256) would at worst report a stale public key. */
struct uapi_keycache {
	char ifname[IFNAMSIZ];		/* "" = free slot */
	uint8_t tag[32];
	uint8_t pub[WG_KEY_LEN];
};

/* One reusable handle: the fixed read buffer and the key cache, so a
 * steady-state poll allocates nothing and touches 64 KiB, not megabytes. */
struct uapi {
	struct uapi_ctx c;
	size_t fill;		/* bytes in buf: at most one partial line between feeds */
	size_t hi;		/* high-water mark of buf written this reply: wiped at the end */
	size_t nul;		/* index of the first NUL in buf[0..fill), or SIZE_MAX */
	uint64_t total;		/* bytes of this reply so far */
	int state;		/* 0 reading, 1 complete, < 0 failed */
	bool cache_ok;		/* hash_key drawn: caching possible */
	unsigned cache_next;	/* round-robin eviction */
	unsigned long derivations;
	uint8_t hash_key[32];
	struct uapi_keycache cache[UAPI_KEYCACHE_SLOTS];
	char buf[UAPI_BUF_LEN];
};

/* A number line: any parse failure or overflow is a bad value. */
static int num(const char *v, size_t len, uint64_t max, uint64_t *out)
{
	return parse_u64(v, len, max, out) < 0 ? -EINVAL : 0;
}

static struct uapi_keycache *cache_find(struct uapi *u, const char *ifname)
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
	struct uapi *u = c->u;
	struct uapi_keycache *e;
	uint8_t tag[32];
	int ret;

	if (!u || !u->cache_ok || !c->ifname || strlen(c->ifname) >= IFNAMSIZ) {
		if (u)
			u->derivations++;
		return key_public_from_private(pub, priv);
	}
	blake2s256(tag, priv, WG_KEY_LEN, u->hash_key, sizeof(u->hash_key));
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

static void ctx_begin(struct uapi_ctx *c, struct wg_device *dev,
		      struct uapi *u, const char *ifname)
{
	memset(c, 0, sizeof(*c));
	c->dev = dev;
	c->u = u;
	c->ifname = ifname;
	wg_device_clear(dev);
	dev->impl = WG_IMPL_UAPI;
}

/* One line without its '\n'. 0 = go on, 1 = the final blank line (the
 * reply's result is c->err), < 0 = error. */
static int parse_line(struct uapi_ctx *c, const char *line, size_t llen)
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

static void ctx_fail(struct uapi_ctx *c)
{
	wg_device_clear(c->dev);
	c->dev->impl = WG_IMPL_UAPI;
}

int uapi_parse(const char *buf, size_t len, struct wg_device *dev)
{
	struct uapi_ctx c;
	size_t pos = 0;
	int ret = -EPROTO;

	ctx_begin(&c, dev, NULL, NULL);
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
		ret = parse_line(&c, line, (size_t)(nl - line));
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
		ctx_fail(&c);
	wipe(&c, sizeof(c));
	return ret;
}

void uapi_fix_relative_handshakes(struct wg_device *dev, int64_t now_sec)
{
	bool relative = false;

	for (size_t i = 0; i < dev->n_peers; i++) {
		int64_t t = dev->peers[i].last_handshake_sec;

		if (t > 0 && t < UAPI_WALLCLOCK_MIN)
			relative = true;
	}
	dev->relative_handshake = relative;
	if (!relative)
		return;
	for (size_t i = 0; i < dev->n_peers; i++) {
		int64_t *t = &dev->peers[i].last_handshake_sec;

		if (*t > 0)
			*t = *t < now_sec ? now_sec - *t : 0;
	}
}

/* An interface name as the kernel would accept it, usable as a path part. */
static bool ifname_valid(const char *name, size_t len)
{
	if (len == 0 || len >= IFNAMSIZ)
		return false;
	if ((len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)name[i];

		if (ch == '/' || ch == '\0' || ch == ':' || ch <= ' ' || ch == 0x7f)
			return false;
	}
	return true;
}

static int sock_path(struct sockaddr_un *sun, const char *dir, const char *ifname)
{
	size_t dlen = strlen(dir), nlen = strlen(ifname);

	if (!ifname_valid(ifname, nlen))
		return -EINVAL;
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (dlen + 1 + nlen + 5 >= sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	memcpy(sun->sun_path, dir, dlen);
	sun->sun_path[dlen] = '/';
	memcpy(sun->sun_path + dlen + 1, ifname, nlen);
	memcpy(sun->sun_path + dlen + 1 + nlen, ".sock", 5);
	return 0;
}

/* A connected non-blocking socket, or -errno. ECONNREFUSED means a stale
 * socket file: it belongs to whoever created it, so it is left alone. */
static int uapi_connect(const char *dir, const char *ifname)
{
	struct sockaddr_un sun;
	int fd, ret;

	ret = sock_path(&sun, dir, ifname);
	if (ret < 0)
		return ret;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

static int remaining_ms(int64_t deadline_us)
{
	int64_t left = deadline_us - now_monotonic_us();

	if (left <= 0)
		return 0;
	return (int)((left + 999) / 1000);
}

static int wait_fd(int fd, short events, int64_t deadline_us)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int ms, n;

	for (;;) {
		ms = remaining_ms(deadline_us);
		if (ms == 0)
			return -ETIMEDOUT;
		n = poll(&pfd, 1, ms);
		if (n > 0)
			return 0;
		if (n == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

static int send_all(int fd, const char *p, size_t len, int64_t deadline_us)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return -errno;
			n = wait_fd(fd, POLLOUT, deadline_us);
			if (n < 0)
				return (int)n;
			continue;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

struct uapi *uapi_new(void)
{
	struct uapi *u = calloc(1, sizeof(*u));
	size_t got = 0;

	if (!u)
		return NULL;
	u->nul = SIZE_MAX;
	while (got < sizeof(u->hash_key)) {
		ssize_t n = getrandom(u->hash_key + got, sizeof(u->hash_key) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	/* Without a secret hash key no cache: derive every poll (correct,
	 * just slower). */
	u->cache_ok = got == sizeof(u->hash_key);
	return u;
}

void uapi_free(struct uapi *u)
{
	if (!u)
		return;
	wipe(u, sizeof(*u));
	free(u);
}

void uapi_stream_begin(struct uapi *u, const char *ifname, struct wg_device *dev)
{
	ctx_begin(&u->c, dev, u, ifname);
	u->fill = 0;
	u->hi = 0;
	u->nul = SIZE_MAX;
	u->total = 0;
	u->state = 0;
}

/* n new bytes were put at buf[fill..]: hand every complete line to the
 * parser, keep the partial last one at the front. Returns u->state. */
static int stream_consume(struct uapi *u, size_t n)
{
	size_t ls = 0, end = u->fill + n, scan = u->fill;
	const char *z;

	if (u->state)
		return u->state;	/* after the blank line: not this reply */
	if (end > u->hi)
		u->hi = end;
	u->total += n;
	z = memchr(u->buf + u->fill, '\0', n);
	if (z && u->nul == SIZE_MAX)
		u->nul = (size_t)(z - u->buf);
	u->fill = end;
	for (;;) {
		char *line = u->buf + ls;
		char *nl = memchr(u->buf + scan, '\n', end - scan);
		size_t llen;
		int ret;

		if (!nl)
			break;
		llen = (size_t)(nl - line);
		/* NUL is never part of the protocol (see uapi_parse). */
		if (u->nul < (size_t)(nl - u->buf)) {
			u->state = -EPROTO;
			return u->state;
		}
		ret = parse_line(&u->c, line, llen);
		if (u->c.secret_line) {
			/* A key's hex is gone right after use (no other copy:
			 * see the move below). */
			wipe(line, llen);
			u->c.secret_line = false;
		}
		if (ret) {
			u->state = ret;
			return u->state;
		}
		ls = scan = (size_t)(nl - u->buf) + 1;
	}
	if (ls == 0 && end == UAPI_BUF_LEN) {
		u->state = -EPROTO;	/* a line longer than the buffer */
		return u->state;
	}
	if (u->total > UAPI_MAX_REPLY) {
		u->state = -EMSGSIZE;
		return u->state;
	}
	if (ls) {
		size_t part = end - ls, stale = part > ls ? part : ls;

		memmove(u->buf, u->buf + ls, part);
		/* What the move left behind of the partial line (perhaps the
		 * start of a key line): the only duplicate bytes ever made. */
		wipe(u->buf + stale, end - stale);
		u->fill = part;
		if (u->nul != SIZE_MAX)
			u->nul -= ls;	/* >= ls: else the line holding it failed */
	}
	return 0;
}

int uapi_stream_feed(struct uapi *u, const char *data, size_t len)
{
	while (len && !u->state) {
		size_t room = UAPI_BUF_LEN - u->fill, k = len < room ? len : room;

		memcpy(u->buf + u->fill, data, k);
		stream_consume(u, k);
		data += k;
		len -= k;
	}
	return u->state;
}

int uapi_stream_end(struct uapi *u)
{
	int ret;

	if (u->state == 1)
		ret = u->c.err;
	else if (u->state < 0)
		ret = u->state;
	else
		ret = -EPROTO;	/* EOF before the blank line: truncated */
	if (ret < 0)
		ctx_fail(&u->c);
	/* The one whole-buffer wipe per poll: 64 KiB at most, whatever the
	 * reply's size. */
	wipe(u->buf, u->hi > u->fill ? u->hi : u->fill);
	u->fill = u->hi = 0;
	u->nul = SIZE_MAX;
	u->c.dev = NULL;
	u->c.peer = NULL;
	u->c.ifname = NULL;
	return ret;
}

/* Read and parse until the blank line, EOF, the size cap or the deadline. */
static int read_device(struct uapi *u, int fd, int64_t deadline_us)
{
	for (;;) {
		ssize_t n = recv(fd, u->buf + u->fill, UAPI_BUF_LEN - u->fill, 0);
		int ret;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return -errno;
			ret = wait_fd(fd, POLLIN, deadline_us);
			if (ret < 0)
				return ret;
			continue;
		}
		if (n == 0)
			return 0;	/* EOF: uapi_stream_end judges */
		ret = stream_consume(u, (size_t)n);
		if (ret)
			return ret < 0 ? ret : 0;
	}
}

int uapi_get_device(struct uapi *u, const char *dir, const char *ifname,
		    struct wg_device *dev)
{
	static const char req[] = "get=1\n\n";
	int64_t deadline_us = now_monotonic_us() + (int64_t)UAPI_TIMEOUT_MS * 1000;
	int fd, ret;

	wg_device_clear(dev);
	if (strlen(ifname) >= IFNAMSIZ)
		return -EINVAL;
	fd = uapi_connect(dir, ifname);
	if (fd < 0)
		return fd;
	ret = send_all(fd, req, sizeof(req) - 1, deadline_us);
	if (ret < 0)
		goto out;
	uapi_stream_begin(u, ifname, dev);
	ret = read_device(u, fd, deadline_us);
	if (ret < 0)
		u->state = ret;
	ret = uapi_stream_end(u);
	if (ret < 0)
		goto out;
	uapi_fix_relative_handshakes(dev, now_realtime_us() / 1000000);
	memcpy(dev->name, ifname, strlen(ifname) + 1);
	dev->impl = WG_IMPL_UAPI;
out:
	close(fd);
	if (ret < 0)
		wg_device_clear(dev);
	return ret;
}

unsigned long uapi_key_derivations(const struct uapi *u)
{
	return u->derivations;
}

void uapi_debug_mem(const struct uapi *u, const void **p, size_t *len)
{
	*p = u;
	*len = sizeof(*u);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Is dir/name a socket file? d_type when the filesystem gives it. */
static bool is_socket(int dfd, const struct dirent *de)
{
	struct stat st;

	if (de->d_type != DT_UNKNOWN)
		return de->d_type == DT_SOCK;
	if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	return S_ISSOCK(st.st_mode);
}

int uapi_list(const char *dir, char (*names)[IFNAMSIZ], size_t max, size_t *n)
{
	struct dirent *de;
	DIR *d;
	int ret = 0;

	*n = 0;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;	/* no userspace WireGuard */
	while ((errno = 0, de = readdir(d))) {
		size_t len = strlen(de->d_name), stem;
		char name[IFNAMSIZ];
		int fd;

		if (len <= 5 || memcmp(de->d_name + len - 5, ".sock", 5) != 0)
			continue;
		stem = len - 5;
		if (!ifname_valid(de->d_name, stem) || !is_socket(dirfd(d), de))
			continue;
		memcpy(name, de->d_name, stem);
		name[stem] = '\0';
		/* Only live ones: a stale file refuses (ECONNREFUSED). */
		fd = uapi_connect(dir, name);
		if (fd < 0)
			continue;
		close(fd);
		if (*n == max) {
			ret = -ENOSPC;
			break;
		}
		memcpy(names[(*n)++], name, stem + 1);
	}
	if (!ret && errno)
		ret = -errno;
	closedir(d);
	qsort(names, *n, sizeof(*names), name_cmp);
	return ret;
}
