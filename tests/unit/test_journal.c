// SPDX-License-Identifier: GPL-2.0
/* test_journal.c - the journal's buffered appends (store/journal.c): ids
 * the store hands out itself, rows written ST_BATCH_MAX to a statement,
 * every read and commit seeing them, a rollback or a failed write taking
 * them all. test_store.c and test_state.c cover the rest of the store. */
#include "test.h"
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <sqlite3.h>
#include "base/event.h"
#include "store/store.h"
#include "rawdb.h"

#define BATCH	32	/* store_int.h ST_BATCH_MAX */

#define db_path test_tmp_path

#define ROWS(path)	raw_int(path, "SELECT count(*) FROM events")
#define SEQ(path)	raw_int(path, "SELECT seq FROM sqlite_sequence " \
				"WHERE name = 'events'")

/* n events; *last gets the last id; every id must be *last + 1. */
static int append_ids(struct store *s, unsigned n, int64_t t0,
		      const char *iface, int64_t *last)
{
	struct event ev;
	int ret = 0;

	for (unsigned i = 0; i < n && ret == 0; i++) {
		event_init(&ev, EV_PEER_HANDSHAKE, SRC_POLL);
		ev.time_us = t0 + i;
		event_set(&ev, "iface", iface);
		event_set_u64(&ev, "n", i);
		ret = store_append(s, &ev);
		if (ret == 0 && ev.id != *last + 1) {
			test_fail("id %lld after %lld", (long long)ev.id,
				  (long long)*last);
			ret = -EINVAL;
		}
		*last = ev.id;
	}
	return ret;
}

struct seen {
	size_t count;
	int64_t first, last;
	bool ordered;
};

static int collect(void *ctx, const struct event *ev)
{
	struct seen *s = ctx;

	if (!s->count++)
		s->first = ev->id;
	else if (ev->id <= s->last)
		s->ordered = false;
	s->last = ev->id;
	return 0;
}

#define SEEN_INIT	{ 0, 0, 0, true }

/* What the store counts on, asserted on SQLite itself: explicit ids into
 * an AUTOINCREMENT table keep sqlite_sequence at the largest ever (one
 * multi-row INSERT included), so an emptied table does not give them out
 * again, across a reopen too. */
TEST(sqlite_sequence_follows_explicit_ids)
{
	char path[128];

	db_path(path, sizeof(path));
	raw_exec(path, "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, x);"
		 "INSERT INTO t (id, x) VALUES (5, 'a'), (9, 'b'), (7, 'c');");
	CHECK_INT(raw_int(path, "SELECT seq FROM sqlite_sequence WHERE name = 't'"), 9);
	raw_exec(path, "DELETE FROM t;");
	raw_exec(path, "INSERT INTO t (x) VALUES ('d');");
	CHECK_INT(raw_int(path, "SELECT id FROM t"), 10);
	/* A rollback takes the sequence back with the rows. */
	raw_exec(path, "BEGIN; INSERT INTO t (id, x) VALUES (40, 'e'); ROLLBACK;");
	CHECK_INT(raw_int(path, "SELECT seq FROM sqlite_sequence WHERE name = 't'"), 10);
}

/* Ids go up by one across full batches, remainders, commits, a rollback
 * (its ids were never visible: handed out again, as AUTOINCREMENT did), a
 * trim that empties the journal and a reopen after it. */
TEST(ids_strictly_increase)
{
	char path[128];
	struct store *s;
	uint64_t dropped;
	int64_t last = 0, got;

	CHECK_INT(store_open(db_path(path, sizeof(path)), &s), 0);
	CHECK_INT(append_ids(s, 2 * BATCH + 6, 1, "wg0", &last), 0);
	CHECK_INT(ROWS(path), 0);	/* nothing committed yet */
	CHECK_INT(store_commit(s), 0);
	CHECK_INT(ROWS(path), 2 * BATCH + 6);
	CHECK_INT(SEQ(path), 2 * BATCH + 6);

	CHECK_INT(append_ids(s, BATCH + 3, 1000, "wg0", &last), 0);
	CHECK_INT(store_rollback(s), 0);
	CHECK_INT(ROWS(path), 2 * BATCH + 6);
	last = 2 * BATCH + 6;		/* the rolled back ids come again */
	CHECK_INT(append_ids(s, 1, 2000, "wg0", &last), 0);
	CHECK_INT(store_commit(s), 0);
	CHECK_INT(store_last_id(s, &got), 0);
	CHECK_INT(got, last);

	/* Every row older than a minute goes: the journal is empty. */
	CHECK_INT(store_trim(s, 0, 60LL * 1000000, &dropped), 0);
	CHECK_INT(dropped, 2 * BATCH + 7);
	CHECK_INT(store_commit(s), 0);
	CHECK_INT(ROWS(path), 0);
	CHECK_INT(append_ids(s, 3, 3000, "wg0", &last), 0);
	CHECK_INT(last, 2 * BATCH + 10);
	CHECK_INT(store_commit(s), 0);

	CHECK_INT(store_trim(s, 0, 60LL * 1000000, &dropped), 0);
	CHECK_INT(store_commit(s), 0);
	store_free(s);
	CHECK_INT(ROWS(path), 0);
	CHECK_INT(store_open(path, &s), 0);	/* empty, reopened */
	CHECK_INT(store_last_id(s, &got), 0);
	CHECK_INT(got, last);
	CHECK_INT(append_ids(s, BATCH + 1, 4000, "wg0", &last), 0);
	CHECK_INT(last, 3 * BATCH + 11);
	CHECK_INT(store_commit(s), 0);
	CHECK_INT(SEQ(path), last);
	store_free(s);
}

/* Rows still in the buffer are seen by every read of the same handle
 * (an output reads in the turn that journaled), and by no other
 * connection before the commit. */
TEST(reads_see_buffered_rows)
{
	char path[128];
	struct store *s, *r;
	struct seen seen = SEEN_INIT;
	struct event ev;
	uint64_t dropped;
	int64_t last = 0, got;
	int64_t now = (int64_t)time(NULL) * 1000000;

	CHECK_INT(store_open(db_path(path, sizeof(path)), &s), 0);
	CHECK_INT(store_open_readonly(path, &r), 0);
	CHECK_INT(append_ids(s, 3, now, "wg0", &last), 0);
	CHECK_INT(store_read_after(s, 0, SIZE_MAX, collect, &seen), 0);
	CHECK_INT(seen.count, 3);
	CHECK(seen.ordered && seen.first == 1 && seen.last == 3);

	CHECK_INT(append_ids(s, 2, now, "wg1", &last), 0);
	seen = (struct seen)SEEN_INIT;
	CHECK_INT(store_read_tail(s, 2, collect, &seen), 0);
	CHECK(seen.count == 2 && seen.first == 4 && seen.last == 5);

	event_init(&ev, EV_PEER_SESSION, SRC_AGENT);
	ev.time_us = now;
	event_set(&ev, "iface", "wg0");
	CHECK_INT(store_append(s, &ev), 0);
	CHECK_INT(ev.id, 6);
	seen = (struct seen)SEEN_INIT;
	CHECK_INT(store_read_type(s, EV_PEER_SESSION, 0, collect, &seen), 0);
	CHECK(seen.count == 1 && seen.first == 6);
	seen = (struct seen)SEEN_INIT;
	CHECK_INT(store_read_type(s, EV_PEER_HANDSHAKE, 0, collect, &seen), 0);
	CHECK_INT(seen.count, 5);

	last = 6;
	CHECK_INT(append_ids(s, 1, now, "wg0", &last), 0);
	CHECK_INT(store_last_id(s, &got), 0);
	CHECK_INT(got, 7);

	/* The other connection sees the turn only once it is committed. */
	seen = (struct seen)SEEN_INIT;
	CHECK_INT(store_read_after(r, 0, SIZE_MAX, collect, &seen), 0);
	CHECK_INT(seen.count, 0);

	/* A count bound counts the buffered rows: 10 more, bound 5. */
	CHECK_INT(append_ids(s, 10, now, "wg0", &last), 0);
	CHECK_INT(store_trim(s, 5, 0, &dropped), 0);
	CHECK_INT(dropped, 13);	/* 17 rows: the newest 4 kept, room for EVENTS_DROPPED */
	CHECK_INT(store_commit(s), 0);
	seen = (struct seen)SEEN_INIT;
	CHECK_INT(store_read_after(r, 0, SIZE_MAX, collect, &seen), 0);
	CHECK(seen.count == 4 && seen.first == 14 && seen.last == 17);
	store_free(r);
	store_free(s);
}

/* A trigger that refuses the row whose iface is "boom": the one way to
 * make a write fail inside the writer's own transaction. */
static void arm_refusal(const char *path)
{
	raw_exec(path, "CREATE TRIGGER refuse BEFORE INSERT ON events "
		 "WHEN NEW.iface = 'boom' BEGIN SELECT RAISE(ABORT, 'refused'); END;");
}

/* A failed batch fails the turn as a failed single append did: the
 * append that wrote the batch (or the commit that wrote the rest) gets
 * the error, every later write of the turn too, the commit rolls back,
 * nothing of the turn stays and the next turn's ids follow the last
 * committed one. */
TEST(failed_batch_fails_the_turn)
{
	char path[128];
	struct store *s;
	struct event ev;
	int64_t last = 0;
	int ret;

	CHECK_INT(store_open(db_path(path, sizeof(path)), &s), 0);
	arm_refusal(path);
	CHECK_INT(append_ids(s, 5, 1, "wg0", &last), 0);
	CHECK_INT(store_commit(s), 0);

	/* In a full batch: the append that fills it hears of it. */
	CHECK_INT(append_ids(s, 3, 10, "wg0", &last), 0);
	CHECK_INT(append_ids(s, 1, 10, "boom", &last), 0);	/* buffered */
	ret = append_ids(s, BATCH - 5, 10, "wg0", &last);
	CHECK_INT(ret, 0);
	ret = append_ids(s, 1, 10, "wg0", &last);	/* the 32nd */
	CHECK(ret < 0);
	event_init(&ev, EV_PEER_ADDED, SRC_POLL);
	CHECK_INT(store_append(s, &ev), ret);		/* the turn is poisoned */
	CHECK_INT(store_cursor_set(s, "x", 3), ret);
	CHECK_INT(store_commit(s), ret);
	CHECK_INT(ROWS(path), 5);

	/* In the remainder: the commit hears of it. */
	last = 5;
	CHECK_INT(append_ids(s, 2, 20, "wg0", &last), 0);
	CHECK_INT(append_ids(s, 1, 20, "boom", &last), 0);
	CHECK_INT(store_cursor_set(s, "x", 7), 0);
	CHECK(store_commit(s) < 0);
	CHECK_INT(ROWS(path), 5);
	CHECK_INT(raw_int(path, "SELECT count(*) FROM cursors"), 0);

	last = 5;
	CHECK_INT(append_ids(s, 1, 30, "wg0", &last), 0);
	CHECK_INT(last, 6);
	CHECK_INT(store_commit(s), 0);
	CHECK_INT(ROWS(path), 6);
	store_free(s);
}

/* A rollback with a full batch written and rows still buffered: no row
 * stays, no id of a committed row is given out again. */
TEST(rollback_leaves_no_row)
{
	char path[128];
	struct store *s;
	struct seen seen = SEEN_INIT;
	int64_t last = 0;

	CHECK_INT(store_open(db_path(path, sizeof(path)), &s), 0);
	CHECK_INT(append_ids(s, 4, 1, "wg0", &last), 0);
	CHECK_INT(store_commit(s), 0);
	CHECK_INT(append_ids(s, BATCH + 8, 1, "wg0", &last), 0);
	CHECK_INT(store_rollback(s), 0);
	CHECK_INT(store_read_after(s, 0, SIZE_MAX, collect, &seen), 0);
	CHECK(seen.count == 4 && seen.last == 4);
	CHECK_INT(store_commit(s), 0);		/* nothing left to write */
	CHECK_INT(ROWS(path), 4);
	last = 4;
	CHECK_INT(append_ids(s, BATCH, 1, "wg0", &last), 0);
	CHECK_INT(store_commit(s), 0);
	CHECK_INT(raw_int(path, "SELECT count(DISTINCT id) FROM events"), BATCH + 4);
	CHECK_INT(raw_int(path, "SELECT max(id) FROM events"), BATCH + 4);
	store_free(s);
}

/* Every kind of row (with and without iface and peer, long fields, each
 * source and a changed severity), through full batches and every
 * remainder size: each column as the single-row INSERT wrote it, the
 * fields blob byte for byte as event_fields_encode makes it. */
TEST(batched_rows_equal_single_row)
{
	enum { N = BATCH + 31 };	/* 32, then 16 + 8 + 4 + 2 + 1 */
	char path[128], big[1500];
	struct event *evs = calloc(N, sizeof(*evs));
	struct store *s;
	char blob[EVENT_BUF_LEN];
	sqlite3_stmt *st;
	sqlite3 *db;
	int i = 0;

	CHECK(evs);
	if (!evs)
		return;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK_INT(store_open(db_path(path, sizeof(path)), &s), 0);
	for (int k = 0; k < N; k++) {
		struct event *ev = &evs[k];

		event_init(ev, (enum event_type)(k % EV__COUNT),
			   (enum event_source)(k % SRC__COUNT));
		ev->time_us = 1700000000000000LL + k;
		if (k % 3)
			event_set(ev, "iface", k % 2 ? "wg0" : "wgaudit-long0");
		if (k % 4)
			event_set_key(ev, "peer", (const uint8_t *)"0123456789abcdef0123456789abcdef");
		if (k % 7 == 0)
			event_set(ev, "detail", big);
		if (k % 5 == 0)
			ev->severity = LOG_DEBUG;
		event_set_u64(ev, "n", (uint64_t)k);
		CHECK_INT(store_append(s, ev), 0);
		CHECK_INT(ev->id, k + 1);
	}
	CHECK_INT(store_commit(s), 0);
	store_free(s);

	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_prepare_v2(db, "SELECT id, time_us, type, severity, "
				     "source, iface, peer, fields FROM events ORDER BY id",
				     -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW && i < N) {
		const struct event *ev = &evs[i++];
		const char *iface = event_get(ev, "iface");
		const char *peer = event_get(ev, "peer");
		size_t n = event_fields_encode(ev, blob, sizeof(blob));

		CHECK_INT(sqlite3_column_int64(st, 0), ev->id);
		CHECK_INT(sqlite3_column_int64(st, 1), ev->time_us);
		CHECK_STR((const char *)sqlite3_column_text(st, 2), event_type_name(ev->type));
		CHECK_INT(sqlite3_column_int(st, 3), ev->severity);
		CHECK_STR((const char *)sqlite3_column_text(st, 4), event_source_name(ev->source));
		if (iface)
			CHECK_STR((const char *)sqlite3_column_text(st, 5), iface);
		else
			CHECK_INT(sqlite3_column_type(st, 5), SQLITE_NULL);
		if (peer)
			CHECK_STR((const char *)sqlite3_column_text(st, 6), peer);
		else
			CHECK_INT(sqlite3_column_type(st, 6), SQLITE_NULL);
		CHECK_INT(sqlite3_column_bytes(st, 7), n);
		CHECK(!memcmp(sqlite3_column_blob(st, 7), blob, n));
	}
	CHECK_INT(i, N);
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(evs);
}

TEST_MAIN()
