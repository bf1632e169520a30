// SPDX-License-Identifier: GPL-2.0
/* cwal.h - the collector database's WAL checkpoints, on a thread of their
 * own so the loop does not copy the WAL back and wait for its syncs. */
#ifndef WGAUDIT_CWAL_H
#define WGAUDIT_CWAL_H
#include <stdint.h>
#include <sqlite3.h>

struct cwal;

/* Takes checkpointing of db (the writer connection, used on the calling
 * thread only) over from SQLite's auto-checkpoint: a second connection
 * to path, on a thread, checkpoints every ckpt_bytes of WAL written;
 * the writer itself checkpoints, after a commit, once more than
 * unsynced_bytes are committed but not yet synced by a checkpoint, or
 * once the WAL is longer than wal_bytes (so it restarts). 0 or -errno. */
int cwal_start(sqlite3 *db, const char *path, int page_size, long ckpt_bytes,
	       long unsynced_bytes, long wal_bytes, struct cwal **out);
/* Records stopped coming: a checkpoint for what is committed and not yet
 * synced, however little (the thread's, soon), so an idle collector's
 * records are synced and its WAL can restart. */
void cwal_kick(struct cwal *w);
/* Checkpoints so far by the thread and by the writer, and the bytes
 * committed since the last checkpoint that synced them began. */
void cwal_counts(struct cwal *w, unsigned long *rounds, unsigned long *writer_rounds,
		 uint64_t *unsynced);
/* Stops and joins the thread, closes its connection; NULL-safe. Before
 * the writer is closed. */
void cwal_stop(struct cwal *w);
#endif
