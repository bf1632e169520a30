// SPDX-License-Identifier: GPL-2.0
/* sigfd.h - the stop signals as a file descriptor for an epoll or poll
 * loop (every command that runs until stopped takes them this way). */
#ifndef WGAUDIT_SIGFD_H
#define WGAUDIT_SIGFD_H
#include <signal.h>
#include <stdbool.h>

/* Block SIGINT and SIGTERM (and SIGHUP when hup) and return a
 * non-blocking, close-on-exec signalfd that reads them, or -errno with
 * the mask as it was. old: the mask before, to restore (NULL: not kept). */
int sigfd_open(bool hup, sigset_t *old);
#endif
