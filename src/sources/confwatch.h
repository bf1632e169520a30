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

struct event_sink;
struct confwatch;

#define CONFWATCH_NAME_LEN 64
/* Bounds on untrusted input. A larger file is not read: its event carries
 * error=too_large and size, new_sha256 "", and the last good public view
 * is kept (never peers "removed" because a file could not be parsed).
 * Longer lines and further peers are skipped and reported in err. */
#define CONFWATCH_FILE_MAX	(4u << 20)
#define CONFWATCH_LINE_MAX	65536u
#define CONFWATCH_MAX_PEERS	32768u
#define CONFWATCH_MAX_FILES	256u

/* The public view of one [Peer] section. */
struct conf_peer {
	uint8_t public_key[WG_KEY_LEN];
	char name[CONFWATCH_NAME_LEN];	/* "# Name = alice" / "# friendly_name = alice", "" */
	char allowed_ips[1024];
	char endpoint[128];		/* as written (may be a host name) */
};

/* The public view of one IFACE.conf. peers are sorted by public key and
 * unique (a repeated [Peer] for one key is merged as wg(8) does: allowed
 * IPs appended, last endpoint wins, first name wins). */
struct conf_iface {
	char name[IFNAMSIZ];		/* from the file name */
	char path[256];
	char sha256[65];		/* hex */
	uint16_t listen_port;		/* 0 = not set */
	char addresses[512];		/* wg-quick Address = ..., comma-joined */
	size_t n_peers;
	struct conf_peer *peers;
};

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
 * file has old_sha256 "" and a deleted one new_sha256 "") and
 * ALERT_CONFIG_CHANGED (warning) for each change. */
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

/* The [Peer] with this key in ci (binary search: peers are sorted), or
 * NULL. For checks that hold a conf_iface already. */
const struct conf_peer *conf_iface_peer(const struct conf_iface *ci,
					const uint8_t key[static WG_KEY_LEN]);

/* Pure parser of one file's text (tests, fuzzing). 0; or -EINVAL with
 * "LINE: message" (first problem, "(and N more)") in err, and out still
 * holds every part that did parse (release it either way); or -ENOMEM with
 * out empty. name, path and sha256 are left "" (the watcher fills them).
 * Messages never quote a value. PrivateKey / PresharedKey values are
 * neither copied nor inspected. Names come from "# Name = x" / "#Name: x"
 * above a [Peer] header or inside the section, "# friendly_name = x"
 * (prometheus_wireguard_exporter; section-scoped, wins), and the installer
 * markers "### Client x", "# BEGIN_PEER x", "### begin x ###". */
int confwatch_parse(const char *buf, size_t len, struct conf_iface *out,
		    char *err, size_t errlen);
void conf_iface_release(struct conf_iface *ci);
#endif
