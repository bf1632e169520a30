// SPDX-License-Identifier: GPL-2.0
/* confview.h - the config watcher's pure half: a file's public view as the
 * diff sees it (listen port, addresses, peers as key + digest), its saved
 * form ("KEY:8hex,..."), the diff of two views and the one-line summary of
 * a change. No I/O: confwatch.c reads files, inotify and the saved state. */
#ifndef WGAUDIT_CONFVIEW_H
#define WGAUDIT_CONFVIEW_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/wgconf.h"

#define CW_IDENT_LEN	80	/* hex SHA-256, or "!size:mtime:ino" when too large */
#define CW_PV_LEN	(WG_KEY_B64_LEN - 1 + 1 + 8)	/* "KEY:8hex" */

/* A peer as the diff sees it: key plus a digest of what "changed" means. */
struct pv {
	uint8_t key[WG_KEY_LEN];
	uint32_t dig;
};

struct view {
	bool present;
	bool port_known, addr_known, peers_known;
	uint16_t port;
	char ident[CW_IDENT_LEN];
	char addresses[sizeof(((struct conf_iface *)0)->addresses)];
	struct pv *pv;
	size_t n;
};

struct diff {
	const uint8_t **added, **removed, **changed;
	size_t na, nr, nc;
};

void view_release(struct view *v);
/* The view of a parsed file (present) or of a missing one. */
int view_from_iface(struct view *v, const struct conf_iface *ci,
		    bool present, const char *ident);
/* The saved peer list, malloc'd ("" for none); NULL on -ENOMEM. */
char *peers_encode(const struct view *v);
/* Back from the saved list; -EINVAL (view unknown) when malformed. */
int peers_decode(struct view *v, const char *s);
/* Both lists sorted by key: added / removed / changed keys (borrowed). */
int diff_views(const struct view *o, const struct view *n, struct diff *d);
void diff_release(struct diff *d);
/* The file's SHA-256 hex, "" when absent or too large to hash. */
const char *ident_sha(const struct view *v);
/* Join as many keys as fit in room bytes; returns how many. */
size_t keys_join(char *out, size_t room, const uint8_t *const *keys, size_t n);
/* "2 peers added, 1 removed, listen port changed" */
void make_summary(char *s, size_t len, const struct view *o,
		  const struct view *n, const struct diff *d,
		  bool peers_known, bool port_chg, bool addr_chg, bool too_large);
int confview_sha256(const void *buf, size_t len, uint8_t md[32]);
/* n bytes as 2n lower-case hex digits and a NUL. */
void confview_hex(char *out, const uint8_t *b, size_t n);
#endif
