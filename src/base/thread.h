// SPDX-License-Identifier: GPL-2.0
/* thread.h - the process's few threads (docs/ARCHITECTURE.md): each
 * leaves signals to the loop's signalfd and carries a name. */
#ifndef WGAUDIT_THREAD_H
#define WGAUDIT_THREAD_H
#include <pthread.h>

/* fn(arg) on a new thread with every signal blocked, named name (at most
 * 15 bytes: top -H, /proc/PID/task/TID/comm). 0 or -errno. */
int thread_start(pthread_t *th, void *(*fn)(void *), void *arg, const char *name);
#endif
