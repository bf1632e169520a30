// SPDX-License-Identifier: GPL-2.0
/* cins.c - the collector database's inserts on a thread.
 *
 * The loop thread reads, frames, parses and copies each record into a
 * chunk of a few hundred (cstore.c); binding and stepping the multi-row
 * INSERTs of a chunk was about half of the loop's CPU under a flood, and
 * nothing of it needs the loop. So a full chunk is handed to this thread,
 * and the loop fills the other chunk meanwhile: two chunks, one on the
 * thread at most. The connection is the loop's (SQLITE_OPEN_NOMUTEX: one
 * thread at a time): while a job runs only the thread uses it, and the
 * loop waits for the job (cins_wait) before anything else it does with it
 * (a lookup, the commit, stats, retention), so the two never overlap and
 * the mutex orders what each wrote before the other reads it. With
 * cwal.c this is the collector's second exception to "one thread"
 * (docs/ARCHITECTURE.md); the commit stays on the loop, so a record is
 * answered (RELP) only after the commit that holds it, as before.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "collector/cins.h"
#include "base/log.h"
#include "base/thread.h"

struct cins {
	void (*run)(void *ctx, void *job);
	void *ctx;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t go, done;
	/* under mu */
	void *job[CINS_DEPTH];	/* ring: job[n % CINS_DEPTH] is ticket n + 1 */
	uint64_t given, ndone;
	bool stop;
	unsigned long waited;
};

static void *cins_main(void *arg)
{
	struct cins *w = arg;
	void *job;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->ndone == w->given && !w->stop)
			pthread_cond_wait(&w->go, &w->mu);
		if (w->ndone == w->given)
			break;
		job = w->job[w->ndone % CINS_DEPTH];
		pthread_mutex_unlock(&w->mu);
		w->run(w->ctx, job);
		pthread_mutex_lock(&w->mu);
		w->ndone++;
		pthread_cond_signal(&w->done);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int cins_start(void (*run)(void *ctx, void *job), void *ctx, struct cins **out)
{
	struct cins *w;
	int ret;

	*out = NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->run = run;
	w->ctx = ctx;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->go, NULL);
	pthread_cond_init(&w->done, NULL);
	ret = thread_start(&w->th, cins_main, w, "wga-insert");
	if (ret < 0) {
		log_errno(-ret, "collector db: insert thread");
		pthread_cond_destroy(&w->done);
		pthread_cond_destroy(&w->go);
		pthread_mutex_destroy(&w->mu);
		free(w);
		return ret;
	}
	*out = w;
	return 0;
}

uint64_t cins_give(struct cins *w, void *job)
{
	uint64_t t;

	pthread_mutex_lock(&w->mu);
	if (w->given - w->ndone >= CINS_DEPTH)
		w->waited++;
	while (w->given - w->ndone >= CINS_DEPTH)
		pthread_cond_wait(&w->done, &w->mu);
	w->job[w->given % CINS_DEPTH] = job;
	t = ++w->given;
	/* a thread with jobs queued is awake: wake it only for the first */
	if (w->given - w->ndone == 1)
		pthread_cond_signal(&w->go);
	pthread_mutex_unlock(&w->mu);
	return t;
}

void cins_wait(struct cins *w, uint64_t ticket)
{
	pthread_mutex_lock(&w->mu);
	if (w->ndone < ticket)
		w->waited++;
	while (w->ndone < ticket)
		pthread_cond_wait(&w->done, &w->mu);
	pthread_mutex_unlock(&w->mu);
}

void cins_counts(struct cins *w, uint64_t *given, unsigned long *waited)
{
	pthread_mutex_lock(&w->mu);
	*given = w->given;
	*waited = w->waited;
	pthread_mutex_unlock(&w->mu);
}

void cins_stop(struct cins *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->go);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->th, NULL);	/* after the jobs on it, if any */
	pthread_cond_destroy(&w->done);
	pthread_cond_destroy(&w->go);
	pthread_mutex_destroy(&w->mu);
	free(w);
}
