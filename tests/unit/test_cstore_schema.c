// SPDX-License-Identifier: GPL-2.0
/* test_cstore_schema.c - the collector database's upgrades in place: a
 * schema-2 file (before event_id) to the current schema with its rows
 * kept (no peer index); a file of schema 5 to 6 (event_id keyed as an
 * integer pair) with every row read back as before and every stored id
 * still a duplicate, its test of a pair the one cstore_add makes. */
#include <sqlite3.h>
#include "test.h"
#include "cstoretest.h"

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
	/* 2 -> ... -> 6: event_id's unique indexes added, peer's dropped */
	CHECK_INT(sql_int(path, "PRAGMA user_version"), 6);
	CHECK_INT(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'msg_eid'"), 1);
	CHECK_INT(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'msg_peer'"), 0);
	CHECK_INT(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'msg_event_id'"), 1);
	CHECK_INT(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'msg_type'"), 1);
	rmdir_rf(dir);
}
static void same_rows(const struct full_rows *a, const struct full_rows *b, int line)
{
	if (a->n != b->n) {
		test_fail("line %d: %zu rows, want %zu", line, b->n, a->n);
		return;
	}
	for (size_t i = 0; i < a->n; i++) {
		const struct full_row *x = &a->row[i], *y = &b->row[i];

		if (x->id != y->id || x->recv_us != y->recv_us || x->time_us != y->time_us ||
		    x->facility != y->facility || x->severity != y->severity ||
		    x->sd_len != y->sd_len || x->msg_len != y->msg_len)
			test_fail("line %d: row %zu: numbers or lengths differ", line, i);
		for (size_t k = 0; k < ARRAY_SIZE(x->f); k++)
			check_opt(y->f[k], x->f[k], line * 100 + (int)i);
	}
}

#define I5 "5d0c4c7e0f3a4b1e9d2c8a7b6e5f4a3b"

/* A file as a schema-5 collector wrote it (tests/data/collector-output/
 * schema5.sql) at path in a new dir, left open for more rows; NULL (and no
 * dir) if the fixture cannot be read. */
static sqlite3 *schema5_db(char *dir, size_t dl, char *path, size_t pl)
{
	size_t len;
	char *sql = test_read_data("collector-output/schema5.sql", &len);
	sqlite3 *db = NULL;

	CHECK(sql != NULL);
	if (!sql)
		return NULL;
	tmpdb(dir, dl, path, pl);
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	free(sql);
	return db;
}

/* A file a schema-5 collector wrote (tests/data/collector-output/
 * schema5.sql: the records of in.txt as main at 01b30f5 stored them) is
 * upgraded to 6 in place: each event_id that a pair gives back is keyed
 * as one, the others stay keyed as text; every row reads back as before
 * the upgrade; and a retransmission of any stored id, either key, is a
 * duplicate, while ids that only look alike are not. */
TEST(schema_5_upgraded_in_place)
{
	static const char *const repeats[] = {
		I5 "-1", I5 "-007", I5 "-7", I5 "-1234567890123456789", "ABCDEF-9",
		"00ff00ff00ff00ff00ff00ff00ff00ff-1",
	};
	static const char *const fresh[] = { I5 "-9", "abcdef-9", I5 "-07", "00ff-1" };
	struct full_rows before = { .n = 0 }, after = { .n = 0 };
	struct cquery q = { .tail = 0 };
	char dir[64], path[96];
	struct cstore *s;
	sqlite3 *db = schema5_db(dir, sizeof(dir), path, sizeof(path));

	if (!db)
		return;
	sqlite3_close(db);
	CHECK_INT(sql_int(path, "PRAGMA user_version"), 5);
	CHECK_INT(cstore_open(path, true, &s), 0);
	CHECK_INT(cstore_query(s, &q, collect_full, &before, NULL), 0);
	cstore_free(s);
	CHECK_INT(before.n, 14);
	CHECK_INT(cstore_open(path, false, &s), 0);
	cstore_free(s);
	CHECK_INT(sql_int(path, "PRAGMA user_version"), 6);
	CHECK_INT(sql_int(path, "SELECT count(*) FROM instance"), 3);
	CHECK_INT(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'msg_type'"
			  " AND sql LIKE '%type != ''PEER_TRANSFER''%'"), 1);
	CHECK_INT(sql_int(path, "SELECT count(*) FROM msg WHERE eid_inst IS NOT NULL"), 8);
	CHECK_INT(sql_int(path, "SELECT count(*) FROM msg WHERE event_id IS NOT NULL"), 10);
	CHECK_INT(sql_int(path, "SELECT eid_seq FROM msg WHERE event_id = '" I5 "-8'"), 8);
	CHECK_INT(sql_int(path, "SELECT count(*) FROM msg JOIN instance ON instance.id = eid_inst"
			  " WHERE event_id = name || '-' || eid_seq"), 8);
	CHECK_INT(cstore_open(path, true, &s), 0);
	CHECK_INT(cstore_query(s, &q, collect_full, &after, NULL), 0);
	cstore_free(s);
	same_rows(&before, &after, __LINE__);
	CHECK_INT(cstore_open(path, false, &s), 0);
	for (size_t i = 0; i < ARRAY_SIZE(repeats); i++)
		CHECK_INT(add_id(s, repeats[i]), 0);
	for (size_t i = 0; i < ARRAY_SIZE(fresh); i++)
		CHECK_INT(add_id(s, fresh[i]), 0);
	CHECK_INT(cstore_commit(s), 0);
	counts(s, ARRAY_SIZE(fresh), ARRAY_SIZE(repeats), 0, __LINE__);
	cstore_free(s);
	CHECK_INT(sql_int(path, "SELECT count(*) FROM msg"), 14 + (int64_t)ARRAY_SIZE(fresh));
	full_rows_free(&before);
	full_rows_free(&after);
	rmdir_rf(dir);
}

/* The upgrade's test of a pair is eid_split's, byte for byte: ids that
 * look like a pair to SQL's casts and character counts but not to
 * cstore_add (a signed sequence, an 80-byte instance, 80 bytes in 40
 * characters, a '+', a space) stay keyed as text, so a retransmission
 * of each is still a duplicate; an instance of 79 bytes gets its pair. */
TEST(schema_5_upgrade_pairs_as_cstore_add)
{
	char i79[80], i80[81], e40[81], ids[6][96];
	char dir[64], path[96], ins[256];
	struct cstore *s;
	sqlite3 *db = schema5_db(dir, sizeof(dir), path, sizeof(path));

	if (!db)
		return;
	memset(i79, 'a', 79);
	i79[79] = '\0';
	memset(i80, 'b', 80);
	i80[80] = '\0';
	for (int i = 0; i < 40; i++)
		memcpy(e40 + 2 * i, "\xc3\xa9", 2);
	e40[80] = '\0';
	snprintf(ids[0], sizeof(ids[0]), "a--5");
	snprintf(ids[1], sizeof(ids[1]), "%s-1", i80);
	snprintf(ids[2], sizeof(ids[2]), "%s-1", e40);
	snprintf(ids[3], sizeof(ids[3]), "a-+5");
	snprintf(ids[4], sizeof(ids[4]), "a- 5");
	snprintf(ids[5], sizeof(ids[5]), "%s-1", i79);
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		snprintf(ins, sizeof(ins), "INSERT INTO msg (recv_us, src, proto, facility,"
			 " severity, host, msg, event_id) VALUES (1, 'x', 'tcp', 1, 6, 'h', 'X', '%s')",
			 ids[i]);
		CHECK_INT(sqlite3_exec(db, ins, NULL, NULL, NULL), SQLITE_OK);
	}
	sqlite3_close(db);
	CHECK_INT(cstore_open(path, false, &s), 0);
	cstore_free(s);
	CHECK_INT(sql_int(path, "PRAGMA user_version"), 6);
	CHECK_INT(sql_int(path, "SELECT count(*) FROM msg WHERE eid_inst IS NOT NULL"), 9);
	CHECK_INT(sql_int(path, "SELECT count(*) FROM msg JOIN instance ON instance.id = eid_inst"
			  " WHERE length(name) = 79 AND eid_seq = 1"), 1);
	CHECK_INT(cstore_open(path, false, &s), 0);
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++)
		CHECK_INT(add_id(s, ids[i]), 0);
	CHECK_INT(cstore_commit(s), 0);
	counts(s, 0, ARRAY_SIZE(ids), 0, __LINE__);
	cstore_free(s);
	rmdir_rf(dir);
}

TEST_MAIN()
