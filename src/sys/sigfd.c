// SPDX-License-Identifier: GPL-2.0
/* sigfd.c - see sigfd.h. */
#include <errno.h>
#include <signal.h>
#include <sys/signalfd.h>
#include "sys/sigfd.h"

int sigfd_open(bool hup, sigset_t *old)
{
	sigset_t set, was;
	int fd, err;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (hup)
		sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, &was) < 0)
		return -errno;
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0) {
		err = errno;
		sigprocmask(SIG_SETMASK, &was, NULL);
		return -err;
	}
	if (old)
		*old = was;
	return fd;
}
