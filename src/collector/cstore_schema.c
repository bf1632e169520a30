// SPDX-License-Identifier: GPL-2.0
/* cstore_schema.c - the collector database's tables and indexes, and the
 * upgrade from each older version (PRAGMA user_version), in one
 * transaction when a collector of this version opens an older file. */
#include <errno.h>
#include "collector/cstore_int.h"
#include "store/sqlx.h"
#include "base/util.h"


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
	 * a pair is exactly the one cstore_add makes (eid_split), in bytes:
	 * the instance 1..EID_INST_MAX - 1 bytes before the first '-', the
	 * sequence 1..18 ASCII digits without a leading zero (no sign). */
	"ALTER TABLE msg ADD COLUMN eid_inst INTEGER;"
	"ALTER TABLE msg ADD COLUMN eid_seq INTEGER;"
	"CREATE TABLE instance (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	"CREATE TEMP VIEW eid_old AS SELECT id, substr(event_id, 1, instr(event_id, '-') - 1) AS i,"
	" substr(event_id, instr(event_id, '-') + 1) AS q FROM msg WHERE event_id IS NOT NULL;"
	"CREATE TEMP TABLE eid_new (id INTEGER PRIMARY KEY, i TEXT, q INTEGER);"
	"INSERT INTO eid_new SELECT id, i, CAST(q AS INTEGER) FROM eid_old"
	" WHERE length(CAST(i AS BLOB)) BETWEEN 1 AND " EID_INST_MAX_S " - 1"
	" AND length(CAST(q AS BLOB)) BETWEEN 1 AND 18 AND q NOT GLOB '*[^0-9]*'"
	" AND (q = '0' OR substr(q, 1, 1) != '0');"
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

int cstore_migrate(struct cstore *s)
{
	int64_t v = cstore_pragma_int(s, "PRAGMA user_version");
	int from;

	if (v < 0)
		return -EIO;
	if (v == CSTORE_SCHEMA_VERSION)
		return 0;
	/* Must precede the first table to take effect on a new file. */
	if (v == 0 && cstore_exec(s, "PRAGMA auto_vacuum = INCREMENTAL", "auto_vacuum") < 0)
		return -EIO;
	/* A new file gets the current schema at once; an old one each
	 * upgrade from its version ([v] takes v to v + 1). */
	return sqlx_migrate(s->db, WHO, CSTORE_SCHEMA_VERSION, schema, upgrades, &from);
}
