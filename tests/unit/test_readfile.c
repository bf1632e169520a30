// SPDX-License-Identifier: GPL-2.0
/* read_bounded: every size around the buffer's first size and its bound,
 * from a file (with and without its size as the hint) and from a pipe. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "test.h"
#include "base/readfile.h"

static int file_of(size_t n)
{
	char path[] = "/tmp/wga-readfile.XXXXXX";
	int fd = mkstemp(path);
	char *b = malloc(n + 1);

	for (size_t i = 0; i < n; i++)
		b[i] = (char)('a' + i % 26);
	if (fd >= 0 && n && write(fd, b, n) != (ssize_t)n) {
		close(fd);
		fd = -1;
	}
	unlink(path);
	free(b);
	if (fd >= 0)
		lseek(fd, 0, SEEK_SET);
	return fd;
}

static void one(size_t n, size_t max, size_t hint, bool secret)
{
	int fd = file_of(n);
	char *out = (char *)1;
	size_t len = 99;
	int ret;

	CHECK(fd >= 0);
	ret = read_bounded(fd, max, hint, secret, &out, &len);
	if (n > max) {
		CHECK_INT(ret, -EFBIG);
		CHECK(out == NULL);
	} else {
		CHECK_INT(ret, 0);
		CHECK_INT(len, n);
		CHECK(out && out[n] == '\0' && strlen(out) == n);
		CHECK(!n || (out[0] == 'a' && out[n - 1] == (char)('a' + (n - 1) % 26)));
	}
	free(out);
	close(fd);
}

TEST(sizes_around_the_bounds)
{
	static const size_t sizes[] = { 0, 1, 4095, 4096, 4097, 8191, 8192, 8193, 20000 };
	static const size_t maxes[] = { 1, 4096, 8192, 10000, 1 << 20 };

	for (size_t m = 0; m < sizeof(maxes) / sizeof(maxes[0]); m++)
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			one(sizes[i], maxes[m], 0, false);
			one(sizes[i], maxes[m], sizes[i], true);	/* fstat's size */
			one(sizes[i], maxes[m], 1, true);		/* a hint too small */
		}
}

TEST(from_a_pipe)
{
	int p[2];
	char *out;
	size_t len;

	CHECK_INT(pipe(p), 0);
	CHECK_INT(write(p[1], "abc\ndef", 7), 7);
	close(p[1]);
	CHECK_INT(read_bounded(p[0], 100, 0, false, &out, &len), 0);
	CHECK_INT(len, 7);
	CHECK_STR(out, "abc\ndef");
	free(out);
	close(p[0]);
	CHECK_INT(read_bounded(-1, 100, 0, false, &out, &len), -EBADF);
	CHECK(out == NULL);
}
TEST_MAIN()
