// SPDX-License-Identifier: GPL-2.0
/* state.c - what the agent keeps besides the journal: output cursors,
 * meta values, peer and interface rows, and the engine's state_ops over
 * them. Every write is in the turn's transaction (st_write_step). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/failpoint.h"
#include "base/log.h"
#include "store/store_int.h"

int store_cursor_get(struct store *s, const char *name, int64_t *out)
{
	bool found;
	int ret;

	*out = -1;
	sqlite3_bind_text(s->st[ST_CURSOR_GET], 1, name, -1, SQLITE_STATIC);
	ret = st_query_int(s, ST_CURSOR_GET, "cursor get", out, &found);
	if (!found)
		*out = -1;
	return ret;
}

int store_cursor_set(struct store *s, const char *name, int64_t id)
{
	sqlite3_stmt *st = s->st[ST_CURSOR_SET];

	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	return st_write_step(s, ST_CURSOR_SET, "cursor set", "store_cursor_set");
}

int store_meta_get(struct store *s, const char *key, char *val, size_t len)
{
	sqlite3_stmt *st = s->st[ST_META_GET];
	int rc, ret = 0;

	if (len)
		val[0] = '\0';
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (!len || !st_col_text(st, 0, val, len))
			ret = -ENOSPC;
	} else if (rc == SQLITE_DONE) {
		ret = -ENOENT;
	} else {
		ret = st_db_err(s, "meta get", rc);
	}
	sqlite3_reset(st);
	return ret;
}

int store_meta_set(struct store *s, const char *key, const char *val)
{
	sqlite3_stmt *st = s->st[ST_META_SET];

	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, val, -1, SQLITE_STATIC);
	return st_write_step(s, ST_META_SET, "meta set", "store_meta_set");
}

int store_meta_delete(struct store *s, const char *key)
{
	sqlite3_stmt *st = s->st[ST_META_DELETE];

	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	return st_write_step(s, ST_META_DELETE, "meta delete", "store_meta_delete");
}

int store_meta_scan(struct store *s, const char *prefix, store_meta_cb cb, void *ctx)
{
	sqlite3_stmt *st = s->st[ST_META_SCAN];
	int rc, ret = 0;

	sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 0);
		const char *v = (const char *)sqlite3_column_text(st, 1);

		if (!k || !v)
			continue;
		if ((ret = cb(ctx, k, v)) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = st_db_err(s, "meta scan", rc);
	sqlite3_reset(st);
	return ret;
}

int store_peer_put(struct store *s, const struct peer_row *p)
{
	sqlite3_stmt *st = s->st[ST_PEER_PUT];

	st_bind_str(st, 1, p->iface, sizeof(p->iface));
	sqlite3_bind_blob(st, 2, p->public_key, WG_KEY_LEN, SQLITE_STATIC);
	st_bind_str(st, 3, p->endpoint, sizeof(p->endpoint));
	st_bind_str(st, 4, p->allowed_ips, sizeof(p->allowed_ips));
	st_bind_str(st, 5, p->name, sizeof(p->name));
	sqlite3_bind_int64(st, 6, p->last_handshake);
	/* Counters are u64; SQLite integers are i64. The bits round-trip. */
	sqlite3_bind_int64(st, 7, (int64_t)p->rx);
	sqlite3_bind_int64(st, 8, (int64_t)p->tx);
	sqlite3_bind_int64(st, 9, (int64_t)p->rx_mark);
	sqlite3_bind_int64(st, 10, (int64_t)p->tx_mark);
	sqlite3_bind_int64(st, 11, p->mark_us);
	sqlite3_bind_int(st, 12, p->state);
	sqlite3_bind_int(st, 13, p->keepalive);
	sqlite3_bind_int64(st, 14, p->first_seen_us);
	sqlite3_bind_int64(st, 15, p->updated_us);
	return st_write_step(s, ST_PEER_PUT, "peer put", "store_peer_put");
}

int store_peer_delete(struct store *s, const char *iface,
		      const uint8_t key[static WG_KEY_LEN])
{
	sqlite3_stmt *st = s->st[ST_PEER_DELETE];

	sqlite3_bind_text(st, 1, iface, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, key, WG_KEY_LEN, SQLITE_STATIC);
	return st_write_step(s, ST_PEER_DELETE, "peer delete", "store_peer_delete");
}

static int row_peer(sqlite3_stmt *st, struct peer_row *p)
{
	if (sqlite3_column_bytes(st, 1) != WG_KEY_LEN ||
	    !st_col_text(st, 0, p->iface, sizeof(p->iface)) ||
	    !st_col_text(st, 2, p->endpoint, sizeof(p->endpoint)) ||
	    !st_col_text(st, 3, p->allowed_ips, sizeof(p->allowed_ips)) ||
	    !st_col_text(st, 4, p->name, sizeof(p->name)))
		return -EINVAL;
	memcpy(p->public_key, sqlite3_column_blob(st, 1), WG_KEY_LEN);
	p->last_handshake = sqlite3_column_int64(st, 5);
	p->rx = (uint64_t)sqlite3_column_int64(st, 6);
	p->tx = (uint64_t)sqlite3_column_int64(st, 7);
	p->rx_mark = (uint64_t)sqlite3_column_int64(st, 8);
	p->tx_mark = (uint64_t)sqlite3_column_int64(st, 9);
	p->mark_us = sqlite3_column_int64(st, 10);
	p->state = sqlite3_column_int(st, 11);
	p->keepalive = (uint16_t)sqlite3_column_int(st, 12);
	p->first_seen_us = sqlite3_column_int64(st, 13);
	p->updated_us = sqlite3_column_int64(st, 14);
	return 0;
}

int store_peer_load(struct store *s, const char *iface, store_peer_cb cb,
		    void *ctx)
{
	enum stmt i = iface ? ST_PEER_LOAD : ST_PEER_LOAD_ALL;
	sqlite3_stmt *st = s->st[i];
	struct peer_row *p;
	int rc = SQLITE_DONE, ret = 0;

	if (sqlite3_stmt_busy(st))
		return -EBUSY;	/* re-entered from its own callback */
	p = malloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	if (iface)
		sqlite3_bind_text(st, 1, iface, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(p, 0, sizeof(*p));
		if (row_peer(st, p) < 0) {
			log_warnx("store %s: damaged peer row skipped", s->path);
			continue;
		}
		ret = cb(ctx, p);
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE && rc != SQLITE_ROW)
		ret = st_db_err(s, "peer load", rc);
	sqlite3_reset(st);
	free(p);
	return ret;
}

int store_iface_put(struct store *s, const struct iface_row *r)
{
	sqlite3_stmt *st = s->st[ST_IFACE_PUT];

	st_bind_str(st, 1, r->name, sizeof(r->name));
	sqlite3_bind_int64(st, 2, r->ifindex);
	sqlite3_bind_int(st, 3, r->impl);
	if (r->has_public_key)
		sqlite3_bind_blob(st, 4, r->public_key, WG_KEY_LEN,
				  SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_int(st, 5, r->listen_port);
	sqlite3_bind_int(st, 6, r->up);
	sqlite3_bind_int64(st, 7, r->first_seen_us);
	sqlite3_bind_int64(st, 8, r->updated_us);
	return st_write_step(s, ST_IFACE_PUT, "iface put", "store_iface_put");
}

int store_iface_delete(struct store *s, const char *name)
{
	sqlite3_bind_text(s->st[ST_IFACE_DELETE], 1, name, -1, SQLITE_STATIC);
	return st_write_step(s, ST_IFACE_DELETE, "iface delete", "store_iface_delete");
}

static int row_iface(sqlite3_stmt *st, struct iface_row *r)
{
	int kt = sqlite3_column_type(st, 3);

	if (!st_col_text(st, 0, r->name, sizeof(r->name)))
		return -EINVAL;
	if (kt != SQLITE_NULL && sqlite3_column_bytes(st, 3) != WG_KEY_LEN)
		return -EINVAL;
	r->ifindex = (uint32_t)sqlite3_column_int64(st, 1);
	r->impl = sqlite3_column_int(st, 2);
	r->has_public_key = kt != SQLITE_NULL;
	if (r->has_public_key)
		memcpy(r->public_key, sqlite3_column_blob(st, 3), WG_KEY_LEN);
	r->listen_port = (uint16_t)sqlite3_column_int(st, 4);
	r->up = sqlite3_column_int(st, 5) != 0;
	r->first_seen_us = sqlite3_column_int64(st, 6);
	r->updated_us = sqlite3_column_int64(st, 7);
	return 0;
}

int store_iface_load(struct store *s, store_iface_cb cb, void *ctx)
{
	sqlite3_stmt *st = s->st[ST_IFACE_LOAD];
	struct iface_row r;
	int rc = SQLITE_DONE, ret = 0;

	if (sqlite3_stmt_busy(st))
		return -EBUSY;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		if (row_iface(st, &r) < 0) {
			log_warnx("store %s: damaged interface row skipped",
				  s->path);
			continue;
		}
		ret = cb(ctx, &r);
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE && rc != SQLITE_ROW)
		ret = st_db_err(s, "iface load", rc);
	sqlite3_reset(st);
	return ret;
}

/* ---- the engine's persistence (base/staterow.h) ---- */

static int ops_peer_put(void *ctx, const struct peer_row *p)
{
	return store_peer_put(ctx, p);
}

static int ops_peer_delete(void *ctx, const char *iface,
			   const uint8_t key[static WG_KEY_LEN])
{
	return store_peer_delete(ctx, iface, key);
}

static int ops_iface_put(void *ctx, const struct iface_row *r)
{
	return store_iface_put(ctx, r);
}

static int ops_iface_delete(void *ctx, const char *name)
{
	return store_iface_delete(ctx, name);
}

static int ops_peer_load(void *ctx, const char *iface, state_peer_cb cb, void *cbctx)
{
	return store_peer_load(ctx, iface, cb, cbctx);
}

static int ops_iface_load(void *ctx, state_iface_cb cb, void *cbctx)
{
	return store_iface_load(ctx, cb, cbctx);
}

static int ops_meta_get(void *ctx, const char *key, char *val, size_t len)
{
	return store_meta_get(ctx, key, val, len);
}

static int ops_meta_set(void *ctx, const char *key, const char *val)
{
	return store_meta_set(ctx, key, val);
}

void store_state_ops(struct store *s, struct state_ops *out)
{
	*out = (struct state_ops){
		.peer_put = ops_peer_put, .peer_delete = ops_peer_delete,
		.iface_put = ops_iface_put, .iface_delete = ops_iface_delete,
		.peer_load = ops_peer_load, .iface_load = ops_iface_load,
		.meta_get = ops_meta_get, .meta_set = ops_meta_set,
		.ctx = s,
	};
}
