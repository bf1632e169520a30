// SPDX-License-Identifier: GPL-2.0
/* The sd_notify protocol against a real datagram socket, as systemd binds
 * it: a path and an abstract name; the watchdog's environment. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "test.h"
#include "sys/notify.h"

/* A bound datagram socket: name "/path" or "@abstract". */
static int listener(const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(name);
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (name[0] == '/'));
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	memcpy(sa.sun_path, name, n);
	if (name[0] == '@')
		sa.sun_path[0] = '\0';
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, len) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static ssize_t take(int fd, char *buf, size_t len)
{
	ssize_t n = recv(fd, buf, len - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
	return n;
}

TEST(unset_is_silent)
{
	unsetenv("NOTIFY_SOCKET");
	CHECK_INT(notify_send("READY=1"), 0);
	setenv("NOTIFY_SOCKET", "", 1);
	CHECK_INT(notify_send("READY=1"), 0);
	notify_ready();		/* no socket: nothing to see, nothing to crash */
	unsetenv("NOTIFY_SOCKET");
}

TEST(path_socket)
{
	char dir[] = "/tmp/wga-notify.XXXXXX", path[64], buf[600];
	int fd;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/notify", dir);
	fd = listener(path);
	CHECK(fd >= 0);
	setenv("NOTIFY_SOCKET", path, 1);
	notify_ready();
	CHECK(take(fd, buf, sizeof(buf)) > 0);
	CHECK_STR(buf, "READY=1");
	notify_status("polling %d interface(s)\nINJECT=1", 2);
	CHECK(take(fd, buf, sizeof(buf)) > 0);
	CHECK_STR(buf, "STATUS=polling 2 interface(s) INJECT=1");	/* one line */
	notify_watchdog();
	CHECK(take(fd, buf, sizeof(buf)) > 0);
	CHECK_STR(buf, "WATCHDOG=1");
	notify_stopping();
	CHECK(take(fd, buf, sizeof(buf)) > 0);
	CHECK_STR(buf, "STOPPING=1");
	close(fd);
	/* The manager went away: an error for the caller who asks, never a
	 * signal or a crash (the notify_* functions ignore it). */
	CHECK(notify_send("WATCHDOG=1") < 0);
	notify_watchdog();
	unlink(path);
	rmdir(dir);
	unsetenv("NOTIFY_SOCKET");
}

TEST(abstract_socket)
{
	char name[64], buf[64];
	int fd;

	snprintf(name, sizeof(name), "@wga-notify-test-%d", (int)getpid());
	fd = listener(name);
	CHECK(fd >= 0);
	setenv("NOTIFY_SOCKET", name, 1);
	CHECK_INT(notify_send("READY=1"), 1);
	CHECK(take(fd, buf, sizeof(buf)) > 0);
	CHECK_STR(buf, "READY=1");
	close(fd);
	unsetenv("NOTIFY_SOCKET");
}

TEST(unusable_addresses)
{
	char longp[200];

	setenv("NOTIFY_SOCKET", "relative/path", 1);
	CHECK_INT(notify_send("READY=1"), -EAFNOSUPPORT);
	setenv("NOTIFY_SOCKET", "@", 1);
	CHECK_INT(notify_send("READY=1"), -EAFNOSUPPORT);
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	setenv("NOTIFY_SOCKET", longp, 1);
	CHECK_INT(notify_send("READY=1"), -EAFNOSUPPORT);
	unsetenv("NOTIFY_SOCKET");
}

TEST(watchdog_environment)
{
	char pid[32];

	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	CHECK_INT(notify_watchdog_interval_us(), 0);
	setenv("WATCHDOG_USEC", "30000000", 1);
	CHECK_INT(notify_watchdog_interval_us(), 30000000);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	CHECK_INT(notify_watchdog_interval_us(), 30000000);
	setenv("WATCHDOG_PID", "1", 1);		/* meant for another process */
	CHECK_INT(notify_watchdog_interval_us(), 0);
	setenv("WATCHDOG_PID", "12x", 1);
	CHECK_INT(notify_watchdog_interval_us(), 0);
	unsetenv("WATCHDOG_PID");
	setenv("WATCHDOG_USEC", "0", 1);
	CHECK_INT(notify_watchdog_interval_us(), 0);
	setenv("WATCHDOG_USEC", "-5", 1);
	CHECK_INT(notify_watchdog_interval_us(), 0);
	setenv("WATCHDOG_USEC", "99999999999999999999", 1);
	CHECK_INT(notify_watchdog_interval_us(), 0);
	setenv("WATCHDOG_USEC", "", 1);
	CHECK_INT(notify_watchdog_interval_us(), 0);
	unsetenv("WATCHDOG_USEC");
}

TEST_MAIN()
