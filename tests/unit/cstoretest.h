// SPDX-License-Identifier: GPL-2.0
/* cstoretest.h - what the collector database's tests share: a record
 * added as the listeners add one, the row count, one number read by SQL,
 * a fresh database path, the counts a commit reports, a trigger that
 * fails inserts, and every field of the rows cstore_query gives back.
 * After test.h. */
#ifndef WGAUDIT_TEST_CSTORETEST_H
#define WGAUDIT_TEST_CSTORETEST_H
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include "collector/cstore.h"
#include "collector/syslogparse.h"
#include "base/util.h"

static inline int add(struct cstore *s, const char *rec, const char *event_id)
{
	struct syslog_msg m;
	struct crec r = { .recv_us = 1, .src = "127.0.0.1", .proto = "relp",
			  .m = &m, .event_id = event_id };

	syslog_parse(rec, strlen(rec), 0, &m);
	return cstore_add(s, &r);
}

static inline int64_t rows(struct cstore *s)
{
	int64_t n, b;

	cstore_size(s, &n, &b);
	return n;
}

static inline int64_t sql_int(const char *path, const char *sql)
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

static inline void tmpdb(char *dir, size_t dl, char *path, size_t pl)
{
	snprintf(dir, dl, "/tmp/wgaudit-test-cstore-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(path, pl, "%s/c.db", dir);
}

static inline void rmdir_rf(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

static inline void counts(struct cstore *s, uint64_t want_stored, uint64_t want_dups,
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

/* From now on an insert of a record whose MSG is "poison" fails (the
 * cstore opened after it sees it). */
static inline void poison(const char *path)
{
	sqlite3 *db;

	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, "CREATE TRIGGER no BEFORE INSERT ON msg"
			       " WHEN NEW.msg = 'poison' BEGIN SELECT RAISE(ABORT, 'no'); END;",
			       NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static inline void check_opt(const char *got, const char *want, int line)
{
	if ((got == NULL) != (want == NULL) || (got && strcmp(got, want)))
		test_fail("line %d: got %s, want %s", line, got ? got : "NULL",
			  want ? want : "NULL");
}

/* Every field of a row as cstore_query gives it, copied. */
struct full_row {
	int64_t id, recv_us, time_us;
	int facility, severity;
	char *f[13];	/* src proto host app procid msgid type iface peer event_id sd msg */
	size_t sd_len, msg_len;
};

struct full_rows {
	struct full_row row[32];
	size_t n;
};

static inline char *dup_n(const char *p, size_t n)
{
	char *d;

	if (!p)
		return NULL;
	d = malloc(n + 1);
	if (!d)
		abort();
	memcpy(d, p, n);
	d[n] = '\0';
	return d;
}

static inline int collect_full(void *ctx, const struct crow *r)
{
	struct full_rows *g = ctx;
	const char *f[] = { r->src, r->proto, r->host, r->app, r->procid, r->msgid, r->type,
			    r->iface, r->peer, r->event_id };
	struct full_row *w;

	if (g->n == ARRAY_SIZE(g->row))
		return 1;
	w = &g->row[g->n++];
	w->id = r->id;
	w->recv_us = r->recv_us;
	w->time_us = r->time_us;
	w->facility = r->facility;
	w->severity = r->severity;
	for (size_t i = 0; i < ARRAY_SIZE(f); i++)
		w->f[i] = f[i] ? strdup(f[i]) : NULL;
	w->f[10] = dup_n(r->sd, r->sd_len);
	w->f[11] = dup_n(r->msg, r->msg_len);
	w->sd_len = r->sd_len;
	w->msg_len = r->msg_len;
	return 0;
}

static inline void full_rows_free(struct full_rows *g)
{
	for (size_t i = 0; i < g->n; i++)
		for (size_t k = 0; k < ARRAY_SIZE(g->row[i].f); k++)
			free(g->row[i].f[k]);
	g->n = 0;
}

static inline int add_id(struct cstore *s, const char *id)
{
	char rec[160];

	snprintf(rec, sizeof(rec), "<14>1 - h wireguard-audit - X [wgaudit@32473 event_id=\"%s\"] X", id);
	return add(s, rec, id);
}
#endif
