// SPDX-License-Identifier: GPL-2.0
/* dyndbg_enable against a stand-in control file: what it writes, and the
 * sentence it gives when the kernel cannot. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
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
TEST_MAIN()
