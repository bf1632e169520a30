// SPDX-License-Identifier: GPL-2.0
/* test_store.c - the SQLite store: the journal (append, read, trim, bad
 * rows, ids), transactions, a reader beside the writer, the file (mode,
 * schema, snapshot, symlink). Cursors, meta, peer and interface rows
 * (store/state.c) are test_state.c's; buffered appends test_journal.c's. */
#include "test.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>
#include "base/event.h"
#include "store/store.h"
#include "rawdb.h"
#include "storetest.h"

#define db_path test_tmp_path

static void mk_event(struct event *ev, enum event_type t, int64_t time_us,
		     const char *iface, unsigned n)
{
	event_init(ev, t, SRC_POLL);
	ev->time_us = time_us;
	event_set(ev, "iface", iface);
	event_set(ev, "peer", "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=");
	event_set_u64(ev, "n", n);
	event_set(ev, "text", "with spaces and \"quotes\"");
}

static int append_n(struct store *s, unsigned n, int64_t t0)
{
	struct event ev;
	int ret = 0;

	for (unsigned i = 0; i < n && ret == 0; i++) {
		mk_event(&ev, EV_PEER_HANDSHAKE, t0 + i, "wg0", i);
		ret = store_append(s, &ev);
	}
	return ret;
}

/* Collects what a read hands over. */
struct seen {
	int64_t ids[64];
	unsigned n[64];
	size_t count;
	size_t stop_at;		/* stop (return 7) after this many; 0 = never */
};

static int collect(void *ctx, const struct event *ev)
{
	struct seen *s = ctx;
	const char *n = event_get(ev, "n");

	if (s->count < ARRAY_SIZE(s->ids)) {
		s->ids[s->count] = ev->id;
		s->n[s->count] = n ? (unsigned)strtoul(n, NULL, 10) : 9999;
	}
	s->count++;
	if (s->stop_at && s->count == s->stop_at)
		return 7;
	return 0;
}

TEST(append_read_after_order_and_fields)
{
	char path[128];
	struct store *s;
	struct event ev;
	struct seen seen = { 0 };
	struct stat sb;

	CHECK_INT(store_open(db_path(path, sizeof(path)), &s), 0);
	CHECK_INT(stat(path, &sb), 0);
	CHECK_INT(sb.st_mode & 0777, 0600);
	CHECK_INT(store_begin(s), 0);
	CHECK_INT(store_begin(s), 0);	/* nested: no-op */
	mk_event(&ev, EV_PEER_ACTIVE, 1700000000123456, "wg0", 0);
	ev.severity = LOG_WARNING;
	ev.source = SRC_KMSG;
	CHECK_INT(store_append(s, &ev), 0);
	CHECK_INT(ev.id, 1);
	CHECK_INT(append_n(s, 9, 1700000001000000), 0);
	CHECK_INT(store_commit(s), 0);
	CHECK_INT(store_commit(s), 0);	/* none open: no-op */
	CHECK_INT(store_rollback(s), 0);

	CHECK_INT(store_read_after(s, 0, SIZE_MAX, collect, &seen), 0);
	CHECK_INT(seen.count, 10);
	for (size_t i = 0; i < 10; i++)
		CHECK_INT(seen.ids[i], (int64_t)i + 1);
	CHECK_INT(seen.n[1], 0);
	CHECK_INT(seen.n[9], 8);

	memset(&seen, 0, sizeof(seen));
	CHECK_INT(store_read_after(s, 4, 3, collect, &seen), 0);
	CHECK_INT(seen.count, 3);
	CHECK_INT(seen.ids[0], 5);
	CHECK_INT(seen.ids[2], 7);

	memset(&seen, 0, sizeof(seen));
	seen.stop_at = 2;
	CHECK_INT(store_read_after(s, 0, SIZE_MAX, collect, &seen), 7);
	CHECK_INT(seen.count, 2);

	memset(&seen, 0, sizeof(seen));
	CHECK_INT(store_read_after(s, 3, 0, collect, &seen), 0);
	CHECK_INT(seen.count, 0);

	memset(&seen, 0, sizeof(seen));
	CHECK_INT(store_read_tail(s, 3, collect, &seen), 0);
	CHECK_INT(seen.count, 3);
	CHECK_INT(seen.ids[0], 8);
	CHECK_INT(seen.ids[2], 10);

	memset(&seen, 0, sizeof(seen));
	CHECK_INT(store_read_tail(s, 100, collect, &seen), 0);
	CHECK_INT(seen.count, 10);
	CHECK_INT(seen.ids[0], 1);
	store_free(s);
}

/* The first event comes back field for field. */
static int check_first(void *ctx, const struct event *ev)
{
	int *ok = ctx;

	*ok = ev->id == 1 && ev->type == EV_PEER_ACTIVE &&
	      ev->severity == LOG_WARNING && ev->source == SRC_KMSG &&
	      ev->time_us == 1700000000123456 && ev->nfields == 4 &&
	      !strcmp(event_key(ev, 0), "iface") &&
	      !strcmp(event_get(ev, "iface"), "wg0") &&
	      !strcmp(event_get(ev, "text"), "with spaces and \"quotes\"") &&
	      !strcmp(event_key(ev, 3), "text");
	return 1;
}

TEST(event_round_trip_and_ids_survive_reopen)
{
	char path[128];
	struct store *s;
	struct event ev;
	int64_t last;
	int ok = 0;
	uint64_t dropped;

	CHECK_INT(store_open(db_path(path, sizeof(path)), &s), 0);
	mk_event(&ev, EV_PEER_ACTIVE, 1700000000123456, "wg0", 0);
	ev.severity = LOG_WARNING;
	ev.source = SRC_KMSG;
	CHECK_INT(store_append(s, &ev), 0);	/* no begin: the write opens the turn */
	CHECK_INT(append_n(s, 4, 1), 0);
	CHECK_INT(store_last_id(s, &last), 0);
	CHECK_INT(last, 5);
	CHECK_INT(store_commit(s), 0);
	store_free(s);

	CHECK_INT(store_open(path, &s), 0);
	CHECK_INT(store_read_after(s, 0, 1, check_first, &ok), 1);
	CHECK(ok);
	/* Empty the journal: ids must still not be reused. A bound of 1
	 * keeps 0, the room for the EVENTS_DROPPED that says so. */
	CHECK_INT(store_trim(s, 1, 0, &dropped), 0);
	CHECK_INT(dropped, 5);
	CHECK_INT(store_trim(s, 0, 1, &dropped), 0);	/* nothing left */
	CHECK_INT(dropped, 0);
	CHECK_INT(store_commit(s), 0);
	store_free(s);

	CHECK_INT(store_open(path, &s), 0);
	CHECK_INT(store_last_id(s, &last), 0);
	CHECK_INT(last, 5);
	mk_event(&ev, EV_AGENT_STARTED, 1, "wg0", 0);
	CHECK_INT(store_append(s, &ev), 0);
	CHECK_INT(ev.id, 6);
	store_free(s);
}

TEST(append_refuses_what_it_could_not_read_back)
{
	char path[128];
	struct store *s;
	struct event ev;
	int64_t last;

	CHECK_INT(store_open(db_path(path, sizeof(path)), &s), 0);
	mk_event(&ev, EV_PEER_ACTIVE, 1, "wg0", 0);
	ev.severity = 8;
	CHECK_INT(store_append(s, &ev), -EINVAL);
	ev.severity = LOG_INFO;
	ev.type = EV__COUNT;
	CHECK_INT(store_append(s, &ev), -EINVAL);
	ev.type = EV_PEER_ACTIVE;
	ev.source = SRC__COUNT;
	CHECK_INT(store_append(s, &ev), -EINVAL);
	CHECK_INT(store_last_id(s, &last), 0);
	CHECK_INT(last, 0);
	store_free(s);
}

TEST(empty_journal)
{
	char path[128];
	struct store *s;
	struct seen seen = { 0 };
	int64_t last = -5;

	CHECK_INT(store_open(db_path(path, sizeof(path)), &s), 0);
	CHECK_INT(store_last_id(s, &last), 0);
	CHECK_INT(last, 0);
	CHECK_INT(store_read_after(s, 0, SIZE_MAX, collect, &seen), 0);
	CHECK_INT(store_read_tail(s, 20, collect, &seen), 0);
	CHECK_INT(seen.count, 0);
	store_free(s);
}

TEST(trim_by_count_and_age)
{
	char path[128];
	struct store *s;
	struct event ev;
	struct seen seen = { 0 };
	uint64_t dropped = 99;
	int64_t now = (int64_t)time(NULL) * 1000000;

	CHECK_INT(store_open(db_path(path, sizeof(path)), &s), 0);
	CHECK_INT(store_begin(s), 0);
	/* 10 old (two hours ago), 10 recent. */
	CHECK_INT(append_n(s, 10, now - 7200LL * 1000000), 0);
	CHECK_INT(append_n(s, 10, now), 0);
	CHECK_INT(store_commit(s), 0);

	CHECK_INT(store_trim(s, 0, 0, &dropped), 0);
	CHECK_INT(dropped, 0);
	/* Over the bound: keep 14, room for the EVENTS_DROPPED. */
	CHECK_INT(store_trim(s, 15, 0, &dropped), 0);
	CHECK_INT(dropped, 6);
	CHECK_INT(store_trim(s, 15, 0, &dropped), 0);
	CHECK_INT(dropped, 0);
	CHECK_INT(store_trim(s, 0, 3600LL * 1000000, &dropped), 0);
	CHECK_INT(dropped, 4);
	CHECK_INT(store_read_after(s, 0, SIZE_MAX, collect, &seen), 0);
	CHECK_INT(seen.count, 10);
	CHECK_INT(seen.ids[0], 11);
	CHECK_INT(store_trim(s, 4, 3600LL * 1000000, &dropped), 0);
	CHECK_INT(dropped, 7);

	mk_event(&ev, EV_PEER_ADDED, now, "wg0", 0);
	CHECK_INT(store_append(s, &ev), 0);
	CHECK_INT(ev.id, 21);
	store_free(s);
}

/* Kernel records carry their own (older) time: an age trim can cut
 * holes in the middle of the id range; the count bound stays exact. */
TEST(trim_with_holes)
{
	char path[128];
	struct store *s;
	struct seen seen = { 0 };
	uint64_t dropped;
	int64_t now = (int64_t)time(NULL) * 1000000;

	CHECK_INT(store_open(db_path(path, sizeof(path)), &s), 0);
	CHECK_INT(append_n(s, 2, now), 0);
	CHECK_INT(append_n(s, 2, 1000), 0);		/* ids 3, 4: ancient */
	CHECK_INT(append_n(s, 6, now), 0);
	CHECK_INT(store_trim(s, 0, 60LL * 1000000, &dropped), 0);
	CHECK_INT(dropped, 2);
	CHECK_INT(store_trim(s, 8, 0, &dropped), 0);	/* span 10, rows 8 */
	CHECK_INT(dropped, 0);
	CHECK_INT(store_trim(s, 7, 0, &dropped), 0);	/* keeps 6 */
	CHECK_INT(dropped, 2);
	CHECK_INT(store_read_after(s, 0, SIZE_MAX, collect, &seen), 0);
	CHECK_INT(seen.count, 6);
	CHECK_INT(seen.ids[0], 5);
	CHECK_INT(seen.ids[1], 6);
	store_free(s);
}

TEST(existing_file_made_owner_only)
{
	char path[128];
	struct store *s;
	struct stat sb;

	CHECK_INT(store_open(db_path(path, sizeof(path)), &s), 0);
	store_free(s);
	CHECK_INT(chmod(path, 0644), 0);
	CHECK_INT(store_open(path, &s), 0);
	CHECK_INT(stat(path, &sb), 0);
	CHECK_INT(sb.st_mode & 0777, 0600);
	store_free(s);
}

TEST(rollback_discards)
{
	char path[128];
	struct store *s;
	struct seen seen = { 0 };
	struct peer_row p;
	struct peers_seen ps = { 0 };
	int64_t last;

	CHECK_INT(store_open(db_path(path, sizeof(path)), &s), 0);
	CHECK_INT(append_n(s, 2, 1), 0);
	CHECK_INT(store_commit(s), 0);
	CHECK_INT(store_begin(s), 0);
	CHECK_INT(append_n(s, 3, 1), 0);
	mk_peer(&p, "wg0", 1);
	CHECK_INT(store_peer_put(s, &p), 0);
	CHECK_INT(store_cursor_set(s, "x", 4), 0);
	CHECK_INT(store_rollback(s), 0);
	CHECK_INT(store_read_after(s, 0, SIZE_MAX, collect, &seen), 0);
	CHECK_INT(seen.count, 2);
	CHECK_INT(store_peer_load(s, NULL, collect_peer, &ps), 0);
	CHECK_INT(ps.count, 0);
	CHECK_INT(store_last_id(s, &last), 0);
	CHECK_INT(last, 2);
	CHECK_INT(append_n(s, 1, 1), 0);
	CHECK_INT(store_last_id(s, &last), 0);
	CHECK_INT(last, 3);
	store_free(s);
}

TEST(writer_and_reader_on_one_file)
{
	char path[128];
	struct store *w, *r;
	struct seen seen = { 0 };
	int64_t last;

	CHECK_INT(store_open_readonly(db_path(path, sizeof(path)), &r), -ENOENT);
	CHECK(r == NULL);
	CHECK_INT(store_open(path, &w), 0);
	CHECK_INT(store_open_readonly(path, &r), 0);
	if (!w || !r)
		return;
	CHECK_INT(append_n(w, 3, 1), 0);
	CHECK_INT(store_commit(w), 0);
	/* The writer holds an open write transaction: the reader is not
	 * blocked and sees only what was committed. */
	CHECK_INT(store_begin(w), 0);
	CHECK_INT(append_n(w, 2, 1), 0);
	CHECK_INT(store_read_after(r, 0, SIZE_MAX, collect, &seen), 0);
	CHECK_INT(seen.count, 3);
	CHECK_INT(store_commit(w), 0);
	memset(&seen, 0, sizeof(seen));
	CHECK_INT(store_read_after(r, 3, SIZE_MAX, collect, &seen), 0);
	CHECK_INT(seen.count, 2);
	CHECK_INT(seen.ids[1], 5);
	CHECK_INT(store_last_id(r, &last), 0);
	CHECK_INT(last, 5);
	/* A reader cannot write. */
	CHECK(append_n(r, 1, 1) < 0);
	CHECK(store_cursor_set(r, "x", 1) < 0);
	store_free(w);
	/* The writer is gone; the reader still reads. */
	memset(&seen, 0, sizeof(seen));
	CHECK_INT(store_read_tail(r, 2, collect, &seen), 0);
	CHECK_INT(seen.count, 2);
	store_free(r);
	/* Opened read-only after the writer closed (no -wal, -shm left). */
	CHECK_INT(store_open_readonly(path, &r), 0);
	memset(&seen, 0, sizeof(seen));
	CHECK_INT(store_read_tail(r, 100, collect, &seen), 0);
	CHECK_INT(seen.count, 5);
	store_free(r);
}

TEST(corrupt_rows_are_skipped)
{
	char path[128];
	struct store *s;
	struct seen seen = { 0 };

	CHECK_INT(store_open(db_path(path, sizeof(path)), &s), 0);
	CHECK_INT(append_n(s, 8, 1), 0);
	CHECK_INT(store_commit(s), 0);
	raw_exec(path,
		 "UPDATE events SET fields = x'4142ff' WHERE id = 2;"	/* no NUL */
		 "UPDATE events SET fields = x'00410042' WHERE id = 3;"	/* empty key */
		 "UPDATE events SET type = 'NO_SUCH_TYPE\x1b[2J' WHERE id = 4;"
		 "UPDATE events SET fields = zeroblob(100000) WHERE id = 5;"
		 "UPDATE events SET severity = 99 WHERE id = 6;"
		 "UPDATE events SET fields = x'6b00' WHERE id = 8;"	/* key, no value */
		 "UPDATE events SET source = 'nowhere' WHERE id = 7;");
	CHECK_INT(store_read_after(s, 0, SIZE_MAX, collect, &seen), 0);
	CHECK_INT(seen.count, 1);
	CHECK_INT(seen.ids[0], 1);
	/* Bad rows do not use up a batch: the cursor moves past them. */
	memset(&seen, 0, sizeof(seen));
	CHECK_INT(append_n(s, 1, 1), 0);
	CHECK_INT(store_read_after(s, 1, 1, collect, &seen), 0);
	CHECK_INT(seen.count, 1);
	CHECK_INT(seen.ids[0], 9);
	memset(&seen, 0, sizeof(seen));
	CHECK_INT(store_read_tail(s, 3, collect, &seen), 0);
	CHECK_INT(seen.count, 1);
	store_free(s);
}

TEST(not_a_database)
{
	char path[128];
	struct store *s = (struct store *)1;
	FILE *f;

	db_path(path, sizeof(path));
	f = fopen(path, "w");
	fputs("this is not an SQLite file, just some text long enough......"
	      "................................................................"
	      "................................................................", f);
	fclose(f);
	CHECK(store_open(path, &s) < 0);
	CHECK(s == NULL);
	CHECK(store_open_readonly(path, &s) < 0);
	CHECK(s == NULL);
	/* A missing directory: store_open does not create it. */
	snprintf(path, sizeof(path), "%s/nodir/x.db", test_tmpdir());
	CHECK(store_open(path, &s) < 0);
}

TEST(newer_schema_refused)
{
	char path[128];
	struct store *s;

	CHECK_INT(store_open(db_path(path, sizeof(path)), &s), 0);
	store_free(s);
	raw_exec(path, "PRAGMA user_version = 99");
	CHECK_INT(store_open(path, &s), -EPROTO);
	CHECK(s == NULL);
	CHECK_INT(store_open_readonly(path, &s), -EPROTO);
	CHECK(s == NULL);
}

static int reenter(void *ctx, const struct event *ev)
{
	struct store *s = ctx;

	return store_read_after(s, 0, 1, collect, NULL) == -EBUSY ? 5 : 6;
}

TEST(reentrant_read_refused)
{
	char path[128];
	struct store *s;

	CHECK_INT(store_open(db_path(path, sizeof(path)), &s), 0);
	CHECK_INT(append_n(s, 2, 1), 0);
	CHECK_INT(store_read_after(s, 0, SIZE_MAX, reenter, s), 5);
	store_free(s);
}

static int count_only(void *ctx, const struct event *ev)
{
	(*(size_t *)ctx)++;
	return 0;
}

static double secs(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	       (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* Prints rates; asserts only correctness (no test asserts on timing). */
TEST(throughput)
{
	enum { TURNS = 50, PER_TURN = 1000, PEERS = 10000 };
	char path[128];
	struct store *s;
	struct event ev;
	struct peer_row p;
	struct timespec t0, t1;
	size_t n = 0;
	int ret = 0;

	CHECK_INT(store_open(db_path(path, sizeof(path)), &s), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int t = 0; t < TURNS && ret == 0; t++) {
		ret = store_begin(s);
		for (int i = 0; i < PER_TURN && ret == 0; i++) {
			mk_event(&ev, EV_HANDSHAKE_INITIATION_RECEIVED,
				 1700000000000000LL + t * PER_TURN + i, "wg0",
				 (unsigned)i);
			event_set(&ev, "endpoint", "198.51.100.7:51820");
			event_set(&ev, "peer_id", "1234");
			ret = store_append(s, &ev);
		}
		if (ret == 0)
			ret = store_commit(s);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK_INT(ret, 0);
	printf("     append: %d events in %.3f s = %.0f events/s "
	       "(%d per transaction)\n", TURNS * PER_TURN, secs(&t0, &t1),
	       TURNS * PER_TURN / secs(&t0, &t1), PER_TURN);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_INT(store_read_after(s, 0, SIZE_MAX, count_only, &n), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK_INT(n, TURNS * PER_TURN);
	printf("     read_after: %zu events in %.3f s = %.0f events/s\n", n,
	       secs(&t0, &t1), (double)n / secs(&t0, &t1));

	/* First pass inserts, second updates every row (a restart's worst
	 * case; the steady state writes only peers that changed). */
	mk_peer(&p, "wg0", 0);
	for (int pass = 0; pass < 2; pass++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		ret = store_begin(s);
		for (int i = 0; i < PEERS && ret == 0; i++) {
			memcpy(p.public_key, &i, sizeof(i));
			p.rx = (uint64_t)(i + pass);
			ret = store_peer_put(s, &p);
		}
		if (ret == 0)
			ret = store_commit(s);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		CHECK_INT(ret, 0);
		printf("     peer_put (%s): %d peers (1023-char allowed_ips) "
		       "in one transaction in %.3f s\n",
		       pass ? "update" : "insert", PEERS, secs(&t0, &t1));
	}
	store_free(s);
}

/* An idle agent with [journal] max_events = 5 once emitted EVENTS_DROPPED
 * every poll: each trim's own record put the journal over the bound. The
 * bound now leaves room for it, and dropping only earlier EVENTS_DROPPED
 * records is not news. */
TEST(trim_does_not_feed_itself)
{
	char path[128];
	struct store *s;
	struct event ev;
	uint64_t dropped = 99;
	int64_t now = (int64_t)time(NULL) * 1000000;

	CHECK_INT(store_open(db_path(path, sizeof(path)), &s), 0);
	CHECK_INT(append_n(s, 8, now), 0);
	CHECK_INT(store_trim(s, 5, 0, &dropped), 0);
	CHECK_INT(dropped, 4);
	mk_event(&ev, EV_EVENTS_DROPPED, now, "wg0", 0);
	CHECK_INT(store_append(s, &ev), 0);
	for (int poll = 0; poll < 5; poll++) {	/* idle polls */
		CHECK_INT(store_trim(s, 5, 0, &dropped), 0);
		CHECK_INT(dropped, 0);
	}
	/* An ancient EVENTS_DROPPED alone going by age is not news either. */
	mk_event(&ev, EV_EVENTS_DROPPED, 1000, "wg0", 0);
	CHECK_INT(store_append(s, &ev), 0);
	CHECK_INT(store_trim(s, 0, 60LL * 1000000, &dropped), 0);
	CHECK_INT(dropped, 0);
	CHECK_INT(store_commit(s), 0);
	store_free(s);
}

static int check_event_id(void *ctx, const struct event *ev)
{
	const char *inst = ctx;
	char want[EVENT_ID_LEN];

	snprintf(want, sizeof(want), "%s-%lld", inst, (long long)ev->id);
	if (strcmp(ev->event_id, want))
		test_fail("event_id %s, want %s", ev->event_id, want);
	return 0;
}

/* DESIGN "Event identity": a random 128-bit instance id made once with
 * the database, <instance>-<seq> on every event, kept across reopen; an
 * older database without one is given one. */
TEST(event_id_instance)
{
	char path[128], inst[STORE_INSTANCE_LEN], inst2[STORE_INSTANCE_LEN];
	struct store *s;
	struct event ev;
	sqlite3 *db;

	CHECK_INT(store_open(db_path(path, sizeof(path)), &s), 0);
	snprintf(inst, sizeof(inst), "%s", store_instance(s));
	CHECK_INT(strlen(inst), 32);
	CHECK_INT(strspn(inst, "0123456789abcdef"), 32);
	mk_event(&ev, EV_PEER_ADDED, 1, "wg0", 0);
	CHECK_INT(store_append(s, &ev), 0);
	CHECK(!strncmp(ev.event_id, inst, 32) && !strcmp(ev.event_id + 32, "-1"));
	CHECK_INT(append_n(s, 3, 1), 0);
	CHECK_INT(store_commit(s), 0);
	store_free(s);

	CHECK_INT(store_open_readonly(path, &s), 0);
	CHECK_STR(store_instance(s), inst);
	CHECK_INT(store_read_after(s, 0, SIZE_MAX, check_event_id, inst), 0);
	store_free(s);

	/* A database from before event ids: migrated by making one. */
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, "DELETE FROM meta WHERE key = 'instance_id'",
			       NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	CHECK_INT(store_open(path, &s), 0);
	snprintf(inst2, sizeof(inst2), "%s", store_instance(s));
	CHECK_INT(strlen(inst2), 32);
	CHECK(strcmp(inst, inst2) != 0);
	CHECK_INT(store_read_after(s, 0, SIZE_MAX, check_event_id, inst2), 0);
	store_free(s);

	/* Long ids (formatted by hand, not snprintf): as %lld would. */
	raw_exec(path, "INSERT INTO events (id, time_us, type, severity, source, fields) "
		 "VALUES (9223372036854775807, 1, 'PEER_ADDED', 6, 'poll', x'');"
		 "INSERT INTO events (id, time_us, type, severity, source, fields) "
		 "VALUES (1234567890, 1, 'PEER_ADDED', 6, 'poll', x'');");
	CHECK_INT(store_open_readonly(path, &s), 0);
	CHECK_INT(store_read_after(s, 4, SIZE_MAX, check_event_id, inst2), 0);
	store_free(s);
}

/* The plan SQLite picks for sql, as one string ("SEARCH events USING ..."). */
static void query_plan(const char *path, const char *sql, char *out, size_t len)
{
	char q[512];
	sqlite3_stmt *st;
	sqlite3 *db;
	size_t n = 0;

	out[0] = '\0';
	snprintf(q, sizeof(q), "EXPLAIN QUERY PLAN %s", sql);
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK) {
		test_fail("plan: %s", sqlite3_errmsg(db));
		sqlite3_close(db);
		return;
	}
	while (sqlite3_step(st) == SQLITE_ROW && n < len)
		n += (size_t)snprintf(out + n, len - n, "%s;",
				      (const char *)sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* Schema 2: no index on type (every append paid for it), a partial one
 * for the only reader by type, `wgaudit sessions`; store_read_type still
 * answers any type, and a version-1 file is migrated with its rows. */
TEST(read_type_and_session_index)
{
	char path[128], plan[512];
	struct seen seen = { 0 };
	struct store *s;
	struct event ev;

	CHECK_INT(store_open(db_path(path, sizeof(path)), &s), 0);
	for (unsigned i = 0; i < 12; i++) {
		mk_event(&ev, i % 3 ? EV_PEER_HANDSHAKE : EV_PEER_SESSION,
			 1000 + i, "wg0", i);
		CHECK_INT(store_append(s, &ev), 0);
	}
	CHECK_INT(store_commit(s), 0);
	CHECK_INT(store_read_type(s, EV_PEER_SESSION, 1003, collect, &seen), 0);
	CHECK_INT(seen.count, 3);	/* n = 3, 6, 9 */
	CHECK_INT(seen.n[0], 3);
	CHECK_INT(seen.n[2], 9);
	memset(&seen, 0, sizeof(seen));
	CHECK_INT(store_read_type(s, EV_PEER_HANDSHAKE, 0, collect, &seen), 0);
	CHECK_INT(seen.count, 8);
	CHECK_INT(seen.n[7], 11);
	store_free(s);

	/* The store's statement (store.c ST_READ_SESSION). */
	query_plan(path, "SELECT id FROM events INDEXED BY events_session "
		   "WHERE type = 'PEER_SESSION' AND time_us >= 5 ORDER BY id",
		   plan, sizeof(plan));
	CHECK(strstr(plan, "events_session") != NULL);
	CHECK_INT(raw_int(path, "SELECT count(*) FROM sqlite_master "
			     "WHERE name = 'events_type'"), 0);

	/* Back to version 1 as it shipped: the full index, no partial one. */
	raw_exec(path, "DROP INDEX events_session;"
		 "CREATE INDEX events_type ON events(type);"
		 "PRAGMA user_version = 1;");
	CHECK_INT(store_open(path, &s), 0);
	memset(&seen, 0, sizeof(seen));
	CHECK_INT(store_read_type(s, EV_PEER_SESSION, 0, collect, &seen), 0);
	CHECK_INT(seen.count, 4);
	store_free(s);
	CHECK_INT(raw_int(path, "SELECT count(*) FROM sqlite_master "
			     "WHERE name = 'events_type'"), 0);
	CHECK_INT(raw_int(path, "SELECT count(*) FROM sqlite_master "
			     "WHERE name = 'events_session'"), 1);
	CHECK_INT(raw_int(path, "PRAGMA user_version"), 2);
}

/* `check --dry-run` works on a copy: writes there never reach the file. */
TEST(snapshot_never_writes_the_file)
{
	char path[128], cmd[300];
	struct store *s;
	struct event ev;
	struct stat before, after;
	int64_t last;

	CHECK_INT(store_open(db_path(path, sizeof(path)), &s), 0);
	CHECK_INT(append_n(s, 3, 1), 0);
	CHECK_INT(store_commit(s), 0);
	store_free(s);
	snprintf(cmd, sizeof(cmd), "sha256sum < %s > %s.sum", path, path);
	CHECK_INT(system(cmd), 0);
	CHECK_INT(stat(path, &before), 0);
	CHECK_INT(store_open_snapshot(path, &s), 0);
	CHECK_INT(store_last_id(s, &last), 0);
	CHECK_INT(last, 3);
	mk_event(&ev, EV_PEER_ADDED, 1, "wg0", 0);
	CHECK_INT(store_append(s, &ev), 0);
	CHECK_INT(ev.id, 4);
	CHECK_INT(store_commit(s), 0);
	store_free(s);
	CHECK_INT(stat(path, &after), 0);
	CHECK_INT((long long)after.st_mtime, (long long)before.st_mtime);
	snprintf(cmd, sizeof(cmd), "sha256sum < %s | cmp -s - %s.sum", path, path);
	CHECK_INT(system(cmd), 0);
	/* Nor the files beside it: no -wal, no -shm was made. */
	snprintf(cmd, sizeof(cmd), "%s-wal", path);
	CHECK(access(cmd, F_OK) < 0);
	snprintf(cmd, sizeof(cmd), "%s-shm", path);
	CHECK(access(cmd, F_OK) < 0);
	/* No file at all: an empty copy, and still no file. */
	snprintf(cmd, sizeof(cmd), "%s.none", path);
	CHECK_INT(store_open_snapshot(cmd, &s), 0);
	store_free(s);
	CHECK(access(cmd, F_OK) < 0);
}

/* A database path that is a symlink is refused: the writer would chmod
 * and write the link's target. */
TEST(symlinked_database_refused)
{
	char path[128], target[140];
	struct store *s;

	db_path(path, sizeof(path));
	snprintf(target, sizeof(target), "%s.target", path);
	CHECK_INT(close(open(target, O_CREAT | O_WRONLY, 0644)), 0);
	CHECK_INT(symlink(target, path), 0);
	CHECK_INT(store_open(path, &s), -ELOOP);
	CHECK(s == NULL);
}

TEST_MAIN()
