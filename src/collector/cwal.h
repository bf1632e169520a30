// SPDX-License-Identifier: GPL-2.0
/* cwal.h - the collector database's WAL syncs and checkpoints, on a
 * thread of their own so the writer does not copy the WAL back and wait
 * for its syncs. */
#ifndef WGAUDIT_CWAL_H
#define WGAUDIT_CWAL_H
#include <stdint.h>
#include <sqlite3.h>

struct cwal;

/* What the thread and the writer keep the WAL within, in bytes. */
struct cwal_bounds {
	long sync;	/* the thread's round: every sync bytes written */
	long copy;	/* from this WAL length on, a round copies back too */
	long unsynced;	/* committed, not synced: past it the writer checkpoints */
	long wal;	/* the WAL's length: past it the writer checkpoints (restart) */
	int flood_ms;	/* a round within this of the last one only syncs, below copy */
};

/* Takes checkpointing of db (the writer connection, used on the calling
 * thread only) over from SQLite's auto-checkpoint. A thread of its own
 * runs a round every b->sync bytes of WAL written. A round that comes
 * within b->flood_ms of the last one, while the WAL is shorter than
 * b->copy, only syncs the WAL file (fdatasync: what is committed is then
 * on disk); any other round, and a kick, checkpoints (a second
 * connection to path, PASSIVE: the WAL copied back into the file, both
 * synced). The writer itself checkpoints, after a commit, once more than
 * b->unsynced bytes are committed but not yet synced, or once the WAL is
 * longer than b->wal (so it restarts). 0 or -errno. */
int cwal_start(sqlite3 *db, const char *path, int page_size, const struct cwal_bounds *b,
	       struct cwal **out);
/* Records stopped coming: a checkpoint for what is committed and not yet
 * synced, however little (the thread's, soon), so an idle collector's
 * records are synced and its WAL can restart. */
void cwal_kick(struct cwal *w);
/* The thread's rounds so far (of them, syncs without a copy) and the
 * writer's checkpoints, and the bytes committed since the last round that
 * synced them began. */
void cwal_counts(struct cwal *w, unsigned long *rounds, unsigned long *syncs,
		 unsigned long *writer_rounds, uint64_t *unsynced);
/* Stops and joins the thread, closes its connection; NULL-safe. Before
 * the writer is closed. */
void cwal_stop(struct cwal *w);
#endif
