// SPDX-License-Identifier: GPL-2.0
/* readfile.c - one bounded whole-file read. See readfile.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "base/readfile.h"
#include "base/util.h"

static void drop(char *buf, size_t cap, bool secret)
{
	if (buf && secret)
		wipe(buf, cap);
	free(buf);
}

int read_bounded(int fd, size_t max, size_t hint, bool secret, char **out, size_t *len)
{
	size_t cap = (hint ? hint : 4096) + 1, n = 0;
	char *buf;
	int ret;

	*out = NULL;
	*len = 0;
	if (cap > max + 1)
		cap = max + 1;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t r;

		if (n + 1 == cap) {	/* full but for the NUL: is there more? */
			size_t ncap = cap * 2 > max + 2 ? max + 2 : cap * 2;
			char *nb;

			ret = -EFBIG;
			if (cap >= max + 2)
				goto fail;
			ret = -ENOMEM;
			nb = malloc(ncap);
			if (!nb)
				goto fail;
			memcpy(nb, buf, n);
			drop(buf, cap, secret);
			buf = nb;
			cap = ncap;
		}
		r = read(fd, buf + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			ret = -EFBIG;
			goto fail;
		}
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
fail:
	drop(buf, cap, secret);
	return ret;
}
