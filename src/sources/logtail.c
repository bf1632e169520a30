// SPDX-License-Identifier: GPL-2.0
/* logtail.c - see logtail.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "sources/logtail.h"

struct logtail {
	char *path;
	int fd;
	uint64_t inode, offset;
	bool start_at_end;
	bool discarding;	/* inside an over-long line */
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

/* (Re)open when the path now names another file or was truncated. */
static int lt_sync(struct logtail *lt)
{
	struct stat st;

	if (stat(lt->path, &st) < 0)
		return -errno;	/* gone (rotated away, not recreated yet) */
	if (lt->fd >= 0 && (uint64_t)st.st_ino == lt->inode) {
		if ((uint64_t)st.st_size < lt->offset) {	/* truncated */
			lt->offset = 0;
			lt->len = 0;
			lt->discarding = false;
		}
		return 0;
	}
	lt_close(lt);
	lt->fd = open(lt->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (lt->fd < 0)
		return -errno;
	if (fstat(lt->fd, &st) < 0) {
		int ret = -errno;

		lt_close(lt);
		return ret;
	}
	if ((uint64_t)st.st_ino != lt->inode || (uint64_t)st.st_size < lt->offset) {
		/* A new file: from its start, unless this is the first sight. */
		lt->offset = lt->start_at_end ? (uint64_t)st.st_size : 0;
		lt->inode = (uint64_t)st.st_ino;
	}
	lt->start_at_end = false;
	return 0;
}

int logtail_open(const char *path, const struct logtail_pos *pos, struct logtail **out)
{
	struct logtail *lt;

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
	lt->start_at_end = true;
	if (pos && pos->inode) {
		lt->inode = pos->inode;
		lt->offset = pos->offset;
		lt->start_at_end = false;
		/* Resume only if it is still the same file. */
		struct stat st;

		if (stat(path, &st) == 0 && (uint64_t)st.st_ino == pos->inode &&
		    (uint64_t)st.st_size >= pos->offset) {
			lt->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		} else {
			lt->inode = 0;
			lt->start_at_end = true;
		}
	}
	if (lt_sync(lt) == -ENOENT)
		lt->start_at_end = false;	/* it will be new when it appears */
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

uint64_t logtail_skipped(const struct logtail *lt)
{
	return lt->skipped;
}

int logtail_read(struct logtail *lt, void (*cb)(void *ctx, const char *line, size_t len),
		 void *ctx, struct logtail_pos *pos)
{
	char buf[65536];
	int lines = 0, ret = lt_sync(lt);

	if (ret < 0)
		goto out;
	for (int rounds = 0; rounds < 64; rounds++) {	/* bounded per call */
		ssize_t n = pread(lt->fd, buf, sizeof(buf), (off_t)lt->offset);

		if (n < 0) {
			ret = errno == EINTR ? 0 : -errno;
			if (ret)
				goto out;
			continue;
		}
		if (n == 0)
			break;
		lt->offset += (uint64_t)n;
		for (ssize_t i = 0; i < n; i++) {
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
	}
	ret = lines;
out:
	if (pos) {
		pos->inode = lt->inode;
		/* Resume at the start of the partial line we hold. */
		pos->offset = lt->offset - (lt->discarding ? 0 : lt->len);
	}
	return ret;
}
