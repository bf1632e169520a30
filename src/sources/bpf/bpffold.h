// SPDX-License-Identifier: GPL-2.0
/* bpffold.h - the eBPF source's records to events, pure (no I/O): the
 * kernel's fold entries (one per second, interface, source, verdict, key)
 * gathered into a bounded table and emitted once their second is over,
 * each with the exact `count`; ring records (endpoint changes, peers made
 * or removed, the listen port or private key set over netlink) one event
 * each. tests/unit/test_bpffold.c. */
#ifndef WGAUDIT_BPFFOLD_H
#define WGAUDIT_BPFFOLD_H
#include <stddef.h>
#include <stdint.h>
#include "sources/bpf/wgbpf.h"

struct event;
struct event_sink;
struct bpffold;

/* A table of at most max entries (plus one per interface/verdict/reason
 * for what does not fit). 0 / -ENOMEM. */
int bpffold_new(size_t max, struct bpffold **out);
void bpffold_free(struct bpffold *f);
/* Count v->count packets of k. When the table is full the count goes to
 * the entry of k's second, interface, verdict and reason without source
 * or key: totals stay exact, the detail is what a bound drops. */
void bpffold_add(struct bpffold *f, const struct wgb_fold_key *k, const struct wgb_fold_val *v);
/* Counts that found the kernel's map full (no interface known). */
void bpffold_add_overflow(struct bpffold *f, uint32_t sec, unsigned verdict, unsigned reason,
			  uint64_t count);
/* Emit (and forget) every entry of a second < before_sec, oldest first.
 * boot_to_real_us: CLOCK_REALTIME - CLOCK_BOOTTIME, in µs. Returns the
 * number of events emitted. */
size_t bpffold_flush(struct bpffold *f, uint32_t before_sec, int64_t boot_to_real_us,
		     const struct event_sink *sink);
size_t bpffold_len(const struct bpffold *f);

/* One fold entry as an event (type from the verdict, source bpf, iface,
 * endpoint, reason, peer or claimed_peer, count). -EINVAL for a verdict
 * or reason out of range. */
int bpffold_event(const struct wgb_fold_key *k, const struct wgb_fold_val *v,
		  int64_t boot_to_real_us, struct event *ev);
/* One ring record as an event; -ENOENT for a record that is no event
 * (WGB_REC_FOLD_NEW), -EINVAL for garbage. */
int bpfrec_event(const struct wgb_rec *r, int64_t boot_to_real_us, struct event *ev);
/* The systemd unit in a record's cgroup name, into out: 0, -ENOENT (none,
 * not terminated, or not a .service/.scope), -EINVAL (not a unit name). */
int bpf_unit_name(const char unit[WGB_UNIT_LEN], char out[WGB_UNIT_LEN]);
/* "bad_mac", ... ("" for none, NULL out of range). */
const char *bpf_reason_name(unsigned reason);
#endif
