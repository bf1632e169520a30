// SPDX-License-Identifier: GPL-2.0
/* dyndbg.c - see dyndbg.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>
#include "sources/dyndbg.h"

int dyndbg_enable(const char *control, char *why, size_t len)
{
	static const char cmd[] = "module wireguard +p\n";
	int fd, ret = 0;

	fd = open(control, O_WRONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && !strcmp(control, DYNDBG_CONTROL) &&
	    mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL) == 0)
		fd = open(control, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(why, len, "%s: %s (%s)", control, strerror(errno),
			 errno == ENOENT ? "kernel without CONFIG_DYNAMIC_DEBUG or debugfs not available" :
			 errno == EPERM || errno == EACCES ? "not permitted: root, or kernel lockdown" :
			 "cannot open");
		return ret;
	}
	/* The kernel answers -EINVAL when no call site matched, i.e. the
	 * wireguard module is not loaded (or has no debug call sites). */
	if (write(fd, cmd, sizeof(cmd) - 1) != (ssize_t)(sizeof(cmd) - 1)) {
		ret = -errno;
		snprintf(why, len, "%s: %s%s", control, strerror(errno),
			 errno == EINVAL ? " (wireguard module not loaded?)" : "");
	}
	close(fd);
	return ret;
}
