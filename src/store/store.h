// SPDX-License-Identifier: GPL-2.0
/* store.h - the SQLite state: event journal, per-output cursors, peer and
 * interface state, small key/value meta (kmsg cursor, ...). The only module
 * that includes sqlite3.h. Every function returns 0 or -errno (-EIO for an
 * SQLite error, logged with its message; -EBUSY when another process held
 * the lock past the 5 s busy timeout, -ENOSPC disk full, -ENOMEM). */
#ifndef WGAUDIT_STORE_H
#define WGAUDIT_STORE_H
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/staterow.h"
#include "base/event.h"
#include "base/util.h"

struct store;
struct event;

#define STORE_AIPS_LEN	STATE_AIPS_LEN
#define STORE_NAME_LEN	STATE_NAME_LEN
/* "<32 hex>-<seq>" fits struct event's event_id (EVENT_ID_LEN). */
#define STORE_INSTANCE_LEN	33

/* The database file of a state dir: DIR "/wgaudit.db". */
void store_db_path(const char *state_dir, char *out, size_t len);
/* Opens (creating if needed) the database file; WAL mode, migrations. */
int store_open(const char *path, struct store **out);
/* Opens an existing database for reading (the CLI): never creates it,
 * never migrates; -ENOENT when the file is missing, -EPROTO on a schema
 * version this build does not read. Writes through it fail. */
int store_open_readonly(const char *path, struct store **out);
/* An in-memory copy of the database at path (a fresh empty one when the
 * file does not exist): `check --dry-run` runs the whole turn against it,
 * and the file is never written. */
int store_open_snapshot(const char *path, struct store **out);
void store_free(struct store *s);

/* One transaction per loop turn. Every write opens it when none is open
 * (so the first write of a turn is inside it, never committed alone);
 * begin is idempotent while open. After a failed write the turn is
 * poisoned: later writes fail with the same error without touching the
 * database, and commit rolls back and returns it (SQLite may already have
 * rolled back on its own: disk full, I/O error). The caller must then
 * bring its memory back to the store's state. */
int store_begin(struct store *s);
int store_commit(struct store *s);
int store_rollback(struct store *s);
/* The store's random instance id, 32 hex digits, made once when the
 * database was created (DESIGN "Event identity"); "" for an old
 * database opened read-only before an agent gave it one. */
const char *store_instance(const struct store *s);
/* Persistence callbacks over this store for the engine. */
void store_state_ops(struct store *s, struct state_ops *out);

/* Journal. append sets ev->id (monotonic, > every earlier id) and
 * ev->event_id; events read back carry both. The row itself is buffered
 * and written with others in one statement: when the buffer is full (that
 * append returns the write's error), and before anything reads the
 * journal through this handle or the turn commits (a failed write fails
 * that read or the commit). Either way it poisons the turn like a failed
 * append. A rollback drops the buffer. -EROFS on a read-only store. */
int store_append(struct store *s, struct event *ev);
/* Calls cb for events with id > after_id in id order, at most max of them
 * (SIZE_MAX: all). Rows that cannot be decoded are logged and skipped.
 * cb returns 0 to continue, non-zero to stop (that value is returned).
 * Returns 0 when done; -errno on error. ev is only valid during cb. */
typedef int (*store_event_cb)(void *ctx, const struct event *ev);
int store_read_after(struct store *s, int64_t after_id, size_t max,
		     store_event_cb cb, void *ctx);
/* Events of one type with time_us >= since_us, in id order. */
int store_read_type(struct store *s, enum event_type type, int64_t since_us,
		    store_event_cb cb, void *ctx);
/* The last n events, oldest first. */
int store_read_tail(struct store *s, size_t n, store_event_cb cb, void *ctx);
/* The last id handed out (ids are never reused, even after a trim
 * emptied the journal); 0 when nothing was ever appended. */
int store_last_id(struct store *s, int64_t *out);
/* Drops the oldest events so at most max_events / max_age remain
 * (0 = no bound). When the count bound is exceeded it keeps max_events - 1,
 * leaving room for the one EVENTS_DROPPED the caller appends, so a trim
 * never puts the journal over its bound again. *dropped counts the events
 * other than EVENTS_DROPPED that went: a trim that removed only earlier
 * EVENTS_DROPPED records (already counted, already delivered) reports 0,
 * and the caller emits nothing. */
int store_trim(struct store *s, uint64_t max_events, int64_t max_age_us,
	       uint64_t *dropped);

/* Output cursors (name = the output URL). Absent => *out = -1. */
int store_cursor_get(struct store *s, const char *name, int64_t *out);
int store_cursor_set(struct store *s, const char *name, int64_t id);

/* Small meta values. Absent => -ENOENT. */
int store_meta_get(struct store *s, const char *key, char *val, size_t len);
int store_meta_set(struct store *s, const char *key, const char *val);
/* Absent is not an error. */
int store_meta_delete(struct store *s, const char *key);
/* cb for every key starting with prefix, in key order; a non-zero return
 * stops the scan and is returned. key/val valid during cb only. */
typedef int (*store_meta_cb)(void *ctx, const char *key, const char *val);
int store_meta_scan(struct store *s, const char *prefix, store_meta_cb cb, void *ctx);

/* Peers, keyed by (iface, public_key). */
int store_peer_put(struct store *s, const struct peer_row *p);
int store_peer_delete(struct store *s, const char *iface,
		      const uint8_t key[static WG_KEY_LEN]);
typedef state_peer_cb store_peer_cb;
/* iface NULL = all interfaces. */
int store_peer_load(struct store *s, const char *iface, store_peer_cb cb, void *ctx);

int store_iface_put(struct store *s, const struct iface_row *r);
int store_iface_delete(struct store *s, const char *name);
typedef state_iface_cb store_iface_cb;
int store_iface_load(struct store *s, store_iface_cb cb, void *ctx);
#endif
