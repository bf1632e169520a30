// SPDX-License-Identifier: GPL-2.0
/* logtail.h - follow a growing text log (wireguard-go's verbose output
 * redirected to a file), surviving rotation and truncation, resuming at a
 * saved (inode, offset) after a restart. Lines are capped; an over-long
 * line is counted and skipped, never split into two. */
#ifndef WGAUDIT_LOGTAIL_H
#define WGAUDIT_LOGTAIL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOGTAIL_LINE_MAX 8192

struct logtail;

/* A position to resume from: the file's inode and a byte offset. */
struct logtail_pos {
	uint64_t inode;
	uint64_t offset;
};

/* pos NULL: start at the end (history before the agent knew the file is
 * not replayed; `wgaudit replay` is for that). pos naming the path's
 * file: resume there (from 0 if it shrank: copytruncate). pos naming
 * another inode: the file rotated while we were down; the rotated file
 * beside it (NAME.1, NAME-DATE, found by inode) is read from pos, then
 * the path from 0; if none has that inode, the path from 0. The file
 * need not exist yet. */
int logtail_open(const char *path, const struct logtail_pos *pos, struct logtail **out);
void logtail_free(struct logtail *lt);
/* Read what was appended; cb gets each complete line (without '\n').
 * Returns lines delivered or -errno; *pos is where to resume. */
int logtail_read(struct logtail *lt, void (*cb)(void *ctx, const char *line, size_t len),
		 void *ctx, struct logtail_pos *pos);
uint64_t logtail_skipped(const struct logtail *lt);	/* over-long lines */
/* The last read stopped at its bound with more to read: call again soon. */
bool logtail_more(const struct logtail *lt);
#endif
