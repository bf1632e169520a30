// SPDX-License-Identifier: GPL-2.0
/* agent.c - the daemon. One thread, one epoll loop:
 *   poll timer -> list interfaces -> netlink/UAPI snapshot -> tracker
 *   tracker/kmsg -> sink: journal the event (store transaction)
 *   before sleep -> commit the transaction -> kick every output
 * Every event is committed before any output can see it. The real-time
 * sources (rtnetlink, inotify, kmsg, logs, config files) live in watchers.c,
 * what happens to one event on its way to the journal in sink.c. */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <net/if.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "conf/conf.h"
#include "daemon/agent.h"
#include "daemon/agent_int.h"
#include "daemon/kernbpf.h"
#include "daemon/nswatch.h"
#include "daemon/obsstream.h"
#include "daemon/pktcount.h"
#include "daemon/metricsd.h"
#include "engine/session.h"
#include "engine/checks/checks.h"
#include "base/event.h"
#include "base/ifkey.h"
#include "sys/harden.h"
#include "sys/lock.h"
#include "base/log.h"
#include "base/loop.h"
#include "sys/notify.h"
#include "sys/sigfd.h"
#include "engine/tracker.h"
#include "base/wgdev.h"
#include "outputs/output.h"
#include "sources/confwatch.h"
#include "sources/kmsg.h"
#include "sources/logtail.h"
#include "sources/rtnl.h"
#include "sources/uapi.h"
#include "sources/wgnl.h"
#include "store/store.h"

#define MAX_IFACES 256

/* The checks' view of the config files (they open nothing themselves). */
static const struct conf_iface *view_iface(void *ctx, const char *iface)
{
	struct agent *a = ctx;

	return a->cw ? confwatch_iface(a->cw, iface) : NULL;
}

static void observe_link(struct agent *a, const char *name)
{
	int up = link_is_up(a->ioctl_fd, name);

	if (up >= 0)
		tracker_link_state(a->tracker, name, up, SRC_POLL);
}

/* One observation pass over every WireGuard interface in scope. */
static void agent_poll(struct agent *a)
{
	char (*names)[IFNAMSIZ] = calloc(MAX_IFACES, IFNAMSIZ);
	struct obs_stream os;
	size_t nk = 0, nu = 0;
	bool complete = true;
	int ret;

	if (!names) {
		log_warnx("poll: out of memory");
		return;
	}
	a->observing = true;
	if (!a->nl) {
		ret = wgnl_retry(&a->nl_idle, &a->nl);
		if (ret < 0 && ret != -ENOENT && !a->nl_warned) {
			log_warnx("kernel WireGuard netlink unavailable: %s", strerror(-ret));
			a->nl_warned = true;
		}
	}
	if (a->nl && (ret = wgnl_list(a->nl, names, MAX_IFACES, &nk)) < 0) {
		log_warnx("listing kernel WireGuard interfaces failed: %s", strerror(-ret));
		complete = false;
		nk = 0;
	}
	/* Not probed: the read connects anyway, and a stale socket fails
	 * there as gone (uapi_gone), just as if it were not listed. */
	ret = uapi_list_files(a->conf->uapi_dir, names + nk, MAX_IFACES - nk, &nu);
	if (ret < 0 && ret != -ENOENT) {
		log_warnx("listing %s failed: %s", a->conf->uapi_dir, strerror(-ret));
		complete = false;
		nu = 0;
	}
	tracker_pass_begin(a->tracker, now_realtime_us());
	for (size_t i = 0; i < nk + nu; i++) {
		if (!conf_in_scope(a->conf, names[i]))
			continue;
		obs_stream_init(&os, a->tracker, NULL, a->pass_src);
		ret = i < nk ? wgnl_stream_device(a->nl, names[i], &a->dev, &os.s)
			     : !a->uapi && !(a->uapi = uapi_new()) ? -ENOMEM
			     : uapi_stream_device(a->uapi, a->conf->uapi_dir, names[i],
						  &a->dev, &os.s);
		if (ret < 0 && i >= nk && a->uapi && uapi_gone(a->uapi))
			continue;	/* nothing was streamed: as if not listed */
		if (obs_stream_finish(&os, &a->dev, names[i], ret) < 0) {
			wg_device_clear(&a->dev);
			continue;
		}
		if (a->checks)	/* rogue interface, packet counter on the listen port */
			checks_iface(a->checks, a->dev.name, a->dev.listen_port);
		pktcount_seen(a->pkts, a->dev.name);
		observe_link(a, names[i]);
		wg_device_clear(&a->dev);
	}
	if (a->nsw && nswatch_poll(a->nsw, a->nl != NULL, &a->dev, names, MAX_IFACES,
				   a->pass_src) < 0)
		complete = false;
	tracker_pass_end(a->tracker, complete, a->pass_src, conf_in_scope, a->conf);
	/* A device read whole (an interface new at runtime) leaves arrays
	 * sized for all its peers: give them back, chunks need little. */
	if (a->dev.cap_peers > 8 * OBS_CHUNK)
		wg_device_release(&a->dev);
	a->pass_src = SRC_POLL;
	a->observing = false;
	free(names);
}

/* Keep the journal within its configured bounds; what goes is counted in
 * an EVENTS_DROPPED event, never lost silently. */
static void trim_journal(struct agent *a)
{
	const struct conf *c = a->conf;
	uint64_t dropped = 0;
	struct event ev;
	int ret;

	if (!c->journal_max_events && !c->journal_max_age_ms)
		return;
	ret = store_trim(a->store, c->journal_max_events,
			 (int64_t)c->journal_max_age_ms * 1000, &dropped);
	if (ret < 0) {
		log_errno(ret, "journal trim failed");
		return;
	}
	/* Only news counts: a trim that took nothing but earlier
	 * EVENTS_DROPPED records says nothing (store_trim), or each one
	 * would make the next (an idle agent reporting drops every poll). */
	if (!dropped)
		return;
	log_warnx("journal bound reached: %llu oldest event(s) dropped",
		  (unsigned long long)dropped);
	event_init(&ev, EV_EVENTS_DROPPED, SRC_AGENT);
	event_set_u64(&ev, "count", dropped);
	event_set(&ev, "reason", "journal bound");
	agent_emit(a, &ev);
}

static void drop_privileges(struct agent *a);

static void poll_tick(void *ctx)
{
	struct agent *a = ctx;

	watch_uapi_dir(a);	/* the directory may appear after we start */
	if (kernbpf_tick(&a->kb))
		drop_privileges(a);	/* attached late: what it needed can go now */
	agent_poll(a);
	a->trim_due = true;
	/* A periodic rehash catches what inotify missed, about every 30 s. */
	if (a->cw && a->ticks++ % (unsigned)(30000 / a->conf->interval_ms + 1) == 0)
		confwatch_rescan(a->cw, &a->sink);
	if (a->checks) {
		int64_t now = now_realtime_us();

		checks_tick(a->checks, now);
		pktcount_tick(a->pkts, a->checks, now);
	}
	loop_timer_arm(a->loop, &a->poll_timer,
		       now_monotonic_us() + (int64_t)a->conf->interval_ms * 1000);
}

static void on_watchdog(void *ctx)
{
	struct agent *a = ctx;

	notify_watchdog();
	loop_timer_arm(a->loop, &a->watchdog, now_monotonic_us() + notify_watchdog_interval_us() / 2);
}

/* Everything that needed privileges is open: keep CAP_NET_ADMIN (each
 * WireGuard netlink request is checked when sent) and drop the rest. */
static void drop_privileges(struct agent *a)
{
	struct harden_opts ho = { .keep = HARDEN_KEEP_DEFAULT };
	char why[256];
	uint64_t kept = 0;

	if (geteuid() != 0)
		return;
	/* The flood check's packet counter opens AF_PACKET sockets as
	 * interfaces appear: CAP_NET_RAW is checked at socket creation. */
	if (a->conf->check_flood && a->conf->flood_packets)
		ho.keep |= HARDEN_KEEP_PACKETS;
	/* Waiting for the module to attach then: libbpf walks module BTF
	 * (CAP_SYS_ADMIN) and loads tracing programs (CAP_BPF, CAP_PERFMON). */
	if (kernbpf_waiting(&a->kb))
		ho.keep |= HARDEN_CAP(21) | HARDEN_CAP(38) | HARDEN_CAP(39);
	/* Namespaces that appear later: setns() and /proc/PID/ns (harden.h). */
	if (a->nsw)
		ho.keep |= HARDEN_KEEP_SETNS;
	if (harden_drop(&ho, &kept, why, sizeof(why)) < 0)
		log_warnx("privileges: could not drop: %s", why);
	else
		log_info("privileges: %s", why);
}

/* A failed commit (disk full, I/O error, or an earlier failed write of
 * the turn) was rolled back by the store: the tracker, the checks, the
 * log and kmsg positions in memory are now ahead of it. Rather than undo
 * each, the agent stops (exit 1) and its restart (systemd Restart=) loads
 * everything from the store again and observes anew: what the turn would
 * have journaled is derived again, nothing is half kept. */
static bool turn_commit(struct agent *a)
{
	int ret;

	if (a->commit_failed)
		return false;
	for (size_t i = 0; i < a->n_outputs; i++)
		output_sync(a->outputs[i]);	/* delivered before the cursor commits */
	ret = store_commit(a->store);
	if (ret < 0) {
		log_errno(ret, "journal commit failed; the turn was rolled back; "
			  "stopping so that a restart resumes from the store");
		a->commit_failed = true;
		loop_stop(a->loop);
		return false;
	}
	a->failed = 0;
	return true;
}

/* The kick writes what it can at once and moves cursors: commit those
 * too, so no write transaction stays open while the loop sleeps. */
static void commit_and_kick(struct agent *a)
{
	if (!turn_commit(a))
		return;
	for (size_t i = 0; i < a->n_outputs; i++)
		output_kick(a->outputs[i]);
	turn_commit(a);
}

/* The commit point: everything journaled this turn becomes visible and
 * the outputs take what they can. Only then is the journal bounded, so a
 * burst an output can take at once is delivered before anything is
 * trimmed; what a bound still drops is said by EVENTS_DROPPED. */
static void before_sleep(void *ctx)
{
	struct agent *a = ctx;

	commit_and_kick(a);
	if (a->trim_due) {
		a->trim_due = false;
		trim_journal(a);
		commit_and_kick(a);
	}
}

static void agent_event(struct agent *a, enum event_type type, const char *reason)
{
	struct event ev;
	unsigned ni, np;

	tracker_counts(a->tracker, &ni, &np);
	event_init(&ev, type, SRC_AGENT);
	event_set(&ev, "version", WGAUDIT_VERSION);
	event_set_u64(&ev, "ifaces", ni);
	event_set_u64(&ev, "peers", np);
	if (reason)
		event_set(&ev, "reason", reason);
	if (type == EV_AGENT_STOPPED)
		event_set_u64(&ev, "journaled", a->journaled);
	if (type == EV_AGENT_STARTED) {
		/* Where handshake verdicts come from, and why not eBPF. */
		event_set(&ev, "kernel_source", a->kb.bpf ? "bpf" : a->conf->kmsg ? "kmsg" : "none");
		event_set(&ev, "bpf", a->kb.why);
	}
	agent_emit(a, &ev);
}

static int open_outputs(struct agent *a);

/* SIGHUP: read the configuration again. A file with errors changes
 * nothing. Outputs are reopened (each resumes from its own cursor), the
 * checks rebuilt (baselines live in the journal), thresholds and the
 * interface scope applied from the next poll. */
static void agent_reload(struct agent *a)
{
	struct conf *n = calloc(1, sizeof(*n));
	struct tracker_opts to;
	char err[64];

	if (!a->opts.reload || !n) {
		free(n);
		return;
	}
	n->verbose = a->conf->verbose;
	if (a->opts.reload(n) != 0) {
		log_warnx("reload: the configuration has errors (above); keeping the running one");
		free(n);
		return;
	}
	if (!n->n_outputs && conf_set(n, "output", "url", "jsonl:-", err, sizeof(err)) < 0) {
		free(n);
		return;
	}
	conf_keep_restart_only(n, a->conf);
	before_sleep(a);	/* commit and hand over what is pending first */
	for (size_t i = 0; i < a->n_outputs; i++) {
		output_flush(a->outputs[i], 1000);
		output_free(a->outputs[i]);
	}
	a->n_outputs = 0;
	checks_free(a->checks);
	a->checks = NULL;
	*a->conf = *n;
	free(n);
	to.active_us = (int64_t)a->conf->active_ms * 1000;
	to.transfer_interval_us = (int64_t)a->conf->transfer_interval_ms * 1000;
	to.aips_text = a->conf->metrics_listen[0] != '\0';	/* restart-only: as at start */
	tracker_set_opts(a->tracker, &to);
	{
		struct checks_state cs = { state_get, state_set, a };
		struct checks_views cv = { a->cw ? view_iface : NULL, a };

		if (checks_new(a->conf, &cs, &cv, &a->sink, &a->checks) < 0)
			log_warnx("reload: checks unavailable");
	}
	if (open_outputs(a) < 0)
		log_warnx("reload: an output could not be opened; the others run");
	loop_timer_arm(a->loop, &a->poll_timer,
		       now_monotonic_us() + (int64_t)a->conf->interval_ms * 1000);
	log_info("reload: configuration applied, %zu output(s)", a->n_outputs);
}

static void on_signal(void *ctx, int fd, uint32_t events)
{
	struct agent *a = ctx;
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGINT:
		case SIGTERM:
			log_info("signal %d: stopping", (int)si.ssi_signo);
			notify_stopping();
			agent_event(a, EV_AGENT_STOPPED, si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
			loop_stop(a->loop);
			break;
		case SIGHUP:
			agent_reload(a);
			agent_poll(a);
			break;
		}
	}
}

static int open_signals(struct agent *a)
{
	a->sigfd = sigfd_open(true, NULL);
	if (a->sigfd < 0)
		return a->sigfd;
	return loop_add_fd(a->loop, a->sigfd, EPOLLIN, on_signal, a);
}

/* The state dir is the agent's alone: checked (lock_dir_check), then
 * locked for the process's life so that a `check` beside a `run` cannot
 * journal and deliver everything a second time. A dry run reads an
 * in-memory copy and needs neither. */
static int open_state(struct agent *a)
{
	char path[512], why[512];
	pid_t holder;
	int ret;

	store_db_path(a->conf->state_dir, path, sizeof(path));
	if (a->opts.dry_run) {
		ret = store_open_snapshot(path, &a->store);
		if (ret < 0)
			log_errno(ret, "cannot read the journal %s", path);
		return ret;
	}
	ret = lock_dir_check(a->conf->state_dir, why, sizeof(why));
	if (ret < 0) {
		log_warnx("state directory refused: %s", why);
		return ret;
	}
	ret = lock_acquire(a->conf->state_dir, &a->lock_fd, &holder);
	if (ret == -EWOULDBLOCK) {
		if (holder)
			log_warnx("state directory %s is in use by wgaudit PID %ld; "
				  "try `wgaudit check --dry-run` beside it",
				  a->conf->state_dir, (long)holder);
		else
			log_warnx("state directory %s is in use by another wgaudit",
				  a->conf->state_dir);
		return ret;
	}
	if (ret < 0) {
		log_errno(ret, "cannot lock the state directory %s", a->conf->state_dir);
		return ret;
	}
	ret = store_open(path, &a->store);
	if (ret < 0)
		log_errno(ret, "cannot open the journal %s", path);
	return ret;
}

static int open_outputs(struct agent *a)
{
	struct output_opts oo = { .hostname = a->hostname };
	char err[256];

	for (size_t i = 0; i < a->conf->n_outputs; i++) {
		const struct conf_output *co = &a->conf->outputs[i];
		int ret;

		char key[128];

		oo.min_severity = co->min_severity;
		oo.facility = co->facility;
		oo.sd_id = co->sd_id;
		/* A named output keeps its cursor when its URL is edited. */
		snprintf(key, sizeof(key), "output:%s", a->conf->output_names[i]);
		oo.cursor_key = a->conf->output_names[i][0] ? key : NULL;
		ret = output_open(co->url, &oo, a->loop, a->store, &a->outputs[a->n_outputs],
				  err, sizeof(err));
		if (ret < 0) {
			fprintf(stderr, "wgaudit: %s\n", err);
			return ret;
		}
		a->n_outputs++;
	}
	/* Only now: two outputs may take over the one cursor they shared. */
	return output_cursor_names_migrated(a->store) < 0 ? -EIO : 0;
}

/* Open sessions from the journal's meta; peers' counters from the
 * tracker's loaded state, so the first session counts from them. */
static void open_sessions(struct agent *a)
{
	struct session_state ss = { state_get, state_set, state_del, state_scan, a };
	int ret = sessions_new(&ss, &a->sink, &a->sessions);

	if (ret < 0)
		log_warnx("sessions unavailable: %s", strerror(-ret));
	else
		sessions_seed_tracker(a->sessions, a->tracker);
}

static int open_metrics(struct agent *a)
{
	struct metricsd_src src = {
		.conf = a->conf, .tracker = &a->tracker, .cw = &a->cw,
		.sessions = &a->sessions, .outputs = a->outputs, .n_outputs = &a->n_outputs,
		.store = a->store,
	};

	return metricsd_open(&src, a->loop, &a->metrics);
}

static void agent_close(struct agent *a)
{
	metricsd_free(a->metrics);
	sessions_free(a->sessions);
	for (size_t i = 0; i < a->n_outputs; i++)
		output_free(a->outputs[i]);
	checks_free(a->checks);
	pktcount_free(a->pkts);
	confwatch_free(a->cw);
	nswatch_free(a->nsw);
	tracker_free(a->tracker);
	kmsg_reader_free(a->kmsg);
	kernbpf_close(&a->kb);
	logtail_free(a->wggo);
	if (a->wggo_ifd >= 0) {
		loop_del_fd(a->loop, a->wggo_ifd);
		close(a->wggo_ifd);
	}
	rtnl_free(a->rtnl);
	if (a->inotify_fd >= 0)
		close(a->inotify_fd);
	wgnl_free(a->nl);
	wgnl_free(a->nl_idle);
	uapi_free(a->uapi);
	wg_device_release(&a->dev);
	store_free(a->store);
	lock_release(a->lock_fd);
	if (a->sigfd >= 0)
		close(a->sigfd);
	if (a->ioctl_fd >= 0)
		close(a->ioctl_fd);
	loop_free(a->loop);
}

static void agent_init(struct agent *a, struct conf *c, const struct agent_opts *o)
{
	memset(a, 0, sizeof(*a));
	a->conf = c;
	a->opts = *o;
	a->sigfd = -1;
	a->inotify_fd = -1;
	a->wggo_ifd = -1;
	a->inotify_wd = -1;
	a->lock_fd = -1;
	a->pass_src = SRC_POLL;
	a->sink.emit = agent_emit;
	a->sink.ctx = a;
	a->poll_timer.cb = poll_tick;
	a->poll_timer.ctx = a;
	a->watchdog.cb = on_watchdog;
	a->watchdog.ctx = a;
	a->wggo_timer.cb = wggo_tick;
	a->wggo_timer.ctx = a;
	if (c->hostname[0])
		snprintf(a->hostname, sizeof(a->hostname), "%s", c->hostname);
	else if (gethostname(a->hostname, sizeof(a->hostname) - 1) < 0)
		snprintf(a->hostname, sizeof(a->hostname), "-");
	a->ioctl_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
}

/* The engine over the opened store: tracker state, sessions, the
 * namespace and config watchers the checks read, the checks. Only a
 * tracker that cannot load is fatal. */
static int open_engine(struct agent *a)
{
	const struct conf *c = a->conf;
	struct tracker_opts to = {
		.active_us = (int64_t)c->active_ms * 1000,
		.transfer_interval_us = (int64_t)c->transfer_interval_ms * 1000,
		.aips_text = c->metrics_listen[0] != '\0',	/* only the metrics show it */
	};
	struct state_ops st;
	struct checks_state cs = { state_get, state_set, a };
	struct checks_views cv;
	int ret;

	store_state_ops(a->store, &st);
	ret = tracker_new(&st, &to, &a->sink, &a->tracker);
	if (ret < 0) {
		log_errno(ret, "cannot load state");
		return ret;
	}
	open_sessions(a);
	if (c->all_namespaces)
		open_nswatch(a);
	open_confwatch(a);
	cv = (struct checks_views){ a->cw ? view_iface : NULL, a };
	ret = checks_new(c, &cs, &cv, &a->sink, &a->checks);
	if (ret == 0 && c->check_flood && c->flood_packets)
		ret = pktcount_new(&a->pkts);
	if (ret < 0)
		log_warnx("checks unavailable: %s", strerror(-ret));
	return 0;
}

/* Everything a turn left in memory goes out: the journal first, then
 * each output gets up to flush_ms, then the cursors the flush moved. */
static void flush_all(struct agent *a, int flush_ms, bool warn)
{
	before_sleep(a);
	for (size_t i = 0; i < a->n_outputs; i++)
		if (output_flush(a->outputs[i], flush_ms) < 0 && warn)
			log_warnx("%s: not everything was delivered; it stays journaled",
				  output_name(a->outputs[i]));
	commit_and_kick(a);
}

/* `check`: one pass, delivered, exit. */
static int run_check(struct agent *a)
{
	bool baseline = tracker_is_baseline(a->tracker);

	if (a->cw)
		confwatch_rescan(a->cw, &a->sink);
	agent_poll(a);
	if (baseline) {
		unsigned ni, np;

		tracker_counts(a->tracker, &ni, &np);
		log_info("first run: baseline recorded (%u interface(s), %u peer(s)); "
			 "changes are reported from the next run", ni, np);
	}
	flush_all(a, 5000, true);
	return a->commit_failed ? 1 : 0;
}

/* `run`'s start: the first pass and AGENT_STARTED journaled while still
 * privileged, then privileges go and systemd hears we are ready. */
static int start_daemon(struct agent *a)
{
	const struct conf *c = a->conf;
	bool baseline = tracker_is_baseline(a->tracker);
	int ret;

	if ((ret = open_signals(a)) < 0) {
		log_errno(ret, "cannot take the stop signals");
		return 1;
	}
	if ((ret = open_metrics(a)) < 0)
		return ret == -EINVAL || ret == -ENOTSUP ? 2 : 1;	/* config vs runtime */
	if (a->cw)	/* the rogue checks need the config files first */
		confwatch_rescan(a->cw, &a->sink);
	agent_poll(a);
	/* AGENT_STARTED says which kernel source runs. */
	kernbpf_open(&a->kb, c->bpf, c->bpf_drops, a->loop, &a->sink);
	sessions_seed_tracker(a->sessions, a->tracker);	/* the baseline's peers */
	agent_event(a, EV_AGENT_STARTED, baseline ? "baseline" : NULL);
	open_watchers(a);
	before_sleep(a);	/* the start is journaled before privileges go */
	if (a->commit_failed)
		return 1;	/* loop_run would clear the stop */
	drop_privileges(a);
	harden_no_core();	/* again: a credential change may reset it */
	notify_ready();
	if (notify_watchdog_interval_us() > 0)
		on_watchdog(a);
	log_info("running: %s, poll every %llu ms, %s, %s, %zu output(s)",
		 a->nl ? "kernel netlink + UAPI" : "UAPI (no kernel module)",
		 (unsigned long long)c->interval_ms,
		 a->kmsg ? "kernel log on" : "kernel log off",
		 a->kb.bpf ? "eBPF on" : "eBPF off", a->n_outputs);
	return 0;
}

int agent_main(struct conf *c, const struct agent_opts *o)
{
	struct agent a;
	int status = 1, ret;

	/* 64 KiB and up in a mapping of its own (glibc's default starts at
	 * 128 KiB and moves): a calloc'd table (the tracker's peer numbers,
	 * a flood check's ring) then leaves the pages it never writes
	 * unmapped instead of zeroed in the heap, ~120 KiB at 10k peers. No
	 * allocation that large is made and freed per poll. */
	mallopt(M_MMAP_THRESHOLD, 64 * 1024);
	agent_init(&a, c, o);
	signal(SIGPIPE, SIG_IGN);
	/* Before any key is read: a core would hold it. */
	if ((ret = harden_no_core()) < 0)
		log_errno(ret, "cannot turn core dumps off");

	if (loop_new(&a.loop) < 0 || open_state(&a) < 0 || open_engine(&a) < 0)
		goto out;
	/* A dry run delivers nothing: its outputs are not even opened. */
	if (!o->dry_run && open_outputs(&a) < 0) {
		status = 2;
		goto out;
	}
	loop_set_before_sleep(a.loop, before_sleep, &a);
	if (o->mode == AGENT_CHECK) {
		status = run_check(&a);
		goto out;
	}
	if ((status = start_daemon(&a)) != 0)
		goto out;
	loop_timer_arm(a.loop, &a.poll_timer, now_monotonic_us() + (int64_t)c->interval_ms * 1000);
	ret = loop_run(a.loop);
	flush_all(&a, 2000, false);
	status = ret < 0 || a.commit_failed ? 1 : 0;
out:
	agent_close(&a);
	return status;
}
