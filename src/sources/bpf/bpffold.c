// SPDX-License-Identifier: GPL-2.0
/* bpffold.c - the eBPF source's records to events (see bpffold.h). The
 * kernel already folds per second; this table gathers what one read of
 * the map returns, keeps the bound and the order, and turns entries into
 * events. A dense array of entries plus an open-addressing index of it,
 * rebuilt at each flush (only the current second's entries remain). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/event.h"
#include "base/util.h"
#include "sources/bpf/bpffold.h"

#define NOSRC_RESERVE	1024	/* entries beyond max, for source-less counts */

struct fold_ent {
	struct wgb_fold_key k;
	struct wgb_fold_val v;
};

struct bpffold {
	size_t max, cap;		/* cap = max + NOSRC_RESERVE */
	size_t n;
	struct fold_ent *ents;
	uint32_t *idx;			/* slot -> entry + 1, 0 = free */
	size_t nidx;			/* power of two >= 2 * cap */
	/* What found even the reserve full, by verdict and reason. */
	uint64_t lost[WGB_VERDICT_MAX][WGB_R_MAX];
};

static const struct {
	enum event_type type;
} verdicts[WGB_VERDICT_MAX] = {
	[WGB_INIT_OK] = { EV_HANDSHAKE_INITIATION_RECEIVED },
	[WGB_INIT_BAD] = { EV_INVALID_HANDSHAKE_INITIATION },
	[WGB_RESP_OK] = { EV_HANDSHAKE_RESPONSE_RECEIVED },
	[WGB_RESP_BAD] = { EV_INVALID_HANDSHAKE_RESPONSE },
	[WGB_BAD_MAC] = { EV_INVALID_MAC },
	[WGB_COOKIE_SENT] = { EV_COOKIE_SENT },
	[WGB_COOKIE_RECV] = { EV_COOKIE_RECEIVED },
	[WGB_KEYPAIR] = { EV_KEYPAIR_CREATED },
	[WGB_HS_DROPPED] = { EV_HANDSHAKE_DROPPED },
};

static const char *const reasons[WGB_R_MAX] = {
	[WGB_R_NONE] = "",
	[WGB_R_BAD_MAC] = "bad_mac",
	[WGB_R_UNKNOWN_PEER] = "unknown_peer",
	[WGB_R_REPLAY] = "replay",
	[WGB_R_TOO_SOON] = "too_soon",
	[WGB_R_DECRYPT_FAILED] = "decrypt_failed",
	[WGB_R_UNDER_LOAD] = "under_load",
};

const char *bpf_reason_name(unsigned reason)
{
	return reason < WGB_R_MAX ? reasons[reason] : NULL;
}

int bpffold_new(size_t max, struct bpffold **out)
{
	struct bpffold *f;

	*out = NULL;
	if (!max)
		return -EINVAL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->max = max;
	f->cap = max + NOSRC_RESERVE;
	for (f->nidx = 16; f->nidx < 2 * f->cap; f->nidx <<= 1)
		;
	f->ents = calloc(f->cap, sizeof(*f->ents));
	f->idx = calloc(f->nidx, sizeof(*f->idx));
	if (!f->ents || !f->idx) {
		bpffold_free(f);
		return -ENOMEM;
	}
	*out = f;
	return 0;
}

void bpffold_free(struct bpffold *f)
{
	if (!f)
		return;
	free(f->ents);
	free(f->idx);
	free(f);
}

size_t bpffold_len(const struct bpffold *f)
{
	return f->n;
}

/* FNV-1a over the key bytes (the struct has no implicit padding). */
static size_t key_hash(const struct wgb_fold_key *k)
{
	const unsigned char *p = (const unsigned char *)k;
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return (size_t)h;
}

/* The slot of k: its entry's, or the free one where it would go. */
static size_t slot_of(const struct bpffold *f, const struct wgb_fold_key *k)
{
	size_t s = key_hash(k) & (f->nidx - 1);

	while (f->idx[s] && memcmp(&f->ents[f->idx[s] - 1].k, k, sizeof(*k)))
		s = (s + 1) & (f->nidx - 1);
	return s;
}

static bool has_source(const struct wgb_fold_key *k)
{
	static const unsigned char zero[WGB_KEY_LEN];

	return k->family || k->port || k->kflags || memcmp(k->key, zero, sizeof(zero));
}

/* Count into k's entry, creating it within limit entries; false if full. */
static bool count_into(struct bpffold *f, const struct wgb_fold_key *k,
		       const struct wgb_fold_val *v, size_t limit)
{
	size_t s = slot_of(f, k);
	struct fold_ent *e;

	if (f->idx[s]) {
		e = &f->ents[f->idx[s] - 1];
		e->v.count += v->count;
		if (v->first_ns && (!e->v.first_ns || v->first_ns < e->v.first_ns))
			e->v.first_ns = v->first_ns;
		return true;
	}
	if (f->n >= limit)
		return false;
	e = &f->ents[f->n];
	e->k = *k;
	e->v = *v;
	f->idx[s] = (uint32_t)++f->n;
	return true;
}

void bpffold_add(struct bpffold *f, const struct wgb_fold_key *k, const struct wgb_fold_val *v)
{
	struct wgb_fold_key nk;

	if (!k->verdict || k->verdict >= WGB_VERDICT_MAX || k->reason >= WGB_R_MAX || !v->count)
		return;
	if (count_into(f, k, v, has_source(k) ? f->max : f->cap))
		return;
	/* Full: keep the count, lose the source and the key. */
	memset(&nk, 0, sizeof(nk));
	nk.sec = k->sec;
	nk.ifindex = k->ifindex;
	nk.verdict = k->verdict;
	nk.reason = k->reason;
	if (!count_into(f, &nk, v, f->cap))
		f->lost[k->verdict][k->reason] += v->count;
}

void bpffold_add_overflow(struct bpffold *f, uint32_t sec, unsigned verdict, unsigned reason,
			  uint64_t count)
{
	struct wgb_fold_key k;
	struct wgb_fold_val v;

	if (!verdict || verdict >= WGB_VERDICT_MAX || reason >= WGB_R_MAX || !count)
		return;
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.sec = sec;
	k.verdict = (unsigned char)verdict;
	k.reason = (unsigned char)reason;
	v.count = count;
	bpffold_add(f, &k, &v);
}

static void set_endpoint(struct event *ev, const char *key, unsigned family,
			 const unsigned char addr[16], unsigned port)
{
	union endpoint ep;

	memset(&ep, 0, sizeof(ep));
	if (family == AF_INET) {
		ep.sin.sin_family = AF_INET;
		memcpy(&ep.sin.sin_addr, addr, 4);
		ep.sin.sin_port = htons((uint16_t)port);
	} else if (family == AF_INET6) {
		ep.sin6.sin6_family = AF_INET6;
		memcpy(&ep.sin6.sin6_addr, addr, 16);
		ep.sin6.sin6_port = htons((uint16_t)port);
	} else {
		return;
	}
	event_set_addr(ev, key, &ep);
}

static void set_key(struct event *ev, const char *name, const unsigned char key[WGB_KEY_LEN])
{
	event_set_key(ev, name, key);
}

/* The kernel's name, bounded and printable, or none. */
static void set_ifname(struct event *ev, const char name[WGB_IFNAMSIZ])
{
	char s[WGB_IFNAMSIZ];
	size_t i;

	for (i = 0; i < WGB_IFNAMSIZ - 1 && name[i]; i++) {
		if (name[i] <= ' ' || name[i] > '~')
			return;
		s[i] = name[i];
	}
	s[i] = '\0';
	if (i)
		event_set(ev, "iface", s);
}

int bpffold_event(const struct wgb_fold_key *k, const struct wgb_fold_val *v,
		  int64_t boot_to_real_us, struct event *ev)
{
	if (!k->verdict || k->verdict >= WGB_VERDICT_MAX || k->reason >= WGB_R_MAX)
		return -EINVAL;
	event_init(ev, verdicts[k->verdict].type, SRC_BPF);
	if (v->first_ns)
		ev->time_us = (int64_t)(v->first_ns / 1000) + boot_to_real_us;
	set_ifname(ev, v->ifname);
	if (k->kflags & WGB_KF_PEER)
		set_key(ev, "peer", k->key);
	set_endpoint(ev, "endpoint", k->family, k->addr, k->port);
	if (k->reason)
		event_set(ev, "reason", reasons[k->reason]);
	if (k->kflags & WGB_KF_CLAIMED)
		set_key(ev, "claimed_peer", k->key);
	event_set_u64(ev, "count", v->count);
	if (!has_source(k) && k->verdict != WGB_KEYPAIR)
		event_set(ev, "detail", "folded");	/* a bound took source and key */
	return 0;
}

static int cmp_first(const void *a, const void *b)
{
	const struct fold_ent *x = a, *y = b;

	if (x->v.first_ns != y->v.first_ns)
		return x->v.first_ns < y->v.first_ns ? -1 : 1;
	return 0;
}

size_t bpffold_flush(struct bpffold *f, uint32_t before_sec, int64_t boot_to_real_us,
		     const struct event_sink *sink)
{
	size_t old = 0, emitted = 0;
	struct event ev;

	/* Old entries to the front, then one sort by time of first packet. */
	for (size_t i = 0; i < f->n; i++) {
		if (f->ents[i].k.sec < before_sec) {
			struct fold_ent t = f->ents[old];

			f->ents[old++] = f->ents[i];
			f->ents[i] = t;
		}
	}
	qsort(f->ents, old, sizeof(*f->ents), cmp_first);
	for (size_t i = 0; i < old; i++)
		if (bpffold_event(&f->ents[i].k, &f->ents[i].v, boot_to_real_us, &ev) == 0) {
			event_emit(sink, &ev);
			emitted++;
		}
	for (unsigned vd = 1; vd < WGB_VERDICT_MAX; vd++)
		for (unsigned r = 0; r < WGB_R_MAX; r++) {
			if (!f->lost[vd][r])
				continue;
			event_init(&ev, verdicts[vd].type, SRC_BPF);
			if (r)
				event_set(&ev, "reason", reasons[r]);
			event_set_u64(&ev, "count", f->lost[vd][r]);
			event_set(&ev, "detail", "folded");
			event_emit(sink, &ev);
			f->lost[vd][r] = 0;
			emitted++;
		}
	/* Keep the rest, re-indexed. */
	memmove(f->ents, f->ents + old, (f->n - old) * sizeof(*f->ents));
	f->n -= old;
	memset(f->idx, 0, f->nidx * sizeof(*f->idx));
	for (size_t i = 0; i < f->n; i++)
		f->idx[slot_of(f, &f->ents[i].k)] = (uint32_t)(i + 1);
	return emitted;
}

/* Printable comm or none (a process names itself). */
static void set_comm(struct event *ev, const char comm[WGB_COMM_LEN])
{
	char s[WGB_COMM_LEN];
	size_t i;

	for (i = 0; i < WGB_COMM_LEN - 1 && comm[i]; i++)
		s[i] = comm[i] >= ' ' && comm[i] <= '~' && comm[i] != '"' ? comm[i] : '?';
	s[i] = '\0';
	if (i)
		event_set(ev, "comm", s);
}

static bool has_suffix(const char *s, size_t n, const char *suffix)
{
	size_t m = strlen(suffix);

	return n > m && !memcmp(s + n - m, suffix, m);
}

int bpf_unit_name(const char unit[WGB_UNIT_LEN], char out[WGB_UNIT_LEN])
{
	/* systemd's unit name characters (unit-name.c VALID_CHARS, plus the
	 * '@' of a template instance). */
	static const char ok[] = "0123456789abcdefghijklmnopqrstuvwxyz"
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZ:-_.\\@";
	size_t n = strnlen(unit, WGB_UNIT_LEN);

	out[0] = '\0';
	if (n == WGB_UNIT_LEN || !n)
		return -ENOENT;		/* none, or not terminated in the record */
	if (!has_suffix(unit, n, ".service") && !has_suffix(unit, n, ".scope"))
		return -ENOENT;		/* a slice, the root, a delegated sub-cgroup */
	for (size_t i = 0; i < n; i++)
		if (!strchr(ok, unit[i]))
			return -EINVAL;
	memcpy(out, unit, n + 1);
	return 0;
}

/* Who did it: pid, comm, uid, and the systemd unit when it has one. */
static void set_caller(struct event *ev, const struct wgb_rec *r)
{
	char unit[WGB_UNIT_LEN];

	event_set_u64(ev, "pid", r->pid);
	set_comm(ev, r->comm);
	event_set_u64(ev, "uid", r->uid);
	if (bpf_unit_name(r->unit, unit) == 0)
		event_set(ev, "unit", unit);
}

/* The listen port and the private key set over netlink. Of the key only
 * that it was set, and the public keys (as the polled IFACE_CHANGED says
 * them): "set" (there was none), "replaced" or "removed". */
static void set_iface_change(struct event *ev, const struct wgb_rec *r)
{
	if (r->what & WGB_IC_PORT) {
		event_set_u64(ev, "listen_port", r->port);
		event_set_u64(ev, "prev_listen_port", r->prev_port);
	}
	if (!(r->what & WGB_IC_KEY))
		return;
	event_set(ev, "private_key", r->what & WGB_IC_KEY_NONE ? "removed" :
				     r->what & WGB_IC_KEY_HAD ? "replaced" : "set");
	if (!(r->what & WGB_IC_KEY_NONE))
		set_key(ev, "pubkey", r->key);
	if (r->what & WGB_IC_KEY_HAD)
		set_key(ev, "prev_pubkey", r->prev_key);
}

int bpfrec_event(const struct wgb_rec *r, int64_t boot_to_real_us, struct event *ev)
{
	enum event_type t;

	switch (r->type) {
	case WGB_REC_FOLD_NEW:
		return -ENOENT;
	case WGB_REC_ENDPOINT:
		t = EV_PEER_ENDPOINT_CHANGED;
		break;
	case WGB_REC_PEER_ADDED:
		t = EV_PEER_ADDED;
		break;
	case WGB_REC_PEER_REMOVED:
		t = EV_PEER_REMOVED;
		break;
	case WGB_REC_IFACE_CHANGED:
		if (!(r->what & (WGB_IC_PORT | WGB_IC_KEY)))
			return -EINVAL;
		t = EV_IFACE_CHANGED;
		break;
	default:
		return -EINVAL;
	}
	event_init(ev, t, SRC_BPF);
	if (r->ts_ns)
		ev->time_us = (int64_t)(r->ts_ns / 1000) + boot_to_real_us;
	set_ifname(ev, r->ifname);
	if (t == EV_IFACE_CHANGED)
		set_iface_change(ev, r);
	else
		set_key(ev, "peer", r->key);
	if (t == EV_PEER_ENDPOINT_CHANGED) {
		set_endpoint(ev, "endpoint", r->family, r->addr, r->port);
		set_endpoint(ev, "prev_endpoint", r->prev_family, r->prev_addr, r->prev_port);
	}
	/* The process: on netlink changes the one that asked; on a roam in
	 * the datapath whatever ran (softirq), so only for peer changes. */
	if (t != EV_PEER_ENDPOINT_CHANGED)
		set_caller(ev, r);
	return 0;
}
