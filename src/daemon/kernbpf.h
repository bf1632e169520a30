// SPDX-License-Identifier: GPL-2.0
/* kernbpf.h - the agent's eBPF wiring: attach (now, or when the module
 * loads), read on the ring buffer's fd and when a folded second is over,
 * and the kernel-log duplicates to skip while attached. */
#ifndef WGAUDIT_KERNBPF_H
#define WGAUDIT_KERNBPF_H
#include <stdbool.h>
#include "base/loop.h"

struct event;
struct event_sink;
struct wgbpf;

struct kernbpf {
	struct wgbpf *bpf;		/* NULL: not attached */
	bool required;			/* [bpf] enabled = yes: say it loudly */
	bool want_drops;		/* [bpf] handshake_drops */
	bool drops;			/* the handshake-drop programs are attached */
	int err;			/* why not (-ESRCH: the module is not loaded yet) */
	char why[512];			/* for AGENT_STARTED's "bpf" field */
	struct loop *loop;
	const struct event_sink *sink;
	struct loop_timer timer;	/* the pending second is over */
};

/* mode: enum conf_tristate; drops: [bpf] handshake_drops. Logs what
 * happened; kb->why says it. */
void kernbpf_open(struct kernbpf *kb, int mode, bool drops, struct loop *loop,
		  const struct event_sink *sink);
/* Every poll tick: attach if the module loaded since (true when it just
 * did), and read (a lost ring-buffer note delays a second, never loses it). */
bool kernbpf_tick(struct kernbpf *kb);
/* Waiting for the module (keep the capabilities attaching needs). */
bool kernbpf_waiting(const struct kernbpf *kb);
/* A kernel-log event the attached programs already report. */
bool kernbpf_duplicate(const struct kernbpf *kb, const struct event *ev);
void kernbpf_close(struct kernbpf *kb);
#endif
