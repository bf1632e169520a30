// SPDX-License-Identifier: GPL-2.0
/* agent_int.h - what the agent's files share (agent.c: the wiring and the
 * turn; sink.c: the event sink and the key/value state the stages call
 * back into; watchers.c: the real-time sources): the agent's state and the
 * callbacks each hands the other. Not for anyone outside daemon/; the API
 * is agent.h. */
#ifndef WGAUDIT_AGENT_INT_H
#define WGAUDIT_AGENT_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "conf/conf.h"
#include "daemon/agent.h"
#include "daemon/kernbpf.h"
#include "base/event.h"
#include "base/loop.h"
#include "base/wgdev.h"
#include "sources/logtail.h"

struct checks;
struct confwatch;
struct kmsg_reader;
struct metricsd;
struct nswatch;
struct output;
struct pktcount;
struct rtnl;
struct sessions;
struct store;
struct tracker;
struct uapi;
struct wgnl;

struct agent {
	struct conf *conf;
	struct agent_opts opts;
	struct loop *loop;
	struct store *store;
	struct tracker *tracker;
	struct wgnl *nl;		/* NULL without the kernel module */
	struct wgnl *nl_idle;		/* until then: asked again each poll (wgnl_retry) */
	struct nswatch *nsw;		/* --all-namespaces: the other namespaces */
	struct uapi *uapi;		/* UAPI read buffer + key cache, lazily */
	struct wg_device dev;		/* reused by every observation */
	struct output *outputs[CONF_MAX_OUTPUTS];
	size_t n_outputs;
	struct event_sink sink;
	struct loop_timer poll_timer;
	struct kmsg_reader *kmsg;
	uint64_t kmsg_seq;
	struct kernbpf kb;		/* eBPF on the module */
	struct rtnl *rtnl;
	struct confwatch *cw;
	struct logtail *wggo;		/* wireguard-go's verbose log, if configured */
	struct logtail_pos wggo_pos;	/* as saved in the store */
	struct loop_timer wggo_timer;
	int wggo_ifd;			/* inotify on the log's directory, or -1 */
	bool trim_due;			/* a poll tick passed: bound the journal */
	struct checks *checks;
	struct pktcount *pkts;		/* the flood check's packet counters */
	struct sessions *sessions;
	struct metricsd *metrics;	/* NULL unless [metrics] listen */
	struct loop_timer watchdog;
	unsigned ticks;
	int inotify_fd, inotify_wd;
	enum event_source pass_src;	/* what triggered the current pass */
	int sigfd, ioctl_fd;
	char hostname[256];
	uint64_t journaled, failed;
	bool nl_warned;
	bool observing;			/* in agent_poll: a->dev is in use */
	int64_t reread_window_us;	/* reread_for_line's bound: this second */
	unsigned rereads;		/* ... and how many it has had */
	bool commit_failed;		/* memory is ahead of the store: stop */
	int lock_fd;
};

/* sink.c */
int agent_emit(void *ctx, struct event *ev);
int state_get(void *ctx, const char *key, char *val, size_t len);
int state_set(void *ctx, const char *key, const char *val);
int state_del(void *ctx, const char *key);
int state_scan(void *ctx, const char *prefix,
	       int (*cb)(void *cctx, const char *key, const char *val), void *cctx);

/* watchers.c */
void wggo_tick(void *ctx);
void watch_uapi_dir(struct agent *a);
void open_nswatch(struct agent *a);
void open_confwatch(struct agent *a);
void open_watchers(struct agent *a);
#endif
