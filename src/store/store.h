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
#include "base/util.h"

struct store;
struct event;

#define STORE_AIPS_LEN	1024
#define STORE_NAME_LEN	64

/* Persisted view of one peer: what the tracker needs after a restart. */
struct peer_row {
	char iface[IFNAMSIZ];
	uint8_t public_key[WG_KEY_LEN];
	char endpoint[ENDPOINT_STR_LEN];	/* "" when none */
	char allowed_ips[STORE_AIPS_LEN];
	char name[STORE_NAME_LEN];		/* friendly name, "" if unknown */
	int64_t last_handshake;			/* wall clock seconds, 0 = never */
	uint64_t rx, tx;			/* counters at the last write */
	uint64_t rx_mark, tx_mark;		/* counters at the last PEER_TRANSFER mark */
	int64_t mark_us;			/* wall clock of that mark */
	int state;				/* tracker's enum, opaque here */
	uint16_t keepalive;
	int64_t first_seen_us, updated_us;
};

struct iface_row {
	char name[IFNAMSIZ];
	uint32_t ifindex;
	int impl;				/* enum wg_impl */
	bool has_public_key;
	uint8_t public_key[WG_KEY_LEN];
	uint16_t listen_port;
	bool up;
	int64_t first_seen_us, updated_us;
};

/* The database file of a state dir: DIR "/wgaudit.db". */
void store_db_path(const char *state_dir, char *out, size_t len);
/* Opens (creating if needed) the database file; WAL mode, migrations. */
int store_open(const char *path, struct store **out);
/* Opens an existing database for reading (the CLI): never creates it,
 * never migrates; -ENOENT when the file is missing, -EPROTO on a schema
 * version this build does not read. Writes through it fail. */
int store_open_readonly(const char *path, struct store **out);
void store_free(struct store *s);

/* One transaction per loop turn. begin is idempotent while open. */
int store_begin(struct store *s);
int store_commit(struct store *s);
int store_rollback(struct store *s);

/* Journal. append sets ev->id (monotonic, > every earlier id). */
int store_append(struct store *s, struct event *ev);
/* Calls cb for events with id > after_id in id order, at most max of them
 * (SIZE_MAX: all). Rows that cannot be decoded are logged and skipped.
 * cb returns 0 to continue, non-zero to stop (that value is returned).
 * Returns 0 when done; -errno on error. ev is only valid during cb. */
typedef int (*store_event_cb)(void *ctx, const struct event *ev);
int store_read_after(struct store *s, int64_t after_id, size_t max,
		     store_event_cb cb, void *ctx);
/* The last n events, oldest first. */
int store_read_tail(struct store *s, size_t n, store_event_cb cb, void *ctx);
/* The last id handed out (ids are never reused, even after a trim
 * emptied the journal); 0 when nothing was ever appended. */
int store_last_id(struct store *s, int64_t *out);
/* Drops the oldest events so at most max_events / max_age remain
 * (0 = no bound); *dropped tells how many went. */
int store_trim(struct store *s, uint64_t max_events, int64_t max_age_us,
	       uint64_t *dropped);

/* Output cursors (name = the output URL). Absent => *out = -1. */
int store_cursor_get(struct store *s, const char *name, int64_t *out);
int store_cursor_set(struct store *s, const char *name, int64_t id);

/* Small meta values. Absent => -ENOENT. */
int store_meta_get(struct store *s, const char *key, char *val, size_t len);
int store_meta_set(struct store *s, const char *key, const char *val);

/* Peers, keyed by (iface, public_key). */
int store_peer_put(struct store *s, const struct peer_row *p);
int store_peer_delete(struct store *s, const char *iface,
		      const uint8_t key[static WG_KEY_LEN]);
typedef int (*store_peer_cb)(void *ctx, const struct peer_row *p);
/* iface NULL = all interfaces. */
int store_peer_load(struct store *s, const char *iface, store_peer_cb cb, void *ctx);

int store_iface_put(struct store *s, const struct iface_row *r);
int store_iface_delete(struct store *s, const char *name);
typedef int (*store_iface_cb)(void *ctx, const struct iface_row *r);
int store_iface_load(struct store *s, store_iface_cb cb, void *ctx);
#endif
