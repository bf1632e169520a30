// SPDX-License-Identifier: GPL-2.0
/* cstore_int.h - what cstore.c (open, writes, retention), cstore_schema.c
 * (the schema and its upgrades) and cstore_read.c (queries) share: the
 * handle and the row layout. Not for the rest of the collector, which
 * sees only cstore.h. */
#ifndef WGAUDIT_CSTORE_INT_H
#define WGAUDIT_CSTORE_INT_H
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include "collector/cins.h"
#include "collector/cstore.h"

#define CSTORE_SCHEMA_VERSION	6
#define AGG_MAX			64
#define HOST_MAX		256
#define INS_ROWS		16	/* records per multi-row INSERT */
#define CHUNK_ROWS		(16 * INS_ROWS)	/* records per chunk (cins.c) */
#define CHUNKS			(CINS_DEPTH + 1)	/* on the thread, and the loop's */
/* An event_id's instance part keyed by instance.id; the ids in use are
 * kept here (an agent's are all alike), the rest looked up or added. */
#define EID_INST_MAX		80
#define EID_INST_MAX_S		"80"
#define INST_CACHE		32
/* The one event type msg_type leaves out (schema 6): the periodic one. */
#define TYPE_UNINDEXED		"PEER_TRANSFER"

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

/* The insert thread's jobs (cins.c): a chunk to insert, a batch to commit. */
enum { JOB_CHUNK = 1, JOB_COMMIT };

/* Records taken into the batch, to be inserted together. */
struct chunk {
	int kind;		/* JOB_CHUNK */
	struct held held[CHUNK_ROWS];
	unsigned nheld;
	char *arena;
	size_t alen, acap;
	uint64_t ticket;	/* the loop's: given to the thread; 0 once done */
};

/* A batch to commit (one at a time): what the loop hands over, and what
 * the thread answers (read by the loop once the job is done). */
struct ccommit {
	int kind;		/* JOB_COMMIT */
	struct agg agg[AGG_MAX];	/* the batch's per-host summary */
	unsigned nagg;
	unsigned long pending;	/* the batch's records */
	bool ok;		/* the thread's: committed */
	bool ended;		/* the thread's (atomic): ok, stored, dups are set */
	uint64_t stored, dups;	/* the thread's */
	uint64_t ticket;	/* the loop's: 0 none in flight */
	bool landed;		/* the loop's: done, ok not yet reported */
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
	struct cins *ins_w;	/* the inserts' thread (a writer's) */
	sqlite3_stmt *ins, *ins_n, *src_up;	/* ins_n: INS_ROWS rows */
	sqlite3_stmt *inst_get, *inst_add;
	int version;		/* user_version; a reader takes 1 too */
	int commit_fd;		/* eventfd: the thread ended a commit job; -1 */
	/* The connection's owner's: the thread's while jobs are queued, the
	 * loop's after cstore_settle. */
	bool db_txn;		/* BEGIN done, no COMMIT or ROLLBACK since */
	bool t_failed;		/* an insert of the open transaction failed */
	uint64_t t_stored, t_dups;	/* the open transaction's, so far */
	/* The loop's. */
	bool open;		/* a batch is open: records taken, or rows written */
	bool inst_added;	/* it added an instance row: committed at once */
	unsigned long pending;	/* records taken in this batch */
	struct chunk ck[CHUNKS];	/* a ring */
	unsigned fill;		/* the loop's, taking records; the rest given or empty */
	uint64_t last_ticket;	/* the job given last, 0 once all are done */
	struct ccommit cj;
	uint64_t n_stored, n_dups, n_lost;	/* ended batches', until taken */
	struct agg agg[AGG_MAX];
	unsigned nagg;
	struct inst inst[INST_CACHE];
	unsigned ninst, inst_next, inst_last;	/* next: the one to replace */
};

#define WHO	"collector db"

/* sqlx's helpers with the collector's name: 0 or -errno (logged); -1 when
 * a number cannot be read. */
int cstore_db_err(struct cstore *s, const char *what);
int cstore_exec(struct cstore *s, const char *sql, const char *what);
int64_t cstore_pragma_int(struct cstore *s, const char *sql);
/* The file to CSTORE_SCHEMA_VERSION (cstore_schema.c); 0 or -errno. */
int cstore_migrate(struct cstore *s);
/* The connection's owner's (the thread, or the loop after cstore_settle):
 * the batch's write transaction begun (0, or -EIO and the batch failed),
 * and its state cleared once it has committed or rolled back. */
int cstore_own_begin(struct cstore *s);
void cstore_own_end(struct cstore *s);
/* A batch rolled back: the instance cache may name rows it added. */
void cstore_inst_forget(struct cstore *s);
/* Waits until the insert thread has done every job given (the commit
 * in flight too, whose result cstore_commit_land still reports): before
 * the loop uses the connection for anything else. On the loop only. */
void cstore_settle(struct cstore *s);
#endif
