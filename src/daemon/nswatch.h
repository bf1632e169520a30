// SPDX-License-Identifier: GPL-2.0
/* nswatch.h - --all-namespaces: the kernel WireGuard interfaces of every
 * other network namespace, each namespace through sockets opened inside
 * it (generic netlink + its rtnetlink listing, an rtnetlink link watch,
 * an ioctl socket for link flags), polled into the tracker under keys
 * "name/netns" (base/ifkey.h). */
#ifndef WGAUDIT_NSWATCH_H
#define WGAUDIT_NSWATCH_H
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include "base/event.h"

struct loop;
struct tracker;
struct wg_device;
struct nswatch;

struct nswatch_opts {
	struct loop *loop;
	struct tracker *tracker;
	size_t max;			/* namespaces at most (0: NETNS_MAX_DEFAULT) */
	const char *run_dir;		/* /run/netns */
	const char *proc_dir;		/* /proc */
	/* Whether an interface key is in the agent's view (--interface). */
	bool (*in_scope)(void *scope_ctx, const char *key);
	void *scope_ctx;
	/* A link changed in some namespace (SRC_RTNL), or a name appeared in
	 * or left run_dir (SRC_INOTIFY): observe soon. */
	void (*kick)(void *ctx, enum event_source src);
	void *ctx;
};

/* Remembers the agent's own namespace (the one it returns to). 0 or -errno. */
int nswatch_new(const struct nswatch_opts *o, struct nswatch **out);
void nswatch_free(struct nswatch *w);
/* Rescan the namespaces (sockets opened for new ones, closed for gone
 * ones), then observe every kernel interface in scope of each into the
 * tracker, inside a tracker pass. module: the wireguard genl family
 * exists (the agent's own wgnl_open worked). names: a scratch array of
 * max entries. 0 when every listing worked, else -errno (the pass is
 * incomplete: nothing may be reported destroyed). */
int nswatch_poll(struct nswatch *w, bool module, struct wg_device *dev,
		 char (*names)[IFNAMSIZ], size_t max, enum event_source src);
/* Namespaces watched now, and how many sockets they hold. */
void nswatch_counts(const struct nswatch *w, size_t *nns, size_t *nsockets);
#endif
