// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include "test.h"
#include "sources/logtail.h"

struct got {
	int n;
	char last[LOGTAIL_LINE_MAX + 1];
	char all[4096];
};

static void on_line(void *ctx, const char *line, size_t len)
{
	struct got *g = ctx;
	size_t o = strlen(g->all);

	g->n++;
	memcpy(g->last, line, len);
	g->last[len] = '\0';
	snprintf(g->all + o, sizeof(g->all) - o, "%s|", g->last);
}

static void append(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0600);

	if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		abort();
	close(fd);
}

TEST(follow_rotate_truncate_resume)
{
	char dir[] = "/tmp/wga-logtail.XXXXXX", path[64], old[64], cmd[96];
	struct logtail *lt;
	struct logtail_pos pos;
	struct got g;

	memset(&g, 0, sizeof(g));
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/wg.log", dir);
	snprintf(old, sizeof(old), "%s/wg.log.1", dir);
	append(path, "history\n");
	CHECK_INT(logtail_open(path, NULL, &lt), 0);
	CHECK_INT(logtail_read(lt, on_line, &g, &pos), 0);	/* starts at the end */
	append(path, "one\ntwo\npart");
	CHECK_INT(logtail_read(lt, on_line, &g, &pos), 2);
	CHECK_STR(g.all, "one|two|");
	append(path, "ial\n");
	CHECK_INT(logtail_read(lt, on_line, &g, &pos), 1);
	CHECK_STR(g.last, "partial");
	/* Rotation: the new file is read from its start. */
	CHECK(rename(path, old) == 0);
	append(path, "after rotate\n");
	CHECK_INT(logtail_read(lt, on_line, &g, &pos), 1);
	CHECK_STR(g.last, "after rotate");
	/* Truncation. */
	CHECK(truncate(path, 0) == 0);
	append(path, "x\n");
	CHECK_INT(logtail_read(lt, on_line, &g, &pos), 1);
	CHECK_STR(g.last, "x");
	logtail_free(lt);
	/* Restart: resume at the saved position, nothing twice, nothing missed. */
	append(path, "while down\n");
	CHECK_INT(logtail_open(path, &pos, &lt), 0);
	g.all[0] = '\0';
	CHECK_INT(logtail_read(lt, on_line, &g, &pos), 1);
	CHECK_STR(g.all, "while down|");
	logtail_free(lt);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
}

TEST(long_lines_skipped_whole)
{
	char dir[] = "/tmp/wga-logtail.XXXXXX", path[64], cmd[96];
	char *big = malloc(LOGTAIL_LINE_MAX * 2 + 2);
	struct logtail *lt;
	struct got g;

	memset(&g, 0, sizeof(g));
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/wg.log", dir);
	append(path, "");
	CHECK_INT(logtail_open(path, NULL, &lt), 0);
	memset(big, 'a', LOGTAIL_LINE_MAX * 2);
	big[LOGTAIL_LINE_MAX * 2] = '\n';
	big[LOGTAIL_LINE_MAX * 2 + 1] = '\0';
	append(path, big);
	append(path, "ok\n");
	CHECK_INT(logtail_read(lt, on_line, &g, NULL), 1);
	CHECK_STR(g.last, "ok");
	CHECK_INT(logtail_skipped(lt), 1);
	logtail_free(lt);
	free(big);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
}

TEST(missing_file_appears_later)
{
	struct logtail *lt;
	struct got g;
	char path[] = "/tmp/wga-logtail-missing.log";

	memset(&g, 0, sizeof(g));
	unlink(path);
	CHECK_INT(logtail_open(path, NULL, &lt), 0);
	CHECK_INT(logtail_read(lt, on_line, &g, NULL), -ENOENT);
	append(path, "first\n");
	CHECK_INT(logtail_read(lt, on_line, &g, NULL), 1);	/* a new file: from its start */
	CHECK_STR(g.last, "first");
	logtail_free(lt);
	unlink(path);
}

static struct logtail *reopen(struct logtail *lt, const char *path, struct logtail_pos *pos)
{
	logtail_free(lt);
	if (logtail_open(path, pos, &lt) < 0)
		abort();
	return lt;
}

static void rmdir_all(const char *dir)
{
	char cmd[96];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		abort();
}

/* Lines written to the old file after the last read, then a rename and a
 * new file: the old file is read to its end before the new one. */
TEST(rotation_drains_old_file_first)
{
	char dir[] = "/tmp/wga-logtail.XXXXXX", path[64], old[64];
	struct logtail *lt;
	struct logtail_pos pos;
	struct got g;

	memset(&g, 0, sizeof(g));
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/wg.log", dir);
	snprintf(old, sizeof(old), "%s/wg.log.1", dir);
	append(path, "");
	CHECK_INT(logtail_open(path, NULL, &lt), 0);
	append(path, "a\n");
	CHECK_INT(logtail_read(lt, on_line, &g, &pos), 1);
	append(path, "b\nc\nunterminated");	/* not read yet */
	CHECK(rename(path, old) == 0);
	append(path, "d\n");
	CHECK_INT(logtail_read(lt, on_line, &g, &pos), 4);
	CHECK_STR(g.all, "a|b|c|unterminated|d|");
	/* Rotated away, not yet recreated: what the old file gets is read. */
	CHECK(rename(path, old) == 0);
	append(old, "e\n");
	CHECK_INT(logtail_read(lt, on_line, &g, &pos), 1);
	append(path, "f\n");
	CHECK_INT(logtail_read(lt, on_line, &g, &pos), 1);
	CHECK_STR(g.all, "a|b|c|unterminated|d|e|f|");
	logtail_free(lt);
	rmdir_all(dir);
}

/* Down across a rotation: the rotated file (found by its inode, as NAME.1
 * or NAME-DATE) is read from the saved offset, then the new one from 0. */
TEST(restart_across_rotation_finds_rotated_file)
{
	static const char *const names[] = { "wg.log.1", "wg.log-20261201" };
	char dir[] = "/tmp/wga-logtail.XXXXXX", path[64], old[96];
	struct logtail *lt;
	struct logtail_pos pos;
	struct got g;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/wg.log", dir);
	for (size_t i = 0; i < 2; i++) {
		memset(&g, 0, sizeof(g));
		snprintf(old, sizeof(old), "%s/%s", dir, names[i]);
		unlink(path);
		append(path, "");
		CHECK_INT(logtail_open(path, NULL, &lt), 0);
		append(path, "1\n2\n");
		CHECK_INT(logtail_read(lt, on_line, &g, &pos), 2);
		logtail_free(lt);
		append(path, "3\n");		/* while down */
		CHECK(rename(path, old) == 0);
		append(path, "4\n5\n");		/* the new file, still down */
		CHECK_INT(logtail_open(path, &pos, &lt), 0);
		CHECK_INT(logtail_read(lt, on_line, &g, &pos), 3);
		CHECK_STR(g.all, "1|2|3|4|5|");
		/* and the position now is the new file's */
		lt = reopen(lt, path, &pos);
		append(path, "6\n");
		CHECK_INT(logtail_read(lt, on_line, &g, &pos), 1);
		CHECK_STR(g.all, "1|2|3|4|5|6|");
		logtail_free(lt);
	}
	/* The rotated file is gone (compressed, deleted): the new one from 0. */
	memset(&g, 0, sizeof(g));
	CHECK_INT(logtail_open(path, &pos, &lt), 0);
	append(path, "7\n");
	CHECK_INT(logtail_read(lt, on_line, &g, &pos), 1);
	logtail_free(lt);
	rename(path, old);
	unlink(old);
	append(path, "8\n");
	CHECK_INT(logtail_open(path, &pos, &lt), 0);
	CHECK_INT(logtail_read(lt, on_line, &g, &pos), 1);
	CHECK_STR(g.all, "7|8|");
	logtail_free(lt);
	rmdir_all(dir);
}

/* copytruncate: the file keeps its inode and shrinks; read from 0 — also
 * when that happened while the agent was down. */
TEST(copytruncate_live_and_while_down)
{
	char dir[] = "/tmp/wga-logtail.XXXXXX", path[64];
	struct logtail *lt;
	struct logtail_pos pos;
	struct got g;

	memset(&g, 0, sizeof(g));
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/wg.log", dir);
	append(path, "");
	CHECK_INT(logtail_open(path, NULL, &lt), 0);
	append(path, "long line one\nlong line two\n");
	CHECK_INT(logtail_read(lt, on_line, &g, &pos), 2);
	CHECK(truncate(path, 0) == 0);
	append(path, "x\n");
	CHECK_INT(logtail_read(lt, on_line, &g, &pos), 1);
	append(path, "y\n");
	CHECK_INT(logtail_read(lt, on_line, &g, &pos), 1);
	logtail_free(lt);
	CHECK(truncate(path, 0) == 0);	/* while down */
	append(path, "z\n");
	CHECK_INT(logtail_open(path, &pos, &lt), 0);
	CHECK_INT(logtail_read(lt, on_line, &g, &pos), 1);
	CHECK_STR(g.all, "long line one|long line two|x|y|z|");
	logtail_free(lt);
	rmdir_all(dir);
}
static void count_line(void *ctx, const char *line, size_t len)
{
	(*(int *)ctx)++;
}

/* A flood is read in bounded slices; logtail_more() says whether a read
 * stopped at its bound (come back next turn) or at the end of the file. */
TEST(bounded_read_says_more)
{
	char dir[] = "/tmp/wga-logtail.XXXXXX", path[64], line[101];
	struct logtail *lt;
	int fd, n = 0, total = 0, reads = 0;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/wg.log", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	CHECK_INT(logtail_open(path, NULL, &lt), 0);
	CHECK_INT(logtail_read(lt, count_line, &n, NULL), 0);	/* at the (empty) end */
	CHECK(!logtail_more(lt));
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\n';
	for (int i = 0; i < 20000; i++)	/* 2 MB: more than one read takes */
		CHECK_INT(write(fd, line, sizeof(line)), (int)sizeof(line));
	close(fd);
	do {
		n = 0;
		CHECK(logtail_read(lt, count_line, &n, NULL) >= 0);
		total += n;
		reads++;
		if (logtail_more(lt))
			CHECK(n > 0);
	} while (logtail_more(lt) && reads < 100);
	CHECK(reads > 1);
	CHECK_INT(total, 20000);
	n = 0;
	CHECK_INT(logtail_read(lt, count_line, &n, NULL), 0);
	CHECK(!logtail_more(lt));
	logtail_free(lt);
	unlink(path);
	rmdir(dir);
}

TEST_MAIN()
