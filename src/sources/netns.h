// SPDX-License-Identifier: GPL-2.0
/* netns.h - every network namespace of the host: the named ones
 * (/run/netns) and those of running processes (/proc/PID/ns/net, i.e.
 * containers), one entry per namespace (by inode), and a way to open
 * sockets inside one of them from the agent's thread. */
#ifndef WGAUDIT_NETNS_H
#define WGAUDIT_NETNS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/ifkey.h"

#define NETNS_PATH_LEN		288	/* "/run/netns/" + NAME_MAX */
#define NETNS_MAX_DEFAULT	1024

struct netns_entry {
	uint64_t ino;
	bool named;			/* found under the run directory */
	char label[NETNS_LABEL_LEN];	/* ifkey.h netns_label() */
	char path[NETNS_PATH_LEN];	/* how to open it now */
};

/* One scan's result. Set self_ino (the agent's own namespace, never
 * listed) and max before the first scan. */
struct netns_scan {
	struct netns_entry *v;
	size_t n, max;
	uint32_t *slots;		/* open addressing by inode: index + 1 */
	size_t nslots;			/* a power of two >= 2 * max */
	uint64_t self_ino;
	uint64_t nsfs_dev;		/* st_dev of namespace files; 0: unchecked */
	unsigned over;			/* namespaces left out: more than max */
	unsigned unreadable;		/* processes whose namespace could not be read */
};

int netns_scan_init(struct netns_scan *s, size_t max);
void netns_scan_release(struct netns_scan *s);

/* Pure: add namespace ino, seen as name under the run directory (name
 * non-NULL) or through a process (name NULL), reachable at path. One
 * entry per inode; a name beats a process, and the smallest name wins
 * among names, so the label does not depend on directory order. The
 * agent's own namespace is skipped. 0, or -ENOSPC (counted in over) when
 * the table is full, -EINVAL for a path too long. */
int netns_scan_add(struct netns_scan *s, uint64_t ino, const char *name,
		   const char *path);

/* Rescan: proc_dir (/proc) then run_dir (/run/netns). A missing run_dir
 * is an empty one. 0, or -errno when proc_dir cannot be read (then the
 * scan is incomplete: the caller must not treat namespaces as gone). */
int netns_scan_run(struct netns_scan *s, const char *run_dir, const char *proc_dir);

/* The inode of the namespace of this thread, or of the file at path. */
int netns_self_ino(uint64_t *ino, uint64_t *dev);

/* On a short-lived thread: open path (checking it is still namespace
 * ino), enter it and run fn, which creates the sockets it needs (they stay
 * bound to that namespace and are the caller's: the fd table is shared).
 * The calling thread waits and never changes namespace. fn must only
 * touch what the caller hands it in ctx. fn's result, or -errno. */
int netns_run_in(const char *path, uint64_t ino, int (*fn)(void *ctx), void *ctx);
#endif
