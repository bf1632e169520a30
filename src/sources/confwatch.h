// SPDX-License-Identifier: GPL-2.0
/* confwatch.h - watch WireGuard config files (/etc/wireguard/NAME.conf):
 * inotify plus a periodic rehash for missed events; SHA-256 of each file;
 * the public parts parsed (interface listen port and addresses, peers by
 * public key with friendly names, allowed IPs, endpoints). Never a private
 * or preshared key: those lines are skipped without copying the value. */
#ifndef WGAUDIT_CONFWATCH_H
#define WGAUDIT_CONFWATCH_H
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/util.h"
#include "base/wgconf.h"

struct event_sink;
struct confwatch;

/* Where the last known hash of each file is kept across restarts (the
 * agent stores them in the journal's meta table). get returns 0 and fills
 * val, or -ENOENT. */
struct confwatch_state {
	int (*get)(void *ctx, const char *key, char *val, size_t len);
	int (*set)(void *ctx, const char *key, const char *val);
	void *ctx;
};

/* Watch dir (inotify). A missing dir is not an error: nothing is known
 * until it appears (rescan retries). Emits nothing at open; the first
 * confwatch_rescan() compares with the saved hashes. */
int confwatch_open(const char *dir, const struct confwatch_state *st,
		   struct confwatch **out);
void confwatch_free(struct confwatch *cw);
int confwatch_fd(const struct confwatch *cw);		/* -1 without inotify */
/* Drain inotify; rehash and re-parse changed files; emit
 * CONFIG_FILE_CHANGED (path, iface, old_sha256, new_sha256, peers_added,
 * peers_removed, peers_changed as comma-joined public keys, listen_port /
 * prev_listen_port, addresses / prev_addresses when they changed; a new
 * file has old_sha256 "" and a deleted one new_sha256 "") for each change
 * (engine/checks/config.c turns each into ALERT_CONFIG_CHANGED). */
int confwatch_read(struct confwatch *cw, const struct event_sink *sink);
/* Rehash every file (periodic; catches missed inotify events). Also
 * re-adds the directory watch after the directory was removed or moved,
 * and on its first call reports files deleted while the agent was down.
 * Saved state keys: confhash:PATH ("" = known absent), confpeers:PATH
 * ("KEY:8hex,..." sorted; 8hex = digest of allowed IPs and endpoint),
 * confport:PATH, confaddr:PATH, conffiles:DIR (names present). */
int confwatch_rescan(struct confwatch *cw, const struct event_sink *sink);

/* NULL when no IFACE.conf is known. Borrowed until the next read/rescan. */
const struct conf_iface *confwatch_iface(const struct confwatch *cw, const char *iface);
/* Friendly name of a peer, or NULL. */
const char *confwatch_peer_name(const struct confwatch *cw, const char *iface,
				const uint8_t key[static WG_KEY_LEN]);

#endif
