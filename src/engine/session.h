// SPDX-License-Identifier: GPL-2.0
/* session.h - peer sessions from the tracker's events: a session opens at
 * PEER_ACTIVE and closes at PEER_INACTIVE, PEER_REMOVED or the interface's
 * IFACE_DESTROYED, emitting PEER_SESSION (DESIGN.md "Sessions"). Pure
 * decisions: open sessions persist through the callbacks the daemon hands
 * it (one key per open session), so a session survives an agent restart. */
#ifndef WGAUDIT_SESSION_H
#define WGAUDIT_SESSION_H
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/ifkey.h"
#include "base/util.h"

struct event;
struct event_sink;
struct sessions;
struct tracker;

#define SESSION_KEY_PREFIX	"session:"	/* session:IFACE:BASE64KEY */
#define SESSION_VAL_LEN		896
#define SESSION_MAX_ENDPOINTS	8		/* distinct endpoints kept per session */

/* Key/value persistence (the agent maps it to the store's meta table,
 * inside the loop turn's transaction). scan calls cb for every key that
 * starts with prefix; del of an absent key is 0. */
struct session_state {
	int (*get)(void *ctx, const char *key, char *val, size_t len);
	int (*set)(void *ctx, const char *key, const char *val);
	int (*del)(void *ctx, const char *key);
	int (*scan)(void *ctx, const char *prefix,
		    int (*cb)(void *cctx, const char *key, const char *val), void *cctx);
	void *ctx;
};

/* One open session as persisted (and as `wgaudit sessions` reads it). */
struct session_rec {
	char iface[IFKEY_LEN];		/* ifkey.h: "wg0" or "wg0/netns" */
	uint8_t key[WG_KEY_LEN];
	int64_t start_us;
	uint64_t rx0, tx0;		/* counters when it opened */
	uint64_t rx, tx;		/* last seen */
	uint64_t handshakes;
	char endpoints[SESSION_MAX_ENDPOINTS * ENDPOINT_STR_LEN];	/* "a,b" */
	char name[64];			/* friendly name at the open, "" */
};

/* Loads the open sessions. st may be NULL (nothing persists). */
int sessions_new(const struct session_state *st, const struct event_sink *sink,
		 struct sessions **out);
void sessions_free(struct sessions *s);
/* Counters of a peer no event told about yet (the tracker's loaded state
 * at start, its first observation after the baseline pass): a session
 * that opens later counts from them. */
void sessions_seed(struct sessions *s, const char *iface,
		   const uint8_t key[static WG_KEY_LEN], uint64_t rx, uint64_t tx);
/* The same for every peer the tracker holds. */
void sessions_seed_tracker(struct sessions *s, const struct tracker *t);
/* Every journaled event passes here (PEER_SESSION itself is ignored). */
void sessions_event(struct sessions *s, const struct event *ev);
size_t sessions_open_count(const struct sessions *s);

/* The persisted form: key "session:IFACE:KEY", value text. Pure. */
int session_rec_parse(const char *key, const char *val, struct session_rec *out);
void session_rec_format(const struct session_rec *r, char *val, size_t len);
#endif
