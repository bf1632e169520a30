// SPDX-License-Identifier: GPL-2.0
/* sink.c - what the stages call back into the agent for: the event sink
 * (agent_emit: resolve a kernel line's peer, drop what eBPF already said,
 * name the peer from the config files, journal the event, then hand it to
 * the metrics, the checks, the sessions and --print) and the key/value
 * state on the journal's meta (state_get/set/del/scan), all in the loop
 * turn's transaction. The wiring that hands these out is agent.c's. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "conf/conf.h"
#include "daemon/agent_int.h"
#include "daemon/kernbpf.h"
#include "daemon/metricsd.h"
#include "daemon/obsstream.h"
#include "engine/checks/checks.h"
#include "engine/session.h"
#include "engine/tracker.h"
#include "base/event.h"
#include "base/log.h"
#include "base/util.h"
#include "base/wgdev.h"
#include "outputs/evprint.h"
#include "sources/confwatch.h"
#include "sources/wgnl.h"
#include "store/store.h"

/* Friendly names come from config-file comments ("# Name = alice"). */
static void add_peer_name(struct agent *a, struct event *ev)
{
	const char *ifn = event_get(ev, "iface"), *b64 = event_get(ev, "peer");
	const char *name;
	uint8_t key[WG_KEY_LEN];

	/* The config files describe this namespace's interfaces only. */
	if (!a->cw || !ifn || !b64 || event_get(ev, "peer_name") || event_get(ev, "netns") ||
	    key_from_base64(key, b64, strlen(b64)) < 0)
		return;
	name = confwatch_peer_name(a->cw, ifn, key);
	if (name && name[0])
		event_set(ev, "peer_name", name);
}

/* Key/value state for the config watcher and the checks: journal meta,
 * written in the loop turn's transaction. */
int state_get(void *ctx, const char *key, char *val, size_t len)
{
	struct agent *a = ctx;

	return store_meta_get(a->store, key, val, len);
}

/* In the turn's transaction (the store opens it on the first write). A
 * failure is logged here, once per turn, whatever the caller does with
 * it: the store refuses the turn's commit and the agent restarts from it
 * (commit_and_kick), so no caller can carry on from a lost write. */
int state_set(void *ctx, const char *key, const char *val)
{
	struct agent *a = ctx;
	int ret = store_meta_set(a->store, key, val);

	if (ret < 0 && a->failed++ == 0)
		log_errno(ret, "cannot save %s", key);
	return ret;
}

int state_del(void *ctx, const char *key)
{
	struct agent *a = ctx;
	int ret = store_meta_delete(a->store, key);

	if (ret < 0 && a->failed++ == 0)
		log_errno(ret, "cannot forget %s", key);
	return ret;
}

int state_scan(void *ctx, const char *prefix,
	       int (*cb)(void *cctx, const char *key, const char *val), void *cctx)
{
	struct agent *a = ctx;

	return store_meta_scan(a->store, prefix, cb, cctx);
}

/* eBPF sees every namespace's module; the programs keep to ours, the
 * interface list is applied here. While attached, its verdicts replace
 * the same kernel-log lines: those of our namespace only, so a line
 * resolved to another namespace (or not resolved) is kept. */
static bool bpf_skip(struct agent *a, const struct event *ev)
{
	const char *ifn;

	if (ev->source == SRC_BPF)
		return (ifn = event_get(ev, "iface")) && !conf_in_scope(a->conf, ifn);
	if (event_get(ev, "netns") || event_get(ev, "netns_unresolved"))
		return false;
	return kernbpf_duplicate(&a->kb, ev);
}

/* A kernel line names a peer by the module's number, which the tracker
 * learns from a line that also carries an endpoint only one peer has. A
 * peer's first handshake comes from an endpoint the last poll did not
 * know yet - but the kernel sets it before it logs - so re-read that
 * interface now and resolve again, rather than leave the first line
 * without its key until the next poll. Our own namespace's interfaces
 * only (the others are read through nswatch at the poll). Bounded: at
 * most REREADS_PER_S device reads a second, whatever a flood of new
 * numbers says. */
#define REREADS_PER_S	4

static void reread_for_line(struct agent *a, struct event *ev)
{
	const char *ifn = event_get(ev, "iface");
	int64_t now = now_monotonic_us();
	struct obs_stream os;
	union endpoint ep;
	uint64_t id;
	int ret;

	if (ev->source != SRC_KMSG || !a->nl || a->observing || !ifn ||
	    event_get(ev, "peer") || event_get(ev, "netns") ||
	    event_get_u64(ev, "peer_id", UINT64_MAX, &id) < 0 ||
	    event_get_addr(ev, "endpoint", &ep) < 0 || !conf_in_scope(a->conf, ifn))
		return;
	if (now - a->reread_window_us >= 1000000) {
		a->reread_window_us = now;
		a->rereads = 0;
	}
	if (a->rereads >= REREADS_PER_S)
		return;		/* the next poll resolves the rest */
	a->rereads++;
	a->observing = true;
	/* A pass of one interface: incomplete, so nothing unseen is taken
	 * for gone. Its events come before the line's. */
	tracker_pass_begin(a->tracker, now_realtime_us());
	obs_stream_init(&os, a->tracker, NULL, SRC_POLL);
	ret = wgnl_stream_device(a->nl, ifn, &a->dev, &os.s);
	ret = obs_stream_finish(&os, &a->dev, NULL, ret);	/* the poll reports a failure */
	tracker_pass_end(a->tracker, false, SRC_POLL, conf_in_scope, a->conf);
	wg_device_clear(&a->dev);
	a->observing = false;
	if (ret == 0)
		tracker_resolve(a->tracker, ev);
}

int agent_emit(void *ctx, struct event *ev)
{
	struct agent *a = ctx;
	int ret;

	if (ev->source == SRC_KMSG || ev->source == SRC_JOURNAL)
		tracker_resolve(a->tracker, ev);	/* before bpf_skip: it needs netns */
	if (bpf_skip(a, ev))
		return 0;
	reread_for_line(a, ev);
	if (!ev->time_us)
		ev->time_us = now_realtime_us();
	add_peer_name(a, ev);
	ret = store_append(a->store, ev);
	if (ret < 0) {
		/* Once per turn: after a failed write the store refuses the
		 * rest of the turn with the same error. */
		if (a->failed++ == 0)
			log_errno(ret, "cannot journal %s", event_type_name(ev->type));
		return ret;
	}
	a->journaled++;
	metricsd_event(a->metrics, ev);
	if (a->checks)
		checks_event(a->checks, ev);	/* alerts come back through here */
	if (a->sessions)
		sessions_event(a->sessions, ev);	/* PEER_SESSION comes back too */
	if (a->opts.print) {
		event_print(stdout, ev, a->hostname, a->opts.json, true);
		fflush(stdout);
	}
	return 0;
}
