// SPDX-License-Identifier: GPL-2.0
/* store_int.h - what the store's files (store.c: schema, open,
 * transactions; journal.c: events; state.c: cursors, meta, peers,
 * interfaces) share. Not for anyone outside store/. */
#ifndef WGAUDIT_STORE_INT_H
#define WGAUDIT_STORE_INT_H
#include <stdbool.h>
#include <stdint.h>
#include <sqlite3.h>
#include "base/event.h"
#include "store/store.h"

enum stmt {
	ST_BEGIN,
	ST_BEGIN_RO,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_NEXT_ID,
	ST_READ_AFTER,
	ST_READ_TAIL,
	ST_LAST_ID,
	ST_SPAN,
	ST_TRIM_EDGE,
	ST_TRIM_REAL,
	ST_TRIM_UPTO,
	ST_AGE_REAL,
	ST_TRIM_AGE,
	ST_CURSOR_GET,
	ST_CURSOR_SET,
	ST_META_GET,
	ST_META_SET,
	ST_META_DELETE,
	ST_META_SCAN,
	ST_READ_TYPE,
	ST_READ_SESSION,
	ST_PEER_PUT,
	ST_PEER_DELETE,
	ST_PEER_LOAD,
	ST_PEER_LOAD_ALL,
	ST_IFACE_PUT,
	ST_IFACE_DELETE,
	ST_IFACE_LOAD,
	ST__COUNT
};

/* Appends are buffered and written ST_BATCH_MAX rows to one INSERT (the
 * statement's start and finish, and the sqlite_sequence update that
 * AUTOINCREMENT makes at the end of every INSERT, were a fifth of a
 * burst's time when each event was its own statement). Remainders go out
 * by powers of two: ST_BATCH_SIZES statements, prepared when first used. */
#define ST_BATCH_MAX	32
#define ST_BATCH_SIZES	6	/* 1, 2, 4, 8, 16, 32 rows */
/* The encoded fields, iface and peer of the buffered rows. A row needs at
 * most EVENT_BUF_LEN + its iface and peer: the buffer is written first
 * when that much is not left. */
#define ST_PEND_BYTES	16384

/* One buffered row; its bytes are in store.pend_buf at off. */
struct pend_row {
	int64_t id, time_us;
	uint16_t off, blob_len, iface_len, peer_len;
	uint8_t type, source, severity;
	bool has_iface, has_peer;
};

struct store {
	sqlite3 *db;
	bool readonly;
	bool memory;			/* a snapshot: nothing reaches the file */
	bool reading;			/* inside a read callback */
	int64_t skip_logged;		/* highest bad event id already logged */
	sqlite3_stmt *st[ST__COUNT];
	struct event *ev;		/* one decode buffer for every row */
	sqlite3_stmt *ins[ST_BATCH_SIZES];	/* INSERT of 1 << i rows */
	bool id_known;			/* last_id read in this transaction */
	int64_t last_id;		/* the last id handed out (buffered too) */
	size_t n_pend, pend_used;	/* buffered rows, bytes of pend_buf */
	struct pend_row pend[ST_BATCH_MAX];
	char pend_buf[ST_PEND_BYTES];
	char path[256];			/* for messages */
	char who[264];			/* "store PATH": sqlx's messages */
	char instance[STORE_INSTANCE_LEN];	/* 32 hex, "" if unknown */
	int poison;			/* first failed write of the open turn */
};

/* Log the connection's last error and turn it into -errno. */
int st_db_err(struct store *s, const char *what, int rc);
/* Bytes from the database are not trusted: keep printable ASCII for logs. */
const char *st_printable(char *out, size_t len, const unsigned char *in);
/* Text column into a fixed buffer; false if NULL or it does not fit. */
bool st_col_text(sqlite3_stmt *st, int col, char *out, size_t len);
/* Bind a fixed-size char array that should hold a C string. */
int st_bind_str(sqlite3_stmt *st, int col, const char *s, size_t max);
/* Step a statement that returns no row, then reset it. */
int st_step_done(struct store *s, enum stmt i, const char *what);
/* Open the turn before a write; refuse one in a poisoned turn. */
int st_write_begin(struct store *s);
/* A write's result: a failure poisons the turn. */
int st_write_end(struct store *s, int ret);
/* One bound write statement in the turn; fp: the failpoint after it. */
int st_write_step(struct store *s, enum stmt i, const char *what, const char *fp);
/* Write the buffered appends (before anything reads the journal or
 * commits); a failure poisons the turn. */
int st_flush(struct store *s);
/* Forget the buffered appends and the next id (the transaction is gone). */
void st_pend_drop(struct store *s);
/* A one-integer query; *found false when it returns no row. */
int st_query_int(struct store *s, enum stmt i, const char *what,
		 int64_t *out, bool *found);
#endif
