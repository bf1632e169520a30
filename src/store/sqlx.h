// SPDX-License-Identifier: GPL-2.0
/* sqlx.h - the SQLite helpers both databases share (the agent's store,
 * the collector's cstore): errors as -errno with one message naming the
 * database, exec, one integer, and the schema migration in one write
 * transaction. Each caller keeps its own schema and statements. */
#ifndef WGAUDIT_SQLX_H
#define WGAUDIT_SQLX_H
#include <stdint.h>
#include <sqlite3.h>

/* An SQLite result code as -errno: -ENOMEM, -EBUSY (busy, locked),
 * -ENOSPC (full), else -EIO. */
int sqlx_errno(int rc);
/* Log "WHO: WHAT: <SQLite's message>" for rc on db and return sqlx_errno(rc). */
int sqlx_err(sqlite3 *db, const char *who, const char *what, int rc);
/* sqlite3_exec without rows; failures logged as sqlx_err. 0 or -errno. */
int sqlx_exec(sqlite3 *db, const char *who, const char *sql, const char *what);
/* The first column of the first row of sql ("PRAGMA user_version").
 * 0, or -errno (logged). */
int sqlx_int(sqlite3 *db, const char *who, const char *sql, int64_t *out);

/* Bring user_version to target in one BEGIN IMMEDIATE transaction that
 * reads the version under the lock (two processes opening a new file do
 * not both migrate; a crash mid-way leaves the old schema, not half of
 * the new). A new file (version 0) runs create when given, else steps[0..];
 * version v runs steps[v .. target-1]. A version above target is refused
 * (-EPROTO, logged: a newer wgaudit's file is not touched). *from gets
 * the version found. 0 or -errno; on error everything is rolled back. */
int sqlx_migrate(sqlite3 *db, const char *who, int target, const char *create,
		 const char *const *steps, int *from);
#endif
