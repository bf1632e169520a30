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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/wgdev.h"
#include "sources/uapi.h"
#include "sources/uapiparse.h"
#include "base/util.h"

/* One reusable handle: the fixed read buffer and the key cache, so a
 * steady-state poll allocates nothing and touches 64 KiB, not megabytes. */
struct uapi {
	struct uapi_ctx c;
	size_t fill;		/* bytes in buf: at most one partial line between feeds */
	size_t hi;		/* high-water mark of buf written this reply: wiped at the end */
	size_t nul;		/* index of the first NUL in buf[0..fill), or SIZE_MAX */
	uint64_t total;		/* bytes of this reply so far */
	int state;		/* 0 reading, 1 complete, < 0 failed */
	bool slow;		/* tests: every line through uapi_ctx_line */
	unsigned long fast_lines;	/* tests: lines the fast path took */
	struct wg_stream *stream;	/* NULL: the device is read whole */
	int64_t fix_now;	/* wall clock s for relative handshakes; 0 = leave them */
	size_t fixed;		/* peers [0, fixed) already fixed (kept by the stream) */
	bool relative;		/* a relative handshake time seen in this reply */
	bool gone;		/* the last connect found no live socket */
	struct uapi_keys keys;
	char buf[UAPI_BUF_LEN];
};

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

	if (!u)
		return NULL;
	u->nul = SIZE_MAX;
	uapi_keys_init(&u->keys);
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
	uapi_ctx_begin(&u->c, dev, &u->keys, ifname);
	u->fill = 0;
	u->hi = 0;
	u->nul = SIZE_MAX;
	u->total = 0;
	u->state = 0;
	u->stream = NULL;
	u->fix_now = 0;
	u->fixed = 0;
	u->relative = false;
}

void uapi_stream_chunked(struct uapi *u, struct wg_stream *s)
{
	u->stream = s;
	if (s)
		s->keep = false;
}

/* Hand the completed peers on (see wg_stream in wgdev.h): their
 * handshake times fixed first, as uapi_get_device fixes a whole device's;
 * then the peer still being read is the parser's again. */
static int stream_offer(struct uapi *u)
{
	struct wg_device *dev = u->c.dev;
	size_t n = dev->n_peers ? dev->n_peers - 1 : 0;
	int ret;

	if (!u->stream || u->stream->keep || dev->n_peers <= u->stream->chunk)
		return 0;
	if (u->fix_now) {
		uapi_fix_relative_range(dev, u->fixed, n, u->fix_now, &u->relative);
		u->fixed = n;
	}
	ret = wg_stream_offer(u->stream, dev);
	if (ret < 0)
		return ret;
	if (!u->stream->keep)
		u->fixed = 0;
	u->c.peer = &dev->peers[dev->n_peers - 1];
	return 0;
}

/* What the fast path may look at from buf[ls]: up to end, or to the
 * first NUL (u->nul, an index into buf, >= ls while no line failed). */
static size_t fast_avail(const struct uapi *u, size_t ls, size_t end)
{
	return u->nul < end ? u->nul - ls : end - ls;
}

/* n new bytes were put at buf[fill..]: hand every complete line to the
 * parser, keep the partial last one at the front. Returns u->state. */
static int stream_consume(struct uapi *u, size_t n)
{
	size_t ls = 0, end = u->fill + n, scan = u->fill;
	const char *z;
	int ret;

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
		char *line = u->buf + ls, *nl;
		size_t llen;

		/* The fast path sees only the bytes before the first NUL, so
		 * the line holding it (whose '\n' lies beyond) always comes
		 * here, to the NUL rule below. */
		if (!u->slow &&
		    (llen = uapi_ctx_fast(&u->c, line, fast_avail(u, ls, end), &u->fast_lines))) {
			ls = scan = ls + llen;
			continue;
		}
		nl = memchr(u->buf + scan, '\n', end - scan);
		if (!nl)
			break;
		llen = (size_t)(nl - line);
		/* NUL is never part of the protocol (see uapi_parse). */
		if (u->nul < (size_t)(nl - u->buf)) {
			u->state = -EPROTO;
			return u->state;
		}
		ret = uapi_ctx_line(&u->c, line, llen);
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
	ret = stream_offer(u);
	if (ret < 0) {
		u->state = ret;
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
		uapi_ctx_fail(&u->c);
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
	return uapi_stream_device(u, dir, ifname, dev, NULL);
}

int uapi_stream_device(struct uapi *u, const char *dir, const char *ifname,
		       struct wg_device *dev, struct wg_stream *s)
{
	static const char req[] = "get=1\n\n";
	int64_t deadline_us = now_monotonic_us() + (int64_t)UAPI_TIMEOUT_MS * 1000;
	int fd, ret;

	wg_device_clear(dev);
	u->gone = false;
	if (strlen(ifname) >= IFNAMSIZ)
		return -EINVAL;
	fd = uapi_connect(dir, ifname);
	if (fd < 0) {
		u->gone = fd == -ECONNREFUSED || fd == -ENOENT;
		return fd;
	}
	ret = send_all(fd, req, sizeof(req) - 1, deadline_us);
	if (ret < 0)
		goto out;
	uapi_stream_begin(u, ifname, dev);
	/* The name before any peer: a stream's consumer needs it first. */
	memcpy(dev->name, ifname, strlen(ifname) + 1);
	uapi_stream_chunked(u, s);
	u->fix_now = now_realtime_us() / 1000000;
	ret = read_device(u, fd, deadline_us);
	if (ret < 0)
		u->state = ret;
	ret = uapi_stream_end(u);
	if (ret < 0)
		goto out;
	/* What the stream did not hand on (or kept, fixed up to u->fixed). */
	uapi_fix_relative_range(dev, u->fixed, dev->n_peers, u->fix_now, &u->relative);
	dev->relative_handshake = u->relative;
	memcpy(dev->name, ifname, strlen(ifname) + 1);
	dev->impl = WG_IMPL_UAPI;
out:
	close(fd);
	if (ret < 0)
		wg_device_clear(dev);
	return ret;
}

void uapi_debug_slow(struct uapi *u, bool slow)
{
	u->slow = slow;
}

unsigned long uapi_debug_fast_lines(const struct uapi *u)
{
	return u->fast_lines;
}

unsigned long uapi_key_derivations(const struct uapi *u)
{
	return u->keys.derivations;
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

bool uapi_gone(const struct uapi *u)
{
	return u->gone;
}

static int list_dir(const char *dir, bool probe, char (*names)[IFNAMSIZ], size_t max,
		    size_t *n)
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
		if (probe) {
			fd = uapi_connect(dir, name);
			if (fd < 0)
				continue;
			close(fd);
		}
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

int uapi_list(const char *dir, char (*names)[IFNAMSIZ], size_t max, size_t *n)
{
	return list_dir(dir, true, names, max, n);
}

int uapi_list_files(const char *dir, char (*names)[IFNAMSIZ], size_t max, size_t *n)
{
	return list_dir(dir, false, names, max, n);
}
