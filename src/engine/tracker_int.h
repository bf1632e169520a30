// SPDX-License-Identifier: GPL-2.0
/* tracker_int.h - what the tracker's files share (tracker.c: the diff
 * engine, snapshots -> PEER_* / IFACE_*; peerid.c: kernel peer numbers
 * and endpoints -> public keys; trackpeer.c: the per-peer diff): the
 * in-memory records and their lookups.
 * Not for anyone outside engine/; the API is tracker.h. */
#ifndef WGAUDIT_TRACKER_INT_H
#define WGAUDIT_TRACKER_INT_H
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "base/event.h"
#include "base/ifkey.h"
#include "base/pool.h"
#include "base/staterow.h"
#include "base/util.h"
#include "engine/tracker.h"

enum peer_state { ST_NEVER = 0, ST_ACTIVE = 1, ST_INACTIVE = 2 };

/* 144 bytes, no padding, from its interface's pool (no malloc header):
 * one per peer for the agent's lifetime. */
struct tpeer {
	uint8_t key[WG_KEY_LEN];
	union endpoint ep;		/* binary: compared every poll, formatted for events */
	uint16_t keepalive;
	uint8_t state;
	int64_t last_handshake;
	uint64_t rx, tx;		/* last observed */
	uint64_t rx_mark, tx_mark;	/* at the last PEER_TRANSFER */
	int64_t mark_us;
	int64_t first_seen_us;
	uint32_t gen;			/* pass in which it was last seen */
	uint32_t aips_hash;		/* of the binary list, compared every poll */
	char *aips;			/* formatted once per change (metrics) */
	struct tpeer *next;		/* hash chain */
};

struct tiface {
	char name[IFKEY_LEN];		/* ifkey: "wg0", or "wg0/netns" */
	uint32_t ifindex;
	int impl;
	bool has_key, up, link_known, failing;
	uint8_t key[WG_KEY_LEN];
	uint16_t listen_port;
	uint32_t gen;
	int64_t first_seen_us;
	struct tpeer **buckets;
	size_t nbuckets, npeers;
	struct pool peers;		/* the struct tpeer records */
	struct tiface *next;
};

/* Kernel peer numbers learned from log lines (peer %llu). */
struct idmap {
	uint64_t id;
	char iface[IFKEY_LEN];
	uint8_t key[WG_KEY_LEN];
};
#define IDMAP_SIZE 1024

/* The observation in progress, tracker_observe_begin .. _end. */
struct tobs {
	struct tiface *ti;		/* NULL while a new interface is read whole */
	bool active, whole, is_new;
	enum event_source src;
	char key[IFKEY_LEN];
};

struct tracker {
	struct state_ops st;
	int err;			/* first persistence error (take_error) */
	struct tracker_opts opts;
	const struct event_sink *sink;
	struct tiface *ifaces;
	uint32_t gen;
	size_t stamped;			/* records the current observation stamped with gen */
	struct tobs obs;
	int64_t now_us;
	bool baseline;
	struct idmap idmap[IDMAP_SIZE];	/* direct-mapped cache by id */
};

/* tracker.c, for trackpeer.c: records, persistence, event fields. */
int trk_peer_insert(struct tiface *ti, struct tpeer *p);
void trk_peer_unlink(struct tiface *ti, struct tpeer *p);
/* A failed write is logged once per turn and remembered (take_error). */
void trk_saved(struct tracker *t, int ret, const char *what, const char *name);
void trk_peer_save(struct tracker *t, const struct tiface *ti,
		   const struct tpeer *p, const char *aips);
void trk_emit(struct tracker *t, struct event *ev);
void trk_peer_fields(struct event *ev, const struct tiface *ti,
		     const struct tpeer *p, const char *aips);
void trk_set_handshake(struct event *ev, int64_t lh);
int trk_state_of(const struct tracker *t, int64_t lh);

/* trackpeer.c, for tracker.c: peers [0, n) of dev against ti's records,
 * in order (quiet: recorded, no event); then the records a complete
 * snapshot did not stamp, removed. */
struct wg_device;
void trk_observe_peers(struct tracker *t, struct tiface *ti,
		       const struct wg_device *dev, size_t n, bool quiet,
		       enum event_source src);
void trk_sweep_unseen(struct tracker *t, struct tiface *ti, enum event_source src);

static inline uint64_t key_hash(const uint8_t key[static WG_KEY_LEN])
{
	uint64_t h;

	/* Public keys are curve points: their bytes are already uniform. */
	memcpy(&h, key + 8, sizeof(h));
	return h;
}

static inline struct tpeer *peer_find(const struct tiface *ti, const uint8_t *key)
{
	struct tpeer *p;

	if (!ti->nbuckets)
		return NULL;
	for (p = ti->buckets[key_hash(key) & (ti->nbuckets - 1)]; p; p = p->next)
		if (!memcmp(p->key, key, WG_KEY_LEN))
			return p;
	return NULL;
}

static inline struct tiface *iface_find(const struct tracker *t, const char *name)
{
	for (struct tiface *ti = t->ifaces; ti; ti = ti->next)
		if (!strcmp(ti->name, name))
			return ti;
	return NULL;
}
#endif
