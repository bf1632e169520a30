// SPDX-License-Identifier: GPL-2.0
/* test_cwal.c - the collector's checkpoints on a thread: the thread
 * checkpoints while the writer commits, the WAL still restarts (its file
 * stays within its bound plus one transaction), what is committed but
 * not synced stays within its bound, a kick (records stopped) syncs what
 * is left, and every row is in the file after the writer closes. */
#include <sqlite3.h>
#include <sys/stat.h>
#include <time.h>
#include "test.h"
#include "collector/cwal.h"

#define PAGE		4096
#define CKPT		(64 * 1024)
#define UNSYNCED	(256 * 1024)
#define WALMAX		(512 * 1024)
#define TXNS		300
#define ROWS		5
#define ROWBYTES	4000

static long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? 0 : (long)st.st_size;
}

TEST(checkpoints_on_a_thread_within_bounds)
{
	char dir[] = "/tmp/wgaudit-test-cwal-XXXXXX", path[96], wal[100], cmd[128];
	long txn_max = (ROWS * ROWBYTES / PAGE + 4) * (PAGE + 24), wal_max = 0;
	unsigned long rounds = 0, writer_rounds = 0;
	uint64_t unsynced, unsynced_max = 0;
	struct cwal *w;
	sqlite3_stmt *ins, *q;
	sqlite3 *db;

	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/c.db", dir);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL;"
			       " PRAGMA synchronous = NORMAL; CREATE TABLE t (x BLOB);",
			       NULL, NULL, NULL), SQLITE_OK);
	CHECK_INT(cwal_start(db, path, PAGE, CKPT, UNSYNCED, WALMAX, &w), 0);
	CHECK_INT(sqlite3_prepare_v2(db, "INSERT INTO t VALUES (randomblob(?1))", -1, &ins, NULL),
		  SQLITE_OK);
	for (int t = 0; t < TXNS; t++) {
		CHECK_INT(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
		for (int r = 0; r < ROWS; r++) {
			sqlite3_bind_int(ins, 1, ROWBYTES);
			CHECK_INT(sqlite3_step(ins), SQLITE_DONE);
			sqlite3_reset(ins);
		}
		CHECK_INT(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
		if (file_size(wal) > wal_max)
			wal_max = file_size(wal);
		cwal_counts(w, &rounds, &writer_rounds, &unsynced);
		if (unsynced > unsynced_max)
			unsynced_max = unsynced;
	}
	sqlite3_finalize(ins);
	/* the thread is woken past CKPT: wait for its first round to end */
	for (int i = 0; i < 500 && rounds == 0; i++) {
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
		cwal_counts(w, &rounds, &writer_rounds, &unsynced);
	}
	CHECK(rounds > 0);
	/* 300 * ~20 KiB through a 512 KiB WAL: the writer restarted it */
	CHECK(writer_rounds > 0);
	/* + the transaction that crossed it, and another when the thread's
	 * round held the WAL at the next one's start (no restart then) */
	if (wal_max > WALMAX + 2 * txn_max)
		test_fail("WAL file grew to %ld, bound %ld + 2 * %ld", wal_max, (long)WALMAX,
			  txn_max);
	if (unsynced_max > (uint64_t)(UNSYNCED + txn_max))
		test_fail("unsynced reached %llu, bound %ld + %ld",
			  (unsigned long long)unsynced_max, (long)UNSYNCED, txn_max);
	/* Records stop: a kick syncs what is left, twice; the second time a
	 * page or two, far below a round's worth (which alone would wait) */
	for (int k = 0; k < 2; k++) {
		if (k) {
			CHECK_INT(sqlite3_exec(db, "INSERT INTO t VALUES (randomblob(100))",
					       NULL, NULL, NULL), SQLITE_OK);
			cwal_counts(w, &rounds, &writer_rounds, &unsynced);
			CHECK(unsynced > 0 && unsynced < CKPT);
		}
		cwal_kick(w);
		cwal_counts(w, &rounds, &writer_rounds, &unsynced);
		for (int i = 0; i < 500 && unsynced > 0; i++) {
			nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
			cwal_counts(w, &rounds, &writer_rounds, &unsynced);
		}
		CHECK_INT(unsynced, 0);
	}
	cwal_stop(w);
	sqlite3_close(db);
	/* every row in the file, the WAL gone with the last connection */
	CHECK_INT(file_size(wal), 0);
	CHECK_INT(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	CHECK_INT(sqlite3_prepare_v2(db, "SELECT count(*), sum(length(x)) FROM t", -1, &q, NULL),
		  SQLITE_OK);
	CHECK_INT(sqlite3_step(q), SQLITE_ROW);
	CHECK_INT(sqlite3_column_int64(q, 0), TXNS * ROWS + 1);
	CHECK_INT(sqlite3_column_int64(q, 1), (int64_t)TXNS * ROWS * ROWBYTES + 100);
	sqlite3_finalize(q);
	sqlite3_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

TEST_MAIN()
