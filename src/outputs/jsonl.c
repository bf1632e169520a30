// SPDX-License-Identifier: GPL-2.0
/* jsonl.c - see jsonl.h. The file is the truth of what a jsonl output
 * delivered: its cursor is committed with the next turn, so after a crash
 * the cursor can lag the file by the lines of the last turn. Reading the
 * last line's event_id back lets the output resume just after it: no line
 * twice, none missing. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "base/util.h"
#include "outputs/jsonl.h"

/* More than the longest record (OUT_REC_MAX) plus its newline. */
#define JSONL_TAIL	(64 * 1024)

static int64_t line_seq(const char *line, size_t len, const char *instance)
{
	static const char key[] = "\"event_id\":\"";
	size_t il = strlen(instance), kl = sizeof(key) - 1;
	const char *p = memmem(line, len, key, kl), *end;
	uint64_t seq;

	if (!il || !p)
		return 0;
	p += kl;
	end = memchr(p, '"', (size_t)(line + len - p));
	if (!end || (size_t)(end - p) <= il + 1 || memcmp(p, instance, il) ||
	    p[il] != '-')
		return 0;
	p += il + 1;
	if (parse_u64(p, (size_t)(end - p), INT64_MAX, &seq) < 0)
		return 0;
	return (int64_t)seq;
}

int jsonl_repair(int fd, const char *instance, int64_t *last_seq, uint64_t *cut)
{
	static char buf[JSONL_TAIL];
	struct stat sb;
	off_t start;
	ssize_t n;
	char *nl, *prev;

	*last_seq = 0;
	*cut = 0;
	if (fstat(fd, &sb) < 0)
		return -errno;
	if (!S_ISREG(sb.st_mode) || sb.st_size == 0)
		return 0;	/* a pipe, a tty: nothing to read back */
	start = sb.st_size > JSONL_TAIL ? sb.st_size - JSONL_TAIL : 0;
	n = pread(fd, buf, (size_t)(sb.st_size - start), start);
	if (n < 0)
		return -errno;
	nl = memrchr(buf, '\n', (size_t)n);
	if (!nl && start > 0)
		return 0;	/* no line end in the window: not ours to cut */
	if ((nl ? nl + 1 : buf) != buf + n) {
		off_t keep = start + (nl ? nl + 1 - buf : 0);

		if (ftruncate(fd, keep) < 0)
			return -errno;
		*cut = (uint64_t)(sb.st_size - keep);
	}
	if (!nl)
		return 0;
	prev = memrchr(buf, '\n', (size_t)(nl - buf));
	prev = prev ? prev + 1 : buf;
	*last_seq = line_seq(prev, (size_t)(nl - prev), instance);
	return 0;
}
