// SPDX-License-Identifier: GPL-2.0
/* test.h - a tiny unit test harness. Each TEST() is a case; CHECK* record a
 * failure with file:line and continue. Output, one line per case:
 *   PASS name  |  FAIL name: file:line: expr
 * which tests/run counts. main() comes from TEST_MAIN(). */
#ifndef WGAUDIT_TEST_H
#define WGAUDIT_TEST_H
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct test_case {
	const char *name;
	void (*fn)(void);
	struct test_case *next;
};

static struct test_case *test_list, **test_tail = &test_list;
static int test_failed_now;
static const char *test_data_dir = "tests/data";

#define TEST(name)							\
	static void test_##name(void);					\
	__attribute__((constructor)) static void reg_##name(void)	\
	{								\
		static struct test_case tc = { #name, test_##name, NULL }; \
		*test_tail = &tc;					\
		test_tail = &tc.next;					\
	}								\
	static void test_##name(void)

#define test_fail(...) do {						\
		if (!test_failed_now)					\
			printf("FAIL %s: ", test_current);		\
		else							\
			printf("     ");				\
		printf("%s:%d: ", __FILE__, __LINE__);			\
		printf(__VA_ARGS__);					\
		printf("\n");						\
		test_failed_now = 1;					\
	} while (0)

#define CHECK(expr) do {						\
		if (!(expr))						\
			test_fail("%s", #expr);				\
	} while (0)

#define CHECK_INT(a, b) do {						\
		long long _a = (long long)(a), _b = (long long)(b);	\
		if (_a != _b)						\
			test_fail("%s == %lld, expected %lld", #a, _a, _b); \
	} while (0)

#define CHECK_STR(a, b) do {						\
		const char *_a = (a), *_b = (b);			\
		if (!_a || !_b || strcmp(_a, _b) != 0)			\
			test_fail("%s == \"%s\", expected \"%s\"", #a,	\
				  _a ? _a : "(null)", _b ? _b : "(null)"); \
	} while (0)

static const char *test_current;

/* One temp dir per run (test_tmp_path), removed with its files at exit. */
static inline char *test_tmpdir(void)
{
	static char dir[64];

	return dir;
}

static inline int test_rm_one(const char *path, const struct stat *sb,
			      int flag, struct FTW *ftw)
{
	return remove(path);
}

static inline void test_rm_tmpdir(void)
{
	nftw(test_tmpdir(), test_rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* A fresh path "DIR/dbN.db" in the run's temp dir, made at first use. */
static inline const char *test_tmp_path(char *out, size_t len)
{
	static int n;
	char *dir = test_tmpdir();

	if (!dir[0]) {
		snprintf(dir, 64, "/tmp/wgaudit-test.XXXXXX");
		if (!mkdtemp(dir))
			abort();
		atexit(test_rm_tmpdir);
	}
	snprintf(out, len, "%s/db%d.db", dir, ++n);
	return out;
}

/* Read tests/data/NAME into a malloc'd NUL-terminated buffer. */
static inline char *test_read_data(const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", test_data_dir, name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		*len = (size_t)n;
	}
	return buf;
}

#define TEST_MAIN()							\
	int main(int argc, char **argv)					\
	{								\
		int failed = 0, passed = 0;				\
		const char *d = getenv("TEST_DATA_DIR");		\
		if (d)							\
			test_data_dir = d;				\
		for (struct test_case *t = test_list; t; t = t->next) {	\
			if (argc > 1 && strcmp(argv[1], t->name) != 0)	\
				continue;				\
			test_current = t->name;				\
			test_failed_now = 0;				\
			t->fn();					\
			if (test_failed_now)				\
				failed++;				\
			else {						\
				passed++;				\
				printf("PASS %s\n", t->name);		\
			}						\
			fflush(stdout);					\
		}							\
		return failed ? 1 : 0;					\
	}
#endif
