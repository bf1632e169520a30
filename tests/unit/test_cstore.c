// SPDX-License-Identifier: GPL-2.0
/* test_cstore.c - the collector database: one row per event_id whatever
 * the transport (a repeat is counted, not stored), records without an id
 * stored as they come, and a schema-2 file (before event_id) upgraded in
 * place with its rows kept, to the current schema (no peer index). */
#include <sqlite3.h>
#include "test.h"
#include "collector/cstore.h"
#include "collector/syslogparse.h"

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

TEST(event_id_stored_once)
{
	char dir[64], path[96];
	struct cstore *s;

	tmpdb(dir, sizeof(dir), path, sizeof(path));
	CHECK_INT(cstore_open(path, false, &s), 0);
	CHECK_INT(add(s, "<14>1 - h app - - - one", "ab12-1"), 0);
	CHECK_INT(add(s, "<14>1 - h app - - - one again", "ab12-1"), 1);
	CHECK_INT(add(s, "<14>1 - h app - - - two", "ab12-2"), 0);
	CHECK_INT(add(s, "<14>1 - h other - - - x", NULL), 0);
	CHECK_INT(add(s, "<14>1 - h other - - - x", NULL), 0);
	CHECK_INT(cstore_commit(s), 0);
	/* after the commit too, and in a new batch */
	CHECK_INT(add(s, "<14>1 - h app - - - one, later", "ab12-1"), 1);
	CHECK_INT(cstore_commit(s), 0);
	CHECK_INT(rows(s), 4);
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
	CHECK_INT(add(s, "<14>1 - h app - - - new", "cd34-9"), 1);
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
