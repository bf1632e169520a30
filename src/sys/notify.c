// SPDX-License-Identifier: GPL-2.0
/* notify.c - see notify.h. The notification protocol itself, without
 * libsystemd: systemd documents it as the stable interface (sd_notify(3),
 * "Standalone Implementations") and advises against linking libsystemd
 * only for it. The library and what it pulls in (libgcrypt, libgpg-error,
 * liblzma, libzstd, liblz4, libcap) were ~1 MiB of the agent's resident
 * memory for four datagrams and an environment variable.
 *
 * As sd_notify() does: nothing when $NOTIFY_SOCKET is unset, a fresh
 * datagram socket per message, errors ignored on purpose (a lost
 * notification must never stop the agent; systemd's own timeouts are the
 * backstop). */
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "base/util.h"
#include "sys/notify.h"

int notify_send(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t plen, len = strlen(state);
	socklen_t salen;
	ssize_t n;
	int fd, ret;

	if (!path || !path[0])
		return 0;
	plen = strlen(path);
	/* A path or an abstract name ('@'); anything else (vsock:, a
	 * relative path) is not ours to guess at. */
	if ((path[0] != '/' && path[0] != '@') || plen < 2 || plen >= sizeof(sa.sun_path))
		return -EAFNOSUPPORT;
	memcpy(sa.sun_path, path, plen);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	/* An abstract name has no terminating NUL: its length is all of it. */
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen + (path[0] == '/'));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	n = sendto(fd, state, len, MSG_NOSIGNAL, (const struct sockaddr *)&sa, salen);
	ret = n < 0 ? -errno : (size_t)n == len ? 1 : -EMSGSIZE;
	close(fd);
	return ret;
}

void notify_ready(void)
{
	notify_send("READY=1");
}

void notify_status(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "STATUS=");
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	/* One line: a newline would start a new assignment. */
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	notify_send(buf);
}

void notify_stopping(void)
{
	notify_send("STOPPING=1");
}

void notify_watchdog(void)
{
	notify_send("WATCHDOG=1");
}

int64_t notify_watchdog_interval_us(void)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	uint64_t us, p;

	/* sd_watchdog_enabled(0, ...): on when $WATCHDOG_USEC is a positive
	 * number and $WATCHDOG_PID, if set, is us (it is set for the main
	 * process; a child we never start must not ping in our name). The
	 * variables are kept, as with unset_environment = 0. */
	if (!usec || parse_u64(usec, strlen(usec), INT64_MAX, &us) < 0 || !us)
		return 0;
	if (pid && (parse_u64(pid, strlen(pid), UINT32_MAX, &p) < 0 || p != (uint64_t)getpid()))
		return 0;
	return (int64_t)us;
}
