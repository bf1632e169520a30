// SPDX-License-Identifier: GPL-2.0
/* lock.c - see lock.h. flock, not fcntl locks: it belongs to the open
 * file, so it cannot be dropped by some library closing another fd on the
 * same file (SQLite opens the database, not this file, but the rule keeps
 * it simple), and the kernel releases it when the process dies, kill -9
 * included: a stale lock file never blocks a restart. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "base/util.h"
#include "sys/lock.h"

int lock_dir_check(const char *dir, char *why, size_t len)
{
	struct stat sb;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		int ret = -errno;

		snprintf(why, len, "%s: cannot create it: %s", dir, strerror(errno));
		return ret;
	}
	if (lstat(dir, &sb) < 0) {
		int ret = -errno;

		snprintf(why, len, "%s: %s", dir, strerror(errno));
		return ret;
	}
	if (S_ISLNK(sb.st_mode)) {
		snprintf(why, len, "%s is a symbolic link; use the directory "
			 "itself", dir);
		return -ELOOP;
	}
	if (!S_ISDIR(sb.st_mode)) {
		snprintf(why, len, "%s is not a directory", dir);
		return -ENOTDIR;
	}
	if (sb.st_uid != geteuid()) {
		snprintf(why, len, "%s is owned by uid %u, not by this agent "
			 "(uid %u); chown it or use another --state-dir", dir,
			 (unsigned)sb.st_uid, (unsigned)geteuid());
		return -EPERM;
	}
	/* Whoever can write the dir can put a symlink or their own file
	 * where the database goes: such a dir is not the agent's. */
	if (sb.st_mode & 022) {
		snprintf(why, len, "%s is writable by %s (mode %03o); make it "
			 "owner-only: chmod 700 %s", dir,
			 (sb.st_mode & 022) == 022 ? "group and others" :
			 sb.st_mode & 002 ? "others" : "group",
			 (unsigned)(sb.st_mode & 0777), dir);
		return -EPERM;
	}
	return 0;
}

/* The holder writes its PID so the next one can name it. */
static pid_t read_holder(int fd)
{
	char buf[24];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	uint64_t pid;
	size_t l;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	l = strcspn(buf, "\n");
	if (parse_u64(buf, l, INT32_MAX, &pid) < 0)
		return 0;
	return (pid_t)pid;
}

int lock_acquire(const char *dir, int *fd, pid_t *holder)
{
	char path[4096], pid[24];
	int f, n, ret;

	*fd = -1;
	*holder = 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/" LOCK_FILE, dir) >= sizeof(path))
		return -ENAMETOOLONG;
	f = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (f < 0)
		return -errno;
	if (flock(f, LOCK_EX | LOCK_NB) < 0) {
		ret = -errno;
		if (ret == -EWOULDBLOCK)
			*holder = read_holder(f);
		close(f);
		return ret;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(f, 0) < 0 || pwrite(f, pid, (size_t)n, 0) != n) {
		ret = -errno;
		close(f);
		return ret;
	}
	*fd = f;
	return 0;
}

void lock_release(int fd)
{
	if (fd >= 0)
		close(fd);	/* the lock goes with the last fd of the file */
}
