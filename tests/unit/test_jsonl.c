// SPDX-License-Identifier: GPL-2.0
/* test_jsonl.c - a jsonl output file read back after a crash. */
#include "test.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "outputs/jsonl.h"

#define INST "0123456789abcdef0123456789abcdef"

static int file_with(const char *content)
{
	char path[] = "/tmp/test_jsonl.XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0)
		abort();
	unlink(path);
	if (write(fd, content, strlen(content)) != (ssize_t)strlen(content))
		abort();
	return fd;
}

static size_t file_len(int fd)
{
	return (size_t)lseek(fd, 0, SEEK_END);
}

TEST(torn_last_line_cut_and_last_id_found)
{
	const char *good = "{\"id\":1,\"event_id\":\"" INST "-1\"}\n"
			   "{\"id\":2,\"event_id\":\"" INST "-2\"}\n";
	char buf[256];
	int64_t seq;
	uint64_t cut;
	int fd;

	snprintf(buf, sizeof(buf), "%s{\"id\":3,\"event_id\":\"" INST "-3", good);
	fd = file_with(buf);
	CHECK_INT(jsonl_repair(fd, INST, &seq, &cut), 0);
	CHECK_INT(seq, 2);
	CHECK_INT(cut, strlen(buf) - strlen(good));
	CHECK_INT(file_len(fd), strlen(good));
	/* Whole again: nothing to cut, same answer. */
	CHECK_INT(jsonl_repair(fd, INST, &seq, &cut), 0);
	CHECK_INT(cut, 0);
	CHECK_INT(seq, 2);
	close(fd);
}

TEST(foreign_empty_and_one_torn_line)
{
	int64_t seq = 7;
	uint64_t cut = 7;
	int fd;

	fd = file_with("");
	CHECK_INT(jsonl_repair(fd, INST, &seq, &cut), 0);
	CHECK_INT(seq, 0);
	CHECK_INT(cut, 0);
	close(fd);
	/* Another agent's lines (another instance): not ours to resume. */
	fd = file_with("{\"event_id\":\"ffffffffffffffffffffffffffffffff-9\"}\n");
	CHECK_INT(jsonl_repair(fd, INST, &seq, &cut), 0);
	CHECK_INT(seq, 0);
	close(fd);
	/* A file holding one torn line only: emptied. */
	fd = file_with("{\"id\":1,\"ev");
	CHECK_INT(jsonl_repair(fd, INST, &seq, &cut), 0);
	CHECK_INT(seq, 0);
	CHECK_INT(cut, 11);
	CHECK_INT(file_len(fd), 0);
	close(fd);
	/* Lines without an id, or a malformed one. */
	fd = file_with("{\"event_id\":\"" INST "-x1\"}\n{\"event_id\":\"" INST "\"}\n");
	CHECK_INT(jsonl_repair(fd, INST, &seq, &cut), 0);
	CHECK_INT(seq, 0);
	close(fd);
}

TEST(long_file_reads_only_the_tail)
{
	char line[128];
	int64_t seq;
	uint64_t cut;
	int fd = file_with("");

	for (int i = 1; i <= 5000; i++) {
		int n = snprintf(line, sizeof(line), "{\"id\":%d,\"event_id\":\"" INST "-%d\"}\n", i, i);

		if (write(fd, line, (size_t)n) != n)
			abort();
	}
	CHECK_INT(jsonl_repair(fd, INST, &seq, &cut), 0);
	CHECK_INT(seq, 5000);
	CHECK_INT(cut, 0);
	close(fd);
}

TEST_MAIN()
