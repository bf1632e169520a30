// SPDX-License-Identifier: GPL-2.0
/* watchers.c - the agent's real-time sources, each optional (without one,
 * polling still observes everything): rtnetlink links, the UAPI run
 * directory, /dev/kmsg, wireguard-go's log, the config files, the other
 * namespaces. Each hands what it reads to the agent's sink or asks for a
 * poll soon; positions are saved in the turn's transaction. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <unistd.h>
#include "conf/conf.h"
#include "daemon/agent_int.h"
#include "daemon/nswatch.h"
#include "base/event.h"
#include "base/log.h"
#include "base/loop.h"
#include "engine/tracker.h"
#include "sources/confwatch.h"
#include "sources/dyndbg.h"
#include "sources/kmsg.h"
#include "sources/logtail.h"
#include "sources/rtnl.h"
#include "sources/wglog.h"
#include "store/store.h"

static void on_wggo_line(void *ctx, const char *line, size_t len)
{
	struct agent *a = ctx;
	struct event ev;

	if (wglog_parse(line, len, &ev) == 0)
		agent_emit(a, &ev);
}

/* New lines of wireguard-go's log; the position commits with the events. */
static void read_wggo_log(struct agent *a)
{
	struct logtail_pos pos;
	char v[48];
	int n;

	if (!a->wggo)
		return;
	n = logtail_read(a->wggo, on_wggo_line, a, &pos);
	/* Its own clock, not the poll interval: a flood is read as it comes
	 * (a read is bounded; when it stopped at its bound, come back on the
	 * next turn, after this slice was committed and handed on). */
	loop_timer_arm(a->loop, &a->wggo_timer,
		       now_monotonic_us() + (logtail_more(a->wggo) ? 1000 : 200000));
	/* Saved whenever it moved, with or without lines: a rotation to an
	 * empty file, or a copytruncate, moves it too. */
	if (n < 0 || (pos.inode == a->wggo_pos.inode && pos.offset == a->wggo_pos.offset))
		return;
	a->wggo_pos = pos;
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)pos.inode,
		 (unsigned long long)pos.offset);
	/* A failure (logged there) poisons the turn: its commit fails and
	 * the agent restarts from the position before these lines. */
	state_set(a, "wggo_log_pos", v);
}

void wggo_tick(void *ctx)
{
	read_wggo_log(ctx);
}

/* The log's directory changed: a write to the log (or a file taking its
 * name at rotation). Read within 2 ms rather than at the 200 ms timer, a
 * burst of writes coalesced into one read. The timer stays: inotify
 * misses writes through another mount and the queue can overflow. */
#define WGGO_SOON_US	2000

static void on_wggo_notify(void *ctx, int fd, uint32_t events)
{
	struct agent *a = ctx;
	const char *base = strrchr(a->conf->wggo_log, '/');
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool ours = false;
	ssize_t n;

	base = base ? base + 1 : a->conf->wggo_log;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ie = (const struct inotify_event *)p;

			if ((ie->mask & IN_Q_OVERFLOW) || (ie->len && !strcmp(ie->name, base)))
				ours = true;
			p += sizeof(*ie) + ie->len;
		}
	}
	if (ours && (!a->wggo_timer.deadline_us ||
		     a->wggo_timer.deadline_us > now_monotonic_us() + WGGO_SOON_US))
		loop_timer_arm(a->loop, &a->wggo_timer, now_monotonic_us() + WGGO_SOON_US);
}

static void watch_wggo_dir(struct agent *a)
{
	char dir[sizeof(a->conf->wggo_log)];
	const char *slash = strrchr(a->conf->wggo_log, '/');

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - a->conf->wggo_log + (slash == a->conf->wggo_log)),
			 a->conf->wggo_log);
	a->wggo_ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (a->wggo_ifd < 0 ||
	    inotify_add_watch(a->wggo_ifd, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0 ||
	    loop_add_fd(a->loop, a->wggo_ifd, EPOLLIN, on_wggo_notify, a) < 0) {
		log_warn("%s: no inotify on %s; reading it every 200 ms", a->conf->wggo_log, dir);
		if (a->wggo_ifd >= 0)
			close(a->wggo_ifd);
		a->wggo_ifd = -1;
	}
}

static void open_wggo_log(struct agent *a)
{
	struct logtail_pos pos = { 0, 0 }, *p = NULL;
	char v[48], *colon;
	int ret;

	if (!a->conf->wggo_log[0])
		return;
	if (store_meta_get(a->store, "wggo_log_pos", v, sizeof(v)) == 0 &&
	    (colon = strchr(v, ':')) &&
	    parse_u64(v, (size_t)(colon - v), UINT64_MAX, &pos.inode) == 0 &&
	    parse_u64(colon + 1, strlen(colon + 1), UINT64_MAX, &pos.offset) == 0)
		p = &pos;
	a->wggo_pos = pos;
	ret = logtail_open(a->conf->wggo_log, p, &a->wggo);
	if (ret < 0) {
		log_warnx("%s: %s", a->conf->wggo_log, strerror(-ret));
		return;
	}
	watch_wggo_dir(a);
}

/* A link or socket changed: observe soon (coalescing a burst of changes),
 * so interfaces appear and vanish in real time, not at the next tick. */
static void poll_soon(struct agent *a, enum event_source src)
{
	int64_t soon = now_monotonic_us() + 100000;

	a->pass_src = src;
	if (!a->poll_timer.deadline_us || a->poll_timer.deadline_us > soon)
		loop_timer_arm(a->loop, &a->poll_timer, soon);
}

static void on_link(void *ctx, const struct rtnl_link *l)
{
	struct agent *a = ctx;

	if (l->dump || !rtnl_link_maybe_wg(l) || !conf_in_scope(a->conf, l->name))
		return;
	if (l->change == RTNL_LINK_NEW)
		tracker_link_state(a->tracker, l->name, l->up, SRC_RTNL);
	poll_soon(a, SRC_RTNL);
}

static void on_rtnl(void *ctx, int fd, uint32_t events)
{
	struct agent *a = ctx;
	int ret = rtnl_read(a->rtnl, on_link, a);

	if (ret == -ENOBUFS) {
		log_warnx("rtnetlink overran: some link changes were lost; polling everything");
		poll_soon(a, SRC_POLL);
		rtnl_request_dump(a->rtnl);
	} else if (ret < 0 && ret != -EAGAIN) {
		log_warnx("rtnetlink: %s", strerror(-ret));
	}
}

/* UAPI sockets appearing in or leaving the run directory. */
static void on_inotify(void *ctx, int fd, uint32_t events)
{
	struct agent *a = ctx;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool relevant = false;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ie = (const struct inotify_event *)p;

			if (ie->len && strstr(ie->name, ".sock"))
				relevant = true;
			p += sizeof(*ie) + ie->len;
		}
	}
	if (relevant)
		poll_soon(a, SRC_INOTIFY);
}

void watch_uapi_dir(struct agent *a)
{
	if (a->inotify_fd < 0 || a->inotify_wd >= 0)
		return;
	a->inotify_wd = inotify_add_watch(a->inotify_fd, a->conf->uapi_dir,
					  IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM);
}

static void on_kmsg(void *ctx, int fd, uint32_t events)
{
	struct agent *a = ctx;
	uint64_t seq = a->kmsg_seq;
	int ret = kmsg_reader_drain(a->kmsg, &a->sink, &seq);
	char v[24];

	if (ret < 0 && ret != -EAGAIN)
		log_warnx("/dev/kmsg: %s", strerror(-ret));
	if (seq != a->kmsg_seq) {
		/* Same transaction as the events: cursor and events commit together. */
		a->kmsg_seq = seq;
		snprintf(v, sizeof(v), "%llu", (unsigned long long)seq);
		ret = store_meta_set(a->store, "kmsg_seq", v);
		if (ret < 0 && a->failed++ == 0)
			log_errno(ret, "cannot save the kernel log position");
	}
}

static void open_kmsg(struct agent *a)
{
	struct kmsg_reader_opts ko = { .accept_user = a->conf->kmsg_accept_user };
	char boot[37], saved_boot[40], v[24], why[512];
	uint64_t seq;
	int ret;

	if (a->conf->enable_dyndbg) {
		const char *used;

		/* procfs first: it works under lockdown and without debugfs,
		 * and needs no mount. */
		ret = dyndbg_enable_any(DYNDBG_PROC, DYNDBG_CONTROL, &used, why, sizeof(why));
		if (ret < 0)
			log_warnx("cannot enable WireGuard dynamic debug: %s; "
				  "kernel handshake lines will be missing, polling carries on", why);
		else
			log_info("WireGuard dynamic debug enabled through %s%s%s%s", used,
				 why[0] ? " (" : "", why, why[0] ? ")" : "");
	}
	if (!a->conf->kmsg)
		return;
	/* A saved sequence number only means something within its boot. */
	if (kmsg_boot_id(boot) == 0 &&
	    store_meta_get(a->store, "kmsg_boot", saved_boot, sizeof(saved_boot)) == 0 &&
	    !strcmp(boot, saved_boot) &&
	    store_meta_get(a->store, "kmsg_seq", v, sizeof(v)) == 0 &&
	    parse_u64(v, strlen(v), UINT64_MAX, &seq) == 0) {
		ko.resume = true;
		ko.resume_seq = seq;
		a->kmsg_seq = seq;
	}
	ret = kmsg_reader_open(&ko, &a->kmsg);
	if (ret < 0) {
		log_warnx("cannot read /dev/kmsg: %s; kernel log events are off, polling carries on",
			  strerror(-ret));
		return;
	}
	if (kmsg_boot_id(boot) == 0 && (ret = store_meta_set(a->store, "kmsg_boot", boot)) < 0)
		log_errno(ret, "cannot save the boot id");
	if (loop_add_fd(a->loop, kmsg_reader_fd(a->kmsg), EPOLLIN, on_kmsg, a) < 0) {
		log_warn("kmsg: epoll");
		return;
	}
	on_kmsg(a, kmsg_reader_fd(a->kmsg), EPOLLIN);
}

static void nswatch_kick(void *ctx, enum event_source src)
{
	poll_soon(ctx, src);
}

void open_nswatch(struct agent *a)
{
	struct nswatch_opts o = {
		.loop = a->loop, .tracker = a->tracker, .run_dir = "/run/netns",
		.proc_dir = "/proc", .in_scope = conf_in_scope, .kick = nswatch_kick,
	};
	int ret;

	o.ctx = a;
	o.scope_ctx = a->conf;
	ret = nswatch_new(&o, &a->nsw);
	if (ret < 0)
		log_warnx("--all-namespaces unavailable: %s; observing this namespace only",
			  strerror(-ret));
}

static void on_confwatch(void *ctx, int fd, uint32_t events)
{
	struct agent *a = ctx;

	confwatch_read(a->cw, &a->sink);
}

void open_confwatch(struct agent *a)
{
	struct confwatch_state st = { state_get, state_set, a };
	int ret = confwatch_open(a->conf->config_dir, &st, &a->cw);

	if (ret < 0) {
		log_warnx("config watch on %s unavailable: %s", a->conf->config_dir, strerror(-ret));
		return;
	}
	if (confwatch_fd(a->cw) >= 0 &&
	    loop_add_fd(a->loop, confwatch_fd(a->cw), EPOLLIN, on_confwatch, a) < 0)
		log_warn("confwatch: epoll");
}

/* Real-time sources: rtnetlink links, the UAPI run directory, /dev/kmsg.
 * Each is optional: without one, polling still observes everything. */
void open_watchers(struct agent *a)
{
	int ret = rtnl_open(&a->rtnl);

	if (ret == 0) {
		rtnl_request_dump(a->rtnl);
		if (loop_add_fd(a->loop, rtnl_fd(a->rtnl), EPOLLIN, on_rtnl, a) < 0)
			log_warn("rtnetlink: epoll");
	} else {
		log_warnx("rtnetlink link events unavailable (%s); interfaces are seen at each poll",
			  strerror(-ret));
	}
	a->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (a->inotify_fd >= 0 &&
	    loop_add_fd(a->loop, a->inotify_fd, EPOLLIN, on_inotify, a) < 0) {
		close(a->inotify_fd);
		a->inotify_fd = -1;
	}
	watch_uapi_dir(a);
	open_kmsg(a);
	open_wggo_log(a);
	read_wggo_log(a);
}
