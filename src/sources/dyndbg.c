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
			 errno == ENOENT ? (strncmp(control, "/proc/", 6) ?
					    "kernel without CONFIG_DYNAMIC_DEBUG or debugfs not available" :
					    "kernel without CONFIG_DYNAMIC_DEBUG or older than 5.9") :
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

int dyndbg_enable_any(const char *proc, const char *debugfs, const char **used,
		      char *why, size_t len)
{
	char first[256] = "";	/* why the procfs file failed */
	int ret = -ENOENT;

	*used = NULL;
	why[0] = '\0';
	if (proc) {
		ret = dyndbg_enable(proc, first, sizeof(first));
		if (ret == 0) {
			*used = proc;
			return 0;
		}
		if (ret == -EINVAL || !debugfs) {
			snprintf(why, len, "%s", first);
			return ret;
		}
	}
	if (debugfs) {
		ret = dyndbg_enable(debugfs, why, len);
		if (ret == 0) {
			*used = debugfs;
			snprintf(why, len, "%s", first);
			return 0;
		}
		if (first[0]) {
			char second[256];

			snprintf(second, sizeof(second), "%s", why);
			snprintf(why, len, "%s; %s", first, second);
		}
	}
	return ret;
}
