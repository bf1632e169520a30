// SPDX-License-Identifier: GPL-2.0
/* dyndbg_enable against a stand-in control file: what it writes, and the
 * sentence it gives when the kernel cannot. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "test.h"
#include "sources/dyndbg.h"

TEST(writes_the_module_query)
{
	char path[] = "/tmp/wga-dyndbg.XXXXXX", why[256] = "", buf[64];
	int fd = mkstemp(path);
	ssize_t n;

	CHECK(fd >= 0);
	close(fd);
	CHECK_INT(dyndbg_enable(path, why, sizeof(why)), 0);
	fd = open(path, O_RDONLY);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	CHECK_STR(buf, "module wireguard +p\n");
	unlink(path);
}

TEST(explains_a_missing_control_file)
{
	char why[256] = "";

	CHECK_INT(dyndbg_enable("/nonexistent/dynamic_debug/control", why, sizeof(why)), -ENOENT);
	CHECK(strstr(why, "/nonexistent/dynamic_debug/control") != NULL);
	CHECK(strstr(why, "CONFIG_DYNAMIC_DEBUG") != NULL);
}

TEST(explains_a_refused_write)
{
	char why[256] = "";

	/* /dev/full: the open works, every write fails (ENOSPC). */
	CHECK_INT(dyndbg_enable("/dev/full", why, sizeof(why)), -ENOSPC);
	CHECK(strstr(why, "/dev/full") != NULL);
}

/* A stand-in control file: empty, or NULL on failure. */
static char *fake_control(char path[static 32])
{
	int fd;

	strcpy(path, "/tmp/wga-dyndbg.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	close(fd);
	return path;
}

static ssize_t slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, len - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

TEST(procfs_first_debugfs_untouched)
{
	char proc[32], dbg[32], why[512] = "x", buf[64];
	const char *used = NULL;

	CHECK(fake_control(proc) && fake_control(dbg));
	CHECK_INT(dyndbg_enable_any(proc, dbg, &used, why, sizeof(why)), 0);
	CHECK_STR(used, proc);
	CHECK_STR(why, "");
	slurp(proc, buf, sizeof(buf));
	CHECK_STR(buf, "module wireguard +p\n");
	CHECK_INT(slurp(dbg, buf, sizeof(buf)), 0);
	unlink(proc);
	unlink(dbg);
}

TEST(debugfs_when_procfs_is_missing_and_says_why)
{
	char dbg[32], why[512] = "", buf[64];
	const char *used = NULL;

	CHECK(fake_control(dbg));
	CHECK_INT(dyndbg_enable_any("/nonexistent/proc/dynamic_debug/control", dbg, &used,
				    why, sizeof(why)), 0);
	CHECK_STR(used, dbg);
	CHECK(strstr(why, "/nonexistent/proc/dynamic_debug/control") != NULL);
	CHECK(strstr(why, "No such file") != NULL);
	slurp(dbg, buf, sizeof(buf));
	CHECK_STR(buf, "module wireguard +p\n");
	unlink(dbg);
}

TEST(debugfs_when_procfs_refuses_the_write)
{
	char dbg[32], why[512] = "";
	const char *used = NULL;

	CHECK(fake_control(dbg));
	CHECK_INT(dyndbg_enable_any("/dev/full", dbg, &used, why, sizeof(why)), 0);
	CHECK_STR(used, dbg);
	CHECK(strstr(why, "/dev/full") != NULL);
	unlink(dbg);
}

TEST(both_fail_names_both)
{
	char why[512] = "";
	const char *used = "x";

	CHECK_INT(dyndbg_enable_any("/nonexistent/a/control", "/nonexistent/b/control", &used,
				    why, sizeof(why)), -ENOENT);
	CHECK(used == NULL);
	CHECK(strstr(why, "/nonexistent/a/control") != NULL);
	CHECK(strstr(why, "/nonexistent/b/control") != NULL);
	CHECK(strstr(why, "older than 5.9") == NULL);	/* neither is under /proc */
}

TEST(procfs_only)
{
	char why[512] = "";
	const char *used = "x";

	CHECK_INT(dyndbg_enable_any("/proc/nonexistent-wga/control", NULL, &used,
				    why, sizeof(why)), -ENOENT);
	CHECK(used == NULL);
	CHECK(strstr(why, "older than 5.9") != NULL);
}
TEST_MAIN()
