// SPDX-License-Identifier: GPL-2.0
/* A thread from thread_start has every signal blocked, even when its
 * starter has none blocked (the collector starts its threads before its
 * signalfd), carries its name, and leaves the starter's mask as it was. */
#include <signal.h>
#include <stdio.h>
#include "test.h"
#include "base/thread.h"

struct seen {
	sigset_t mask;
	char name[16];
};

static void *look(void *arg)
{
	struct seen *s = arg;

	pthread_sigmask(SIG_SETMASK, NULL, &s->mask);
	pthread_getname_np(pthread_self(), s->name, sizeof(s->name));
	return NULL;
}

TEST(signals_blocked_and_named)
{
	struct seen s = { .name = "" };
	sigset_t none, after;
	pthread_t th;

	sigemptyset(&none);
	pthread_sigmask(SIG_SETMASK, &none, NULL);
	CHECK_INT(thread_start(&th, look, &s, "wga-test"), 0);
	CHECK_INT(pthread_join(th, NULL), 0);
	CHECK_INT(sigismember(&s.mask, SIGTERM), 1);
	CHECK_INT(sigismember(&s.mask, SIGINT), 1);
	CHECK_INT(sigismember(&s.mask, SIGHUP), 1);
	CHECK_INT(sigismember(&s.mask, SIGUSR1), 1);
	CHECK_STR(s.name, "wga-test");
	pthread_sigmask(SIG_SETMASK, NULL, &after);
	CHECK_INT(sigismember(&after, SIGTERM), 0);	/* the starter's as it was */
}

TEST_MAIN()
