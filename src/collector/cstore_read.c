// SPDX-License-Identifier: GPL-2.0
/* cstore_read.c - the collector database read back: records (storage
 * flags undone, so every row reads as it was received), counters, the
 * per-host summary, sizes. Files of every schema version are read as
 * they are (the read-only CLI never upgrades one). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "collector/cstore_int.h"
#include "collector/syslogparse.h"
#include "base/util.h"


static const char *col(sqlite3_stmt *q, int i)
{
	return (const char *)sqlite3_column_text(q, i);
}

/* A row's sd as received (F_EID_IN_SD, and the row has an event_id: the
 * sd's end was left to it) into *buf (grown as needed); 0 or -ENOMEM. */
static int sd_untrim(struct crow *r, char **buf, size_t *cap)
{
	static const char pre[] = " event_id=\"";
	size_t il = strlen(r->event_id);
	size_t n = r->sd_len + sizeof(pre) - 1 + il + 2;
	char *p = *buf;

	if (n + 1 > *cap) {
		p = realloc(*buf, n + 1);
		if (!p)
			return -ENOMEM;
		*buf = p;
		*cap = n + 1;
	}
	memcpy(p, r->sd, r->sd_len);
	memcpy(p + r->sd_len, pre, sizeof(pre) - 1);
	memcpy(p + r->sd_len + sizeof(pre) - 1, r->event_id, il);
	memcpy(p + n - 2, "\"]", 3);
	r->sd = p;
	r->sd_len = n;
	return 0;
}

/* A row's peer that was not stored twice (F_PEER_IN_SD): the SD's, read
 * as the collector read it (collector.c wgaudit_fields). */
static const char *sd_peer(const struct crow *r, char *buf, size_t len)
{
	struct sd_want w = { .name = "peer", .val = buf, .vlen = len };

	sd_private_get((struct slice){ r->sd, r->sd_len }, &w, 1);
	return w.found && buf[0] ? buf : NULL;
}

int cstore_query(struct cstore *s, const struct cquery *q,
		 int (*cb)(void *ctx, const struct crow *r), void *ctx, int64_t *last_id)
{
	char sql[1024], *sdbuf = NULL;
	sqlite3_stmt *st;
	int rc, ret = 0, i = 1;
	size_t n, sdcap = 0;

	cstore_settle(s);
	if (q->tail < 0)
		return 0;
	n = (size_t)snprintf(sql, sizeof(sql),
		"SELECT id, recv_us, time_us, facility, severity, src, proto, host, app,"
		" procid, msgid, type, iface, peer, sd, msg, %s, flags FROM msg WHERE id > ?1",
		s->version >= 3 ? "event_id" : "NULL");
	if (q->app)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n,
			" AND substr(app, 1, length(?2)) = ?2");
	if (q->host)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, " AND host = ?3");
	/* the second term lets the planner take msg_type, which leaves
	 * TYPE_UNINDEXED out (it implies type IS NOT NULL of older files) */
	if (q->type)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, " AND type = ?4%s",
				      strcmp(q->type, TYPE_UNINDEXED) ?
				      " AND type != '" TYPE_UNINDEXED "'" : "");
	if (q->since_us)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, " AND recv_us >= ?5");
	if (q->tail > 0)
		snprintf(sql + n, sizeof(sql) - n,
			 " ORDER BY id DESC LIMIT ?6) ORDER BY id");
	else
		snprintf(sql + n, sizeof(sql) - n, " ORDER BY id");
	if (q->tail > 0) {
		/* the last N, printed oldest first */
		char inner[1024];

		snprintf(inner, sizeof(inner), "SELECT * FROM (%s", sql);
		snprintf(sql, sizeof(sql), "%s", inner);
	}
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return cstore_db_err(s, "query");
	sqlite3_bind_int64(st, 1, q->after_id);
	if (q->app)
		sqlite3_bind_text(st, 2, q->app, -1, SQLITE_STATIC);
	if (q->host)
		sqlite3_bind_text(st, 3, q->host, -1, SQLITE_STATIC);
	if (q->type)
		sqlite3_bind_text(st, 4, q->type, -1, SQLITE_STATIC);
	if (q->since_us)
		sqlite3_bind_int64(st, 5, q->since_us);
	if (q->tail > 0)
		sqlite3_bind_int64(st, 6, q->tail);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct crow r = { 0 };
		char peer[64];
		int64_t flags;

		i = 0;
		r.id = sqlite3_column_int64(st, i++);
		r.recv_us = sqlite3_column_int64(st, i++);
		r.time_us = sqlite3_column_int64(st, i++);
		r.facility = sqlite3_column_int(st, i++);
		r.severity = sqlite3_column_int(st, i++);
		r.src = col(st, i++);
		r.proto = col(st, i++);
		r.host = col(st, i++);
		r.app = col(st, i++);
		r.procid = col(st, i++);
		r.msgid = col(st, i++);
		r.type = col(st, i++);
		r.iface = col(st, i++);
		r.peer = col(st, i++);
		r.sd = col(st, i);
		r.sd_len = (size_t)sqlite3_column_bytes(st, i++);
		r.msg = col(st, i);
		r.msg_len = (size_t)sqlite3_column_bytes(st, i++);
		r.event_id = col(st, i++);
		flags = sqlite3_column_int64(st, i++);
		if (flags & F_MSGID_IS_TYPE)
			r.msgid = r.type;
		if ((flags & F_EID_IN_SD) && r.sd && r.event_id &&
		    (ret = sd_untrim(&r, &sdbuf, &sdcap)) < 0)
			break;
		if (flags & F_PEER_IN_SD)
			r.peer = sd_peer(&r, peer, sizeof(peer));
		if (last_id)
			*last_id = r.id;
		if (cb(ctx, &r))
			break;
	}
	if (ret == 0 && rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = cstore_db_err(s, "query");
	sqlite3_finalize(st);
	free(sdbuf);
	return ret;
}

int cstore_get_stats(struct cstore *s, struct cstats *st)
{
	static const char sql[] =
		"SELECT pid, started_us, heartbeat_us, listeners, received, stored, rejected,"
		" oversize, malformed, framing_errors, conns_accepted, conns_refused,"
		" conns_timed_out, retention_deleted, tls_failed, duplicates FROM stats WHERE id = 1";
	static const char sql_v2[] =
		"SELECT pid, started_us, heartbeat_us, listeners, received, stored, rejected,"
		" oversize, malformed, framing_errors, conns_accepted, conns_refused,"
		" conns_timed_out, retention_deleted, tls_failed, 0 FROM stats WHERE id = 1";
	static const char sql_v1[] =
		"SELECT pid, started_us, heartbeat_us, listeners, received, stored, rejected,"
		" oversize, malformed, framing_errors, conns_accepted, conns_refused,"
		" conns_timed_out, retention_deleted, 0, 0 FROM stats WHERE id = 1";
	uint64_t *v[] = { &st->received, &st->stored, &st->rejected, &st->oversize,
			  &st->malformed, &st->framing_errors, &st->conns_accepted,
			  &st->conns_refused, &st->conns_timed_out, &st->retention_deleted,
			  &st->tls_failed, &st->duplicates };
	const char *sqls[] = { sql_v1, sql_v1, sql_v2, sql, sql, sql, sql };
	_Static_assert(ARRAY_SIZE(sqls) == CSTORE_SCHEMA_VERSION + 1, "a query per version");
	sqlite3_stmt *q;
	int ret = -ENOENT;

	cstore_settle(s);
	memset(st, 0, sizeof(*st));
	if (sqlite3_prepare_v2(s->db, sqls[s->version], -1, &q, NULL) != SQLITE_OK)
		return cstore_db_err(s, "stats");
	if (sqlite3_step(q) == SQLITE_ROW) {
		st->pid = (long)sqlite3_column_int64(q, 0);
		st->started_us = sqlite3_column_int64(q, 1);
		st->heartbeat_us = sqlite3_column_int64(q, 2);
		snprintf(st->listeners, sizeof(st->listeners), "%s", col(q, 3) ? col(q, 3) : "");
		for (size_t i = 0; i < ARRAY_SIZE(v); i++)
			*v[i] = (uint64_t)sqlite3_column_int64(q, 4 + (int)i);
		ret = 0;
	}
	sqlite3_finalize(q);
	return ret;
}

int cstore_sources(struct cstore *s, int (*cb)(void *ctx, const struct csource *r), void *ctx)
{
	sqlite3_stmt *q;
	int ret = 0;

	cstore_settle(s);
	if (sqlite3_prepare_v2(s->db, "SELECT host, last_us, count, last_src FROM source"
			       " ORDER BY last_us DESC", -1, &q, NULL) != SQLITE_OK)
		return cstore_db_err(s, "sources");
	while (sqlite3_step(q) == SQLITE_ROW) {
		struct csource r = {
			.host = col(q, 0), .last_us = sqlite3_column_int64(q, 1),
			.count = (uint64_t)sqlite3_column_int64(q, 2), .last_src = col(q, 3),
		};

		if (cb(ctx, &r))
			break;
	}
	sqlite3_finalize(q);
	return ret;
}

int cstore_size(struct cstore *s, int64_t *rows, int64_t *bytes)
{
	*rows = cstore_pragma_int(s, "SELECT count(*) FROM msg");
	*bytes = cstore_pragma_int(s, "PRAGMA page_count") * cstore_pragma_int(s, "PRAGMA page_size");
	return *rows < 0 ? -EIO : 0;
}

int64_t cstore_max_id(struct cstore *s)
{
	int64_t v = cstore_pragma_int(s, "SELECT coalesce(max(id), 0) FROM msg");

	return v < 0 ? 0 : v;
}
