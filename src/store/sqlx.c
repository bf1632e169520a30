// SPDX-License-Identifier: GPL-2.0
/* sqlx.c - the SQLite helpers both databases share. See sqlx.h. */
#include <errno.h>
#include <stdio.h>
#include "base/log.h"
#include "store/sqlx.h"

int sqlx_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_FULL:
		return -ENOSPC;
	default:
		return -EIO;
	}
}

int sqlx_err(sqlite3 *db, const char *who, const char *what, int rc)
{
	log_warnx("%s: %s: %s", who, what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
	return sqlx_errno(rc);
}

int sqlx_exec(sqlite3 *db, const char *who, const char *sql, const char *what)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

	if (rc == SQLITE_OK)
		return 0;
	log_warnx("%s: %s: %s", who, what, msg ? msg : sqlite3_errstr(rc));
	sqlite3_free(msg);
	return sqlx_errno(rc);
}

int sqlx_int(sqlite3 *db, const char *who, const char *sql, int64_t *out)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sqlx_err(db, who, sql, rc);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : sqlx_err(db, who, sql, rc);
}

int sqlx_migrate(sqlite3 *db, const char *who, int target, const char *create,
		 const char *const *steps, int *from)
{
	int64_t v0 = 0;
	char sql[64];
	int v, ret;

	ret = sqlx_exec(db, who, "BEGIN IMMEDIATE", "migration");
	if (ret < 0)
		return ret;
	ret = sqlx_int(db, who, "PRAGMA user_version", &v0);
	if (ret == 0 && (v0 < 0 || v0 > target)) {
		log_warnx("%s: schema version %lld is newer than this wgaudit knows (%d);"
			  " refusing to touch it", who, (long long)v0, target);
		ret = -EPROTO;
	}
	v = (int)v0;
	if (ret == 0 && v == 0 && create) {
		ret = sqlx_exec(db, who, create, "schema");
		v = target;
	}
	for (; ret == 0 && v < target; v++)
		ret = sqlx_exec(db, who, steps[v], "migration");
	if (ret == 0 && v0 != target) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", target);
		ret = sqlx_exec(db, who, sql, "migration");
	}
	if (ret == 0)
		ret = sqlx_exec(db, who, "COMMIT", "migration");
	if (ret < 0) {
		sqlx_exec(db, who, "ROLLBACK", "migration rollback");
		return ret;
	}
	*from = (int)v0;
	return 0;
}
