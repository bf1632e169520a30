// SPDX-License-Identifier: GPL-2.0
/* test_cstore.c - the collector database: one row per event_id whatever
 * the transport (a repeat is counted, not stored), records without an id
 * stored as they come; batches of any size through the multi-row INSERT;
 * a batch whose insert fails rolled back whole; a wgaudit record's msgid
 * and peer stored once (schema 5) and read back as given, beside a row
 * of schema 4; an agent's sd stored without its event_id and given back
 * whole; retention taking the instances no row names; a commit
 * on the insert thread landing while the next batch is taken, its
 * failure losing only its own batch, and an instance row of a lost
 * batch added again by the next. */
#include <errno.h>
#include <poll.h>
#include <sqlite3.h>
#include "test.h"
#include "cstoretest.h"

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

/* Batches of every size around the multi-row INSERT's (16 rows) and the
 * insert thread's chunk (256), up to more chunks than its ring holds,
 * with repeats inside one statement, across statements, chunks and
 * batches: each record stored once, in the order taken, every column as
 * given. */
TEST(batches_any_size)
{
	static const unsigned sizes[] = { 1, 15, 16, 17, 31, 32, 33, 100, 255, 256, 257,
					  5 * 256 + 1, 6 * 256, 4000 };
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
 * in the file. (The failure: the table made read-only by a trigger.)
 * Records are inserted a chunk at a time, on the insert thread, so a
 * failure is known only at the commit: every record is taken until then,
 * and every one is lost with the batch. */
TEST(failed_batch_rolled_back)
{
	char dir[64], path[96], rec[64];
	struct cstore *s;

	tmpdb(dir, sizeof(dir), path, sizeof(path));
	CHECK_INT(cstore_open(path, false, &s), 0);
	CHECK_INT(add(s, "<14>1 - h app - - - before", "cd-1"), 0);
	CHECK_INT(cstore_commit(s), 0);
	counts(s, 1, 0, 0, __LINE__);
	poison(path);
	cstore_free(s);
	CHECK_INT(cstore_open(path, false, &s), 0);
	/* 20 good records, one bad among them: the 16-row insert fails,
	 * at the commit */
	for (unsigned i = 0; i < 20; i++) {
		snprintf(rec, sizeof(rec), "<14>1 - h app - - - %s", i == 5 ? "poison" : "good");
		CHECK_INT(add(s, rec, NULL), 0);
	}
	CHECK_INT(cstore_commit(s), -EIO);
	counts(s, 0, 0, 20, __LINE__);
	CHECK_INT(rows(s), 1);
	/* the bad one in the first chunk of a batch longer than the ring:
	 * every record is taken (the thread's failure is learned at the
	 * commit), and every one is lost */
	for (unsigned i = 0; i < 8 * 256; i++) {
		snprintf(rec, sizeof(rec), "<14>1 - h app - - - %s", i == 5 ? "poison" : "good");
		CHECK_INT(add(s, rec, NULL), 0);
	}
	CHECK_INT(cstore_commit(s), -EIO);
	counts(s, 0, 0, 8 * 256, __LINE__);
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

struct want_row {
	const char *msgid, *type, *peer;
};

struct got_rows {
	struct want_row row[8];
	size_t n;
};

static int collect(void *ctx, const struct crow *r)
{
	struct got_rows *g = ctx;
	struct want_row *w;

	if (g->n == ARRAY_SIZE(g->row))
		return 1;
	w = &g->row[g->n++];
	w->msgid = r->msgid ? strdup(r->msgid) : NULL;
	w->type = r->type ? strdup(r->type) : NULL;
	w->peer = r->peer ? strdup(r->peer) : NULL;
	return 0;
}

/* Schema 5 stores a wgaudit record's msgid only when it is not its type,
 * and its peer only when it is not the SD's peer param; cstore_query (so
 * `collector logs`, text and JSON) gives every row back as it was given,
 * and a row written by schema 4 (both columns filled) reads as it is. */
TEST(msgid_and_peer_stored_once)
{
	static const char key[] = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/ABCD=";
	static const struct {
		const char *rec, *type, *peer;
		bool peer_in_sd;
		struct want_row want;
		const char *raw_msgid, *raw_peer;	/* the columns */
	} cases[] = {
		{ "<14>1 - gw wireguard-audit - PEER_TRANSFER [wgaudit@32473 peer=\""
		  "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/ABCD=\" rx=\"1\"] PEER_TRANSFER rx=1",
		  "PEER_TRANSFER", key, true, { "PEER_TRANSFER", "PEER_TRANSFER", key }, NULL, NULL },
		/* the SD's peer is empty: none, as before */
		{ "<14>1 - gw wireguard-audit - PEER_ADDED [wgaudit@32473 peer=\"\"] PEER_ADDED",
		  "PEER_ADDED", "", true, { "PEER_ADDED", "PEER_ADDED", NULL }, NULL, NULL },
		/* no MSGID: the type comes from MSG, and the peer from it too */
		{ "<14>1 - gw wireguard-audit - - - PEER_REMOVED pubkey=AbCd",
		  "PEER_REMOVED", "AbCd", false, { NULL, "PEER_REMOVED", "AbCd" }, NULL, "AbCd" },
		/* RFC 3164 */
		{ "<14>Dec  1 00:00:00 gw wireguard-audit: IFACE_UP iface=wg0",
		  "IFACE_UP", "", false, { NULL, "IFACE_UP", NULL }, NULL, NULL },
		/* not the agent's: msgid kept */
		{ "<14>1 - h app - ID47 - hello", NULL, NULL, false, { "ID47", NULL, NULL },
		  "ID47", NULL },
	};
	struct got_rows g = { .n = 0 };
	struct want_row *got = g.row;
	char dir[64], path[96], sql[128];
	struct cquery q = { .tail = 0 };
	struct cstore *s;
	sqlite3 *db;

	tmpdb(dir, sizeof(dir), path, sizeof(path));
	CHECK_INT(cstore_open(path, false, &s), 0);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct syslog_msg m;
		struct crec r = { .recv_us = 1, .src = "127.0.0.1", .proto = "tcp", .m = &m,
				  .type = cases[i].type, .peer = cases[i].peer,
				  .peer_in_sd = cases[i].peer_in_sd };

		syslog_parse(cases[i].rec, strlen(cases[i].rec), 0, &m);
		CHECK_INT(cstore_add(s, &r), 0);
	}
	CHECK_INT(cstore_commit(s), 0);
	cstore_free(s);
	/* a row as schema 4 wrote it */
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, "INSERT INTO msg (recv_us, src, proto, facility, severity, host,"
			       " app, msgid, sd, msg, type, peer) VALUES (1, 'x', 'tcp', 1, 6, 'gw',"
			       " 'wireguard-audit', 'PEER_ADDED', '[wgaudit@32473 peer=\"K\"]',"
			       " 'PEER_ADDED', 'PEER_ADDED', 'K')", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(sql, sizeof(sql), "SELECT msgid IS NULL FROM msg WHERE id = %zu",
			 i + 1);
		CHECK_INT(sql_int(path, sql), cases[i].raw_msgid == NULL);
		snprintf(sql, sizeof(sql), "SELECT peer IS NULL FROM msg WHERE id = %zu", i + 1);
		CHECK_INT(sql_int(path, sql), cases[i].raw_peer == NULL);
	}
	CHECK_INT(cstore_open(path, true, &s), 0);
	CHECK_INT(cstore_query(s, &q, collect, &g, NULL), 0);
	cstore_free(s);
	CHECK_INT(g.n, ARRAY_SIZE(cases) + 1);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct want_row *w = &cases[i].want;

		check_opt(got[i].msgid, w->msgid, (int)i);
		check_opt(got[i].type, w->type, (int)i);
		check_opt(got[i].peer, w->peer, (int)i);
	}
	check_opt(got[ARRAY_SIZE(cases)].msgid, "PEER_ADDED", __LINE__);
	check_opt(got[ARRAY_SIZE(cases)].type, "PEER_ADDED", __LINE__);
	check_opt(got[ARRAY_SIZE(cases)].peer, "K", __LINE__);
	for (size_t i = 0; i < g.n; i++) {
		free((char *)got[i].msgid);
		free((char *)got[i].type);
		free((char *)got[i].peer);
	}
	rmdir_rf(dir);
}
/* More agents' instances in one batch than the instance cache holds, so
 * that lookups (and adds) on the connection come between chunks on the
 * insert thread: each record stored once under its own id. */
TEST(instances_between_chunks)
{
	char dir[64], path[96], rec[96], id[32];
	struct cstore *s;

	tmpdb(dir, sizeof(dir), path, sizeof(path));
	CHECK_INT(cstore_open(path, false, &s), 0);
	for (unsigned round = 0; round < 2; round++) {
		for (unsigned i = 0; i < 3000; i++) {
			snprintf(rec, sizeof(rec), "<14>1 - h app - - - r%u", i);
			snprintf(id, sizeof(id), "inst%u-%u", i % 40, i);
			CHECK_INT(add(s, rec, id), 0);
		}
		CHECK_INT(cstore_commit(s), 0);
		/* the second round repeats every id */
		counts(s, round ? 0 : 3000, round ? 3000 : 0, 0, __LINE__);
	}
	cstore_free(s);
	CHECK_INT(sql_int(path, "SELECT count(*) FROM instance"), 40);
	CHECK_INT(sql_int(path, "SELECT count(*) FROM msg"), 3000);
	CHECK_INT(sql_int(path, "SELECT count(*) FROM msg, instance WHERE eid_inst = instance.id"
			  " AND msg = 'r' || eid_seq AND name = 'inst' || (eid_seq % 40)"), 3000);
	rmdir_rf(dir);
}

/* A commit runs on the thread while the next batch is taken; the fd
 * says when it has landed, and its result is its own. */
TEST(commit_lands_while_the_next_batch_fills)
{
	char dir[64], path[96], rec[64], id[32];
	struct cstore *s;
	struct pollfd pfd;
	int rc;

	tmpdb(dir, sizeof(dir), path, sizeof(path));
	CHECK_INT(cstore_open(path, false, &s), 0);
	CHECK_INT(cstore_commit_land(s, false), 1);	/* none */
	CHECK_INT(cstore_commit_start(s), 1);	/* nothing to commit */
	/* the instance row first: its batch lands in cstore_commit_start */
	CHECK_INT(add(s, "<14>1 - h app - - - first", "ab-1"), 0);
	CHECK_INT(cstore_commit_start(s), 0);
	CHECK_INT(cstore_commit_land(s, false), 0);
	counts(s, 1, 0, 0, __LINE__);
	for (unsigned i = 0; i < 1000; i++) {
		snprintf(rec, sizeof(rec), "<14>1 - h app - - - a%u", i);
		snprintf(id, sizeof(id), "ab-%u", i + 2);
		CHECK_INT(add(s, rec, id), 0);
	}
	CHECK_INT(cstore_commit_start(s), 0);
	CHECK_INT(cstore_pending(s), 0);
	CHECK_INT(cstore_commit_start(s), -EBUSY);	/* not landed yet */
	/* batch B, taken while A commits: a repeat of A's ids among them */
	for (unsigned i = 0; i < 600; i++) {
		snprintf(rec, sizeof(rec), "<14>1 - h app - - - b%u", i);
		snprintf(id, sizeof(id), "ab-%u", i + 502);
		CHECK_INT(add(s, rec, id), 0);
	}
	pfd = (struct pollfd){ .fd = cstore_commit_fd(s), .events = POLLIN };
	CHECK_INT(poll(&pfd, 1, 10000), 1);
	rc = cstore_commit_land(s, false);
	CHECK_INT(rc, 0);
	counts(s, 1000, 0, 0, __LINE__);
	CHECK_INT(cstore_commit_land(s, false), 1);	/* reported once */
	CHECK_INT(poll(&pfd, 1, 0), 0);	/* drained */
	CHECK_INT(cstore_pending(s), 600);
	CHECK_INT(cstore_commit(s), 0);
	counts(s, 100, 500, 0, __LINE__);
	CHECK_INT(rows(s), 1101);
	cstore_free(s);
	rmdir_rf(dir);
}

/* A batch that fails on the thread loses only itself: the one taken
 * while it committed is stored. */
TEST(failed_commit_loses_only_its_batch)
{
	char dir[64], path[96], rec[64];
	struct cstore *s;

	tmpdb(dir, sizeof(dir), path, sizeof(path));
	CHECK_INT(cstore_open(path, false, &s), 0);
	cstore_free(s);
	poison(path);
	CHECK_INT(cstore_open(path, false, &s), 0);
	for (unsigned i = 0; i < 700; i++) {
		snprintf(rec, sizeof(rec), "<14>1 - h app - - - %s", i == 600 ? "poison" : "a");
		CHECK_INT(add(s, rec, NULL), 0);
	}
	CHECK_INT(cstore_commit_start(s), 0);
	for (unsigned i = 0; i < 300; i++)
		CHECK_INT(add(s, "<14>1 - h app - - - b", NULL), 0);
	CHECK_INT(cstore_commit_land(s, true), -EIO);
	counts(s, 0, 0, 700, __LINE__);
	CHECK_INT(cstore_commit(s), 0);
	counts(s, 300, 0, 0, __LINE__);
	CHECK_INT(rows(s), 300);
	CHECK_INT(sql_int(path, "SELECT count(*) FROM msg WHERE msg = 'b'"), 300);
	CHECK_INT(sql_int(path, "SELECT sum(count) FROM source"), 300);
	cstore_free(s);
	rmdir_rf(dir);
}

/* A batch adds instance X and fails: the next batch, which names X
 * too, still gets an instance row named X (the cache was emptied). */
TEST(instance_of_a_lost_batch_added_again)
{
	char dir[64], path[96];
	struct cstore *s;

	tmpdb(dir, sizeof(dir), path, sizeof(path));
	CHECK_INT(cstore_open(path, false, &s), 0);
	cstore_free(s);
	poison(path);
	CHECK_INT(cstore_open(path, false, &s), 0);
	CHECK_INT(add(s, "<14>1 - h app - - - x1", "feed-1"), 0);
	CHECK_INT(add(s, "<14>1 - h app - - - poison", NULL), 0);
	CHECK_INT(cstore_commit_start(s), 0);
	CHECK_INT(cstore_commit_land(s, false), -EIO);	/* landed in start */
	counts(s, 0, 0, 2, __LINE__);
	CHECK_INT(add(s, "<14>1 - h app - - - x2", "feed-2"), 0);
	CHECK_INT(add(s, "<14>1 - h app - - - x1", "feed-1"), 0);
	CHECK_INT(cstore_commit(s), 0);
	counts(s, 2, 0, 0, __LINE__);
	cstore_free(s);
	CHECK_INT(sql_int(path, "SELECT count(*) FROM msg, instance WHERE eid_inst = instance.id"
			  " AND name = 'feed'"), 2);
	CHECK_INT(sql_int(path, "SELECT count(*) FROM instance"), 1);
	rmdir_rf(dir);
}

/* Retention takes the instances no row names any more with the rows
 * (a sender inventing one per record must not grow the table for good);
 * an instance seen again after that is added again. */
TEST(retention_drops_unnamed_instances)
{
	static const char *const old[] = { "aa-1", "bb-1", "bb-2" };
	struct syslog_msg m;
	struct crec r = { .recv_us = 100, .src = "127.0.0.1", .proto = "relp",
			  .m = &m, .event_id = "cc-1" };
	const char *rec = "<14>1 - h wireguard-audit - X [wgaudit@32473 event_id=\"cc-1\"] X";
	char dir[64], path[96];
	struct cstore *s;
	bool more;

	tmpdb(dir, sizeof(dir), path, sizeof(path));
	CHECK_INT(cstore_open(path, false, &s), 0);
	for (size_t i = 0; i < ARRAY_SIZE(old); i++)
		CHECK_INT(add_id(s, old[i]), 0);
	syslog_parse(rec, strlen(rec), 0, &m);
	CHECK_INT(cstore_add(s, &r), 0);
	CHECK_INT(cstore_commit(s), 0);
	CHECK_INT(sql_int(path, "SELECT count(*) FROM instance"), 3);
	CHECK_INT(cstore_retention(s, 50, 0, 1000, &more), 3);
	CHECK_INT(sql_int(path, "SELECT count(*) FROM instance"), 1);
	CHECK_INT(sql_int(path, "SELECT count(*) FROM instance WHERE name = 'cc'"), 1);
	CHECK_INT(add_id(s, "bb-1"), 0);
	CHECK_INT(add_id(s, "cc-1"), 0);
	CHECK_INT(cstore_commit(s), 0);
	counts(s, 5, 1, 0, __LINE__);
	CHECK_INT(sql_int(path, "SELECT count(*) FROM msg JOIN instance ON instance.id = eid_inst"
			  " WHERE name = 'bb' AND eid_seq = 1"), 1);
	cstore_free(s);
	rmdir_rf(dir);
}

/* Schema 6 stores an agent's sd without its last param when that is the
 * record's event_id, and gives it back whole; any other sd is stored as
 * it came. An instance added by a batch that rolled back is not used by
 * the next one (it went with the batch). */
TEST(sd_event_id_stored_once)
{
	static const struct {
		const char *rec, *id;
		bool trimmed;
	} cases[] = {
		{ "<14>1 - h wireguard-audit - T [wgaudit@32473 a=\"1\" event_id=\"ab-1\"] T", "ab-1", true },
		/* not last, another element after it, not the id used, escaped */
		{ "<14>1 - h wireguard-audit - T [wgaudit@32473 event_id=\"ab-2\" a=\"1\"] T", "ab-2", false },
		{ "<14>1 - h wireguard-audit - T [wgaudit@32473 event_id=\"ab-3\"][x@1 y=\"z\"] T", "ab-3", false },
		{ "<14>1 - h wireguard-audit - T [wgaudit@32473 event_id=\"ab-4\"] T event_id=ab-5", "ab-5", false },
		{ "<14>1 - h wireguard-audit - T [wgaudit@32473 event_id=\"ab-\\6\"] T", "ab-6", false },
		/* the id kept as text (leading zero) */
		{ "<14>1 - h wireguard-audit - T [wgaudit@32473 event_id=\"ab-07\"] T", "ab-07", true },
		{ "<14>1 - h wireguard-audit - T [wgaudit@32473 event_id=\"ab-8\"] T", "ab-8", true },
	};
	struct full_rows got = { .n = 0 };
	struct cquery q = { .tail = 0 };
	char dir[64], path[96], sql[160];
	struct cstore *s;

	tmpdb(dir, sizeof(dir), path, sizeof(path));
	CHECK_INT(cstore_open(path, false, &s), 0);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		CHECK_INT(add(s, cases[i].rec, cases[i].id), 0);
	CHECK_INT(cstore_commit(s), 0);
	cstore_free(s);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(sql, sizeof(sql), "SELECT (flags & 0x40000) != 0 FROM msg WHERE id = %zu", i + 1);
		CHECK_INT(sql_int(path, sql), cases[i].trimmed);
	}
	CHECK_INT(sql_int(path, "SELECT length(sd) FROM msg WHERE id = 1"),
		  (int64_t)strlen("[wgaudit@32473 a=\"1\""));
	CHECK_INT(cstore_open(path, true, &s), 0);
	CHECK_INT(cstore_query(s, &q, collect_full, &got, NULL), 0);
	cstore_free(s);
	CHECK_INT(got.n, ARRAY_SIZE(cases));
	for (size_t i = 0; i < got.n && i < ARRAY_SIZE(cases); i++) {
		const char *sd = strchr(cases[i].rec, '['), *end = strrchr(cases[i].rec, ']');

		CHECK_INT(got.row[i].sd_len, (size_t)(end - sd + 1));
		CHECK(got.row[i].f[10] && !memcmp(got.row[i].f[10], sd, (size_t)(end - sd + 1)));
		check_opt(got.row[i].f[9], cases[i].id, __LINE__);
	}
	full_rows_free(&got);
	/* an instance of a batch that rolled back */
	poison(path);
	CHECK_INT(cstore_open(path, false, &s), 0);
	CHECK_INT(add(s, "<14>1 - h app - - - x", "cd-1"), 0);
	CHECK_INT(add(s, "<14>1 - h app - - - poison", NULL), 0);
	CHECK_INT(cstore_commit(s), -EIO);
	counts(s, 0, 0, 2, __LINE__);
	CHECK_INT(add(s, "<14>1 - h app - - - y", "cd-2"), 0);
	CHECK_INT(add(s, "<14>1 - h app - - - z", "cd-1"), 0);
	CHECK_INT(cstore_commit(s), 0);
	counts(s, 2, 0, 0, __LINE__);
	cstore_free(s);
	CHECK_INT(sql_int(path, "SELECT count(*) FROM msg JOIN instance ON instance.id = eid_inst"
			  " WHERE event_id = name || '-' || eid_seq"), 6 + 2);	/* ab-07 is text */
	CHECK_INT(sql_int(path, "SELECT count(*) FROM instance"), 2);
	rmdir_rf(dir);
}
TEST_MAIN()
