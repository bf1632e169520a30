// SPDX-License-Identifier: GPL-2.0
/* cins.h - the collector database's inserts, on a thread of their own, so
 * the loop reads and parses the next records while the last are inserted. */
#ifndef WGAUDIT_CINS_H
#define WGAUDIT_CINS_H
#include <stdint.h>

#define CINS_DEPTH	4	/* jobs given and not yet done, at most */

struct cins;

/* A thread that runs run(ctx, job) for each job given, in the order given,
 * one at a time. 0 or -errno (logged). */
int cins_start(void (*run)(void *ctx, void *job), void *ctx, struct cins **out);
/* Hands job to the thread, after waiting while CINS_DEPTH are not yet
 * done. Its ticket: the number of jobs given so far, this one included. */
uint64_t cins_give(struct cins *w, void *job);
/* Until the job of ticket (and every one before it) is done; at once if
 * it is. After it the caller may use what those jobs used. */
void cins_wait(struct cins *w, uint64_t ticket);
/* The jobs given, and how many times the loop waited for one (a full
 * queue, or a ticket not yet done). */
void cins_counts(struct cins *w, uint64_t *given, unsigned long *waited);
/* Waits for the jobs on the thread, stops and joins it; NULL-safe. */
void cins_stop(struct cins *w);
#endif
