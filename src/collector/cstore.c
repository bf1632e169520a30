// SPDX-License-Identifier: GPL-2.0
/* cstore.c - the collector's SQLite database.
 *
 * This is the one file besides store/store.c that includes sqlite3.h:
 * the collector keeps what it receives from many agents in its own file
 * (collector.db), with its own schema, retention and write pattern (bulk
 * inserts from the network, one transaction per loop turn), which has
 * nothing in common with the agent's event journal and output cursors.
 * Sharing store.c would couple the two schemas and their migrations; all of
 * the collector's SQL lives here instead, and the rest of the collector
 * sees only cstore.h.
 *
 * Writes: WAL, synchronous=NORMAL (a power cut may lose the last turns'
 * records, never corrupt the file), one transaction per batch. Records
 * are copied into the batch as they come and inserted INS_ROWS at a time
 * by one prepared multi-row INSERT (a statement's fixed cost, cursors
 * opened and closed on three B-trees, was a fifth of the insert's), the
 * rest one by one at commit. An insert that fails fails the whole batch:
 * cstore_commit rolls it back and says so, so a RELP record is never
 * answered unless it is in the file. The per-host summary is aggregated
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
#include <sys/stat.h>
#include <unistd.h>

#include "collector/cstore.h"
#include "collector/cwal.h"
#include "store/sqlx.h"
#include "collector/syslogparse.h"
#include "base/log.h"
#include "base/util.h"

#define CSTORE_SCHEMA_VERSION	6
#define BUSY_TIMEOUT_MS		5000
#define AGG_MAX			64
#define HOST_MAX		256
/* New files only (a file keeps the page size it was made with). Records
 * are appended in id order and the indexes grow at a few hot spots, so
 * larger pages mean fewer B-tree levels, cells moved and WAL frames per
 * record (bench/collector.sh: a third less CPU than 4 KiB pages); larger
 * still would multiply what a commit of a few records writes. */
#define PAGE_SIZE_SQL		"PRAGMA page_size = 16384"
/* What the WAL may hold before a checkpoint copies it back and syncs
 * both files: SQLite's default (1000 pages) of the 4 KiB pages files had,
 * kept in bytes whatever the page size. Checkpoints run on their own
 * thread (cwal.c); the loop checkpoints itself only past the other two
 * bounds: committed bytes not yet synced (what a power cut can take) and
 * the WAL's length (its restart). */
#define WAL_CHECKPOINT_BYTES	(4000 * 1024)
#define WAL_UNSYNCED_BYTES	(16 * 1024 * 1024)
#define WAL_MAX_BYTES		(64 * 1024 * 1024)
/* A WAL grown long in a flood is cut back to this when it restarts. */
#define WAL_LIMIT_SQL		"PRAGMA journal_size_limit = 4096000"
#define INS_ROWS		16	/* records per multi-row INSERT */
#define INS_COLS		19
/* Copied record bytes held before they are inserted (besides one record
 * larger than this, which is inserted at once). */
#define HELD_BYTES		(256 * 1024)
/* An event_id's instance part keyed by instance.id; the ids in use are
 * kept here (an agent's are all alike), the rest looked up or added. */
#define EID_INST_MAX		80
#define EID_INST_MAX_S		"80"
#define EID_SEQ_DIGITS		18	/* fits int64 and reads back the same */
#define INST_CACHE		32
/* The one event type msg_type leaves out (schema 6): the periodic one. */
#define TYPE_UNINDEXED		"PEER_TRANSFER"

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS msg ("
	" id INTEGER PRIMARY KEY,"
	" recv_us INTEGER NOT NULL,"	/* collector's clock */
	" time_us INTEGER,"		/* sender's clock, NULL = not given */
	" src TEXT NOT NULL,"		/* sender address */
	" proto TEXT NOT NULL,"
	" facility INTEGER NOT NULL,"
	" severity INTEGER NOT NULL,"
	" host TEXT NOT NULL,"		/* HOSTNAME, else the sender address */
	" app TEXT,"
	" procid TEXT,"
	" msgid TEXT,"
	" sd TEXT,"
	" msg TEXT NOT NULL,"
	" type TEXT,"			/* wgaudit records: event type */
	" iface TEXT,"
	" peer TEXT,"
	" flags INTEGER NOT NULL DEFAULT 0,"	/* SYSLOG_F_*, and F_* below */
	" event_id TEXT,"			/* wgaudit records: the agent's event id */
	" eid_inst INTEGER,"		/* event_id as a key: instance.id, */
	" eid_seq INTEGER);"		/* and the journal sequence (schema 6) */
	/* Only what a query filters on is indexed: every index costs each
	 * insert a B-tree descent and, per commit, a rewrite of every index
	 * page it touched (a third of the insert time for host and app,
	 * measured with bench/collector.sh), while --source/--host queries
	 * walk the newest rows by id until --tail N match. peer had an index
	 * up to schema 3 that no query used: its keys are random, so each
	 * commit rewrote a page per record and it doubled the bytes written
	 * (schema 4 drops it; a --peer filter would bring it back). */
	/* Not PEER_TRANSFER (schema 6): the agent sends one per peer per
	 * interval, most of what it sends, so the newest of them are found
	 * walking back by id, and the index (an insert each) serves the
	 * rarer types, which a walk would look for long. */
	"CREATE INDEX IF NOT EXISTS msg_type ON msg(type)"
	" WHERE type IS NOT NULL AND type != '" TYPE_UNINDEXED "';"
	/* Each agent event is stored once, whatever the transport and however
	 * often it was retransmitted (DESIGN "Event identity"). An agent's id,
	 * "INSTANCE-SEQ", is keyed as two integers (schema 6): entries of ~10
	 * bytes, not ~50, and an agent's next id goes at the end of its range
	 * (as text, "X-100000" sorts beside "X-10000": each insert landed on
	 * another page of the index, each commit rewrote most of them). An id
	 * that would not read back the same from the pair (a leading zero,
	 * 19 digits or more) stays keyed as text. */
	"CREATE UNIQUE INDEX IF NOT EXISTS msg_eid ON msg(eid_inst, eid_seq)"
	" WHERE eid_inst IS NOT NULL;"
	"CREATE UNIQUE INDEX IF NOT EXISTS msg_event_id ON msg(event_id)"
	" WHERE eid_inst IS NULL AND event_id IS NOT NULL;"
	"CREATE TABLE IF NOT EXISTS instance ("	/* the agents' store instances */
	" id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	"CREATE TABLE IF NOT EXISTS source ("
	" host TEXT PRIMARY KEY, last_us INTEGER NOT NULL,"
	" count INTEGER NOT NULL, last_src TEXT);"
	"CREATE TABLE IF NOT EXISTS stats ("
	" id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER, started_us INTEGER,"
	" heartbeat_us INTEGER, listeners TEXT, received INTEGER, stored INTEGER,"
	" rejected INTEGER, oversize INTEGER, malformed INTEGER,"
	" framing_errors INTEGER, conns_accepted INTEGER, conns_refused INTEGER,"
	" conns_timed_out INTEGER, retention_deleted INTEGER, tls_failed INTEGER,"
	" duplicates INTEGER);";

/* From each older user_version to the next; [1] takes 1 to 2. */
static const char *const upgrades[] = {
	NULL,
	"ALTER TABLE stats ADD COLUMN tls_failed INTEGER;",
	"ALTER TABLE msg ADD COLUMN event_id TEXT;"
	"CREATE UNIQUE INDEX msg_event_id ON msg(event_id) WHERE event_id IS NOT NULL;"
	"ALTER TABLE stats ADD COLUMN duplicates INTEGER;",
	"DROP INDEX IF EXISTS msg_peer;",
	/* 5 writes msgid and peer as NULL when they repeat type and the SD
	 * (F_MSGID_IS_TYPE, F_PEER_IN_SD): rows of 4 read as they are, so
	 * nothing to rewrite; the version keeps older readers off the file. */
	"",
	/* 6 keys event_id by (instance, sequence): the ids stored so far get
	 * their pair, so a retransmission of one is still a duplicate; the
	 * text index keeps only the ids a pair cannot give back. The test of
	 * a pair is the one cstore_add makes (eid_split). */
	"ALTER TABLE msg ADD COLUMN eid_inst INTEGER;"
	"ALTER TABLE msg ADD COLUMN eid_seq INTEGER;"
	"CREATE TABLE instance (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	"CREATE TEMP VIEW eid_old AS SELECT id, substr(event_id, 1, instr(event_id, '-') - 1) AS i,"
	" substr(event_id, instr(event_id, '-') + 1) AS q FROM msg WHERE event_id IS NOT NULL;"
	"CREATE TEMP TABLE eid_new (id INTEGER PRIMARY KEY, i TEXT, q INTEGER);"
	"INSERT INTO eid_new SELECT id, i, CAST(q AS INTEGER) FROM eid_old"
	" WHERE length(i) BETWEEN 1 AND " EID_INST_MAX_S " AND length(q) BETWEEN 1 AND 18"
	" AND CAST(CAST(q AS INTEGER) AS TEXT) = q;"
	"INSERT OR IGNORE INTO instance (name) SELECT i FROM eid_new ORDER BY id;"
	"UPDATE msg SET eid_inst = (SELECT instance.id FROM eid_new JOIN instance ON name = i"
	" WHERE eid_new.id = msg.id), eid_seq = (SELECT q FROM eid_new WHERE eid_new.id = msg.id)"
	" WHERE id IN (SELECT id FROM eid_new);"
	"DROP TABLE eid_new; DROP VIEW eid_old;"
	"DROP INDEX IF EXISTS msg_event_id;"
	"CREATE UNIQUE INDEX msg_eid ON msg(eid_inst, eid_seq) WHERE eid_inst IS NOT NULL;"
	"CREATE UNIQUE INDEX msg_event_id ON msg(event_id)"
	" WHERE eid_inst IS NULL AND event_id IS NOT NULL;"
	"DROP INDEX IF EXISTS msg_type;"
	"CREATE INDEX msg_type ON msg(type) WHERE type IS NOT NULL AND type != '" TYPE_UNINDEXED "';",
};
_Static_assert(ARRAY_SIZE(upgrades) == CSTORE_SCHEMA_VERSION, "one upgrade per version");

struct agg {
	char host[HOST_MAX];
	char src[64];
	int64_t last_us;
	uint64_t count;
};

/* Storage flags, above the parser's SYSLOG_F_* in msg.flags (schema 5):
 * a wgaudit record's msgid is NULL when it is its type, its peer NULL
 * when it is the SD's peer param; cstore_query gives them back. Two
 * fewer copies per row of ~500 bytes (a 44-byte key, the type). */
#define F_MSGID_IS_TYPE		0x10000
#define F_PEER_IN_SD		0x20000
/* schema 6: sd without its end ` event_id="ID"]` when ID is the row's
 * event_id (the agent puts it last): ~50 more bytes a row */
#define F_EID_IN_SD		0x40000

/* The text columns of a held record, in the INSERT's order. */
enum { T_SRC, T_PROTO, T_HOST, T_APP, T_PROCID, T_MSGID, T_SD, T_MSG, T_TYPE,
       T_IFACE, T_PEER, T_EVENT_ID, T_N };
#define T_NULL			UINT32_MAX

/* A record taken into the batch, not yet inserted: its text is in the
 * arena (offsets: the arena may move while it grows). */
struct held {
	int64_t recv_us, time_us;
	int facility, severity;
	unsigned flags;
	int64_t eid_inst, eid_seq;	/* eid_inst 0: NULL (the id is text, or none) */
	uint32_t off[T_N], len[T_N];	/* len T_NULL: SQL NULL */
};

/* instance.id of an event_id's instance part */
struct inst {
	char name[EID_INST_MAX];
	size_t len;
	int64_t id;
};

struct cstore {
	sqlite3 *db;
	struct cwal *wal;	/* the checkpoints (a writer's) */
	sqlite3_stmt *ins, *ins_n, *src_up;	/* ins_n: INS_ROWS rows */
	sqlite3_stmt *inst_get, *inst_add;
	bool in_txn;
	bool failed;		/* an insert of this batch failed: it rolls back */
	int version;		/* user_version; a reader takes 1 too */
	unsigned long pending;	/* records taken in this batch */
	struct held held[INS_ROWS];
	unsigned nheld;
	char *arena;
	size_t alen, acap;
	uint64_t txn_stored, txn_dups;	/* this batch's, so far */
	uint64_t n_stored, n_dups, n_lost;	/* ended batches', until taken */
	struct agg agg[AGG_MAX];
	unsigned nagg;
	struct inst inst[INST_CACHE];
	unsigned ninst, inst_next, inst_last;	/* next: the one to replace */
};

#define WHO	"collector db"

static int db_err(struct cstore *s, const char *what)
{
	return sqlx_err(s->db, WHO, what, SQLITE_ERROR);
}

static int exec(struct cstore *s, const char *sql, const char *what)
{
	return sqlx_exec(s->db, WHO, sql, what);
}

/* -1 when it cannot be read (a reader's check; logged). */
static int64_t pragma_int(struct cstore *s, const char *sql)
{
	int64_t v = -1;

	return sqlx_int(s->db, WHO, sql, &v) < 0 ? -1 : v;
}

static int migrate(struct cstore *s)
{
	int64_t v = pragma_int(s, "PRAGMA user_version");
	int from;

	if (v < 0)
		return -EIO;
	if (v == CSTORE_SCHEMA_VERSION)
		return 0;
	/* Must precede the first table to take effect on a new file. */
	if (v == 0 && exec(s, "PRAGMA auto_vacuum = INCREMENTAL", "auto_vacuum") < 0)
		return -EIO;
	/* A new file gets the current schema at once; an old one each
	 * upgrade from its version ([v] takes v to v + 1). */
	return sqlx_migrate(s->db, WHO, CSTORE_SCHEMA_VERSION, schema, upgrades, &from);
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
		return db_err(s, "prepare");
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
		return db_err(s, "prepare");
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
	if (sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		ret = db_err(s, path);
		goto out;
	}
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	if (!readonly) {
		int64_t psize;

		/* page_size first: it only takes on a file without pages */
		if ((ret = exec(s, PAGE_SIZE_SQL, "page_size")) < 0 ||
		    (ret = exec(s, "PRAGMA journal_mode = WAL", "journal_mode")) < 0 ||
		    (ret = exec(s, "PRAGMA cache_size = -32768", "cache_size")) < 0 ||
		    (ret = exec(s, "PRAGMA synchronous = NORMAL", "synchronous")) < 0 ||
		    (ret = exec(s, WAL_LIMIT_SQL, "journal_size_limit")) < 0 ||
		    (ret = migrate(s)) < 0 || (ret = prepare(s)) < 0)
			goto out;
		psize = pragma_int(s, "PRAGMA page_size");
		if (psize <= 0 || psize > 65536) {
			ret = -EIO;
			goto out;
		}
		ret = cwal_start(s->db, path, (int)psize, WAL_CHECKPOINT_BYTES,
				 WAL_UNSYNCED_BYTES, WAL_MAX_BYTES, &s->wal);
		if (ret < 0)
			goto out;
		s->version = CSTORE_SCHEMA_VERSION;
	} else {
		/* A file a collector of schema 1 is still writing reads fine:
		 * only the newer counters are missing (shown as 0). */
		int64_t v = pragma_int(s, "PRAGMA user_version");

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
	if (s->in_txn)
		cstore_commit(s);
	sqlite3_finalize(s->ins);
	sqlite3_finalize(s->ins_n);
	sqlite3_finalize(s->src_up);
	sqlite3_finalize(s->inst_get);
	sqlite3_finalize(s->inst_add);
	free(s->arena);
	cwal_stop(s->wal);	/* before the last connection closes */
	sqlite3_close(s->db);
	free(s);
}

static int begin(struct cstore *s)
{
	int ret;

	if (s->in_txn)
		return 0;
	ret = exec(s, "BEGIN IMMEDIATE", "begin");
	if (ret == 0)
		s->in_txn = true;
	return ret;
}

static int agg_flush(struct cstore *s)
{
	int ret = 0;

	for (unsigned i = 0; i < s->nagg; i++) {
		struct agg *a = &s->agg[i];

		sqlite3_bind_text(s->src_up, 1, a->host, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s->src_up, 2, a->last_us);
		sqlite3_bind_int64(s->src_up, 3, (sqlite3_int64)a->count);
		sqlite3_bind_text(s->src_up, 4, a->src, -1, SQLITE_STATIC);
		if (sqlite3_step(s->src_up) != SQLITE_DONE)
			ret = db_err(s, "source");
		sqlite3_reset(s->src_up);
	}
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

/* Copies n bytes of p (NULL: an SQL NULL) into the arena. */
static int hold_text(struct cstore *s, struct held *h, int t, const char *p, size_t n)
{
	if (!p) {
		h->len[t] = T_NULL;
		return 0;
	}
	if (s->alen + n > s->acap) {
		size_t cap = s->acap ? s->acap : 64 * 1024;
		char *a;

		while (cap < s->alen + n)
			cap *= 2;
		a = realloc(s->arena, cap);
		if (!a)
			return -ENOMEM;
		s->arena = a;
		s->acap = cap;
	}
	memcpy(s->arena + s->alen, p, n);
	h->off[t] = (uint32_t)s->alen;
	h->len[t] = (uint32_t)n;
	s->alen += n;
	return 0;
}

static int hold_slice(struct cstore *s, struct held *h, int t, struct slice v)
{
	return hold_text(s, h, t, v.n ? v.p : NULL, v.n);
}

/* "" is NULL, as for the slices */
static int hold_str(struct cstore *s, struct held *h, int t, const char *v)
{
	return hold_text(s, h, t, v && *v ? v : NULL, v ? strlen(v) : 0);
}

static void bind_row(struct cstore *s, sqlite3_stmt *st, int base, const struct held *h)
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
			sqlite3_bind_text(st, base + col[t], s->arena + h->off[t], (int)h->len[t],
					  SQLITE_STATIC);
	}
}

/* Inserts the held records: INS_ROWS in one statement, else one by one.
 * A failure fails the batch (the rows of the failed statement are not
 * in it, so nothing of it may be committed). */
static int insert_held(struct cstore *s)
{
	unsigned i = 0;
	int ret = 0;

	while (i < s->nheld && ret == 0) {
		bool n = s->nheld - i == INS_ROWS;
		sqlite3_stmt *st = n ? s->ins_n : s->ins;
		unsigned rows = n ? INS_ROWS : 1;
		int changes;

		for (unsigned r = 0; r < rows; r++)
			bind_row(s, st, (int)r * INS_COLS, &s->held[i + r]);
		if (sqlite3_step(st) != SQLITE_DONE) {
			ret = db_err(s, "insert");
		} else {
			/* OR IGNORE: a row not inserted is a stored
			 * event_id (or one earlier in this batch) */
			changes = sqlite3_changes(s->db);
			s->txn_stored += (uint64_t)changes;
			s->txn_dups += rows - (unsigned)changes;
		}
		sqlite3_reset(st);
		i += rows;
	}
	s->nheld = 0;
	s->alen = 0;
	if (ret < 0)
		s->failed = true;
	return ret;
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
	sqlite3_bind_text(st, 1, name, (int)n, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(s, "instance");
	if (!*id) {
		st = s->inst_add;
		sqlite3_bind_text(st, 1, name, (int)n, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return db_err(s, "instance");
		*id = sqlite3_last_insert_rowid(s->db);
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
static void inst_forget(struct cstore *s)
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
	struct held *h;
	size_t il;
	int ret;

	ret = begin(s);
	if (ret < 0)
		return ret;
	if (s->failed)
		return -EIO;	/* this batch is lost already */
	if (host.n == 0)
		host = (struct slice){ r->src, strlen(r->src) };
	h = &s->held[s->nheld];
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
			s->failed = true;
			return ret;
		}
		sd = sd_trim(sd, event_id, &h->flags);
	}
	if ((ret = hold_text(s, h, T_SRC, r->src, strlen(r->src))) < 0 ||
	    (ret = hold_text(s, h, T_PROTO, r->proto, strlen(r->proto))) < 0 ||
	    (ret = hold_text(s, h, T_HOST, host.p, host.n)) < 0 ||
	    (ret = hold_slice(s, h, T_APP, m->app)) < 0 ||
	    (ret = hold_slice(s, h, T_PROCID, m->procid)) < 0 ||
	    (ret = hold_slice(s, h, T_MSGID, msgid)) < 0 ||
	    (ret = hold_slice(s, h, T_SD, sd)) < 0 ||
	    (ret = hold_text(s, h, T_MSG, m->msg.n ? m->msg.p : "", m->msg.n)) < 0 ||
	    (ret = hold_str(s, h, T_TYPE, r->type)) < 0 ||
	    (ret = hold_str(s, h, T_IFACE, r->iface)) < 0 ||
	    (ret = hold_str(s, h, T_PEER, h->flags & F_PEER_IN_SD ? NULL : r->peer)) < 0 ||
	    (ret = hold_str(s, h, T_EVENT_ID, event_id)) < 0) {
		/* not taken: the records held before it still are */
		log_warnx("collector db: out of memory for a record");
		return ret;
	}
	s->nheld++;
	ret = agg_add(s, host.p, host.n, r->src, r->recv_us);
	if (ret == 0 && (s->nheld == INS_ROWS || s->alen >= HELD_BYTES))
		ret = insert_held(s);
	if (ret < 0) {
		s->failed = true;
		return ret;
	}
	s->pending++;
	return 0;
}

int cstore_commit(struct cstore *s)
{
	int ret = 0;

	if (!s->in_txn)
		return 0;
	if (!s->failed)
		ret = insert_held(s);
	if (ret == 0 && !s->failed)
		ret = agg_flush(s);
	if (ret < 0 || s->failed || exec(s, "COMMIT", "commit") < 0) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		s->n_lost += s->pending;
		inst_forget(s);
		ret = -EIO;
	} else {
		s->n_stored += s->txn_stored;
		s->n_dups += s->txn_dups;
	}
	s->in_txn = s->failed = false;
	s->pending = 0;
	s->nheld = 0;
	s->alen = 0;
	s->nagg = 0;
	s->txn_stored = s->txn_dups = 0;
	return ret;
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

	if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
		return db_err(s, "stats");
	sqlite3_bind_int64(q, 1, st->pid);
	sqlite3_bind_int64(q, 2, st->started_us);
	sqlite3_bind_int64(q, 3, st->heartbeat_us);
	sqlite3_bind_text(q, 4, st->listeners, -1, SQLITE_STATIC);
	for (size_t i = 0; i < ARRAY_SIZE(v); i++)
		sqlite3_bind_int64(q, 5 + (int)i, (sqlite3_int64)v[i]);
	if (sqlite3_step(q) != SQLITE_DONE)
		ret = db_err(s, "stats");
	sqlite3_finalize(q);
	return ret;
}

static long delete_where(struct cstore *s, const char *sql, int64_t arg, long budget)
{
	sqlite3_stmt *q;
	long n = -EIO;

	if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
		return db_err(s, "retention");
	/* A statement without ?1 or ?2 ignores that bind (SQLITE_RANGE). */
	sqlite3_bind_int64(q, 1, arg);
	sqlite3_bind_int64(q, 2, budget);
	if (sqlite3_step(q) == SQLITE_DONE)
		n = sqlite3_changes(s->db);
	else
		db_err(s, "retention");
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
	if (begin(s) < 0)
		return -EIO;
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
	psize = pragma_int(s, "PRAGMA page_size");
	live = (pragma_int(s, "PRAGMA page_count") - pragma_int(s, "PRAGMA freelist_count")) * psize;
	if (max_bytes && psize > 0 && live > (int64_t)max_bytes && total < budget) {
		/* Drop the oldest rows in proportion to what is over, plus 5%
		 * headroom so the next turns do not trim again at once; never
		 * the newest row (size retention must not empty the store). */
		int64_t rows = pragma_int(s, "SELECT count(*) FROM msg"), drop;

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
	if (cstore_commit(s) < 0)
		return -EIO;
	if (total > 0)
		exec(s, "PRAGMA incremental_vacuum", "incremental_vacuum");
	return total;
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	inst_forget(s);
	s->in_txn = false;
	s->pending = 0;
	return -EIO;
}

static const char *col(sqlite3_stmt *q, int i)
{
	return (const char *)sqlite3_column_text(q, i);
}

/* A row's sd as received (F_EID_IN_SD: its end was left to event_id)
 * into *buf (grown as needed); 0 or -ENOMEM. */
static int sd_untrim(struct crow *r, char **buf, size_t *cap)
{
	static const char pre[] = " event_id=\"";
	size_t il = r->event_id ? strlen(r->event_id) : 0;
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
		return db_err(s, "query");
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
		if ((flags & F_EID_IN_SD) && r.sd && (ret = sd_untrim(&r, &sdbuf, &sdcap)) < 0)
			break;
		if (flags & F_PEER_IN_SD)
			r.peer = sd_peer(&r, peer, sizeof(peer));
		if (last_id)
			*last_id = r.id;
		if (cb(ctx, &r))
			break;
	}
	if (ret == 0 && rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_err(s, "query");
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

	memset(st, 0, sizeof(*st));
	if (sqlite3_prepare_v2(s->db, sqls[s->version], -1, &q, NULL) != SQLITE_OK)
		return db_err(s, "stats");
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

	if (sqlite3_prepare_v2(s->db, "SELECT host, last_us, count, last_src FROM source"
			       " ORDER BY last_us DESC", -1, &q, NULL) != SQLITE_OK)
		return db_err(s, "sources");
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
	*rows = pragma_int(s, "SELECT count(*) FROM msg");
	*bytes = pragma_int(s, "PRAGMA page_count") * pragma_int(s, "PRAGMA page_size");
	return *rows < 0 ? -EIO : 0;
}

int64_t cstore_max_id(struct cstore *s)
{
	int64_t v = pragma_int(s, "SELECT coalesce(max(id), 0) FROM msg");

	return v < 0 ? 0 : v;
}
