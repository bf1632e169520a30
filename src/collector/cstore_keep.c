// SPDX-License-Identifier: GPL-2.0
/* cstore_keep.c - the collector database's housekeeping: the heartbeat
 * row (stats) and retention, by age and by size, in slices. Both run
 * between batches, with nothing on the insert thread (cstore_settle). */
#include <errno.h>
#include <sqlite3.h>

#include "collector/cstore_int.h"
#include "base/util.h"

int cstore_put_stats(struct cstore *s, const struct cstats *st)
{
	static const char sql[] =
		"INSERT OR REPLACE INTO stats (id, pid, started_us, heartbeat_us, listeners,"
		" received, stored, rejected, oversize, malformed, framing_errors,"
		" conns_accepted, conns_refused, conns_timed_out, retention_deleted, tls_failed,"
		" duplicates) VALUES (1,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	const uint64_t v[] = { st->received, st->stored, st->rejected, st->oversize,
			       st->malformed, st->framing_errors, st->conns_accepted,
			       st->conns_refused, st->conns_timed_out, st->retention_deleted,
			       st->tls_failed, st->duplicates };
	sqlite3_stmt *q;
	int ret = 0;

	cstore_settle(s);
	if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
		return cstore_db_err(s, "stats");
	sqlite3_bind_int64(q, 1, st->pid);
	sqlite3_bind_int64(q, 2, st->started_us);
	sqlite3_bind_int64(q, 3, st->heartbeat_us);
	sqlite3_bind_text(q, 4, st->listeners, -1, SQLITE_STATIC);
	for (size_t i = 0; i < ARRAY_SIZE(v); i++)
		sqlite3_bind_int64(q, 5 + (int)i, (sqlite3_int64)v[i]);
	if (sqlite3_step(q) != SQLITE_DONE)
		ret = cstore_db_err(s, "stats");
	sqlite3_finalize(q);
	return ret;
}

static long delete_where(struct cstore *s, const char *sql, int64_t arg, long budget)
{
	sqlite3_stmt *q;
	long n = -EIO;

	if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
		return cstore_db_err(s, "retention");
	/* A statement without ?1 or ?2 ignores that bind (SQLITE_RANGE). */
	sqlite3_bind_int64(q, 1, arg);
	sqlite3_bind_int64(q, 2, budget);
	if (sqlite3_step(q) == SQLITE_DONE)
		n = sqlite3_changes(s->db);
	else
		cstore_db_err(s, "retention");
	sqlite3_finalize(q);
	return n;
}

long cstore_retention(struct cstore *s, int64_t min_recv_us, uint64_t max_bytes,
		      long budget, bool *more)
{
	long total = 0, n;
	int64_t psize, live;

	*more = false;
	if (cstore_commit(s) < 0)
		return -EIO;
	cstore_settle(s);
	s->open = true;
	if (cstore_own_begin(s) < 0)
		goto fail;
	if (min_recv_us > 0) {
		/* recv_us grows with id, so the rows to drop are a prefix in
		 * id order: walk it through the primary key, no index needed. */
		n = delete_where(s, "DELETE FROM msg WHERE id IN (SELECT id FROM msg"
				 " WHERE recv_us < ?1 ORDER BY id LIMIT ?2)", min_recv_us, budget);
		if (n < 0)
			goto fail;
		total += n;
		*more = n == budget;
		n = delete_where(s, "DELETE FROM source WHERE last_us < ?1",
				 min_recv_us, 0);
		if (n < 0)
			goto fail;
	}
	psize = cstore_pragma_int(s, "PRAGMA page_size");
	live = (cstore_pragma_int(s, "PRAGMA page_count") - cstore_pragma_int(s, "PRAGMA freelist_count")) * psize;
	if (max_bytes && psize > 0 && live > (int64_t)max_bytes && total < budget) {
		/* Drop the oldest rows in proportion to what is over, plus 5%
		 * headroom so the next turns do not trim again at once; never
		 * the newest row (size retention must not empty the store). */
		int64_t rows = cstore_pragma_int(s, "SELECT count(*) FROM msg"), drop;

		drop = rows * (live - (int64_t)max_bytes) / (live ? live : 1) + rows / 20 + 1;
		if (drop >= rows)
			drop = rows - 1;
		if (drop > budget - total)
			drop = budget - total;
		n = delete_where(s, "DELETE FROM msg WHERE id IN (SELECT id FROM msg"
				 " ORDER BY id LIMIT ?2)", 0, drop);
		if (n < 0)
			goto fail;
		total += n;
		*more = *more || n == drop;
	}
	if (total > 0) {
		/* Instances no row names any more go with their rows (else a
		 * sender inventing one per record grows the table for good);
		 * each is one probe of msg_eid. The cache may name them. */
		n = delete_where(s, "DELETE FROM instance WHERE NOT EXISTS (SELECT 1 FROM msg"
				 " WHERE eid_inst = instance.id)", 0, 0);
		if (n < 0)
			goto fail;
		if (n > 0)
			cstore_inst_forget(s);
	}
	if (cstore_commit(s) < 0)
		return -EIO;
	if (total > 0)
		cstore_exec(s, "PRAGMA incremental_vacuum", "incremental_vacuum");
	return total;
fail:
	if (s->db_txn)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	cstore_inst_forget(s);
	cstore_own_end(s);
	s->open = false;
	return -EIO;
}
