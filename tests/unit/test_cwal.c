// SPDX-License-Identifier: GPL-2.0
/* test_cwal.c - the collector's WAL thread: it checkpoints while the
 * writer commits, the WAL still restarts (its file stays within its bound
 * plus one transaction), what is committed but not synced stays within
 * its bound, a kick (records stopped) syncs what is left, and every row
 * is in the file after the writer closes; in a flood its rounds only sync
 * the WAL, without copying it back, until the WAL is long or a kick; a
 * failed sync is not counted as one. */
#include <sqlite3.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
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

/* A database in WAL mode at dir/c.db, its WAL's path in wal. */
static sqlite3 *open_db(char *dir, char *path, size_t psize, char *wal, size_t wsize)
{
	sqlite3 *db;

	if (!mkdtemp(dir))
		abort();
	snprintf(path, psize, "%s/c.db", dir);
	snprintf(wal, wsize, "%s-wal", path);
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL;"
			       " PRAGMA synchronous = NORMAL; CREATE TABLE t (x BLOB);",
			       NULL, NULL, NULL), SQLITE_OK);
	return db;
}

/* n transactions of ROWS rows of ROWBYTES */
static void write_txns(sqlite3 *db, int n)
{
	sqlite3_stmt *ins;

	CHECK_INT(sqlite3_prepare_v2(db, "INSERT INTO t VALUES (randomblob(?1))", -1, &ins, NULL),
		  SQLITE_OK);
	for (int t = 0; t < n; t++) {
		CHECK_INT(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
		for (int r = 0; r < ROWS; r++) {
			sqlite3_bind_int(ins, 1, ROWBYTES);
			CHECK_INT(sqlite3_step(ins), SQLITE_DONE);
			sqlite3_reset(ins);
		}
		CHECK_INT(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	}
	sqlite3_finalize(ins);
}

static void sleep_ms(long ms)
{
	nanosleep(&(struct timespec){ .tv_nsec = ms * 1000 * 1000 }, NULL);
}

/* The rows in the file at path, the writer closed; -1 on error. */
static int64_t rows_in(const char *path)
{
	sqlite3_stmt *q = NULL;
	int64_t n = -1;
	sqlite3 *db;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return n;
}

static void remove_dir(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

TEST(checkpoints_on_a_thread_within_bounds)
{
	/* every round copies: none is in a flood (0 ms) */
	static const struct cwal_bounds b = {
		.sync = CKPT, .copy = 0, .unsynced = UNSYNCED, .wal = WALMAX, .flood_ms = 0,
	};
	char dir[] = "/tmp/wgaudit-test-cwal-XXXXXX", path[96], wal[100];
	long txn_max = (ROWS * ROWBYTES / PAGE + 4) * (PAGE + 24), wal_max = 0;
	unsigned long rounds = 0, syncs = 0, writer_rounds = 0;
	uint64_t unsynced, unsynced_max = 0;
	struct cwal *w;
	sqlite3_stmt *q;
	sqlite3 *db;

	db = open_db(dir, path, sizeof(path), wal, sizeof(wal));
	CHECK_INT(cwal_start(db, path, PAGE, &b, &w), 0);
	for (int t = 0; t < TXNS; t++) {
		write_txns(db, 1);
		if (file_size(wal) > wal_max)
			wal_max = file_size(wal);
		cwal_counts(w, &rounds, &syncs, &writer_rounds, &unsynced);
		if (unsynced > unsynced_max)
			unsynced_max = unsynced;
	}
	/* the thread is woken past CKPT: wait for its first round to end */
	for (int i = 0; i < 500 && rounds == 0; i++) {
		sleep_ms(10);
		cwal_counts(w, &rounds, &syncs, &writer_rounds, &unsynced);
	}
	CHECK(rounds > 0);
	CHECK_INT(syncs, 0);
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
			cwal_counts(w, &rounds, &syncs, &writer_rounds, &unsynced);
			CHECK(unsynced > 0 && unsynced < CKPT);
		}
		cwal_kick(w);
		cwal_counts(w, &rounds, &syncs, &writer_rounds, &unsynced);
		for (int i = 0; i < 500 && unsynced > 0; i++) {
			sleep_ms(10);
			cwal_counts(w, &rounds, &syncs, &writer_rounds, &unsynced);
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
	remove_dir(dir);
}

/* Waits until the thread has synced all but less than a round's worth
 * (its last round ended); false after 5 s. */
static bool caught_up(struct cwal *w, unsigned long *rounds, unsigned long *syncs,
		      unsigned long *writer_rounds, uint64_t *unsynced)
{
	for (int i = 0; i < 500; i++) {
		cwal_counts(w, rounds, syncs, writer_rounds, unsynced);
		if (*unsynced < CKPT + PAGE)
			return true;
		sleep_ms(10);
	}
	return false;
}

TEST(flood_rounds_sync_and_copy_once_the_wal_is_long)
{
	/* every round within 10 minutes of the last is in a flood; the
	 * writer's bounds out of reach, so only the thread syncs and copies */
	static const struct cwal_bounds b = {
		.sync = CKPT, .copy = 1024 * 1024, .unsynced = 64 * 1024 * 1024,
		.wal = 64 * 1024 * 1024, .flood_ms = 600000,
	};
	char dir[] = "/tmp/wgaudit-test-cwal-XXXXXX", path[96], wal[100];
	unsigned long rounds, syncs, writer_rounds;
	long db0, db1;
	uint64_t unsynced;
	struct cwal *w;
	sqlite3 *db;

	db = open_db(dir, path, sizeof(path), wal, sizeof(wal));
	db0 = file_size(path);
	CHECK_INT(cwal_start(db, path, PAGE, &b, &w), 0);
	/* ~500 KiB: a WAL shorter than b.copy; each round syncs it, none
	 * copies it back (the file keeps its size) */
	write_txns(db, 25);
	CHECK(caught_up(w, &rounds, &syncs, &writer_rounds, &unsynced));
	CHECK(syncs > 0);
	CHECK_INT(rounds, syncs);
	CHECK_INT(writer_rounds, 0);
	CHECK_INT(file_size(path), db0);
	CHECK(file_size(wal) > 25 * ROWS * ROWBYTES);
	/* records stop: a kick copies the WAL back, though all of it is
	 * synced (nothing new since the last round) */
	cwal_kick(w);
	for (int i = 0; i < 500 && rounds == syncs; i++) {
		sleep_ms(10);
		cwal_counts(w, &rounds, &syncs, &writer_rounds, &unsynced);
	}
	CHECK_INT(rounds, syncs + 1);
	CHECK(file_size(path) > 25 * ROWS * ROWBYTES);
	/* ~5 MiB more (the WAL restarts, all of it copied): past b.copy the
	 * rounds copy back, still a flood */
	db1 = file_size(path);
	write_txns(db, 250);
	CHECK(caught_up(w, &rounds, &syncs, &writer_rounds, &unsynced));
	CHECK(rounds > syncs + 1);
	CHECK_INT(writer_rounds, 0);
	/* ~5 MiB copied back but what came after a restart (a copy that
	 * caught up while the writer was descheduled), under b.copy */
	CHECK(file_size(path) > db1 + 2 * 1024 * 1024);
	/* and again: a kick copies and syncs what is left, however little */
	write_txns(db, 1);
	cwal_counts(w, &rounds, &syncs, &writer_rounds, &unsynced);
	CHECK(unsynced > 0);
	cwal_kick(w);
	for (int i = 0; i < 500 && unsynced > 0; i++) {
		sleep_ms(10);
		cwal_counts(w, &rounds, &syncs, &writer_rounds, &unsynced);
	}
	CHECK_INT(unsynced, 0);
	CHECK(file_size(path) >= (long)276 * ROWS * ROWBYTES);
	cwal_stop(w);
	sqlite3_close(db);
	CHECK_INT(rows_in(path), 276 * ROWS);
	remove_dir(dir);
}

/* A WAL sync that fails (here: the WAL's path is a symlink, which the
 * thread does not follow) is logged and not counted as synced: what is
 * unsynced stays all that was written, and the writer's bound is left to
 * take over; once the path is back, the next round syncs. */
TEST(failed_wal_sync_is_not_counted_as_synced)
{
	static const struct cwal_bounds b = {
		.sync = CKPT, .copy = 64 * 1024 * 1024, .unsynced = 64 * 1024 * 1024,
		.wal = 64 * 1024 * 1024, .flood_ms = 600000,
	};
	char dir[] = "/tmp/wgaudit-test-cwal-XXXXXX", path[96], wal[100], moved[110];
	unsigned long rounds = 0, syncs = 0, writer_rounds = 0;
	long frames0, frames;
	uint64_t unsynced = 0;
	struct cwal *w;
	sqlite3 *db;

	db = open_db(dir, path, sizeof(path), wal, sizeof(wal));
	snprintf(moved, sizeof(moved), "%s.moved", wal);
	frames0 = (file_size(wal) - 32) / (PAGE + 24);
	CHECK_INT(cwal_start(db, path, PAGE, &b, &w), 0);
	/* SQLite writes on through its descriptor; the path is a link */
	CHECK_INT(rename(wal, moved), 0);
	CHECK_INT(symlink(moved, wal), 0);
	write_txns(db, 25);
	for (int i = 0; i < 500 && syncs == 0; i++) {
		sleep_ms(10);
		cwal_counts(w, &rounds, &syncs, &writer_rounds, &unsynced);
	}
	CHECK(syncs > 0);
	CHECK_INT(rounds, syncs);
	CHECK_INT(writer_rounds, 0);
	/* every frame written since the start is unsynced (a round that
	 * synced would have counted at least CKPT of them) */
	frames = (file_size(wal) - 32) / (PAGE + 24) - frames0;
	if (unsynced + 8 * PAGE <= (uint64_t)frames * PAGE)
		test_fail("unsynced %llu of %ld frames written", (unsigned long long)unsynced,
			  frames);
	CHECK_INT(unlink(wal), 0);
	CHECK_INT(rename(moved, wal), 0);
	write_txns(db, 25);
	CHECK(caught_up(w, &rounds, &syncs, &writer_rounds, &unsynced));
	cwal_stop(w);
	sqlite3_close(db);
	CHECK_INT(rows_in(path), 50 * ROWS);
	remove_dir(dir);
}

TEST_MAIN()
