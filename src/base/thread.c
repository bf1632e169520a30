// SPDX-License-Identifier: GPL-2.0
/* thread.c - threads that leave signals to the loop. */
#include <errno.h>
#include <signal.h>

#include "base/thread.h"

int thread_start(pthread_t *th, void *(*fn)(void *), void *arg, const char *name)
{
	sigset_t all, old;
	int err;

	/* The loop takes its signals by signalfd, blocked: so must every
	 * other thread, or a SIGTERM could end the process there instead.
	 * Blocked before the thread exists, so none can arrive in between. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(th, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		return -err;
	pthread_setname_np(*th, name);
	return 0;
}
