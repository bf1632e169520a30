/* uapi.c - userspace WireGuard (wireguard-go, boringtun) over the
 * cross-platform UAPI socket. I/O (connect, get=1, bounded read) is kept
 * apart from the pure parser uapi_parse() so tests and fuzzers reach it
 * with a plain buffer. */
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/wgdev.h"
#include "sources/uapi.h"
#include "util/util.h"

/* 2001-01-01T00:00:00Z. No WireGuard handshake is older than this, so a
 * smaller non-zero last_handshake_time_sec is boringtun's "seconds since". */
#define UAPI_WALLCLOCK_MIN	978307200
#define UAPI_ERRNO_MAX		4095
#define UAPI_READ_CHUNK		(64u << 10)

struct uapi_ctx {
	struct wg_device *dev;
	struct wg_peer *peer;	/* the peer lines now apply to, NULL before */
};

/* A number line: any parse failure or overflow is a bad value. */
static int num(const char *v, size_t len, uint64_t max, uint64_t *out)
{
	return parse_u64(v, len, max, out) < 0 ? -EINVAL : 0;
}

static int on_private_key(struct uapi_ctx *c, const char *v, size_t len)
{
	uint8_t priv[WG_KEY_LEN];
	int ret;

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
	ret = key_public_from_private(c->dev->public_key, priv);
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

static int on_endpoint(struct uapi_ctx *c, const char *v, size_t len)
{
	if (endpoint_parse(v, len, &c->peer->endpoint) == 0 ||
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

/* "10.0.0.2/32" or "fd00::2/128". */
static int parse_allowed_ip(const char *v, size_t len, struct wg_allowedip *aip)
{
	char host[INET6_ADDRSTRLEN];
	const char *slash = memrchr(v, '/', len);
	size_t hlen;
	uint64_t cidr;

	memset(aip, 0, sizeof(*aip));
	if (!slash)
		return -EINVAL;
	hlen = (size_t)(slash - v);
	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, v, hlen);
	host[hlen] = '\0';
	if (memchr(host, ':', hlen)) {
		if (inet_pton(AF_INET6, host, &aip->ip6) != 1)
			return -EINVAL;
		aip->family = AF_INET6;
	} else {
		if (inet_pton(AF_INET, host, &aip->ip4) != 1)
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

static const struct uapi_key {
	const char *name;
	bool peer;	/* only valid after a public_key line */
	int (*fn)(struct uapi_ctx *c, const char *v, size_t len);
} uapi_keys[] = {
	{ "private_key",			false,	on_private_key },
	{ "listen_port",			false,	on_listen_port },
	{ "fwmark",				false,	on_fwmark },
	{ "public_key",				false,	on_public_key },
	{ "preshared_key",			true,	on_preshared_key },
	{ "protocol_version",			true,	on_protocol_version },
	{ "endpoint",				true,	on_endpoint },
	{ "last_handshake_time_sec",		true,	on_handshake_sec },
	{ "last_handshake_time_nsec",		true,	on_handshake_nsec },
	{ "tx_bytes",				true,	on_tx_bytes },
	{ "rx_bytes",				true,	on_rx_bytes },
	{ "persistent_keepalive_interval",	true,	on_keepalive },
	{ "allowed_ip",				true,	on_allowed_ip },
};

static const struct uapi_key *uapi_key_find(const char *k, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(uapi_keys); i++) {
		if (strlen(uapi_keys[i].name) == len &&
		    memcmp(uapi_keys[i].name, k, len) == 0)
			return &uapi_keys[i];
	}
	return NULL;
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

int uapi_parse(const char *buf, size_t len, struct wg_device *dev)
{
	struct uapi_ctx c = { .dev = dev };
	size_t pos = 0;
	bool have_errno = false;
	int err = 0, ret = -EPROTO;

	wg_device_clear(dev);
	dev->impl = WG_IMPL_UAPI;
	/* NUL is never part of the protocol; refusing it up front keeps every
	 * value parser below free of embedded-terminator surprises. */
	if (memchr(buf, '\0', len))
		goto out;
	while (pos < len) {
		const char *line = buf + pos, *nl, *eq;
		const struct uapi_key *k;
		size_t llen;

		nl = memchr(line, '\n', len - pos);
		if (!nl)
			goto out;	/* truncated */
		llen = (size_t)(nl - line);
		pos += llen + 1;
		if (llen == 0) {
			/* The blank line ends the reply, only after errno= and
			 * only at the very end of what was read. */
			if (!have_errno || pos != len)
				goto out;
			ret = err;
			goto out;
		}
		if (have_errno)
			goto out;	/* errno= must be the last line */
		eq = memchr(line, '=', llen);
		if (!eq)
			goto out;
		if (eq - line == 5 && memcmp(line, "errno", 5) == 0) {
			if (parse_errno(eq + 1, (size_t)(nl - eq - 1), &err) < 0)
				goto out;
			have_errno = true;
			continue;
		}
		k = uapi_key_find(line, (size_t)(eq - line));
		if (!k)
			continue;	/* a newer implementation's key */
		if (k->peer && !c.peer)
			goto out;
		ret = k->fn(&c, eq + 1, (size_t)(nl - eq - 1));
		if (ret < 0)
			goto out;
		ret = -EPROTO;
	}
out:
	if (ret < 0) {
		wg_device_clear(dev);
		dev->impl = WG_IMPL_UAPI;
	}
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

/* Does buf[0..len) end a reply? The only blank line is the final one, so
 * "\n\n" (or a lone "\n" first) is the end; from is where new bytes begin. */
static bool reply_complete(const char *buf, size_t len, size_t from, size_t *end)
{
	size_t i = from ? from - 1 : 0;

	if (len && buf[0] == '\n') {
		*end = 1;
		return true;
	}
	for (; i + 1 < len; i++) {
		if (buf[i] == '\n' && buf[i + 1] == '\n') {
			*end = i + 2;
			return true;
		}
	}
	return false;
}

/* Read until the blank line, EOF, the size cap or the deadline. *out holds
 * the private key in hex: the caller wipes it before freeing. */
static int read_reply(int fd, int64_t deadline_us, char **out, size_t *out_len)
{
	char *buf = NULL, *nbuf;
	size_t len = 0, cap = 0, end = 0;
	int ret;

	for (;;) {
		ssize_t n;

		if (len == cap) {
			size_t ncap = cap ? cap * 2 : UAPI_READ_CHUNK;

			if (cap >= UAPI_MAX_REPLY) {
				ret = -EMSGSIZE;
				goto out;
			}
			if (ncap > UAPI_MAX_REPLY)
				ncap = UAPI_MAX_REPLY;
			nbuf = malloc(ncap);
			if (!nbuf) {
				ret = -ENOMEM;
				goto out;
			}
			/* Not realloc: the old block must be wiped, not freed
			 * with key material in it. */
			if (buf) {
				memcpy(nbuf, buf, len);
				wipe(buf, cap);
				free(buf);
			}
			buf = nbuf;
			cap = ncap;
		}
		n = recv(fd, buf + len, cap - len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN) {
				ret = -errno;
				goto out;
			}
			ret = wait_fd(fd, POLLIN, deadline_us);
			if (ret < 0)
				goto out;
			continue;
		}
		if (n == 0) {
			end = len;	/* EOF: the parser judges completeness */
			break;
		}
		len += (size_t)n;
		if (reply_complete(buf, len, len - (size_t)n, &end))
			break;
	}
	*out = buf;
	*out_len = end;
	/* Bytes after the terminator are not part of this reply. */
	wipe(buf + end, cap - end);
	return 0;
out:
	if (buf) {
		wipe(buf, cap);
		free(buf);
	}
	return ret;
}

int uapi_get_device(const char *dir, const char *ifname, struct wg_device *dev)
{
	static const char req[] = "get=1\n\n";
	int64_t deadline_us = now_monotonic_us() + (int64_t)UAPI_TIMEOUT_MS * 1000;
	char *reply = NULL;
	size_t len = 0;
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
	ret = read_reply(fd, deadline_us, &reply, &len);
	if (ret < 0)
		goto out;
	ret = uapi_parse(reply, len, dev);
	if (ret < 0)
		goto out;
	uapi_fix_relative_handshakes(dev, now_realtime_us() / 1000000);
	memcpy(dev->name, ifname, strlen(ifname) + 1);
	dev->impl = WG_IMPL_UAPI;
out:
	close(fd);
	if (reply) {
		wipe(reply, len);
		free(reply);
	}
	if (ret < 0)
		wg_device_clear(dev);
	return ret;
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
