// SPDX-License-Identifier: GPL-2.0
/* The UAPI socket client (uapi_get_device, uapi_stream_device, uapi_list)
 * against a fake UAPI server in a child process: replies in pieces, slow
 * and silent servers, errors, the listing of live sockets (and, for the
 * poller, of socket files without connecting). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "base/util.h"
#include "base/wgdev.h"
#include "sources/uapi.h"
#include "uapifix.h"
#include "uapitest.h"

static char tmpdir[64];

static void make_tmpdir(void)
{
	if (!tmpdir[0]) {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/wga-uapi-XXXXXX");
		if (!mkdtemp(tmpdir))
			tmpdir[0] = '\0';
	}
}

static int listen_in(const char *dir, const char *name)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s.sock", dir, name);
	unlink(sun.sun_path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(fd, 4) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int listen_at(const char *name)
{
	return listen_in(tmpdir, name);
}

#define CLOSE_AFTER	((size_t)1 << 30)

/* Child: serve one connection: read the request, answer reply in chunk-byte
 * writes (0 = never answer), then hold the connection open, or close it at
 * once with CLOSE_AFTER. */
static pid_t serve_once(int lfd, const char *reply, size_t len, size_t chunk)
{
	pid_t pid = fork();
	int close_after = (chunk & CLOSE_AFTER) != 0;

	chunk &= ~CLOSE_AFTER;

	if (pid != 0)
		return pid;
	int c = accept(lfd, NULL, NULL);
	char req[64];
	size_t got = 0;

	while (got < 7) {
		ssize_t n = read(c, req + got, sizeof(req) - got);
		if (n <= 0)
			_exit(1);
		got += (size_t)n;
	}
	if (got != 7 || memcmp(req, "get=1\n\n", 7) != 0)
		_exit(2);
	if (!chunk) {
		pause();
		_exit(0);
	}
	for (size_t off = 0; off < len; off += chunk) {
		size_t k = len - off < chunk ? len - off : chunk;
		if (write(c, reply + off, k) != (ssize_t)k)
			_exit(3);
		usleep(1000);
	}
	if (close_after)
		_exit(0);
	/* wireguard-go keeps the connection open for the next request */
	sleep(5);
	_exit(0);
}

static void reap(pid_t pid)
{
	int st;

	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
}

TEST(get_device_over_socket)
{
	struct uapi *u = uapi_new();
	struct wg_device dev = { 0 };
	size_t len;
	char *buf = test_read_data("uapi-wggo-server.txt", &len);
	int lfd;
	pid_t pid;

	make_tmpdir();
	CHECK(buf && tmpdir[0]);
	if (!buf || !tmpdir[0])
		return;
	lfd = listen_at("wgt0");
	CHECK(lfd >= 0);
	pid = serve_once(lfd, buf, len, 7);
	CHECK_INT(uapi_get_device(u, tmpdir, "wgt0", &dev), 0);
	reap(pid);
	CHECK_STR(dev.name, "wgt0");
	CHECK_INT(dev.impl, WG_IMPL_UAPI);
	CHECK_INT(dev.n_peers, 3);
	CHECK(!dev.relative_handshake);
	CHECK(dev.has_public_key);
	/* the next poll: the same key comes from the cache */
	pid = serve_once(lfd, buf, len, 4096);
	CHECK_INT(uapi_get_device(u, tmpdir, "wgt0", &dev), 0);
	reap(pid);
	CHECK_INT(dev.n_peers, 3);
	CHECK(dev.has_public_key);
	CHECK_INT(uapi_key_derivations(u), 1);
	CHECK(!handle_holds(u, RFC_PRIV_HEX));
	{
		uint8_t priv[WG_KEY_LEN];

		key_from_hex(priv, RFC_PRIV_HEX, 64);
		CHECK(!holds_key(&dev, priv));
		wipe(priv, sizeof(priv));
	}

	/* byte by byte over the socket */
	static const char small[] = "private_key=a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4\n"
				    "listen_port=9\n" PK "endpoint=10.1.2.3:4\nerrno=0\n\n";
	pid = serve_once(lfd, small, sizeof(small) - 1, 1);
	CHECK_INT(uapi_get_device(u, tmpdir, "wgt0", &dev), 0);
	reap(pid);
	CHECK_INT(dev.listen_port, 9);
	CHECK_INT(dev.n_peers, 1);
	CHECK_INT(uapi_key_derivations(u), 1);
	CHECK(!handle_holds(u, RFC_PRIV_HEX));

	/* larger than the buffer, in odd-sized writes, as uapi_parse sees it */
	{
		struct wg_device want = { 0 };
		size_t blen;
		char *big = many_peers_reply(2000, &blen);

		CHECK_INT(uapi_parse(big, blen, &want), 0);
		pid = serve_once(lfd, big, blen, 4093);
		CHECK_INT(uapi_get_device(u, tmpdir, "wgt0", &dev), 0);
		reap(pid);
		CHECK(same_device(&want, &dev));
		free(big);
		wg_device_release(&want);
	}

	/* boringtun: relative handshake times converted */
	static const char bt[] = PK "last_handshake_time_sec=12\nerrno=0\n\n";
	pid = serve_once(lfd, bt, sizeof(bt) - 1, 4096);
	CHECK_INT(uapi_get_device(u, tmpdir, "wgt0", &dev), 0);
	reap(pid);
	CHECK(dev.relative_handshake);
	CHECK(dev.n_peers == 1 && dev.peers[0].last_handshake_sec > 978307200);

	/* an error reply leaves dev cleared */
	static const char er[] = "errno=-22\n\n";
	pid = serve_once(lfd, er, sizeof(er) - 1, 4096);
	CHECK_INT(uapi_get_device(u, tmpdir, "wgt0", &dev), -EINVAL);
	reap(pid);
	check_cleared(&dev);

	/* a reply cut short by EOF */
	pid = serve_once(lfd, buf, len / 2, 4096 | CLOSE_AFTER);
	CHECK_INT(uapi_get_device(u, tmpdir, "wgt0", &dev), -EPROTO);
	reap(pid);
	check_cleared(&dev);
	close(lfd);
	free(buf);
	wg_device_release(&dev);
	uapi_free(u);
}

TEST(get_device_timeout_and_errors)
{
	struct uapi *u = uapi_new();
	struct wg_device dev = { 0 };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int lfd, fd;
	pid_t pid;

	make_tmpdir();
	lfd = listen_at("wgslow");
	CHECK(lfd >= 0);
	pid = serve_once(lfd, NULL, 0, 0);
	CHECK_INT(uapi_get_device(u, tmpdir, "wgslow", &dev), -ETIMEDOUT);
	CHECK(!uapi_gone(u));	/* there, but failed: not gone */
	reap(pid);
	close(lfd);

	CHECK_INT(uapi_get_device(u, tmpdir, "nosuch", &dev), -ENOENT);
	CHECK(uapi_gone(u));
	CHECK_INT(uapi_get_device(u, tmpdir, "../etc", &dev), -EINVAL);
	CHECK(!uapi_gone(u));
	CHECK_INT(uapi_get_device(u, tmpdir, "a/b", &dev), -EINVAL);
	CHECK_INT(uapi_get_device(u, tmpdir, "", &dev), -EINVAL);
	CHECK_INT(uapi_get_device(u, tmpdir, "0123456789abcdef", &dev), -EINVAL);

	/* stale: a socket file nobody listens on any more */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/stale.sock", tmpdir);
	unlink(sun.sun_path);
	CHECK(bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	close(fd);
	CHECK_INT(uapi_get_device(u, tmpdir, "stale", &dev), -ECONNREFUSED);
	CHECK(uapi_gone(u));	/* the agent treats it as not listed */
	/* and it is not ours to remove */
	CHECK(access(sun.sun_path, F_OK) == 0);
	wg_device_release(&dev);
	uapi_free(u);
}

TEST(list_sockets)
{
	char names[4][IFNAMSIZ];
	char path[128];
	size_t n = 99;
	int a, b, f;

	make_tmpdir();
	a = listen_at("wgb");
	b = listen_at("wga");
	/* not sockets, bad stems, stale: all ignored */
	snprintf(path, sizeof(path), "%s/file.sock", tmpdir);
	f = open(path, O_CREAT | O_WRONLY, 0600);
	close(f);
	snprintf(path, sizeof(path), "%s/0123456789abcdefg.sock", tmpdir);
	f = open(path, O_CREAT | O_WRONLY, 0600);
	close(f);
	CHECK_INT(uapi_list(tmpdir, names, 4, &n), 0);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(names[0], "wga");
		CHECK_STR(names[1], "wgb");
	}
	CHECK_INT(uapi_list(tmpdir, names, 1, &n), -ENOSPC);
	CHECK_INT(n, 1);
	CHECK_INT(uapi_list("/nonexistent/wga", names, 4, &n), 0);
	CHECK_INT(n, 0);
	close(a);
	close(b);
}

/* The poller's listing does not connect: a stale socket is listed, the
 * files that are not sockets or bad names still are not. */
TEST(list_files_without_probing)
{
	char names[4][IFNAMSIZ];
	char dir[96], path[160];
	size_t n = 99;
	int a, s, f;

	make_tmpdir();
	/* a directory of its own: the other tests leave sockets in tmpdir */
	snprintf(dir, sizeof(dir), "%s/lf", tmpdir);
	CHECK(mkdir(dir, 0700) == 0);
	a = listen_in(dir, "wgq");
	s = listen_in(dir, "wgp");
	CHECK(a >= 0 && s >= 0);
	close(s);	/* stale: the file stays, a connect is refused */
	snprintf(path, sizeof(path), "%s/notsock.sock", dir);
	f = open(path, O_CREAT | O_WRONLY, 0600);
	close(f);
	CHECK_INT(uapi_list(dir, names, 4, &n), 0);
	CHECK_INT(n, 1);
	if (n == 1)
		CHECK_STR(names[0], "wgq");
	CHECK_INT(uapi_list_files(dir, names, 4, &n), 0);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(names[0], "wgp");
		CHECK_STR(names[1], "wgq");
	}
	CHECK_INT(uapi_list_files(dir, names, 1, &n), -ENOSPC);
	CHECK_INT(n, 1);
	CHECK_INT(uapi_list_files("/nonexistent/wga", names, 4, &n), 0);
	CHECK_INT(n, 0);
	close(a);
}

TEST(zz_cleanup_tmpdir)
{
	char cmd[128];

	if (tmpdir[0] && strncmp(tmpdir, "/tmp/wga-uapi-", 14) == 0) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		CHECK(system(cmd) == 0);
	}
}

TEST_MAIN()
