// SPDX-License-Identifier: GPL-2.0
/*
 * kmsgdump - copy every record in /dev/kmsg to stdout in the raw record
 * format ("prio,seq,usec,flags;text" plus continuation lines) and exit at
 * the end of the buffer (busybox has no non-blocking reader; `cat` blocks).
 * Records overwritten before we read them (EPIPE) are counted on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	char rec[8192];	/* a record is at most ~1 KiB text plus dict */
	unsigned long records = 0, lost = 0;
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	if (fd < 0) {
		perror("kmsgdump: /dev/kmsg");
		return 1;
	}
	for (;;) {
		ssize_t n = read(fd, rec, sizeof(rec));

		if (n < 0 && errno == EPIPE) {
			lost++;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (fwrite(rec, 1, (size_t)n, stdout) != (size_t)n)
			return 1;
		records++;
	}
	fprintf(stderr, "kmsgdump: %lu records, %lu overwritten\n", records, lost);
	return 0;
}
