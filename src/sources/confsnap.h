// SPDX-License-Identifier: GPL-2.0
/* confsnap.h - one config file as it is on disk now (read bounded, hashed,
 * parsed, wiped: confsnap.c), for the config watcher. */
#ifndef WGAUDIT_CONFSNAP_H
#define WGAUDIT_CONFSNAP_H
#include <stdbool.h>
#include <sys/types.h>
#include "base/wgconf.h"
#include "sources/confview.h"

/* What is on disk now. */
struct confsnap {
	bool present, too_large, same;
	off_t size;
	char ident[CW_IDENT_LEN];
	char sha[65];
	struct conf_iface ci;
};

/* Load path into s. When known (a hex hash or oversize identity) matches,
 * s->same is set and nothing is parsed. prev is the last good view (NULL:
 * none), kept for a file too large to read. 0, or -ENOENT (absent), or
 * -errno. s is zeroed first: confsnap_release() is safe whatever the result. */
int confsnap_take(const char *path, const char *known,
		  const struct conf_iface *prev, struct confsnap *s);
void confsnap_release(struct confsnap *s);
#endif
