// SPDX-License-Identifier: GPL-2.0
/* pagecache.c - what writing into the page cache costs on this machine:
 * MB of 16 KiB pwrites into a new file (pages the file has not had),
 * then the same pages written again, then fdatasync of 4 MB. The
 * collector writes each record twice (the WAL, then the database file at
 * a checkpoint), rsyslogd's omfile once: where new pages are expensive,
 * that difference is most of a flood's cost (bench/README.md, "The WAL
 * synced in a flood").
 *
 *   make bench-bins && build/rel/bench/pagecache [DIR [MB [ROUNDS]]]
 *
 * DIR defaults to /tmp (the bench's databases live there), MB to 80 (the
 * WAL of 200,000 bench records), ROUNDS to 5. Each round uses a new
 * file, removed at its end. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "base/util.h"

#define BLOCK	16384

static double write_all(int fd, const char *buf, size_t bytes)
{
	int64_t t0 = now_monotonic_us();

	for (size_t off = 0; off < bytes; off += BLOCK)
		if (pwrite(fd, buf, BLOCK, (off_t)off) != BLOCK) {
			perror("pagecache: pwrite");
			exit(1);
		}
	return (double)(now_monotonic_us() - t0) / 1e6;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	long mb = argc > 2 ? strtol(argv[2], NULL, 10) : 80;
	int rounds = argc > 3 ? atoi(argv[3]) : 5;
	static char buf[BLOCK];
	char path[4096];

	if (mb <= 0 || rounds <= 0) {
		fprintf(stderr, "usage: pagecache [DIR [MB [ROUNDS]]]\n");
		return 2;
	}
	memset(buf, 'x', sizeof(buf));
	snprintf(path, sizeof(path), "%s/wgaudit-pagecache.%d", dir, (int)getpid());
	printf("%ld MB in %d KiB pwrites, %s\n", mb, BLOCK / 1024, dir);
	for (int r = 1; r <= rounds; r++) {
		size_t bytes = (size_t)mb << 20;
		double fresh, again, sync;
		int64_t t0;
		int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

		if (fd < 0) {
			fprintf(stderr, "pagecache: %s: %s\n", path, strerror(errno));
			return 1;
		}
		fresh = write_all(fd, buf, bytes);
		again = write_all(fd, buf, bytes);
		fdatasync(fd);
		write_all(fd, buf, 4u << 20);
		t0 = now_monotonic_us();
		fdatasync(fd);
		sync = (double)(now_monotonic_us() - t0) / 1e3;
		close(fd);
		unlink(path);
		printf("round %d: new pages %.3f s (%.0f MB/s), the same pages again %.3f s"
		       " (%.0f MB/s), fdatasync of 4 MB %.2f ms\n",
		       r, fresh, (double)mb / fresh, again, (double)mb / again, sync);
	}
	return 0;
}
