// SPDX-License-Identifier: GPL-2.0
/* rawdb.h - a second, raw SQLite connection for the store's tests: to
 * see what another process would, or to damage rows behind its back. */
#ifndef WGAUDIT_TEST_RAWDB_H
#define WGAUDIT_TEST_RAWDB_H
#include <sqlite3.h>
#include "test.h"

static inline void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db;
	char *err = NULL;

	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		test_fail("raw sql: %s", err ? err : sqlite3_errmsg(db));
	}
	sqlite3_free(err);
	sqlite3_close(db);
}

/* One integer answer; -1 when there is none. */
static inline long long raw_int(const char *path, const char *sql)
{
	sqlite3_stmt *st;
	sqlite3 *db;
	long long v = -1;

	if (sqlite3_open(path, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return v;
}
#endif
