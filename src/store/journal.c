// SPDX-License-Identifier: GPL-2.0
/* journal.c - the event journal: append (with its event_id), read back
 * (rows not trusted: each is validated), trim to the configured bounds. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/failpoint.h"
#include "base/log.h"
#include "store/store_int.h"

/* "<instance>-<id>", by hand: snprintf here was ~3 % of a burst (every
 * append and every read back makes one). */
static void set_event_id(const struct store *s, struct event *ev)
{
	char digits[24];
	size_t il = strnlen(s->instance, sizeof(s->instance) - 1), nd = 0;
	/* A damaged row may carry a negative id: printed as %lld would. */
	uint64_t v = ev->id < 0 ? -(uint64_t)ev->id : (uint64_t)ev->id;

	_Static_assert(STORE_INSTANCE_LEN + 21 <= EVENT_ID_LEN, "event_id fits");
	if (!il) {
		ev->event_id[0] = '\0';
		return;
	}
	do {
		digits[nd++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (ev->id < 0)
		digits[nd++] = '-';
	memcpy(ev->event_id, s->instance, il);
	ev->event_id[il] = '-';
	for (size_t i = 0; i < nd; i++)
		ev->event_id[il + 1 + i] = digits[nd - 1 - i];
	ev->event_id[il + 1 + nd] = '\0';
}

/* The last id of the journal, read once per transaction under its write
 * lock: from then on this connection is the only writer and counts on. */
static int load_last_id(struct store *s)
{
	bool found;
	int ret;

	ret = st_query_int(s, ST_NEXT_ID, "next id", &s->last_id, &found);
	if (ret == 0 && (!found || s->last_id < 0))
		ret = -EIO;
	s->id_known = ret == 0;
	return ret;
}

void st_pend_drop(struct store *s)
{
	s->n_pend = 0;
	s->pend_used = 0;
	s->id_known = false;	/* ids handed out for dropped rows: read again */
}

/* The INSERT of 1 << k rows, prepared when first needed. */
static sqlite3_stmt *insert_stmt(struct store *s, unsigned k, int *ret)
{
	static const char head[] = "INSERT INTO events (id, time_us, type, "
		"severity, source, iface, peer, fields) VALUES ";
	static const char row[] = "(?,?,?,?,?,?,?,?)";
	char sql[sizeof(head) + ST_BATCH_MAX * sizeof(row)];
	size_t o = sizeof(head) - 1;
	int rc;

	if (s->ins[k])
		return s->ins[k];
	memcpy(sql, head, o);
	for (size_t i = 0; i < (size_t)1 << k; i++) {
		if (i)
			sql[o++] = ',';
		memcpy(sql + o, row, sizeof(row) - 1);
		o += sizeof(row) - 1;
	}
	sql[o] = '\0';
	rc = sqlite3_prepare_v3(s->db, sql, (int)o, SQLITE_PREPARE_PERSISTENT,
				&s->ins[k], NULL);
	if (rc != SQLITE_OK) {
		*ret = st_db_err(s, "prepare append", rc);
		s->ins[k] = NULL;
	}
	return s->ins[k];
}

static void bind_row(struct store *s, sqlite3_stmt *st, int p,
		     const struct pend_row *r)
{
	const char *b = s->pend_buf + r->off;

	sqlite3_bind_int64(st, p + 1, r->id);
	sqlite3_bind_int64(st, p + 2, r->time_us);
	sqlite3_bind_text(st, p + 3, event_type_name(r->type), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, p + 4, r->severity);
	sqlite3_bind_text(st, p + 5, event_source_name(r->source), -1,
			  SQLITE_STATIC);
	if (r->has_iface)
		sqlite3_bind_text(st, p + 6, b + r->blob_len, r->iface_len,
				  SQLITE_STATIC);
	else
		sqlite3_bind_null(st, p + 6);
	if (r->has_peer)
		sqlite3_bind_text(st, p + 7, b + r->blob_len + r->iface_len,
				  r->peer_len, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, p + 7);
	sqlite3_bind_blob(st, p + 8, b, r->blob_len, SQLITE_STATIC);
}

/* Rows [from, from + (1 << k)) of the buffer in one statement. */
static int insert_rows(struct store *s, unsigned k, size_t from)
{
	sqlite3_stmt *st;
	int rc, ret = 0;

	st = insert_stmt(s, k, &ret);
	if (!st)
		return ret;
	for (size_t i = 0; i < (size_t)1 << k; i++)
		bind_row(s, st, (int)i * 8, &s->pend[from + i]);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return st_db_err(s, "append", rc);
	FAILPOINT("store_append_batch");
	return 0;
}

int st_flush(struct store *s)
{
	size_t done = 0;
	int ret = 0;

	if (!s->n_pend)
		return 0;
	if (s->poison) {
		ret = s->poison;
	} else if (sqlite3_get_autocommit(s->db)) {
		/* SQLite ended the transaction on its own (see store_begin):
		 * these rows would be committed alone, without the turn. */
		log_warnx("store %s: the transaction was rolled back under "
			  "%zu buffered events", s->path, s->n_pend);
		ret = -EIO;
	}
	while (ret == 0 && done < s->n_pend) {
		size_t left = s->n_pend - done;
		unsigned k = ST_BATCH_SIZES - 1;

		while (((size_t)1 << k) > left)
			k--;
		ret = insert_rows(s, k, done);
		done += (size_t)1 << k;
	}
	s->n_pend = 0;
	s->pend_used = 0;
	if (ret < 0)
		s->id_known = false;
	return st_write_end(s, ret);
}

/* Buffered, not yet written: the id is the store's own (one more than the
 * last, never reused: see ST_NEXT_ID), known at once to the caller, and
 * the row reaches SQLite with its batch, at the latest before the journal
 * is read or the turn commits. */
int store_append(struct store *s, struct event *ev)
{
	const char *iface = event_get(ev, "iface");
	const char *peer = event_get(ev, "peer");
	size_t il = iface ? strlen(iface) : 0, pl = peer ? strlen(peer) : 0;
	struct pend_row *r;
	char *b;
	int ret;

	/* What read-back would skip as damaged is refused here, where the
	 * emitter sees the error, not stored to vanish later. */
	if ((unsigned)ev->type >= EV__COUNT ||
	    (unsigned)ev->source >= SRC__COUNT ||
	    ev->severity < LOG_EMERG || ev->severity > LOG_DEBUG)
		return -EINVAL;
	/* Buffered, it would fail only at the flush: say it here. */
	if (s->readonly)
		return -EROFS;
	ret = st_write_begin(s);
	if (ret < 0)
		return ret;
	/* Every field lives in ev->buf, so its encoding fits in as much,
	 * and iface and peer are two of them. */
	if (il + pl > EVENT_BUF_LEN)
		return -EINVAL;
	if (ST_PEND_BYTES - s->pend_used < EVENT_BUF_LEN + il + pl) {
		ret = st_flush(s);
		if (ret < 0)
			return ret;
	}
	if (!s->id_known) {
		ret = load_last_id(s);
		if (ret < 0)
			return st_write_end(s, ret);
	}
	if (s->last_id == INT64_MAX)	/* as SQLite's AUTOINCREMENT: full */
		return st_write_end(s, -ENOSPC);
	r = &s->pend[s->n_pend];
	b = s->pend_buf + s->pend_used;
	r->off = (uint16_t)s->pend_used;
	r->blob_len = (uint16_t)event_fields_encode(ev, b, EVENT_BUF_LEN);
	r->has_iface = iface;
	r->iface_len = (uint16_t)il;
	memcpy(b + r->blob_len, iface ? iface : "", il);
	r->has_peer = peer;
	r->peer_len = (uint16_t)pl;
	memcpy(b + r->blob_len + il, peer ? peer : "", pl);
	s->pend_used += r->blob_len + il + pl;
	r->time_us = ev->time_us;
	r->type = (uint8_t)ev->type;
	r->source = (uint8_t)ev->source;
	r->severity = (uint8_t)ev->severity;
	r->id = ++s->last_id;
	s->n_pend++;
	ev->id = r->id;
	set_event_id(s, ev);
	FAILPOINT("store_append");
	if (s->n_pend == ST_BATCH_MAX)
		return st_flush(s);
	return 0;
}

/* Log a row that cannot be read once, not on every poll that meets it. */
static void skip_row(struct store *s, int64_t id, const char *why,
		     const unsigned char *detail)
{
	char buf[64];

	if (id <= s->skip_logged)
		return;
	s->skip_logged = id;
	log_warnx("store %s: event %" PRId64 " skipped: %s%s%s", s->path, id,
		  why, detail ? " " : "", detail ? st_printable(buf, sizeof(buf), detail) : "");
}

/* The current row of an ST_READ_* statement into ev; -EINVAL if the row
 * is damaged (logged). */
static int row_event(struct store *s, sqlite3_stmt *st, struct event *ev)
{
	int64_t id = sqlite3_column_int64(st, 0);
	const unsigned char *type = sqlite3_column_text(st, 2);
	const unsigned char *src = sqlite3_column_text(st, 4);
	int sev = sqlite3_column_int(st, 3);
	const void *blob = sqlite3_column_blob(st, 5);
	int n = sqlite3_column_bytes(st, 5);
	enum event_type t;
	enum event_source so;

	if (!type || event_type_from_name((const char *)type, &t) < 0) {
		skip_row(s, id, "unknown type", type);
		return -EINVAL;
	}
	if (!src || event_source_from_name((const char *)src, &so) < 0) {
		skip_row(s, id, "unknown source", src);
		return -EINVAL;
	}
	if (sev < LOG_EMERG || sev > LOG_DEBUG) {
		skip_row(s, id, "bad severity", NULL);
		return -EINVAL;
	}
	if (n > EVENT_BUF_LEN) {
		skip_row(s, id, "fields too long", NULL);
		return -EINVAL;
	}
	event_init(ev, t, so);
	ev->id = id;
	set_event_id(s, ev);
	ev->time_us = sqlite3_column_int64(st, 1);
	ev->severity = sev;
	if (event_fields_decode(ev, n ? blob : "", (size_t)n) < 0) {
		skip_row(s, id, "malformed fields", NULL);
		return -EINVAL;
	}
	return 0;
}

/* Step st, handing at most max decodable rows to cb. */
static int read_rows(struct store *s, enum stmt i, size_t max,
		     store_event_cb cb, void *ctx)
{
	sqlite3_stmt *st = s->st[i];
	size_t done = 0;
	int rc = SQLITE_DONE, ret = 0;

	s->reading = true;
	while (done < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (row_event(s, st, s->ev) < 0)
			continue;
		done++;
		ret = cb(ctx, s->ev);
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE && rc != SQLITE_ROW)
		ret = st_db_err(s, "read events", rc);
	sqlite3_reset(st);
	s->reading = false;
	return ret;
}

int store_read_after(struct store *s, int64_t after_id, size_t max,
		     store_event_cb cb, void *ctx)
{
	int ret;

	/* The decode buffer and the statement are single: a callback must
	 * not read the journal again through the same handle. */
	if (s->reading)
		return -EBUSY;
	ret = st_flush(s);	/* a read sees every row appended */
	if (ret < 0 || max == 0)
		return ret;
	sqlite3_bind_int64(s->st[ST_READ_AFTER], 1, after_id);
	return read_rows(s, ST_READ_AFTER, max, cb, ctx);
}

int store_read_type(struct store *s, enum event_type type, int64_t since_us,
		    store_event_cb cb, void *ctx)
{
	int ret;

	if (s->reading)
		return -EBUSY;
	if ((unsigned)type >= EV__COUNT)
		return -EINVAL;
	ret = st_flush(s);
	if (ret < 0)
		return ret;
	if (type == EV_PEER_SESSION) {
		sqlite3_bind_int64(s->st[ST_READ_SESSION], 1, since_us);
		return read_rows(s, ST_READ_SESSION, SIZE_MAX, cb, ctx);
	}
	sqlite3_bind_text(s->st[ST_READ_TYPE], 1, event_type_name(type), -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->st[ST_READ_TYPE], 2, since_us);
	return read_rows(s, ST_READ_TYPE, SIZE_MAX, cb, ctx);
}

int store_read_tail(struct store *s, size_t n, store_event_cb cb, void *ctx)
{
	int ret;

	if (s->reading)
		return -EBUSY;
	ret = st_flush(s);
	if (ret < 0 || n == 0)
		return ret;
	sqlite3_bind_int64(s->st[ST_READ_TAIL], 1,
			   n > INT64_MAX ? INT64_MAX : (int64_t)n);
	return read_rows(s, ST_READ_TAIL, SIZE_MAX, cb, ctx);
}

int store_last_id(struct store *s, int64_t *out)
{
	bool found;
	int ret;

	*out = 0;
	ret = st_flush(s);
	if (ret < 0)
		return ret;
	return st_query_int(s, ST_LAST_ID, "last id", out, &found);
}

/* Drop every row with id <= edge; *dropped += the ones that were news. */
static int trim_upto(struct store *s, int64_t edge, uint64_t *dropped)
{
	int64_t real = 0;
	bool found;
	int ret;

	sqlite3_bind_int64(s->st[ST_TRIM_REAL], 1, edge);
	ret = st_query_int(s, ST_TRIM_REAL, "trim", &real, &found);
	if (ret < 0)
		return ret;
	sqlite3_bind_int64(s->st[ST_TRIM_UPTO], 1, edge);
	ret = st_step_done(s, ST_TRIM_UPTO, "trim");
	if (ret < 0)
		return ret;
	FAILPOINT("store_trim");
	*dropped += (uint64_t)real;
	return 0;
}

/* The id at OFFSET off from the newest row; *found false when there are
 * not that many rows. */
static int trim_edge(struct store *s, uint64_t off, int64_t *edge, bool *found)
{
	sqlite3_bind_int64(s->st[ST_TRIM_EDGE], 1,
			   off > INT64_MAX ? INT64_MAX : (int64_t)off);
	return st_query_int(s, ST_TRIM_EDGE, "trim", edge, found);
}

/* More than max_events rows: keep the newest max_events - 1, the room for
 * the EVENTS_DROPPED that says so (store.h). */
static int trim_count(struct store *s, uint64_t max_events, uint64_t *dropped)
{
	int64_t edge = 0, span = 0;
	bool found;
	int ret;

	ret = st_query_int(s, ST_SPAN, "trim", &span, &found);
	if (ret < 0 || (uint64_t)span <= max_events)
		return ret;
	ret = trim_edge(s, max_events, &edge, &found);
	if (ret < 0 || !found)
		return ret;
	ret = trim_edge(s, max_events - 1, &edge, &found);
	if (ret < 0 || !found)
		return ret;
	return trim_upto(s, edge, dropped);
}

static int trim_age(struct store *s, int64_t max_age_us, uint64_t *dropped)
{
	int64_t cut = now_realtime_us() - max_age_us, real = 0;
	bool found;
	int ret;

	sqlite3_bind_int64(s->st[ST_AGE_REAL], 1, cut);
	ret = st_query_int(s, ST_AGE_REAL, "trim", &real, &found);
	if (ret < 0)
		return ret;
	sqlite3_bind_int64(s->st[ST_TRIM_AGE], 1, cut);
	ret = st_step_done(s, ST_TRIM_AGE, "trim");
	if (ret < 0)
		return ret;
	FAILPOINT("store_trim");
	*dropped += (uint64_t)real;
	return 0;
}

int store_trim(struct store *s, uint64_t max_events, int64_t max_age_us,
	       uint64_t *dropped)
{
	int ret;

	*dropped = 0;
	ret = st_write_begin(s);
	if (ret == 0)
		ret = st_flush(s);	/* the bound counts the buffered rows */
	if (ret < 0)
		return ret;
	if (max_events)
		ret = trim_count(s, max_events, dropped);
	if (ret == 0 && max_age_us > 0)
		ret = trim_age(s, max_age_us, dropped);
	return st_write_end(s, ret);
}
