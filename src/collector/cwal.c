// SPDX-License-Identifier: GPL-2.0
/* cwal.c - the collector database's WAL syncs and checkpoints on a thread.
 *
 * synchronous=NORMAL syncs nothing at a commit: what is committed reaches
 * the disk when the WAL file is synced. A checkpoint syncs it, copies the
 * WAL back into the database file and syncs that. On the loop it was a
 * sixth of the collector's CPU under a flood and its two fdatasyncs held
 * the loop ~0.25 s per 200,000 records (bench/collector.sh). Here the
 * writer only commits, and a thread of its own runs a round every ~4 MB
 * of WAL written. A round in a flood (the last ~4 MB came within
 * flood_us) only syncs the WAL file, while the WAL is shorter than
 * copy_frames: the copy back is most of a checkpoint's cost (each page
 * written a second time, into pages the file has not had yet) and it
 * waits for the flood to pass, or for the WAL to grow long. Any other
 * round, and a kick (records stopped), checkpoints, on a second
 * connection: PASSIVE, which never takes the write lock, so the writer
 * goes on inserting while the thread copies and syncs (a checkpoint that
 * a snapshot kept from copying all back syncs the WAL itself). Besides
 * the insert thread (cins.c), this is the one thread of the collector
 * beside the loop (docs/ARCHITECTURE.md): it touches only its own
 * connection, the WAL file's descriptor it opens to sync it, and the few
 * counters below, under one mutex.
 *
 * Two things a PASSIVE checkpoint beside a busy writer cannot do, which
 * the writer then does itself after a commit, as SQLite's auto-checkpoint
 * did after every ~4 MB (the thread's round, if one runs, is waited for):
 *  - restart the WAL: SQLite restarts it at a write transaction's start
 *    only if every frame was copied back, which a thread copying while
 *    the writer appends rarely sees; so a WAL longer than wal_bytes is
 *    checkpointed by the writer, between its transactions;
 *  - bound what a power cut can take: frames committed since the start of
 *    the last round that synced them; past unsynced_bytes (a thread that
 *    falls behind: a slow disk) the writer checkpoints before it goes on.
 * Frames are counted from the writer's own count of pages it wrote
 * (SQLITE_DBSTATUS_CACHE_WRITE), which a WAL restart does not reset.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector/cwal.h"
#include "base/log.h"
#include "base/thread.h"
#include "base/util.h"

struct cwal {
	sqlite3 *wdb;		/* the writer's (loop thread) */
	sqlite3 *db;		/* the thread's */
	pthread_t th;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t wake, idle;
	/* under mu */
	uint64_t written;	/* frames the writer wrote, in all */
	uint64_t mark;		/* written when the last round began */
	uint64_t synced;	/* frames known synced (written at a completed round's start) */
	uint64_t copied;	/* frames known copied back (the same, of a checkpoint) */
	uint64_t wal_len;	/* the WAL's length in frames at the last commit */
	int64_t round_us;	/* when the last round began (monotonic) */
	bool busy;		/* the thread is in a round */
	bool writer;		/* the writer is: the thread does not start */
	bool stop;
	bool kicked;		/* a round wanted however little is new */
	bool failing;		/* the thread's last round failed */
	bool err_new;		/* err not logged yet: once, until a round succeeds */
	char err[192];
	unsigned long rounds, syncs, writer_rounds;
	/* set once */
	uint64_t sync_frames, copy_frames, unsynced_frames, wal_frames;
	int64_t flood_us;
	int page_size;
	/* the writer's */
	bool warned;
	char wal_path[];	/* the WAL file, which the thread syncs */
};

/* One PASSIVE checkpoint on db; true if every frame of the WAL is in the
 * database file and synced. */
static bool checkpoint(sqlite3 *db, int *rc)
{
	int log = -1, done = -1;

	*rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
	/* done < log: a reader's snapshot held frames back, unsynced maybe */
	return *rc == SQLITE_OK && log == done;
}

/* The WAL file synced: every frame written before the call is on disk.
 * Opened each time (a round is every ~4 MB): SQLite may truncate the
 * file but keeps it while a connection (the thread's) is open. 0 or
 * errno. */
static int sync_wal(const struct cwal *w)
{
	int fd = open(w->wal_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), err = 0;

	if (fd < 0 || fdatasync(fd) < 0)
		err = errno;
	if (fd >= 0)
		close(fd);
	return err;
}

/* One round on db: a checkpoint if copy, else (and after a checkpoint a
 * snapshot kept from copying every frame back: a reader's, or the
 * writer's) a sync of the WAL. True if what was committed before the
 * call is on disk; *copied if it is all copied back; a failure in err. */
static bool sync_round(const struct cwal *w, sqlite3 *db, bool copy, bool *copied,
		       char *err, size_t errlen)
{
	int rc = SQLITE_OK, e;

	*copied = copy && checkpoint(db, &rc);
	if (copy && rc != SQLITE_OK) {
		snprintf(err, errlen, "checkpoint: %s", sqlite3_errmsg(db));
		return false;
	}
	if (*copied)
		return true;
	if ((e = sync_wal(w)) != 0) {
		snprintf(err, errlen, "%s: sync: %s", w->wal_path, strerror(e));
		return false;
	}
	return true;
}

/* A round that began at mark ended; under mu. */
static void round_done(struct cwal *w, uint64_t mark, bool synced, bool copied)
{
	if (synced && mark > w->synced)
		w->synced = mark;
	if (copied && mark > w->copied)
		w->copied = mark;
}

static void *run(void *arg)
{
	struct cwal *w = arg;
	uint64_t mark;
	int64_t now;
	bool copied, synced, copy;
	char err[sizeof(w->err)];

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->stop && (w->writer || (w->written - w->mark < w->sync_frames &&
						  !(w->kicked && w->written > w->copied))))
			pthread_cond_wait(&w->wake, &w->mu);
		if (w->stop)
			break;
		now = now_monotonic_us();
		copy = w->kicked || w->wal_len >= w->copy_frames || now - w->round_us >= w->flood_us;
		mark = w->mark = w->written;
		w->round_us = now;
		w->kicked = false;
		w->busy = true;
		pthread_mutex_unlock(&w->mu);
		synced = sync_round(w, w->db, copy, &copied, err, sizeof(err));
		pthread_mutex_lock(&w->mu);
		w->busy = false;
		w->rounds++;
		w->syncs += !copy;
		round_done(w, mark, synced, copied);
		if (!synced && !w->failing) {
			memcpy(w->err, err, sizeof(w->err));
			w->err_new = true;
		}
		w->failing = !synced;
		pthread_cond_broadcast(&w->idle);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* SQLite's WAL hook: on the writer's thread, after each commit; nframe
 * is the WAL's length. Its return is the commit's, which has happened
 * already: always SQLITE_OK, failures are logged. */
static int on_commit(void *ctx, sqlite3 *db, const char *name, int nframe)
{
	struct cwal *w = ctx;
	char thread_err[sizeof(w->err)] = "", err[sizeof(w->err)];
	int cur = 0, hi = 0;
	uint64_t mark;
	bool copied, synced;

	sqlite3_db_status(db, SQLITE_DBSTATUS_CACHE_WRITE, &cur, &hi, 1);
	pthread_mutex_lock(&w->mu);
	w->written += (uint64_t)(cur > 0 ? cur : 0);
	w->wal_len = (uint64_t)(nframe > 0 ? nframe : 0);
	if (w->err_new)
		memcpy(thread_err, w->err, sizeof(thread_err));
	w->err_new = false;
	if ((uint64_t)nframe < w->wal_frames && w->written - w->synced < w->unsynced_frames) {
		if (w->written - w->mark >= w->sync_frames)
			pthread_cond_signal(&w->wake);
		pthread_mutex_unlock(&w->mu);
		if (*thread_err)
			log_warnx("collector db: %s", thread_err);
		return SQLITE_OK;
	}
	w->writer = true;
	while (w->busy)
		pthread_cond_wait(&w->idle, &w->mu);
	mark = w->mark = w->written;
	pthread_mutex_unlock(&w->mu);
	synced = sync_round(w, db, true, &copied, err, sizeof(err));
	pthread_mutex_lock(&w->mu);
	w->writer = false;
	w->writer_rounds++;
	round_done(w, mark, synced, copied);
	pthread_mutex_unlock(&w->mu);
	if (*thread_err)
		log_warnx("collector db: %s", thread_err);
	if (!synced && !w->warned)
		log_warnx("collector db: %s", err);
	w->warned = !synced;
	return SQLITE_OK;
}

int cwal_start(sqlite3 *wdb, const char *path, int page_size, const struct cwal_bounds *b,
	       struct cwal **out)
{
	size_t n = strlen(path) + sizeof("-wal");
	struct cwal *w;
	int ret;

	*out = NULL;
	if (page_size <= 0 || b->sync <= 0 || b->flood_ms < 0)
		return -EINVAL;
	w = calloc(1, sizeof(*w) + n);
	if (!w)
		return -ENOMEM;
	snprintf(w->wal_path, n, "%s-wal", path);
	w->wdb = wdb;
	w->page_size = page_size;
	w->sync_frames = (uint64_t)(b->sync / page_size) + 1;
	w->copy_frames = (uint64_t)(b->copy / page_size) + 1;
	w->unsynced_frames = (uint64_t)(b->unsynced / page_size) + 1;
	w->wal_frames = (uint64_t)(b->wal / page_size) + 1;
	w->flood_us = (int64_t)b->flood_ms * 1000;
	w->round_us = now_monotonic_us();
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->wake, NULL);
	pthread_cond_init(&w->idle, NULL);
	if (sqlite3_open_v2(path, &w->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		log_warnx("collector db: %s: checkpoint connection: %s", path,
			  w->db ? sqlite3_errmsg(w->db) : "out of memory");
		ret = -EIO;
		goto out;
	}
	/* A connection finds the file in WAL mode, and opens the WAL, at its
	 * first read: until then its checkpoints do nothing. */
	if (sqlite3_exec(w->db, "SELECT 1 FROM sqlite_master LIMIT 1", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		log_warnx("collector db: %s: checkpoint connection: %s", path,
			  sqlite3_errmsg(w->db));
		ret = -EIO;
		goto out;
	}
	ret = thread_start(&w->th, run, w, "wga-checkpoint");
	if (ret < 0) {
		log_errno(-ret, "collector db: checkpoint thread");
		goto out;
	}
	w->started = true;
	/* replaces the auto-checkpoint's hook */
	sqlite3_wal_hook(wdb, on_commit, w);
	*out = w;
	w = NULL;
out:
	cwal_stop(w);
	return ret;
}

void cwal_kick(struct cwal *w)
{
	pthread_mutex_lock(&w->mu);
	w->kicked = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->mu);
}

void cwal_counts(struct cwal *w, unsigned long *rounds, unsigned long *syncs,
		 unsigned long *writer_rounds, uint64_t *unsynced)
{
	pthread_mutex_lock(&w->mu);
	*rounds = w->rounds;
	*syncs = w->syncs;
	*writer_rounds = w->writer_rounds;
	*unsynced = (w->written - w->synced) * (uint64_t)w->page_size;
	pthread_mutex_unlock(&w->mu);
}

void cwal_stop(struct cwal *w)
{
	if (!w)
		return;
	if (w->started) {
		sqlite3_wal_hook(w->wdb, NULL, NULL);
		pthread_mutex_lock(&w->mu);
		w->stop = true;
		pthread_cond_signal(&w->wake);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->th, NULL);
	}
	sqlite3_close(w->db);
	pthread_cond_destroy(&w->idle);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->mu);
	free(w);
}
