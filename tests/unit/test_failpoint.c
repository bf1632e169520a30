// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "base/failpoint.h"

#ifndef WGAUDIT_FAILPOINTS
/* A release build has no failpoints: say so rather than pass. */
int main(void)
{
	puts("SKIP failpoints: not compiled in (make SAN=1 builds them)");
	return 0;
}
#else
#include "test.h"

/* Runs FAILPOINT("a") and FAILPOINT("b") `times` times each in a child with
 * WGAUDIT_FAILPOINT=spec; returns the child's exit status and how many
 * passes it completed (through a pipe, one byte per pass). */
static int run_child(const char *spec, int times, int *passes)
{
	int p[2], status;
	pid_t pid;
	char c;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		setenv("WGAUDIT_FAILPOINT", spec, 1);
		for (int i = 0; i < times; i++) {
			FAILPOINT("a");
			FAILPOINT("b");
			(void)!write(p[1], "x", 1);
		}
		_exit(0);
	}
	close(p[1]);
	*passes = 0;
	while (read(p[0], &c, 1) == 1)
		(*passes)++;
	close(p[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(fires_on_the_first_pass)
{
	int n;

	CHECK_INT(run_child("b", 3, &n), 137);
	CHECK_INT(n, 0);
}

TEST(fires_on_the_nth_pass)
{
	int n;

	CHECK_INT(run_child("a:3", 5, &n), 137);
	CHECK_INT(n, 2);
}

TEST(other_names_and_malformed_specs_never_fire)
{
	int n;

	CHECK_INT(run_child("c", 4, &n), 0);
	CHECK_INT(n, 4);
	CHECK_INT(run_child("a:0", 4, &n), 0);
	CHECK_INT(run_child("a:x", 4, &n), 0);
	CHECK_INT(run_child("", 4, &n), 0);
}
TEST_MAIN()
#endif
