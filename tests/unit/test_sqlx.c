// SPDX-License-Identifier: GPL-2.0
/* sqlx: the migration both databases use - new file with and without a
 * create script, an old file step by step, a newer file refused, a failed
 * step leaving the old schema whole - and the -errno mapping. */
#include <errno.h>
#include <sqlite3.h>
#include <string.h>
#include "test.h"
#include "store/sqlx.h"

static const char *const steps[] = {
	"CREATE TABLE a (x INTEGER);",
	"ALTER TABLE a ADD COLUMN y INTEGER;",
	"CREATE TABLE b (z TEXT);",
};

static int64_t one(sqlite3 *db, const char *sql)
{
	int64_t v = -1;

	return sqlx_int(db, "test", sql, &v) == 0 ? v : -1;
}

static int tables(sqlite3 *db)
{
	return (int)one(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'");
}

TEST(migrate_every_way)
{
	sqlite3 *db;
	int from = -1;

	/* A new file, step by step. */
	CHECK_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
	CHECK_INT(sqlx_migrate(db, "test", 3, NULL, steps, &from), 0);
	CHECK_INT(from, 0);
	CHECK_INT(one(db, "PRAGMA user_version"), 3);
	CHECK_INT(one(db, "SELECT count(*) FROM pragma_table_info('a')"), 2);
	CHECK_INT(tables(db), 2);
	/* Current: nothing to do. */
	CHECK_INT(sqlx_migrate(db, "test", 3, NULL, steps, &from), 0);
	CHECK_INT(from, 3);
	sqlite3_close(db);

	/* A new file with a create script: the steps are not run. */
	CHECK_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
	CHECK_INT(sqlx_migrate(db, "test", 3, "CREATE TABLE c (w);", steps, &from), 0);
	CHECK_INT(from, 0);
	CHECK_INT(one(db, "PRAGMA user_version"), 3);
	CHECK_INT(tables(db), 1);
	sqlite3_close(db);

	/* An old file: from its version on. */
	CHECK_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, "CREATE TABLE a (x INTEGER); PRAGMA user_version = 1;",
			       NULL, NULL, NULL), SQLITE_OK);
	CHECK_INT(sqlx_migrate(db, "test", 3, "CREATE TABLE c (w);", steps, &from), 0);
	CHECK_INT(from, 1);
	CHECK_INT(one(db, "SELECT count(*) FROM pragma_table_info('a')"), 2);
	CHECK_INT(tables(db), 2);
	/* A newer one is not touched. */
	CHECK_INT(sqlite3_exec(db, "PRAGMA user_version = 9;", NULL, NULL, NULL), SQLITE_OK);
	CHECK_INT(sqlx_migrate(db, "test", 3, NULL, steps, &from), -EPROTO);
	CHECK_INT(one(db, "PRAGMA user_version"), 9);
	CHECK(sqlite3_get_autocommit(db));	/* nothing left open */
	sqlite3_close(db);
}

TEST(failed_step_rolls_back)
{
	static const char *const bad[] = {
		"CREATE TABLE a (x INTEGER);",
		"CREATE TABLE b (y); THIS IS NOT SQL;",
	};
	sqlite3 *db;
	int from = -1;

	CHECK_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
	CHECK_INT(sqlx_migrate(db, "test", 2, NULL, bad, &from), -EIO);
	CHECK_INT(one(db, "PRAGMA user_version"), 0);
	CHECK_INT(tables(db), 0);	/* not half of the new schema */
	CHECK(sqlite3_get_autocommit(db));
	sqlite3_close(db);
}

TEST(errno_mapping)
{
	CHECK_INT(sqlx_errno(SQLITE_NOMEM), -ENOMEM);
	CHECK_INT(sqlx_errno(SQLITE_BUSY), -EBUSY);
	CHECK_INT(sqlx_errno(SQLITE_BUSY_SNAPSHOT), -EBUSY);	/* extended codes too */
	CHECK_INT(sqlx_errno(SQLITE_LOCKED), -EBUSY);
	CHECK_INT(sqlx_errno(SQLITE_FULL), -ENOSPC);
	CHECK_INT(sqlx_errno(SQLITE_CORRUPT), -EIO);
}
TEST_MAIN()
