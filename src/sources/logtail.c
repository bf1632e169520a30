// SPDX-License-Identifier: GPL-2.0
/* logtail.c - see logtail.h.
 *
 * Rotation, the two ways logrotate does it:
 * - rename + create: the path names a new file. What the old file got
 *   after our last read is read first, to its end (through the fd we
 *   hold), then the new file from its start. The switch happens only at
 *   the old file's end, so nothing written before the rename is lost.
 * - copytruncate: same inode, the size drops below our offset: read from 0.
 *   (Lines written between our last read and the truncation are only in
 *   the copy; a truncation followed at once by more bytes than we had
 *   read cannot be told from growth. rename + create has neither gap.)
 * Across a restart the saved (inode, offset) says where we were: the
 * path itself, or, after a rotation while we were down, the rotated file
 * found by that inode next to it (NAME.1, NAME-20261201, ...) which is
 * read from the offset before the path from 0. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "sources/logtail.h"

#define LT_DIR_SCAN_MAX	4096	/* directory entries looked at for a rotated file */
/* Reads of LT_CHUNK per call: 512 KiB, ~5,000 wireguard-go lines. A flood
 * is read in such slices, each journaled and handed to the outputs in its
 * own loop turn, so delivery runs while the rest is read; at 4 MiB a call
 * (~40,000 lines in one turn) the collector idled while the agent read
 * (bench/README.md "delivery.sh"). logtail_more() says to come back. */
#define LT_ROUNDS	8
#define LT_CHUNK	65536

struct logtail {
	char *path;
	int fd;			/* the file being read: the path's, or a rotated one */
	uint64_t inode, offset;
	bool start_at_end;	/* the next open of the path starts at its end */
	bool discarding;	/* inside an over-long line */
	bool more;		/* the last read stopped at its bound, not at the end */
	uint64_t skipped;
	size_t len;
	char line[LOGTAIL_LINE_MAX];
};

static void lt_close(struct logtail *lt)
{
	if (lt->fd >= 0)
		close(lt->fd);
	lt->fd = -1;
	lt->len = 0;
	lt->discarding = false;
}

/* Take fd as the file to read from offset (0 if it is shorter). */
static int lt_take(struct logtail *lt, int fd, uint64_t offset)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	lt_close(lt);
	lt->fd = fd;
	lt->inode = (uint64_t)st.st_ino;
	lt->offset = offset > (uint64_t)st.st_size ? 0 : offset;
	return 0;
}

static int lt_open_path(struct logtail *lt)
{
	struct stat st;
	int fd = open(lt->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	int ret;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	ret = lt_take(lt, fd, lt->start_at_end ? (uint64_t)st.st_size : 0);
	lt->start_at_end = false;
	return ret;
}

/* The file with this inode beside the path whose name is the path's
 * followed by '.' or '-' (what logrotate and savelog make), opened; or -1. */
static int lt_find_rotated(const char *path, uint64_t inode)
{
	const char *slash = strrchr(path, '/');
	size_t dlen = slash ? (size_t)(slash - path) : 0, blen;
	const char *base = slash ? slash + 1 : path;
	char dir[4096];
	struct dirent *de;
	int dfd, fd = -1, seen = 0;
	DIR *d;

	if (dlen >= sizeof(dir))
		return -1;
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (!dlen)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)dlen, path);
	blen = strlen(base);
	d = opendir(dir);
	if (!d)
		return -1;
	dfd = dirfd(d);
	while (fd < 0 && seen++ < LT_DIR_SCAN_MAX && (de = readdir(d))) {
		struct stat st;

		if (strncmp(de->d_name, base, blen) != 0 ||
		    (de->d_name[blen] != '.' && de->d_name[blen] != '-'))
			continue;
		/* fstatat, not d_ino: overlayfs may report another number */
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    (uint64_t)st.st_ino != inode || !S_ISREG(st.st_mode))
			continue;
		fd = openat(dfd, de->d_name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
		if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
				(uint64_t)st.st_ino != inode)) {
			close(fd);
			fd = -1;
		}
	}
	closedir(d);
	return fd;
}

int logtail_open(const char *path, const struct logtail_pos *pos, struct logtail **out)
{
	struct logtail *lt;
	struct stat st;
	int fd;

	*out = NULL;
	lt = calloc(1, sizeof(*lt));
	if (!lt)
		return -ENOMEM;
	lt->path = strdup(path);
	if (!lt->path) {
		free(lt);
		return -ENOMEM;
	}
	lt->fd = -1;
	if (!pos || !pos->inode) {
		/* First sight: history before the agent knew the file is not
		 * replayed; a file that appears later is new, read it whole. */
		lt->start_at_end = true;
		if (lt_open_path(lt) == -ENOENT)
			lt->start_at_end = false;
	} else if (stat(path, &st) == 0 && (uint64_t)st.st_ino == pos->inode) {
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd >= 0)
			lt_take(lt, fd, pos->offset);	/* shorter: truncated, from 0 */
	} else if ((fd = lt_find_rotated(path, pos->inode)) >= 0) {
		lt_take(lt, fd, pos->offset);	/* then the path, from 0 */
	}
	/* else: the file we were reading is gone; the path is new, from 0 */
	*out = lt;
	return 0;
}

void logtail_free(struct logtail *lt)
{
	if (!lt)
		return;
	lt_close(lt);
	free(lt->path);
	free(lt);
}

bool logtail_more(const struct logtail *lt)
{
	return lt->more;
}

uint64_t logtail_skipped(const struct logtail *lt)
{
	return lt->skipped;
}

static int lt_feed(struct logtail *lt, const char *buf, size_t n,
		   void (*cb)(void *ctx, const char *line, size_t len), void *ctx)
{
	int lines = 0;

	for (size_t i = 0; i < n; i++) {
		char c = buf[i];

		if (c == '\n') {
			if (!lt->discarding) {
				cb(ctx, lt->line, lt->len);
				lines++;
			}
			lt->len = 0;
			lt->discarding = false;
		} else if (lt->discarding) {
			continue;
		} else if (lt->len == sizeof(lt->line)) {
			lt->discarding = true;
			lt->skipped++;
			lt->len = 0;
		} else {
			lt->line[lt->len++] = c;
		}
	}
	return lines;
}

/* At the end of what we read: is there more elsewhere? 1 yes (switched
 * to the path's new file, or rewound a truncated one), 0 no, -errno. */
static int lt_at_end(struct logtail *lt, void (*cb)(void *ctx, const char *line, size_t len),
		     void *ctx, int *lines)
{
	struct stat st;

	if (stat(lt->path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;	/* rotated, not recreated yet */
	if ((uint64_t)st.st_ino == lt->inode) {
		if ((uint64_t)st.st_size >= lt->offset)
			return 0;
		lt->offset = 0;		/* copytruncate */
		lt->len = 0;
		lt->discarding = false;
		return 1;
	}
	/* The old file is done: a last line without '\n' will not be ended. */
	if (lt->len && !lt->discarding) {
		cb(ctx, lt->line, lt->len);
		(*lines)++;
	}
	lt_close(lt);
	return lt_open_path(lt) < 0 ? 0 : 1;
}

int logtail_read(struct logtail *lt, void (*cb)(void *ctx, const char *line, size_t len),
		 void *ctx, struct logtail_pos *pos)
{
	char buf[LT_CHUNK];
	int lines = 0, ret = 0, rounds;

	lt->more = false;
	if (lt->fd < 0) {
		ret = lt_open_path(lt);
		if (ret < 0)
			goto out;
	}
	for (rounds = 0; rounds < LT_ROUNDS; rounds++) {	/* bounded per call */
		ssize_t n = pread(lt->fd, buf, sizeof(buf), (off_t)lt->offset);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if (n > 0) {
			lt->offset += (uint64_t)n;
			lines += lt_feed(lt, buf, (size_t)n, cb, ctx);
			continue;
		}
		ret = lt_at_end(lt, cb, ctx, &lines);
		if (ret <= 0)
			break;
	}
	lt->more = rounds == LT_ROUNDS;
	ret = ret < 0 ? ret : lines;
out:
	if (pos) {
		pos->inode = lt->inode;
		/* Resume at the start of the partial line we hold. */
		pos->offset = lt->offset - (lt->discarding ? 0 : lt->len);
	}
	return ret;
}
