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
TEST_MAIN()
