// SPDX-License-Identifier: GPL-2.0
/* test_cstore.c - the collector database: one row per event_id whatever
 * the transport (a repeat is counted, not stored), records without an id
 * stored as they come, and a schema-2 file (before event_id) upgraded in
 * place with its rows kept, to the current schema (no peer index);
 * batches of any size through the multi-row INSERT; a batch whose insert
 * fails rolled back whole. */
#include <errno.h>
#include <sqlite3.h>
#include "test.h"
#include "collector/cstore.h"
#include "collector/syslogparse.h"
#include "base/util.h"

/* The schema a version-2 collector created (git show ee7b743). */
static const char v2_schema[] =
	"CREATE TABLE IF NOT EXISTS msg ("
	" id INTEGER PRIMARY KEY,"
	" recv_us INTEGER NOT NULL,"
	" time_us INTEGER,"
	" src TEXT NOT NULL,"
	" proto TEXT NOT NULL,"
	" facility INTEGER NOT NULL,"
	" severity INTEGER NOT NULL,"
	" host TEXT NOT NULL,"
	" app TEXT,"
	" procid TEXT,"
	" msgid TEXT,"
	" sd TEXT,"
	" msg TEXT NOT NULL,"
	" type TEXT,"
	" iface TEXT,"
	" peer TEXT,"
	" flags INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX IF NOT EXISTS msg_type ON msg(type) WHERE type IS NOT NULL;"
	"CREATE INDEX IF NOT EXISTS msg_peer ON msg(peer) WHERE peer IS NOT NULL;"
	"CREATE TABLE IF NOT EXISTS source ("
	" host TEXT PRIMARY KEY, last_us INTEGER NOT NULL,"
	" count INTEGER NOT NULL, last_src TEXT);"
	"CREATE TABLE IF NOT EXISTS stats ("
	" id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER, started_us INTEGER,"
	" heartbeat_us INTEGER, listeners TEXT, received INTEGER, stored INTEGER,"
	" rejected INTEGER, oversize INTEGER, malformed INTEGER,"
	" framing_errors INTEGER, conns_accepted INTEGER, conns_refused INTEGER,"
	" conns_timed_out INTEGER, retention_deleted INTEGER, tls_failed INTEGER);";

static int add(struct cstore *s, const char *rec, const char *event_id)
{
	struct syslog_msg m;
	struct crec r = { .recv_us = 1, .src = "127.0.0.1", .proto = "relp",
			  .m = &m, .event_id = event_id };

	syslog_parse(rec, strlen(rec), 0, &m);
	return cstore_add(s, &r);
}

static int64_t rows(struct cstore *s)
{
	int64_t n, b;

	cstore_size(s, &n, &b);
	return n;
}

static int64_t sql_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return v;
}

static void tmpdb(char *dir, size_t dl, char *path, size_t pl)
{
	snprintf(dir, dl, "/tmp/wgaudit-test-cstore-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(path, pl, "%s/c.db", dir);
}

static void rmdir_rf(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

static void counts(struct cstore *s, uint64_t want_stored, uint64_t want_dups,
		   uint64_t want_lost, int line)
{
	uint64_t st, d, l;

	cstore_take_counts(s, &st, &d, &l);
	if (st != want_stored || d != want_dups || l != want_lost) {
		test_fail("line %d: stored %" PRIu64 " dups %" PRIu64 " lost %" PRIu64
			  ", want %" PRIu64 " %" PRIu64 " %" PRIu64, line, st, d, l,
			  want_stored, want_dups, want_lost);
	}
}

TEST(event_id_stored_once)
{
	char dir[64], path[96];
	struct cstore *s;

	tmpdb(dir, sizeof(dir), path, sizeof(path));
	CHECK_INT(cstore_open(path, false, &s), 0);
	CHECK_INT(add(s, "<14>1 - h app - - - one", "ab12-1"), 0);
	CHECK_INT(add(s, "<14>1 - h app - - - one again", "ab12-1"), 0);
	CHECK_INT(add(s, "<14>1 - h app - - - two", "ab12-2"), 0);
	CHECK_INT(add(s, "<14>1 - h other - - - x", NULL), 0);
	CHECK_INT(add(s, "<14>1 - h other - - - x", NULL), 0);
	CHECK_INT(cstore_pending(s), 5);
	counts(s, 0, 0, 0, __LINE__);	/* nothing ended yet */
	CHECK_INT(cstore_commit(s), 0);
	counts(s, 4, 1, 0, __LINE__);
	/* after the commit too, and in a new batch */
	CHECK_INT(add(s, "<14>1 - h app - - - one, later", "ab12-1"), 0);
	CHECK_INT(cstore_commit(s), 0);
	counts(s, 0, 1, 0, __LINE__);
	CHECK_INT(rows(s), 4);
	cstore_free(s);
	rmdir_rf(dir);
}

/* Batches of every size around the multi-row INSERT's (16 rows), with
 * repeats inside one statement, across statements and across batches:
 * each record stored once, in the order taken, every column as given. */
TEST(batches_any_size)
{
	static const unsigned sizes[] = { 1, 15, 16, 17, 31, 32, 33, 100 };
	char dir[64], path[96], rec[128], id[32];
	uint64_t want = 0, dups = 0;
	unsigned seq = 0;
	struct cstore *s;
	sqlite3 *db;
	sqlite3_stmt *q;

	tmpdb(dir, sizeof(dir), path, sizeof(path));
	CHECK_INT(cstore_open(path, false, &s), 0);
	for (size_t b = 0; b < ARRAY_SIZE(sizes); b++) {
		for (unsigned i = 0; i < sizes[b]; i++) {
			/* every 7th repeats the record 3 before it (maybe in
			 * an earlier batch) */
			bool rep = i % 7 == 6 && seq >= 3;
			unsigned n = rep ? seq - 3 : seq;

			snprintf(rec, sizeof(rec), "<%u>1 2026-12-01T00:00:00.%06uZ h%u app - T%u"
				 " [x@1 k=\"v%u\"] msg %u", 8 + n % 100, n, n % 3, n, n, n);
			snprintf(id, sizeof(id), "ab-%u", n);
			CHECK_INT(add(s, rec, id), 0);
			if (rep) {
				dups++;
			} else {
				want++;
				seq++;
			}
		}
		CHECK_INT(cstore_commit(s), 0);
	}
	counts(s, want, dups, 0, __LINE__);
	CHECK_INT(rows(s), (int64_t)want);
	cstore_free(s);
	/* row k is record k, every column where it belongs */
	CHECK_INT(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	CHECK_INT(sqlite3_prepare_v2(db, "SELECT id, facility, severity, host, msgid, sd, msg,"
				     " event_id, time_us % 1000000, proto, src FROM msg ORDER BY id",
				     -1, &q, NULL), SQLITE_OK);
	for (unsigned k = 0; sqlite3_step(q) == SQLITE_ROW; k++) {
		char v[64];

		CHECK_INT(sqlite3_column_int64(q, 0), (int64_t)k + 1);
		CHECK_INT(sqlite3_column_int(q, 1) * 8 + sqlite3_column_int(q, 2), 8 + k % 100);
		snprintf(v, sizeof(v), "h%u", k % 3);
		CHECK_STR((const char *)sqlite3_column_text(q, 3), v);
		snprintf(v, sizeof(v), "T%u", k);
		CHECK_STR((const char *)sqlite3_column_text(q, 4), v);
		snprintf(v, sizeof(v), "[x@1 k=\"v%u\"]", k);
		CHECK_STR((const char *)sqlite3_column_text(q, 5), v);
		snprintf(v, sizeof(v), "msg %u", k);
		CHECK_STR((const char *)sqlite3_column_text(q, 6), v);
		snprintf(v, sizeof(v), "ab-%u", k);
		CHECK_STR((const char *)sqlite3_column_text(q, 7), v);
		CHECK_INT(sqlite3_column_int(q, 8), k);
		CHECK_STR((const char *)sqlite3_column_text(q, 9), "relp");
		CHECK_STR((const char *)sqlite3_column_text(q, 10), "127.0.0.1");
	}
	sqlite3_finalize(q);
	sqlite3_close(db);
	rmdir_rf(dir);
}

/* A batch whose insert fails is rolled back whole and said to be lost,
 * and the next batch works: a RELP record is never answered unless it is
 * in the file. (The failure: the table made read-only by a trigger.) */
TEST(failed_batch_rolled_back)
{
	char dir[64], path[96], rec[64];
	struct cstore *s;
	sqlite3 *db;

	tmpdb(dir, sizeof(dir), path, sizeof(path));
	CHECK_INT(cstore_open(path, false, &s), 0);
	CHECK_INT(add(s, "<14>1 - h app - - - before", "cd-1"), 0);
	CHECK_INT(cstore_commit(s), 0);
	counts(s, 1, 0, 0, __LINE__);
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, "CREATE TRIGGER no BEFORE INSERT ON msg"
			       " WHEN NEW.msg = 'poison' BEGIN SELECT RAISE(ABORT, 'no'); END;",
			       NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	cstore_free(s);
	CHECK_INT(cstore_open(path, false, &s), 0);
	/* 20 good records, one bad among them: the 16-row insert fails */
	for (unsigned i = 0; i < 20; i++) {
		snprintf(rec, sizeof(rec), "<14>1 - h app - - - %s", i == 5 ? "poison" : "good");
		if (i < 15)
			CHECK_INT(add(s, rec, NULL), 0);
		else
			CHECK(add(s, rec, NULL) < 0);	/* the batch is lost */
	}
	CHECK_INT(cstore_commit(s), -EIO);
	counts(s, 0, 0, 15, __LINE__);
	CHECK_INT(rows(s), 1);
	/* the one-row path fails the batch the same way */
	CHECK_INT(add(s, "<14>1 - h app - - - good", NULL), 0);
	CHECK_INT(add(s, "<14>1 - h app - - - poison", NULL), 0);
	CHECK_INT(cstore_commit(s), -EIO);
	counts(s, 0, 0, 2, __LINE__);
	CHECK_INT(add(s, "<14>1 - h app - - - after", "cd-2"), 0);
	CHECK_INT(cstore_commit(s), 0);
	counts(s, 1, 0, 0, __LINE__);
	CHECK_INT(rows(s), 2);
	cstore_free(s);
	rmdir_rf(dir);
}

TEST(schema_2_upgraded_in_place)
{
	char dir[64], path[96];
	struct cstore *s;
	struct cstats st;
	sqlite3 *db;

	tmpdb(dir, sizeof(dir), path, sizeof(path));
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, v2_schema, NULL, NULL, NULL), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, "INSERT INTO msg (recv_us, src, proto, facility, severity,"
			       " host, msg) VALUES (1, 'x', 'tcp', 1, 6, 'h', 'old');"
			       "INSERT INTO stats (id, pid, received) VALUES (1, 0, 7);"
			       "PRAGMA user_version = 2;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	/* the read-only CLI reads it as it is */
	CHECK_INT(cstore_open(path, true, &s), 0);
	CHECK_INT(cstore_get_stats(s, &st), 0);
	CHECK_INT(st.received, 7);
	CHECK_INT(st.duplicates, 0);
	cstore_free(s);
	CHECK_INT(cstore_open(path, false, &s), 0);
	CHECK_INT(rows(s), 1);
	CHECK_INT(add(s, "<14>1 - h app - - - new", "cd34-9"), 0);
	CHECK_INT(add(s, "<14>1 - h app - - - new", "cd34-9"), 0);
	st.duplicates = 3;
	CHECK_INT(cstore_put_stats(s, &st), 0);
	CHECK_INT(cstore_commit(s), 0);
	CHECK_INT(rows(s), 2);
	memset(&st, 0, sizeof(st));
	CHECK_INT(cstore_get_stats(s, &st), 0);
	CHECK_INT(st.duplicates, 3);
	cstore_free(s);
	/* 2 -> 3 -> 4: event_id's unique index added, peer's dropped */
	CHECK_INT(sql_int(path, "PRAGMA user_version"), 4);
	CHECK_INT(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'msg_peer'"), 0);
	CHECK_INT(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'msg_event_id'"), 1);
	CHECK_INT(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'msg_type'"), 1);
	rmdir_rf(dir);
}
TEST_MAIN()
