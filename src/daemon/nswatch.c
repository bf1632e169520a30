// SPDX-License-Identifier: GPL-2.0
/* nswatch.c - one agent, every network namespace. See nswatch.h.
 *
 * A socket stays bound to the namespace it was created in, so a
 * short-lived thread enters a namespace only to create its sockets
 * (netns_run_in; the loop thread waits and never leaves the agent's own
 * namespace); polling then works on those sockets from there. Per namespace: an rtnetlink link watch always, and with
 * the kernel module a wgnl (genl + rtnetlink) and an ioctl socket: 2 or 4
 * fds and about 100 KiB of (lazily touched) buffers. A namespace is gone
 * when no name and no process shows it any more: our sockets alone keep
 * it alive, so they are closed at that scan. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include "base/ifkey.h"
#include "base/log.h"
#include "base/loop.h"
#include "base/wgdev.h"
#include "daemon/nswatch.h"
#include "daemon/obsstream.h"
#include "engine/tracker.h"
#include "sources/netns.h"
#include "sources/rtnl.h"
#include "sources/wgnl.h"

struct nsobs {
	struct nswatch *w;
	uint64_t ino;
	char label[NETNS_LABEL_LEN];
	struct rtnl *rtnl;		/* link watch */
	struct wgnl *nl;		/* NULL until the module is there */
	int ioctl_fd;
	bool nl_tried;
	bool seen;			/* in the current scan */
};

struct nswatch {
	struct nswatch_opts o;
	struct netns_scan scan;
	struct nsobs **v;
	size_t n;
	int inotify_fd, inotify_wd;	/* run_dir: names seen at once, not at the tick */
	bool scan_warned, over_warned;
};

/* A name added to or removed from /run/netns: rescan soon. Only a hint
 * (the rescan at every poll is what counts): "ip netns add" creates the
 * name before it mounts the namespace on it, and a name seen too early is
 * taken at the next tick. */
static void on_run_dir(void *ctx, int fd, uint32_t events)
{
	struct nswatch *w = ctx;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool any = false;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ie = (const struct inotify_event *)p;

			if (ie->mask & IN_IGNORED)
				w->inotify_wd = -1;	/* the directory went: watch again later */
			p += sizeof(*ie) + ie->len;
		}
		any = true;
	}
	if (any)
		w->o.kick(w->o.ctx, SRC_INOTIFY);
}

/* Up to 4 fds per namespace: 1024 namespaces outgrow the usual soft
 * limit of 1024 open files. An open that still fails (EMFILE) is logged
 * for that namespace, which is then left unobserved. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			log_warn("netns: cannot raise the open-file limit");
	}
}

int nswatch_new(const struct nswatch_opts *o, struct nswatch **out)
{
	struct nswatch *w;
	uint64_t dev;
	int ret;

	*out = NULL;
	raise_fd_limit();
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->o = *o;
	w->inotify_wd = -1;
	w->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->inotify_fd >= 0 &&
	    loop_add_fd(o->loop, w->inotify_fd, EPOLLIN, on_run_dir, w) < 0) {
		close(w->inotify_fd);
		w->inotify_fd = -1;
	}
	ret = netns_scan_init(&w->scan, o->max);
	if (!ret)
		ret = netns_self_ino(&w->scan.self_ino, &dev);
	if (!ret)
		w->scan.nsfs_dev = dev;
	if (!ret)
		w->v = calloc(w->scan.max, sizeof(*w->v));
	if (!ret && !w->v)
		ret = -ENOMEM;
	if (ret < 0) {
		nswatch_free(w);
		return ret;
	}
	*out = w;
	return 0;
}

static void obs_close(struct nswatch *w, struct nsobs *ob)
{
	if (ob->rtnl) {
		loop_del_fd(w->o.loop, rtnl_fd(ob->rtnl));
		rtnl_free(ob->rtnl);
	}
	wgnl_free(ob->nl);
	if (ob->ioctl_fd >= 0)
		close(ob->ioctl_fd);
	free(ob);
}

void nswatch_free(struct nswatch *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++)
		obs_close(w, w->v[i]);
	free(w->v);
	netns_scan_release(&w->scan);
	if (w->inotify_fd >= 0) {
		loop_del_fd(w->o.loop, w->inotify_fd);
		close(w->inotify_fd);
	}
	free(w);
}

static void on_ns_link(void *ctx, const struct rtnl_link *l)
{
	struct nsobs *ob = ctx;
	struct nswatch *w = ob->w;
	char key[IFKEY_LEN];

	/* Kernel interfaces only: a wireguard-go tun is observed through its
	 * UAPI socket, which /var/run/wireguard shares across namespaces. */
	if (l->dump || strcmp(l->kind, "wireguard") ||
	    ifkey_format(key, l->name, ob->label) < 0 ||
	    (w->o.in_scope && !w->o.in_scope(w->o.scope_ctx, key)))
		return;
	if (l->change == RTNL_LINK_NEW)
		tracker_link_state(w->o.tracker, key, l->up, SRC_RTNL);
	w->o.kick(w->o.ctx, SRC_RTNL);
}

static void on_ns_rtnl(void *ctx, int fd, uint32_t events)
{
	struct nsobs *ob = ctx;
	int ret = rtnl_read(ob->rtnl, on_ns_link, ob);

	if (ret == -ENOBUFS) {
		ob->w->o.kick(ob->w->o.ctx, SRC_RTNL);
		rtnl_request_dump(ob->rtnl);
	} else if (ret < 0 && ret != -EAGAIN) {
		log_warnx("netns %s: rtnetlink: %s", ob->label, strerror(-ret));
	}
}

struct open_req {
	struct nsobs *ob;
	bool want_nl;
	int nl_ret;
};

/* Runs inside the namespace: what is created here belongs to it. */
static int open_inside(void *ctx)
{
	struct open_req *r = ctx;
	struct nsobs *ob = r->ob;
	int ret = 0;

	if (!ob->rtnl && (ret = rtnl_open(&ob->rtnl)) < 0)
		log_warnx("netns %s: rtnetlink watch: %s", ob->label, strerror(-ret));
	if (r->want_nl) {
		r->nl_ret = wgnl_open(&ob->nl);
		if (r->nl_ret == 0 && ob->ioctl_fd < 0)
			ob->ioctl_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	}
	return ret;
}

static void obs_open(struct nswatch *w, struct nsobs *ob, const struct netns_entry *e,
		     bool module)
{
	struct open_req r = { ob, module && !ob->nl_tried, 0 };
	bool had_rtnl = ob->rtnl != NULL;
	int ret;

	if (had_rtnl && !r.want_nl)
		return;
	ret = netns_run_in(e->path, e->ino, open_inside, &r);
	if (ret < 0 && !ob->rtnl) {
		log_warnx("netns %s: cannot enter %s: %s", ob->label, e->path, strerror(-ret));
		return;
	}
	if (r.want_nl) {
		ob->nl_tried = true;
		if (r.nl_ret < 0)
			log_warnx("netns %s: kernel WireGuard netlink: %s", ob->label,
				  strerror(-r.nl_ret));
	}
	if (!had_rtnl && ob->rtnl) {
		rtnl_request_dump(ob->rtnl);
		if (loop_add_fd(w->o.loop, rtnl_fd(ob->rtnl), EPOLLIN, on_ns_rtnl, ob) < 0)
			log_warn("netns %s: epoll", ob->label);
	}
}

static struct nsobs *obs_find(struct nswatch *w, uint64_t ino)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->v[i]->ino == ino)
			return w->v[i];
	return NULL;
}

static int rescan(struct nswatch *w, bool module)
{
	int ret;

	/* /run/netns may appear after the start (the first "ip netns add"). */
	if (w->inotify_fd >= 0 && w->inotify_wd < 0)
		w->inotify_wd = inotify_add_watch(w->inotify_fd, w->o.run_dir,
						  IN_CREATE | IN_DELETE | IN_MOVED_TO |
						  IN_MOVED_FROM | IN_DELETE_SELF);
	ret = netns_scan_run(&w->scan, w->o.run_dir, w->o.proc_dir);

	if (ret < 0) {
		if (!w->scan_warned)
			log_warnx("netns: cannot scan %s: %s; keeping the namespaces known",
				  w->o.proc_dir, strerror(-ret));
		w->scan_warned = true;
		return ret;
	}
	w->scan_warned = false;
	if (w->scan.over && !w->over_warned)
		log_warnx("netns: more than %zu namespaces: %u left unobserved",
			  w->scan.max, w->scan.over);
	w->over_warned = w->scan.over > 0;
	for (size_t i = 0; i < w->n; i++)
		w->v[i]->seen = false;
	for (size_t i = 0; i < w->scan.n; i++) {
		const struct netns_entry *e = &w->scan.v[i];
		struct nsobs *ob = obs_find(w, e->ino);

		if (!ob) {
			if (w->n >= w->scan.max || !(ob = calloc(1, sizeof(*ob))))
				continue;
			ob->w = w;
			ob->ino = e->ino;
			ob->ioctl_fd = -1;
			snprintf(ob->label, sizeof(ob->label), "%s", e->label);
			w->v[w->n++] = ob;
			log_info("netns %s: watching (inode %llu, %s)", ob->label,
				 (unsigned long long)ob->ino, e->path);
		} else if (strcmp(ob->label, e->label)) {
			/* Named after we met it (ip netns attach): its interfaces
			 * get new keys, reported as destroyed and created. */
			log_info("netns %s: now named %s", ob->label, e->label);
			snprintf(ob->label, sizeof(ob->label), "%s", e->label);
		}
		ob->seen = true;
		obs_open(w, ob, e, module);
	}
	for (size_t i = 0; i < w->n;) {
		struct nsobs *ob = w->v[i];

		if (ob->seen) {
			i++;
			continue;
		}
		log_info("netns %s: gone (inode %llu)", ob->label, (unsigned long long)ob->ino);
		obs_close(w, ob);
		w->v[i] = w->v[--w->n];
	}
	return 0;
}

static void observe_flags(struct nsobs *ob, const char *name, const char *key)
{
	int up = link_is_up(ob->ioctl_fd, name);

	if (up >= 0)
		tracker_link_state(ob->w->o.tracker, key, up, SRC_POLL);
}

static int poll_one(struct nswatch *w, struct nsobs *ob, struct wg_device *dev,
		    char (*names)[IFNAMSIZ], size_t max, enum event_source src)
{
	struct obs_stream os;
	char key[IFKEY_LEN];
	size_t n = 0;
	int ret;

	ret = wgnl_list(ob->nl, names, max, &n);
	if (ret < 0) {
		log_warnx("netns %s: listing kernel WireGuard interfaces failed: %s",
			  ob->label, strerror(-ret));
		return ret;
	}
	for (size_t i = 0; i < n; i++) {
		if (ifkey_format(key, names[i], ob->label) < 0 ||
		    (w->o.in_scope && !w->o.in_scope(w->o.scope_ctx, key)))
			continue;
		obs_stream_init(&os, w->o.tracker, ob->label, src);
		ret = wgnl_stream_device(ob->nl, names[i], dev, &os.s);
		if (obs_stream_finish(&os, dev, key, ret) < 0) {
			wg_device_clear(dev);
			continue;
		}
		observe_flags(ob, names[i], key);
		wg_device_clear(dev);
	}
	return 0;
}

int nswatch_poll(struct nswatch *w, bool module, struct wg_device *dev,
		 char (*names)[IFNAMSIZ], size_t max, enum event_source src)
{
	int ret = rescan(w, module), r;

	for (size_t i = 0; i < w->n; i++) {
		if (w->v[i]->nl && (r = poll_one(w, w->v[i], dev, names, max, src)) < 0)
			ret = r;
		else if (module && !w->v[i]->nl)
			ret = -EIO;	/* a namespace we cannot see into: no removals */
	}
	return ret;
}

void nswatch_counts(const struct nswatch *w, size_t *nns, size_t *nsockets)
{
	*nns = w ? w->n : 0;
	*nsockets = 0;
	for (size_t i = 0; w && i < w->n; i++)
		*nsockets += (w->v[i]->rtnl != NULL) + 2 * (w->v[i]->nl != NULL) +
			     (w->v[i]->ioctl_fd >= 0);
}
