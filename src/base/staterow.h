// SPDX-License-Identifier: GPL-2.0
/* staterow.h - the persisted view of peers and interfaces, and the
 * callbacks through which the engine keeps it (the daemon hands the
 * tracker a struct state_ops backed by the store), so the engine never
 * includes store/. */
#ifndef WGAUDIT_STATEROW_H
#define WGAUDIT_STATEROW_H
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/ifkey.h"
#include "base/util.h"

#define STATE_AIPS_LEN	1024
#define STATE_NAME_LEN	64

/* Persisted view of one peer: what the tracker needs after a restart. */
struct peer_row {
	char iface[IFKEY_LEN];			/* ifkey.h: "wg0" or "wg0/netns" */
	uint8_t public_key[WG_KEY_LEN];
	char endpoint[ENDPOINT_STR_LEN];	/* "" when none */
	char allowed_ips[STATE_AIPS_LEN];
	char name[STATE_NAME_LEN];		/* friendly name, "" if unknown */
	int64_t last_handshake;			/* wall clock seconds, 0 = never */
	uint64_t rx, tx;			/* counters at the last write */
	uint64_t rx_mark, tx_mark;		/* counters at the last PEER_TRANSFER mark */
	int64_t mark_us;			/* wall clock of that mark */
	int state;				/* tracker's enum, opaque here */
	uint16_t keepalive;
	int64_t first_seen_us, updated_us;
};

struct iface_row {
	char name[IFKEY_LEN];			/* ifkey */
	uint32_t ifindex;
	int impl;				/* enum wg_impl */
	bool has_public_key;
	uint8_t public_key[WG_KEY_LEN];
	uint16_t listen_port;
	bool up;
	int64_t first_seen_us, updated_us;
};

typedef int (*state_peer_cb)(void *ctx, const struct peer_row *p);
typedef int (*state_iface_cb)(void *ctx, const struct iface_row *r);

/* Every write returns 0 or -errno and lands in the loop turn's
 * transaction; a failed one fails the turn's commit (the daemon then
 * restarts from the store). Loads call cb per row; meta_get -ENOENT
 * when absent. */
struct state_ops {
	int (*peer_put)(void *ctx, const struct peer_row *p);
	int (*peer_delete)(void *ctx, const char *iface,
			   const uint8_t key[static WG_KEY_LEN]);
	int (*iface_put)(void *ctx, const struct iface_row *r);
	int (*iface_delete)(void *ctx, const char *name);
	int (*peer_load)(void *ctx, const char *iface, state_peer_cb cb, void *cbctx);
	int (*iface_load)(void *ctx, state_iface_cb cb, void *cbctx);
	int (*meta_get)(void *ctx, const char *key, char *val, size_t len);
	int (*meta_set)(void *ctx, const char *key, const char *val);
	void *ctx;
};
#endif
