// SPDX-License-Identifier: GPL-2.0
/* tracker.h - snapshots -> PEER_* / IFACE_* events. Keeps one in-memory
 * record per peer (hash table keyed by public key, per interface) and writes
 * to the store only what changed. */
#ifndef WGAUDIT_TRACKER_H
#define WGAUDIT_TRACKER_H
#include <stdbool.h>
#include <stdint.h>
#include "base/event.h"
#include "base/util.h"

struct tracker;
struct state_ops;
struct wg_device;

struct tracker_opts {
	int64_t active_us;		/* handshake age still counted active */
	int64_t transfer_interval_us;	/* PEER_TRANSFER period */
	/* Keep each peer's allowed IPs as text for tracker_for_each_peer
	 * (the metrics): ~32 bytes a peer; off, allowed_ips walks as "". */
	bool aips_text;
};

/* Loads the last known state through st (kept: every change is written
 * through it, in the daemon's turn). */
int tracker_new(const struct state_ops *st, const struct tracker_opts *o,
		const struct event_sink *sink, struct tracker **out);
void tracker_free(struct tracker *t);
/* New thresholds (configuration reload); the state is kept. */
void tracker_set_opts(struct tracker *t, const struct tracker_opts *o);

/* A pass observes interfaces one by one. The first pass on an empty store
 * is the baseline: it records state and emits no per-peer events. */
void tracker_pass_begin(struct tracker *t, int64_t now_us);
/* One complete, consistent snapshot of dev. */
int tracker_observe(struct tracker *t, const struct wg_device *dev,
		    enum event_source src);
/* The same for an interface in another network namespace, labelled
 * netns (NULL or "": the agent's own); its key is "name/netns" (ifkey.h)
 * and its events carry "netns". */
int tracker_observe_in(struct tracker *t, const struct wg_device *dev,
		       const char *netns, enum event_source src);
/* The same in steps, for a reader that hands peers on as it goes
 * (wg_stream, wgdev.h): begin with dev holding the interface's fields
 * (its peers are not looked at), peers for each chunk (dev's first n
 * peers), end with the peers that are left (all of them when the read
 * was whole), then the sweep of the peers not seen. Events come in the
 * order tracker_observe_in gives them. begin returns 1 when chunks are
 * taken, 0 when the tracker wants the device whole (an interface new at
 * runtime: IFACE_CREATED needs its peers): peers then ignores chunks,
 * the caller keeps every peer for end. A read that fails after begin ends
 * with tracker_observe_failed instead: peers already observed stand
 * (each was complete), nothing is removed, and an interface first met in
 * that read is forgotten. */
int tracker_observe_begin(struct tracker *t, const struct wg_device *dev,
			  const char *netns, enum event_source src);
void tracker_observe_peers(struct tracker *t, const struct wg_device *dev, size_t n);
int tracker_observe_end(struct tracker *t, const struct wg_device *dev);
/* The same undoing as tracker_observe_failed, without its event or mark
 * (a read between polls: the next poll says what failed). */
void tracker_observe_abort(struct tracker *t);
/* dev could not be read this pass: keep its last snapshot (no removals).
 * iface, here and below, is an interface key (ifkey.h): the plain name in
 * the agent's own namespace. */
void tracker_observe_failed(struct tracker *t, const char *iface, int err);
/* complete: every interface was listed (no listing failed). Only then are
 * interfaces that were not seen reported destroyed. in_scope(name) says
 * whether an unseen interface belongs to this agent's view (--interface). */
int tracker_pass_end(struct tracker *t, bool complete, enum event_source src,
		     bool (*in_scope)(void *ctx, const char *name), void *ctx);
bool tracker_is_baseline(const struct tracker *t);

/* Interface link state from rtnetlink or a poll. */
int tracker_link_state(struct tracker *t, const char *iface, bool up,
		       enum event_source src);

/* Fill ev's "peer" from its "peer_id" (remembered) or, when the line
 * names the peer number and an endpoint, from the live peer table; and
 * "netns" when the interface name or the peer says which namespace, or
 * "netns_unresolved" (the candidates) when several have that name. */
void tracker_resolve(struct tracker *t, struct event *ev);

/* The first persistence error since the last call (0 if none): a turn
 * with one must not be committed as if complete (the store refuses it). */
int tracker_take_error(struct tracker *t);
/* Read-only walk over the in-memory state (metrics, sessions): no
 * allocation, no store access. Pointers are borrowed for the callback
 * only; a callback must not call back into the tracker. cb returns 0 to
 * go on; a non-zero value stops the walk and is returned. */
enum tracker_peer_state { TRACKER_PEER_NEVER, TRACKER_PEER_ACTIVE, TRACKER_PEER_INACTIVE };

struct tracker_iface_info {
	const char *name;
	const uint8_t *public_key;	/* NULL when unknown */
	uint16_t listen_port;
	bool up, kernel;
	size_t npeers;
};

struct tracker_peer_info {
	const char *iface;
	const uint8_t *public_key;
	const union endpoint *endpoint;	/* AF_UNSPEC when none */
	const char *allowed_ips;	/* "10.0.0.2/32,fd00::2/128", "" */
	int64_t last_handshake;		/* wall clock s, 0 = never */
	uint64_t rx, tx;
	enum tracker_peer_state state;
};

typedef int (*tracker_iface_cb)(void *ctx, const struct tracker_iface_info *i);
typedef int (*tracker_peer_cb)(void *ctx, const struct tracker_peer_info *p);
int tracker_for_each_iface(const struct tracker *t, tracker_iface_cb cb, void *ctx);
int tracker_for_each_peer(const struct tracker *t, tracker_peer_cb cb, void *ctx);

/* Counts for AGENT_STARTED and status. */
void tracker_counts(const struct tracker *t, unsigned *ifaces, unsigned *peers);
#endif
