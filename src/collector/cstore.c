// SPDX-License-Identifier: GPL-2.0
/* cstore.c - the collector's SQLite database.
 *
 * These are the files besides store/ that include sqlite3.h:
 * the collector keeps what it receives from many agents in its own file
 * (collector.db), with its own schema, retention and write pattern (bulk
 * inserts from the network, one transaction per loop turn), which has
 * nothing in common with the agent's event journal and output cursors.
 * Sharing store.c would couple the two schemas and their migrations; all of
 * the collector's SQL lives here instead (and in cstore_schema.c, the
 * tables and upgrades, cstore_read.c, the queries, and cstore_keep.c,
 * the heartbeat row and retention: cstore_int.h), and
 * the rest of the collector sees only cstore.h.
 *
 * Writes: WAL, synchronous=NORMAL (a power cut may lose the last turns'
 * records, never corrupt the file), one transaction per batch. Records
 * are copied into a chunk as they come; a full chunk (CHUNK_ROWS) is
 * inserted on a thread of its own (cins.c) while the loop fills the
 * next of a ring, INS_ROWS at a time by one prepared multi-row INSERT (a
 * statement's fixed cost, cursors opened and closed on three B-trees, was
 * a fifth of the insert's). The batch's end (cstore_commit_start) hands
 * on what is left and the COMMIT to the same thread, and the loop takes
 * the next batch's records meanwhile; cstore_commit_land reports it. An
 * insert that fails fails the whole batch: it is rolled back and its
 * commit says so, so a RELP record is never answered unless it is in
 * the file. The per-host summary is aggregated
 * in memory during a batch and written once at commit, so a busy sender
 * costs one row update per batch, not one per record.
 * auto_vacuum=INCREMENTAL lets retention give pages back to the file
 * system without a full VACUUM.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collector/cstore_int.h"
#include "collector/cins.h"
#include "collector/cwal.h"
#include "store/sqlx.h"
#include "collector/syslogparse.h"
#include "base/log.h"
#include "base/util.h"

#define BUSY_TIMEOUT_MS		5000
/* New files only (a file keeps the page size it was made with). Records
 * are appended in id order and the indexes grow at a few hot spots, so
 * larger pages mean fewer B-tree levels, cells moved and WAL frames per
 * record (bench/collector.sh: a third less CPU than 4 KiB pages); larger
 * still would multiply what a commit of a few records writes. */
#define PAGE_SIZE_SQL		"PRAGMA page_size = 16384"
/* The WAL's bounds (cwal.h). A round of the WAL thread every ~4 MB: in a
 * flood (4 MB within a second) it only syncs the WAL, and the copy back
 * into the file, most of a checkpoint's cost, waits until the flood
 * passes or the WAL is 64 MB long; else it checkpoints, as SQLite's
 * default did every 1000 pages of the 4 KiB pages files had. The writer
 * checkpoints itself only past the other two bounds: committed bytes not
 * yet synced (what a power cut can take; the thread fell behind) and the
 * WAL's length (its restart). */
static const struct cwal_bounds wal_bounds = {
	.sync = 4000 * 1024,
	.copy = 64 * 1024 * 1024,
	.unsynced = 16 * 1024 * 1024,
	.wal = 128 * 1024 * 1024,
	.flood_ms = 1000,
};
/* A WAL grown long in a flood is cut back to this when it restarts. */
#define WAL_LIMIT_SQL		"PRAGMA journal_size_limit = 4096000"
#define INS_COLS		19
/* Copied record bytes a chunk holds before it is inserted (besides one
 * record larger than this, which is inserted at once). */
#define HELD_BYTES		(256 * 1024)
#define EID_SEQ_DIGITS		18	/* fits int64 and reads back the same */

static void job_run(void *ctx, void *job);

int cstore_db_err(struct cstore *s, const char *what)
{
	return sqlx_err(s->db, WHO, what, SQLITE_ERROR);
}

int cstore_exec(struct cstore *s, const char *sql, const char *what)
{
	cstore_settle(s);
	return sqlx_exec(s->db, WHO, sql, what);
}

/* -1 when it cannot be read (a reader's check; logged). */
int64_t cstore_pragma_int(struct cstore *s, const char *sql)
{
	int64_t v = -1;

	cstore_settle(s);
	return sqlx_int(s->db, WHO, sql, &v) < 0 ? -1 : v;
}

/* INSERT of rows records at once. OR IGNORE, not ON CONFLICT DO NOTHING:
 * both skip a row whose event_id is stored, but with DO NOTHING a NOT NULL
 * column may still abort the statement midway, so SQLite keeps a statement
 * journal of every page a multi-row INSERT touches (spilled to a temp file:
 * 1.4 GB written for 200,000 records). OR IGNORE would also skip a row
 * with a NULL in a NOT NULL column; cstore_add never makes one (src, proto,
 * host and msg are always text, the rest numbers). */
static int prepare_insert(struct cstore *s, unsigned rows, sqlite3_stmt **st)
{
	static const char ins[] =
		"INSERT OR IGNORE INTO msg (recv_us, time_us, src, proto, facility, severity,"
		" host, app, procid, msgid, sd, msg, type, iface, peer, flags, event_id,"
		" eid_inst, eid_seq) VALUES ";
	static const char row[] = "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	char sql[sizeof(ins) + INS_ROWS * sizeof(row)];
	size_t n = (size_t)snprintf(sql, sizeof(sql), "%s", ins);

	for (unsigned r = 0; r < rows && r < INS_ROWS; r++)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, "%s%s", r ? "," : "", row);
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
		return cstore_db_err(s, "prepare");
	return 0;
}

static int prepare(struct cstore *s)
{
	static const char src_up[] =
		"INSERT INTO source (host, last_us, count, last_src) VALUES (?,?,?,?)"
		" ON CONFLICT(host) DO UPDATE SET last_us = max(last_us, excluded.last_us),"
		" count = count + excluded.count, last_src = excluded.last_src";
	int ret;

	if ((ret = prepare_insert(s, 1, &s->ins)) < 0 ||
	    (ret = prepare_insert(s, INS_ROWS, &s->ins_n)) < 0)
		return ret;
	if (sqlite3_prepare_v3(s->db, src_up, -1, SQLITE_PREPARE_PERSISTENT, &s->src_up, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(s->db, "SELECT id FROM instance WHERE name = ?", -1,
			       SQLITE_PREPARE_PERSISTENT, &s->inst_get, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(s->db, "INSERT INTO instance (name) VALUES (?)", -1,
			       SQLITE_PREPARE_PERSISTENT, &s->inst_add, NULL) != SQLITE_OK)
		return cstore_db_err(s, "prepare");
	return 0;
}

int cstore_open(const char *path, bool readonly, struct cstore **out)
{
	struct cstore *s;
	int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	int ret = -EIO, fd;

	*out = NULL;
	if (readonly && access(path, R_OK) < 0)
		return -errno;
	if (!readonly) {
		/* Records can carry anything senders log: owner-only. */
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			return -errno;
		close(fd);
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->commit_fd = -1;
	s->cj.kind = JOB_COMMIT;
	for (unsigned i = 0; i < CHUNKS; i++)
		s->ck[i].kind = JOB_CHUNK;
	if (sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		ret = cstore_db_err(s, path);
		goto out;
	}
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	if (!readonly) {
		int64_t psize;

		/* page_size first: it only takes on a file without pages */
		if ((ret = cstore_exec(s, PAGE_SIZE_SQL, "page_size")) < 0 ||
		    (ret = cstore_exec(s, "PRAGMA journal_mode = WAL", "journal_mode")) < 0 ||
		    (ret = cstore_exec(s, "PRAGMA cache_size = -32768", "cache_size")) < 0 ||
		    (ret = cstore_exec(s, "PRAGMA synchronous = NORMAL", "synchronous")) < 0 ||
		    (ret = cstore_exec(s, WAL_LIMIT_SQL, "journal_size_limit")) < 0 ||
		    (ret = cstore_migrate(s)) < 0 || (ret = prepare(s)) < 0)
			goto out;
		psize = cstore_pragma_int(s, "PRAGMA page_size");
		if (psize <= 0 || psize > 65536) {
			ret = -EIO;
			goto out;
		}
		ret = cwal_start(s->db, path, (int)psize, &wal_bounds, &s->wal);
		if (ret < 0)
			goto out;
		s->commit_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (s->commit_fd < 0) {
			ret = -errno;
			goto out;
		}
		if ((ret = cins_start(job_run, s, &s->ins_w)) < 0)
			goto out;
		s->version = CSTORE_SCHEMA_VERSION;
	} else {
		/* A file a collector of schema 1 is still writing reads fine:
		 * only the newer counters are missing (shown as 0). */
		int64_t v = cstore_pragma_int(s, "PRAGMA user_version");

		if (v < 1 || v > CSTORE_SCHEMA_VERSION) {
			ret = -ENOENT;
			goto out;
		}
		s->version = (int)v;
	}
	*out = s;
	s = NULL;
	ret = 0;
out:
	cstore_free(s);
	return ret;
}

void cstore_free(struct cstore *s)
{
	if (!s)
		return;
	if (s->ins_w)
		cstore_commit(s);	/* the one in flight lands, the open one commits */
	cins_stop(s->ins_w);	/* idle: the commit settled it */
	if (s->commit_fd >= 0)
		close(s->commit_fd);
	sqlite3_finalize(s->ins);
	sqlite3_finalize(s->ins_n);
	sqlite3_finalize(s->src_up);
	sqlite3_finalize(s->inst_get);
	sqlite3_finalize(s->inst_add);
	for (unsigned i = 0; i < CHUNKS; i++)
		free(s->ck[i].arena);
	cwal_stop(s->wal);	/* before the last connection closes */
	sqlite3_close(s->db);
	free(s);
}

/* The connection's owner (the thread, or the loop after cstore_settle;
 * so never cstore_exec here): the batch's write transaction. */
int cstore_own_begin(struct cstore *s)
{
	if (s->db_txn)
		return 0;
	if (sqlx_exec(s->db, WHO, "BEGIN IMMEDIATE", "begin") < 0) {
		s->t_failed = true;
		return -EIO;
	}
	s->db_txn = true;
	return 0;
}

void cstore_own_end(struct cstore *s)
{
	s->db_txn = s->t_failed = false;
	s->t_stored = s->t_dups = 0;
}

/* The owner's: the per-host summary into the source table. */
static int agg_write(struct cstore *s, const struct agg *agg, unsigned nagg)
{
	int ret = 0;

	for (unsigned i = 0; i < nagg; i++) {
		const struct agg *a = &agg[i];

		sqlite3_bind_text(s->src_up, 1, a->host, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s->src_up, 2, a->last_us);
		sqlite3_bind_int64(s->src_up, 3, (sqlite3_int64)a->count);
		sqlite3_bind_text(s->src_up, 4, a->src, -1, SQLITE_STATIC);
		if (sqlite3_step(s->src_up) != SQLITE_DONE)
			ret = cstore_db_err(s, "source");
		sqlite3_reset(s->src_up);
	}
	if (ret < 0)
		s->t_failed = true;
	return ret;
}

/* The loop's summary is full: written now, in the open batch. */
static int agg_flush(struct cstore *s)
{
	int ret;

	cstore_settle(s);
	s->open = true;
	ret = cstore_own_begin(s);
	if (ret == 0)
		ret = agg_write(s, s->agg, s->nagg);
	s->nagg = 0;
	return ret;
}

static int agg_add(struct cstore *s, const char *host, size_t hl, const char *src, int64_t t)
{
	struct agg *a;
	int ret;

	if (hl >= HOST_MAX)
		hl = HOST_MAX - 1;
	for (unsigned i = 0; i < s->nagg; i++) {
		a = &s->agg[i];
		if (!strncmp(a->host, host, hl) && a->host[hl] == '\0') {
			a->count++;
			a->last_us = t;
			return 0;
		}
	}
	if (s->nagg == AGG_MAX && (ret = agg_flush(s)) < 0)
		return ret;
	a = &s->agg[s->nagg++];
	memcpy(a->host, host, hl);
	a->host[hl] = '\0';
	snprintf(a->src, sizeof(a->src), "%s", src);
	a->count = 1;
	a->last_us = t;
	return 0;
}

/* Copies n bytes of p (NULL: an SQL NULL) into the chunk's arena. */
static int hold_text(struct chunk *ck, struct held *h, int t, const char *p, size_t n)
{
	if (!p) {
		h->len[t] = T_NULL;
		return 0;
	}
	if (ck->alen + n > ck->acap) {
		size_t cap = ck->acap ? ck->acap : 64 * 1024;
		char *a;

		while (cap < ck->alen + n)
			cap *= 2;
		a = realloc(ck->arena, cap);
		if (!a)
			return -ENOMEM;
		ck->arena = a;
		ck->acap = cap;
	}
	memcpy(ck->arena + ck->alen, p, n);
	h->off[t] = (uint32_t)ck->alen;
	h->len[t] = (uint32_t)n;
	ck->alen += n;
	return 0;
}

static int hold_slice(struct chunk *ck, struct held *h, int t, struct slice v)
{
	return hold_text(ck, h, t, v.n ? v.p : NULL, v.n);
}

/* "" is NULL, as for the slices */
static int hold_str(struct chunk *ck, struct held *h, int t, const char *v)
{
	return hold_text(ck, h, t, v && *v ? v : NULL, v ? strlen(v) : 0);
}

static void bind_row(const struct chunk *ck, sqlite3_stmt *st, int base, const struct held *h)
{
	static const int col[T_N] = { 3, 4, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17 };

	sqlite3_bind_int64(st, base + 1, h->recv_us);
	if (h->time_us)
		sqlite3_bind_int64(st, base + 2, h->time_us);
	else
		sqlite3_bind_null(st, base + 2);
	sqlite3_bind_int(st, base + 5, h->facility);
	sqlite3_bind_int(st, base + 6, h->severity);
	sqlite3_bind_int(st, base + 16, (int)h->flags);
	if (h->eid_inst) {
		sqlite3_bind_int64(st, base + 18, h->eid_inst);
		sqlite3_bind_int64(st, base + 19, h->eid_seq);
	} else {
		sqlite3_bind_null(st, base + 18);
		sqlite3_bind_null(st, base + 19);
	}
	for (int t = 0; t < T_N; t++) {
		if (h->len[t] == T_NULL)
			sqlite3_bind_null(st, base + col[t]);
		else
			sqlite3_bind_text(st, base + col[t], ck->arena + h->off[t], (int)h->len[t],
					  SQLITE_STATIC);
	}
}

/* The owner's: a chunk's records, INS_ROWS in one statement, the rest
 * one by one. A failure fails the batch (the rows of the failed statement
 * are not in it, so nothing of it may be committed). */
static void insert_chunk(struct cstore *s, struct chunk *ck)
{
	unsigned i = 0;

	if (s->t_failed || cstore_own_begin(s) < 0)
		return;
	while (i < ck->nheld && !s->t_failed) {
		bool n = ck->nheld - i >= INS_ROWS;
		sqlite3_stmt *st = n ? s->ins_n : s->ins;
		unsigned rows = n ? INS_ROWS : 1;
		int changes;

		for (unsigned r = 0; r < rows; r++)
			bind_row(ck, st, (int)r * INS_COLS, &ck->held[i + r]);
		if (sqlite3_step(st) != SQLITE_DONE) {
			cstore_db_err(s, "insert");	/* log.c is safe on any thread */
			s->t_failed = true;
		} else {
			/* OR IGNORE: a row not inserted is a stored
			 * event_id (or one earlier in this batch) */
			changes = sqlite3_changes(s->db);
			s->t_stored += (uint64_t)changes;
			s->t_dups += rows - (unsigned)changes;
		}
		sqlite3_reset(st);
		i += rows;
	}
}

/* The owner's: the batch's end. The summary, then COMMIT, or ROLLBACK
 * if anything of it failed; the answer in cj, and the loop told. */
static void commit_run(struct cstore *s, struct ccommit *cj)
{
	uint64_t one = 1;
	bool ok;

	if (cj->nagg && cstore_own_begin(s) == 0)
		agg_write(s, cj->agg, cj->nagg);
	ok = !s->t_failed;
	if (ok && s->db_txn && sqlx_exec(s->db, WHO, "COMMIT", "commit") < 0)
		ok = false;
	if (!ok && s->db_txn)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	cj->ok = ok;
	cj->stored = ok ? s->t_stored : 0;
	cj->dups = ok ? s->t_dups : 0;
	cstore_own_end(s);
	/* the job is done a moment after this: the loop, told, waits that */
	__atomic_store_n(&cj->ended, true, __ATOMIC_RELEASE);
	if (s->commit_fd >= 0 && write(s->commit_fd, &one, sizeof(one)) < 0)
		log_errno(errno, "collector db: commit event");	/* the loop waits instead */
}

static void job_run(void *ctx, void *job)
{
	if (*(const int *)job == JOB_CHUNK)
		insert_chunk(ctx, job);
	else
		commit_run(ctx, job);
}

void cstore_settle(struct cstore *s)
{
	if (!s->last_ticket)
		return;
	cins_wait(s->ins_w, s->last_ticket);	/* and every one before it */
	for (unsigned i = 0; i < CHUNKS; i++)
		s->ck[i].ticket = 0;
	s->last_ticket = 0;
}

/* The loop's chunk is full (or its batch ends): to the thread, and the
 * loop fills the next of the ring, once the thread is done with it. */
static void chunk_hand_on(struct cstore *s)
{
	struct chunk *ck = &s->ck[s->fill];

	ck->ticket = s->last_ticket = cins_give(s->ins_w, ck);
	s->fill = (s->fill + 1) % CHUNKS;
	ck = &s->ck[s->fill];
	if (ck->ticket)		/* given CINS_DEPTH jobs ago at least: done */
		cins_wait(s->ins_w, ck->ticket);
	ck->ticket = 0;
	ck->nheld = 0;
	ck->alen = 0;
}

/* An event_id that reads back the same as "NAME-SEQ" from the pair: the
 * instance part 1..EID_INST_MAX - 1 bytes, the sequence 1..18 digits
 * without a leading zero (schema 6's upgrade tests the same in SQL). */
static bool eid_split(const char *id, size_t *ilen, int64_t *seq)
{
	const char *dash = strchr(id, '-'), *q;
	int64_t v = 0;
	size_t n;

	if (!dash || dash == id || (size_t)(dash - id) >= EID_INST_MAX)
		return false;
	q = dash + 1;
	n = strlen(q);
	if (n == 0 || n > EID_SEQ_DIGITS || (q[0] == '0' && n > 1))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (q[i] < '0' || q[i] > '9')
			return false;
		v = v * 10 + (q[i] - '0');
	}
	*ilen = (size_t)(dash - id);
	*seq = v;
	return true;
}

/* instance.id of name[0..n), looked up or added (in the open batch). */
static int inst_id(struct cstore *s, const char *name, size_t n, int64_t *id)
{
	sqlite3_stmt *st = s->inst_get;
	struct inst *e;
	int rc;

	e = &s->inst[s->inst_last];
	if (s->ninst && e->len == n && !memcmp(e->name, name, n)) {
		*id = e->id;
		return 0;
	}
	for (unsigned i = 0; i < s->ninst; i++) {
		e = &s->inst[i];
		if (e->len == n && !memcmp(e->name, name, n)) {
			s->inst_last = i;
			*id = e->id;
			return 0;
		}
	}
	cstore_settle(s);	/* the connection is the loop's again */
	s->open = true;
	if (cstore_own_begin(s) < 0)
		return -EIO;
	sqlite3_bind_text(st, 1, name, (int)n, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return cstore_db_err(s, "instance");
	if (!*id) {
		st = s->inst_add;
		sqlite3_bind_text(st, 1, name, (int)n, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return cstore_db_err(s, "instance");
		*id = sqlite3_last_insert_rowid(s->db);
		/* The batch's records name it, and so will the next batch's
		 * (the cache): so this batch lands before the next one takes
		 * a record, and a rollback empties the cache first. */
		s->inst_added = true;
	}
	if (s->ninst < INST_CACHE) {
		s->inst_last = s->ninst++;
	} else {
		s->inst_last = s->inst_next;
		s->inst_next = (s->inst_next + 1) % INST_CACHE;
	}
	e = &s->inst[s->inst_last];
	memcpy(e->name, name, n);
	e->len = n;
	e->id = *id;
	return 0;
}

/* A batch rolled back: an instance it added (and one it looked up may
 * have been) is gone with it. Rare: the cache is refilled. */
void cstore_inst_forget(struct cstore *s)
{
	s->ninst = s->inst_last = s->inst_next = 0;
}

/* The sd to store: without its end ` event_id="ID"]` (F_EID_IN_SD). */
static struct slice sd_trim(struct slice sd, const char *id, unsigned *flags)
{
	static const char pre[] = " event_id=\"";
	size_t il = strlen(id), n = sizeof(pre) - 1 + il + 2;
	const char *end;

	if (!il || sd.n <= n)
		return sd;
	end = sd.p + sd.n - n;
	if (memcmp(end, pre, sizeof(pre) - 1) || memcmp(end + sizeof(pre) - 1, id, il) ||
	    memcmp(end + n - 2, "\"]", 2))
		return sd;
	*flags |= F_EID_IN_SD;
	return (struct slice){ sd.p, sd.n - n };
}

int cstore_add(struct cstore *s, const struct crec *r)
{
	const struct syslog_msg *m = r->m;
	struct slice host = m->host, msgid = m->msgid, sd = m->sd;
	const char *event_id = r->event_id && *r->event_id ? r->event_id : NULL;
	struct chunk *ck = &s->ck[s->fill];
	struct held *h;
	size_t il;
	int ret;

	if (host.n == 0)
		host = (struct slice){ r->src, strlen(r->src) };
	h = &ck->held[ck->nheld];
	h->recv_us = r->recv_us;
	h->time_us = m->time_us;
	h->facility = m->facility;
	h->severity = m->severity;
	h->flags = m->flags;
	if (r->type && m->msgid.n && m->msgid.n == strlen(r->type) &&
	    !memcmp(m->msgid.p, r->type, m->msgid.n)) {
		msgid = (struct slice){ NULL, 0 };
		h->flags |= F_MSGID_IS_TYPE;
	}
	if (r->peer && *r->peer && r->peer_in_sd)
		h->flags |= F_PEER_IN_SD;
	h->eid_inst = 0;
	if (event_id) {
		if (eid_split(event_id, &il, &h->eid_seq) &&
		    (ret = inst_id(s, event_id, il, &h->eid_inst)) < 0) {
			s->t_failed = true;	/* settled: the loop's to set */
			return ret;
		}
		sd = sd_trim(sd, event_id, &h->flags);
	}
	if ((ret = hold_text(ck, h, T_SRC, r->src, strlen(r->src))) < 0 ||
	    (ret = hold_text(ck, h, T_PROTO, r->proto, strlen(r->proto))) < 0 ||
	    (ret = hold_text(ck, h, T_HOST, host.p, host.n)) < 0 ||
	    (ret = hold_slice(ck, h, T_APP, m->app)) < 0 ||
	    (ret = hold_slice(ck, h, T_PROCID, m->procid)) < 0 ||
	    (ret = hold_slice(ck, h, T_MSGID, msgid)) < 0 ||
	    (ret = hold_slice(ck, h, T_SD, sd)) < 0 ||
	    (ret = hold_text(ck, h, T_MSG, m->msg.n ? m->msg.p : "", m->msg.n)) < 0 ||
	    (ret = hold_str(ck, h, T_TYPE, r->type)) < 0 ||
	    (ret = hold_str(ck, h, T_IFACE, r->iface)) < 0 ||
	    (ret = hold_str(ck, h, T_PEER, h->flags & F_PEER_IN_SD ? NULL : r->peer)) < 0 ||
	    (ret = hold_str(ck, h, T_EVENT_ID, event_id)) < 0) {
		/* not taken: the records held before it still are */
		log_warnx("collector db: out of memory for a record");
		return ret;
	}
	ck->nheld++;
	s->open = true;
	/* a failed summary write fails the batch (its commit says so) */
	ret = agg_add(s, host.p, host.n, r->src, r->recv_us);
	if (ck->nheld == CHUNK_ROWS || ck->alen >= HELD_BYTES)
		chunk_hand_on(s);
	if (ret < 0)
		return ret;
	s->pending++;
	return 0;
}

static void drain(int fd)
{
	for (uint64_t v; fd >= 0 && read(fd, &v, sizeof(v)) > 0;)
		;
}

/* The commit given has ended: its result, once (the rest of the batch's
 * bookkeeping with it). */
static void commit_landed(struct cstore *s)
{
	struct ccommit *cj = &s->cj;

	cins_wait(s->ins_w, cj->ticket);
	drain(s->commit_fd);	/* readable again only for the next */
	cj->ticket = 0;
	cj->ended = false;
	cj->landed = true;
	if (cj->ok) {
		s->n_stored += cj->stored;
		s->n_dups += cj->dups;
	} else {
		s->n_lost += cj->pending;
		cstore_inst_forget(s);
	}
}

int cstore_commit_land(struct cstore *s, bool wait)
{
	struct ccommit *cj = &s->cj;

	if (cj->ticket) {
		if (!wait && !__atomic_load_n(&cj->ended, __ATOMIC_ACQUIRE))
			return -EAGAIN;
		commit_landed(s);
	}
	if (!cj->landed) {
		drain(s->commit_fd);
		return 1;
	}
	cj->landed = false;
	return cj->ok ? 0 : -EIO;
}

int cstore_commit_start(struct cstore *s)
{
	struct ccommit *cj = &s->cj;

	if (cj->ticket || cj->landed)
		return -EBUSY;
	if (!s->ins_w || !s->open)
		return 1;
	if (s->ck[s->fill].nheld)
		chunk_hand_on(s);
	memcpy(cj->agg, s->agg, s->nagg * sizeof(s->agg[0]));
	cj->nagg = s->nagg;
	cj->pending = s->pending;
	cj->ticket = s->last_ticket = cins_give(s->ins_w, cj);
	s->nagg = 0;
	s->pending = 0;
	s->open = false;
	if (s->inst_added) {
		s->inst_added = false;
		commit_landed(s);
	}
	return 0;
}

int cstore_commit(struct cstore *s)
{
	int ret;

	if (s->cj.ticket)
		commit_landed(s);
	s->cj.landed = false;	/* its counts are in cstore_take_counts */
	ret = cstore_commit_start(s);
	return ret == 1 ? 0 : cstore_commit_land(s, true);
}

int cstore_commit_fd(const struct cstore *s)
{
	return s->commit_fd;
}

void cstore_take_counts(struct cstore *s, uint64_t *stored, uint64_t *duplicates,
			uint64_t *lost)
{
	*stored = s->n_stored;
	*duplicates = s->n_dups;
	*lost = s->n_lost;
	s->n_stored = s->n_dups = s->n_lost = 0;
}

unsigned long cstore_pending(const struct cstore *s)
{
	return s->pending;
}

void cstore_idle(struct cstore *s)
{
	if (s->wal)
		cwal_kick(s->wal);
}
