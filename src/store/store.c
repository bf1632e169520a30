// SPDX-License-Identifier: GPL-2.0
/* store.c - the SQLite state: event journal, output cursors, peer and
 * interface rows, meta. The only file that includes sqlite3.h.
 *
 * One connection per process side: the agent writes (one transaction per
 * loop turn), the CLI reads through a second, read-only connection. WAL
 * lets the reader see every committed turn while the agent writes the next.
 * Every statement is prepared once at open and reset after each use. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>
#include "base/event.h"
#include "base/failpoint.h"
#include "base/log.h"
#include "store/sqlx.h"
#include "store/store_int.h"

/* Long enough for a checkpoint or a big trim in the agent to finish
 * while the CLI waits; short enough that a wedged peer is reported. */
#define STORE_BUSY_TIMEOUT_MS	5000
/* Truncate the WAL back to this after a checkpoint so one burst does not
 * leave a huge file behind. */
#define STORE_WAL_LIMIT		(64 * 1024 * 1024)

/* Schema migrations: step i takes user_version i to i + 1. Append only;
 * never edit a step that has shipped. */
static const char *const migrations[] = {
	/* 1: the first schema. AUTOINCREMENT so an id is never handed out
	 * twice, even after trim emptied the journal: output cursors and
	 * collectors rely on ids only growing. */
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  time_us INTEGER NOT NULL,"
	"  type TEXT NOT NULL,"
	"  severity INTEGER NOT NULL,"
	"  source TEXT NOT NULL,"
	"  iface TEXT,"
	"  peer TEXT,"
	"  fields BLOB NOT NULL);"
	"CREATE INDEX events_time ON events(time_us);"
	"CREATE INDEX events_type ON events(type);"
	"CREATE TABLE cursors ("
	"  name TEXT PRIMARY KEY NOT NULL,"
	"  last_id INTEGER NOT NULL);"
	"CREATE TABLE meta ("
	"  key TEXT PRIMARY KEY NOT NULL,"
	"  value TEXT NOT NULL);"
	"CREATE TABLE peers ("
	"  iface TEXT NOT NULL,"
	"  public_key BLOB NOT NULL,"
	"  endpoint TEXT NOT NULL,"
	"  allowed_ips TEXT NOT NULL,"
	"  name TEXT NOT NULL,"
	"  last_handshake INTEGER NOT NULL,"
	"  rx INTEGER NOT NULL, tx INTEGER NOT NULL,"
	"  rx_mark INTEGER NOT NULL, tx_mark INTEGER NOT NULL,"
	"  mark_us INTEGER NOT NULL,"
	"  state INTEGER NOT NULL,"
	"  keepalive INTEGER NOT NULL,"
	"  first_seen_us INTEGER NOT NULL,"
	"  updated_us INTEGER NOT NULL,"
	"  PRIMARY KEY (iface, public_key));"
	"CREATE TABLE ifaces ("
	"  name TEXT PRIMARY KEY NOT NULL,"
	"  ifindex INTEGER NOT NULL,"
	"  impl INTEGER NOT NULL,"
	"  public_key BLOB,"		/* NULL when not known */
	"  listen_port INTEGER NOT NULL,"
	"  up INTEGER NOT NULL,"
	"  first_seen_us INTEGER NOT NULL,"
	"  updated_us INTEGER NOT NULL);",
	/* 2: only `wgaudit sessions` reads by type (PEER_SESSION rows since
	 * a time). A full index on type made every append a B-tree insert
	 * among a few repeated strings: with the agent's small page cache
	 * half the append's time in a burst (bench/README.md "delivery.sh").
	 * A partial index holds the session rows alone; every other append
	 * only tests the type. */
	"DROP INDEX events_type;"
	"CREATE INDEX events_session ON events(time_us) "
	"WHERE type = 'PEER_SESSION';",
};
#define STORE_SCHEMA_VERSION	((int)ARRAY_SIZE(migrations))

#define EV_COLS	"id, time_us, type, severity, source, fields"
#define PEER_COLS "iface, public_key, endpoint, allowed_ips, name, " \
	"last_handshake, rx, tx, rx_mark, tx_mark, mark_us, state, " \
	"keepalive, first_seen_us, updated_us"
#define IFACE_COLS "name, ifindex, impl, public_key, listen_port, up, " \
	"first_seen_us, updated_us"


static const char *const stmt_sql[ST__COUNT] = {
	/* IMMEDIATE takes the write lock up front: a deferred transaction
	 * that later upgrades can fail with SQLITE_BUSY that no busy
	 * timeout resolves. */
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_BEGIN_RO] = "BEGIN",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	/* Where the store's own ids go on from (journal.c store_append):
	 * sqlite_sequence holds the largest id ever inserted, explicit ones
	 * included, so a trim that emptied the table does not take it back;
	 * max(id) covers a file whose sequence row was lost. */
	[ST_NEXT_ID] = "SELECT max(coalesce((SELECT seq FROM sqlite_sequence "
		"WHERE name = 'events'), 0), coalesce((SELECT max(id) FROM events), 0))",
	/* No LIMIT: rows that fail to decode are skipped and must not use
	 * up the caller's batch, or a run of corrupt rows would stall an
	 * output's cursor forever. The loop stops stepping at max. */
	[ST_READ_AFTER] = "SELECT " EV_COLS " FROM events WHERE id > ? "
		"ORDER BY id",
	[ST_READ_TAIL] = "SELECT " EV_COLS " FROM (SELECT " EV_COLS
		" FROM events ORDER BY id DESC LIMIT ?) ORDER BY id",
	/* The sequence, not max(id): after a trim emptied the journal the
	 * last id handed out is still the one a reader has seen. */
	[ST_LAST_ID] = "SELECT coalesce((SELECT seq FROM sqlite_sequence "
		"WHERE name = 'events'), 0)",
	/* max(id) - min(id) + 1 >= the row count, in two b-tree seeks: at
	 * or under the bound, the usual case, no OFFSET walk is needed. */
	[ST_SPAN] = "SELECT coalesce(max(id) - min(id) + 1, 0) FROM events",
	/* The id of the row at OFFSET n from the newest: the walk costs n
	 * steps, only when ST_SPAN says the bound may be exceeded. */
	[ST_TRIM_EDGE] = "SELECT id FROM events ORDER BY id DESC LIMIT 1 OFFSET ?",
	/* What a trim up to ?1 drops that is news: earlier EVENTS_DROPPED
	 * records were counted and delivered already. */
	[ST_TRIM_REAL] = "SELECT count(*) FROM events WHERE id <= ? "
		"AND type != 'EVENTS_DROPPED'",
	[ST_TRIM_UPTO] = "DELETE FROM events WHERE id <= ?",
	[ST_AGE_REAL] = "SELECT count(*) FROM events WHERE time_us < ? "
		"AND type != 'EVENTS_DROPPED'",
	[ST_TRIM_AGE] = "DELETE FROM events WHERE time_us < ?",
	[ST_CURSOR_GET] = "SELECT last_id FROM cursors WHERE name = ?",
	[ST_CURSOR_SET] = "INSERT INTO cursors (name, last_id) VALUES (?, ?) "
		"ON CONFLICT (name) DO UPDATE SET last_id = excluded.last_id",
	[ST_META_GET] = "SELECT value FROM meta WHERE key = ?",
	[ST_META_SET] = "INSERT INTO meta (key, value) VALUES (?, ?) "
		"ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	/* Any type: a scan of the journal (no index on type, see schema 2). */
	[ST_READ_TYPE] = "SELECT " EV_COLS " FROM events WHERE type = ? AND time_us >= ? "
		"ORDER BY id",
	/* PEER_SESSION: the partial index events_session (the query names
	 * the type as the index does). INDEXED BY: left alone, the planner
	 * walks the whole table in id order to spare a sort of a few rows. */
	[ST_READ_SESSION] = "SELECT " EV_COLS " FROM events INDEXED BY events_session "
		"WHERE type = 'PEER_SESSION' AND time_us >= ? ORDER BY id",
	[ST_META_DELETE] = "DELETE FROM meta WHERE key = ?",
	/* A range on the primary key, not LIKE (whose wildcards a prefix
	 * would have to escape): key >= prefix AND key < prefix+U+10FFFF. */
	[ST_META_SCAN] = "SELECT key, value FROM meta WHERE key >= ?1 AND key < ?1 || char(1114111) "
		"ORDER BY key",
	/* An upsert, not INSERT OR REPLACE: REPLACE deletes and reinserts,
	 * touching the key index twice for every changed peer. */
	[ST_PEER_PUT] = "INSERT INTO peers (" PEER_COLS ") "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
		"ON CONFLICT (iface, public_key) DO UPDATE SET "
		"endpoint = excluded.endpoint, "
		"allowed_ips = excluded.allowed_ips, name = excluded.name, "
		"last_handshake = excluded.last_handshake, "
		"rx = excluded.rx, tx = excluded.tx, "
		"rx_mark = excluded.rx_mark, tx_mark = excluded.tx_mark, "
		"mark_us = excluded.mark_us, state = excluded.state, "
		"keepalive = excluded.keepalive, "
		"first_seen_us = excluded.first_seen_us, "
		"updated_us = excluded.updated_us",
	[ST_PEER_DELETE] = "DELETE FROM peers WHERE iface = ? AND public_key = ?",
	[ST_PEER_LOAD] = "SELECT " PEER_COLS " FROM peers WHERE iface = ? "
		"ORDER BY public_key",
	[ST_PEER_LOAD_ALL] = "SELECT " PEER_COLS " FROM peers "
		"ORDER BY iface, public_key",
	[ST_IFACE_PUT] = "INSERT OR REPLACE INTO ifaces (" IFACE_COLS ") "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	[ST_IFACE_DELETE] = "DELETE FROM ifaces WHERE name = ?",
	[ST_IFACE_LOAD] = "SELECT " IFACE_COLS " FROM ifaces ORDER BY name",
};


/* Log the connection's last error and turn it into -errno. */
int st_db_err(struct store *s, const char *what, int rc)
{
	return sqlx_err(s->db, s->who, what, rc);
}

/* Bytes from the database are not trusted: keep printable ASCII for logs. */
const char *st_printable(char *out, size_t len, const unsigned char *in)
{
	size_t i = 0;

	for (; in && *in && i + 1 < len; in++)
		out[i++] = *in >= 0x20 && *in < 0x7f ? (char)*in : '?';
	out[i] = '\0';
	return out;
}

/* Text column into a fixed buffer; false if NULL or it does not fit. */
bool st_col_text(sqlite3_stmt *st, int col, char *out, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	size_t n = (size_t)sqlite3_column_bytes(st, col);

	out[0] = '\0';
	if (!t || n >= len || memchr(t, '\0', n))
		return false;
	memcpy(out, t, n);
	out[n] = '\0';
	return true;
}

/* Bind a fixed-size char array that should hold a C string. */
int st_bind_str(sqlite3_stmt *st, int col, const char *s, size_t max)
{
	return sqlite3_bind_text(st, col, s, (int)strnlen(s, max), SQLITE_STATIC);
}

/* Step a statement that returns no row, then reset it. */
int st_step_done(struct store *s, enum stmt i, const char *what)
{
	sqlite3_stmt *st = s->st[i];
	int rc = sqlite3_step(st), ret = 0;

	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		ret = st_db_err(s, what, rc);
	sqlite3_reset(st);
	return ret;
}

static int exec(struct store *s, const char *sql, const char *what)
{
	return sqlx_exec(s->db, s->who, sql, what);
}

/* Every write goes through here: the turn's transaction is opened before
 * its first write (never a write committed on its own), and a turn that
 * already lost a write refuses the rest (see store.h). */
int st_write_begin(struct store *s)
{
	if (s->poison)
		return s->poison;
	if (!sqlite3_get_autocommit(s->db))
		return 0;
	return store_begin(s);
}

/* The result of one write: a failure poisons the turn. */
int st_write_end(struct store *s, int ret)
{
	if (ret < 0 && !s->poison)
		s->poison = ret;
	return ret;
}

/* One bound write statement in the turn's transaction. fp names the
 * failpoint just after it (docs/ARCHITECTURE.md "Failpoints"). */
int st_write_step(struct store *s, enum stmt i, const char *what,
		      const char *fp)
{
	int ret = st_write_begin(s);

	if (ret == 0)
		ret = st_step_done(s, i, what);
	sqlite3_clear_bindings(s->st[i]);	/* no pointer into the caller stays */
	if (ret == 0)
		FAILPOINT(fp);
	return st_write_end(s, ret);
}

/* migrations[v] takes version v to v + 1 (sqlx_migrate: one write
 * transaction, the version read under its lock). */
static int db_migrate(struct store *s)
{
	int v0, ret;

	ret = sqlx_migrate(s->db, s->who, STORE_SCHEMA_VERSION, NULL, migrations, &v0);
	if (ret < 0)
		return ret;
	/* A new file is routine; upgrading an old one is news. */
	if (v0 == 0)
		log_debug("%s: created, schema version %d", s->who, STORE_SCHEMA_VERSION);
	else if (v0 != STORE_SCHEMA_VERSION)
		log_info("%s: schema version %d -> %d", s->who, v0, STORE_SCHEMA_VERSION);
	return 0;
}

/* The pragma answers with the mode it got: a file system without shared
 * memory support (some network mounts) stays in the old mode. */
static int set_wal(struct store *s)
{
	sqlite3_stmt *st;
	const unsigned char *mode;
	int rc, ret = 0;

	rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st,
				NULL);
	if (rc != SQLITE_OK)
		return st_db_err(s, "journal_mode", rc);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		ret = st_db_err(s, "journal_mode", rc);
	} else {
		mode = sqlite3_column_text(st, 0);
		if (!mode || strcmp((const char *)mode, "wal") != 0)
			log_warnx("store %s: WAL unavailable; readers will "
				  "wait for the agent's commits", s->path);
	}
	sqlite3_finalize(st);
	return ret;
}

static int db_pragmas(struct store *s)
{
	char sql[64];
	int ret;

	sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
	/* No table refers to another; keep the per-row checks off. */
	ret = exec(s, "PRAGMA foreign_keys = OFF", "pragma");
	if (ret < 0 || s->readonly || s->memory)
		return ret;
	/* WAL: readers (the CLI) never block the writer and see each
	 * committed loop turn; persistent in the file once set. */
	ret = set_wal(s);
	if (ret < 0)
		return ret;
	/* NORMAL in WAL mode syncs the WAL only at checkpoints: a commit
	 * survives the process dying (it is in the WAL file), and the file
	 * is never corrupted, but the last transactions can be lost to a
	 * power cut or kernel crash. FULL would fsync every loop turn. */
	ret = exec(s, "PRAGMA synchronous = NORMAL", "pragma synchronous");
	if (ret < 0)
		return ret;
	/* The agent touches few pages per turn (appends, changed peers): a
	 * 64 KiB page cache instead of the default 2 MiB keeps it small (256
	 * KiB were ~170 KiB more of the agent's RSS at 10k peers, made
	 * resident by the baseline's 10k row inserts and kept; a bigger
	 * transaction spills to the WAL before its commit, which is safe). */
	ret = exec(s, "PRAGMA cache_size = -64", "pragma cache_size");
	if (ret < 0)
		return ret;
	snprintf(sql, sizeof(sql), "PRAGMA journal_size_limit = %d",
		 STORE_WAL_LIMIT);
	return exec(s, sql, "pragma journal_size_limit");
}

static int db_prepare(struct store *s)
{
	for (int i = 0; i < ST__COUNT; i++) {
		int rc = sqlite3_prepare_v3(s->db, stmt_sql[i], -1,
					    SQLITE_PREPARE_PERSISTENT,
					    &s->st[i], NULL);

		if (rc != SQLITE_OK)
			return st_db_err(s, "prepare", rc);
	}
	return 0;
}

/* A file made by hand or by an older build may be readable by others:
 * the journal names peers and endpoints, so take it back to owner-only. */
static void tighten_mode(struct store *s, const char *path)
{
	struct stat sb;

	if (stat(path, &sb) < 0 || !(sb.st_mode & 077))
		return;
	if (chmod(path, sb.st_mode & 0700) < 0)
		log_warn("store %s: mode %03o, cannot make it owner-only",
			 s->path, (unsigned)(sb.st_mode & 0777));
	else
		log_info("store %s: mode was %03o, now owner-only", s->path,
			 (unsigned)(sb.st_mode & 0777));
}

/* The writer opens only a file that is its own: a database path that is a
 * symlink (made by whoever could write the dir) would have it write into,
 * and chmod, the link's target. SQLITE_OPEN_NOFOLLOW closes the race this
 * check leaves; the check gives the message. */
static int db_file_safe(struct store *s, const char *path)
{
	struct stat sb;

	if (lstat(path, &sb) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (S_ISLNK(sb.st_mode)) {
		log_warnx("store %s: is a symbolic link; refusing to open it "
			  "(the database must be a plain file)", path);
		return -ELOOP;
	}
	if (!S_ISREG(sb.st_mode)) {
		log_warnx("store %s: not a regular file; refusing to open it", path);
		return -EINVAL;
	}
	if (sb.st_uid != geteuid()) {
		log_warnx("store %s: owned by uid %u, not by this agent (uid %u); "
			  "refusing to open it", path, (unsigned)sb.st_uid,
			  (unsigned)geteuid());
		return -EPERM;
	}
	return 0;
}

static int db_open(struct store *s, const char *path, bool readonly)
{
	int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW;
	mode_t old;
	int rc, ret;

	snprintf(s->path, sizeof(s->path), "%s", path);
	snprintf(s->who, sizeof(s->who), "store %s", s->path);
	s->readonly = readonly;
	if (readonly) {
		flags |= SQLITE_OPEN_READONLY;
	} else {
		ret = db_file_safe(s, path);
		if (ret < 0)
			return ret;
		flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	}
	/* The journal is a security record: owner only. SQLite gives the
	 * -wal and -shm files the main file's mode, so this covers them. */
	old = umask(077);
	rc = sqlite3_open_v2(path, &s->db, flags, NULL);
	umask(old);
	if (rc != SQLITE_OK) {
		int err = sqlite3_system_errno(s->db);

		ret = st_db_err(s, "open", rc);
		return err > 0 && (rc & 0xff) == SQLITE_CANTOPEN ? -err : ret;
	}
	sqlite3_extended_result_codes(s->db, 1);
	if (!readonly)
		tighten_mode(s, path);
	return 0;
}

/* The instance id is made once, when the database is created or first
 * opened by a build that knows it (an older database is given one then),
 * in its own transaction: it never changes afterwards. */
static int load_instance(struct store *s)
{
	uint8_t r[16];
	char hex[STORE_INSTANCE_LEN];
	int ret;

	ret = store_meta_get(s, "instance_id", s->instance, sizeof(s->instance));
	if (ret != -ENOENT || s->readonly)
		return ret == -ENOENT ? 0 : ret;
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return -errno ? -errno : -EIO;
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(hex + 2 * i, 3, "%02x", r[i]);
	ret = store_begin(s);
	if (ret == 0)
		ret = store_meta_get(s, "instance_id", s->instance,
				     sizeof(s->instance));	/* under the lock */
	if (ret == -ENOENT) {
		ret = store_meta_set(s, "instance_id", hex);
		if (ret == 0)
			ret = store_commit(s);
		if (ret == 0)
			memcpy(s->instance, hex, sizeof(hex));
	} else {
		store_rollback(s);
	}
	if (ret < 0) {
		store_rollback(s);
		s->instance[0] = '\0';
	}
	return ret;
}

/* "file:PATH?immutable=1" with PATH's URI specials escaped. */
static int immutable_uri(const char *path, char *out, size_t len)
{
	size_t o = (size_t)snprintf(out, len, "file:");

	for (; *path && o + 4 < len; path++) {
		if (*path == '%' || *path == '?' || *path == '#')
			o += (size_t)snprintf(out + o, len - o, "%%%02X",
					      (unsigned char)*path);
		else
			out[o++] = *path;
	}
	if (*path || o + sizeof("?immutable=1") > len)
		return -ENAMETOOLONG;
	memcpy(out + o, "?immutable=1", sizeof("?immutable=1"));
	return 0;
}

/* Copy the database at path into the (in-memory) connection of s with the
 * backup API, through a read-only connection: the file is only read.
 * With no -wal file beside it no connection has it open (WAL keeps one
 * while any is), so it is read as immutable: a plain read-only open would
 * create the -wal and -shm files, writing into a state dir a dry run must
 * leave as it found. With one, a writer may be running: read it as a
 * reader does, through the files the writer keeps. */
static int db_copy_in(struct store *s, const char *path)
{
	char wal[512], uri[1100];
	sqlite3 *src = NULL;
	sqlite3_backup *b;
	struct stat sb;
	const char *name = path;
	int rc, flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX |
			SQLITE_OPEN_NOFOLLOW;

	if (lstat(path, &sb) < 0)
		return errno == ENOENT ? 0 : -errno;	/* no state yet: baseline */
	snprintf(wal, sizeof(wal), "%s-wal", path);
	if (lstat(wal, &sb) < 0 && errno == ENOENT &&
	    immutable_uri(path, uri, sizeof(uri)) == 0) {
		name = uri;
		flags |= SQLITE_OPEN_URI;
	}
	rc = sqlite3_open_v2(name, &src, flags, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(src, STORE_BUSY_TIMEOUT_MS);
		b = sqlite3_backup_init(s->db, "main", src, "main");
		if (!b) {
			rc = sqlite3_errcode(s->db);
		} else {
			rc = sqlite3_backup_step(b, -1);
			sqlite3_backup_finish(b);
			rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
		}
	}
	if (rc != SQLITE_OK)
		log_warnx("store %s: cannot copy it: %s", path,
			  src ? sqlite3_errmsg(src) : sqlite3_errstr(rc));
	sqlite3_close(src);
	return rc == SQLITE_OK ? 0 : sqlx_errno(rc);
}

static int db_open_memory(struct store *s, const char *path)
{
	int rc;

	snprintf(s->path, sizeof(s->path), "%s (copy in memory)", path);
	snprintf(s->who, sizeof(s->who), "store %s", s->path);
	s->memory = true;
	rc = sqlite3_open_v2(":memory:", &s->db, SQLITE_OPEN_READWRITE |
			     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK)
		return st_db_err(s, "open", rc);
	sqlite3_extended_result_codes(s->db, 1);
	return db_copy_in(s, path);
}

static int store_open_mode(const char *path, bool readonly, bool memory,
			   struct store **out)
{
	struct store *s;
	int64_t v;
	int ret;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->ev = malloc(sizeof(*s->ev));
	ret = -ENOMEM;
	if (!s->ev)
		goto out;
	ret = memory ? db_open_memory(s, path) : db_open(s, path, readonly);
	if (ret < 0)
		goto out;
	ret = db_pragmas(s);
	if (ret < 0)
		goto out;
	if (readonly) {
		/* A reader never changes the schema; it reads only one it
		 * knows exactly. */
		ret = sqlx_int(s->db, s->who, "PRAGMA user_version", &v);
		if (ret == 0 && v != STORE_SCHEMA_VERSION) {
			log_warnx("store %s: schema version %lld, this wgaudit "
				  "reads %d", s->path, (long long)v, STORE_SCHEMA_VERSION);
			ret = -EPROTO;
		}
	} else {
		ret = db_migrate(s);
	}
	if (ret < 0)
		goto out;
	ret = db_prepare(s);
	if (ret < 0)
		goto out;
	ret = load_instance(s);
	if (ret < 0)
		goto out;
	*out = s;
	s = NULL;	/* the caller owns it now */
out:
	store_free(s);
	return ret;
}

void store_db_path(const char *state_dir, char *out, size_t len)
{
	snprintf(out, len, "%s/wgaudit.db", state_dir);
}

int store_open(const char *path, struct store **out)
{
	return store_open_mode(path, false, false, out);
}

int store_open_readonly(const char *path, struct store **out)
{
	struct stat sb;

	/* Say "missing" plainly rather than as SQLite's "unable to open". */
	if (stat(path, &sb) < 0 || access(path, R_OK) < 0) {
		*out = NULL;
		return -errno;
	}
	return store_open_mode(path, true, false, out);
}

int store_open_snapshot(const char *path, struct store **out)
{
	return store_open_mode(path, false, true, out);
}

void store_free(struct store *s)
{
	if (!s)
		return;
	if (s->db && !sqlite3_get_autocommit(s->db)) {
		log_warnx("store %s: closing with a transaction open; "
			  "rolled back", s->path);
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	}
	for (int i = 0; i < ST__COUNT; i++)
		sqlite3_finalize(s->st[i]);
	for (int i = 0; i < ST_BATCH_SIZES; i++)
		sqlite3_finalize(s->ins[i]);
	sqlite3_close(s->db);
	free(s->ev);
	free(s);
}

/* SQLite is the truth on whether a transaction is open: it rolls one back
 * by itself on some errors (SQLITE_FULL, IOERR, NOMEM). */
int store_begin(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		return 0;
	/* Rows still buffered while no transaction is open: SQLite rolled
	 * the turn back on its own (an error in a read). What the turn wrote
	 * is gone; its buffered rows must not land alone in the next. */
	if (s->n_pend) {
		log_warnx("store %s: the transaction was rolled back under "
			  "%zu buffered events", s->path, s->n_pend);
		st_pend_drop(s);
		if (!s->poison)
			s->poison = -EIO;
		return s->poison;
	}
	s->id_known = false;	/* read again under this transaction's lock */
	return st_step_done(s, s->readonly ? ST_BEGIN_RO : ST_BEGIN, "begin");
}

int store_commit(struct store *s)
{
	int ret;

	if (s->poison) {
		ret = s->poison;
		store_rollback(s);
		return ret;
	}
	ret = st_flush(s);	/* the buffered appends are part of the turn */
	if (ret < 0) {
		store_rollback(s);
		return ret;
	}
	if (sqlite3_get_autocommit(s->db))
		return 0;
	FAILPOINT("store_commit_before");
	ret = st_step_done(s, ST_COMMIT, "commit");
	if (ret < 0) {
		store_rollback(s);
		return ret;
	}
	FAILPOINT("store_commit_after");
	return 0;
}

int store_rollback(struct store *s)
{
	int ret = 0;

	st_pend_drop(s);
	if (!sqlite3_get_autocommit(s->db))
		ret = st_step_done(s, ST_ROLLBACK, "rollback");
	s->poison = 0;
	return ret;
}

const char *store_instance(const struct store *s)
{
	return s->instance;
}

/* A one-integer query; *found false when it returns no row. */
int st_query_int(struct store *s, enum stmt i, const char *what,
		     int64_t *out, bool *found)
{
	sqlite3_stmt *st = s->st[i];
	int rc = sqlite3_step(st), ret = 0;

	*found = rc == SQLITE_ROW;
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		ret = st_db_err(s, what, rc);
	sqlite3_reset(st);
	return ret;
}
