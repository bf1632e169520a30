/* confwatch.h - watch WireGuard config files (/etc/wireguard/*.conf):
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
#include "util/util.h"

struct event_sink;
struct confwatch;

#define CONFWATCH_NAME_LEN 64

/* The public view of one [Peer] section. */
struct conf_peer {
	uint8_t public_key[WG_KEY_LEN];
	char name[CONFWATCH_NAME_LEN];	/* "# Name = alice" / "# friendly_name = alice", "" */
	char allowed_ips[1024];
	char endpoint[128];		/* as written (may be a host name) */
};

/* The public view of one IFACE.conf. */
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
/* Rehash every file (periodic; catches missed inotify events). */
int confwatch_rescan(struct confwatch *cw, const struct event_sink *sink);

/* NULL when no IFACE.conf is known. Borrowed until the next read/rescan. */
const struct conf_iface *confwatch_iface(const struct confwatch *cw, const char *iface);
/* Friendly name of a peer, or NULL. */
const char *confwatch_peer_name(const struct confwatch *cw, const char *iface,
				const uint8_t key[static WG_KEY_LEN]);

/* Pure parser of one file's text (tests, fuzzing). 0 or -EINVAL with
 * file:line: message in err. */
int confwatch_parse(const char *buf, size_t len, struct conf_iface *out,
		    char *err, size_t errlen);
void conf_iface_release(struct conf_iface *ci);
#endif
