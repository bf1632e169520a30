// SPDX-License-Identifier: GPL-2.0
/* trackpeer.c - one peer of a fresh snapshot against its record: the
 * steps of the diff (added, counters, endpoint, handshake, state,
 * transfer), each with its event, in the order the events come; and the
 * sweep of the peers a complete snapshot no longer lists. tracker.c owns
 * the observation around it (interfaces, chunks, passes). */
#include <stdlib.h>
#include <string.h>
#include "base/event.h"
#include "base/log.h"
#include "base/staterow.h"
#include "base/wgdev.h"
#include "engine/tracker_int.h"

/* FNV-1a over the fields (not the padding) of a peer's allowed IPs: one
 * pass over a few bytes per poll tells whether the text must be redone. */
static uint32_t aips_hash(const struct wg_device *dev, const struct wg_peer *o)
{
	uint32_t h = 2166136261u;

	for (uint32_t i = 0; i < o->aip_count && o->aip_first + i < dev->n_aips; i++) {
		const struct wg_allowedip *a = &dev->aips[o->aip_first + i];
		const uint8_t *b = a->family == AF_INET6 ? a->ip6.s6_addr : (const uint8_t *)&a->ip4;
		size_t n = a->family == AF_INET6 ? 16 : 4;

		h = (h ^ a->family) * 16777619u;
		h = (h ^ a->cidr) * 16777619u;
		for (size_t j = 0; j < n; j++)
			h = (h ^ b[j]) * 16777619u;
	}
	return h ? h : 1;	/* 0 = not learned yet */
}

/* Keep p->aips, the text the metrics show, in step with the device. */
static void peer_track_aips(const struct tracker *t, struct tpeer *p,
			    const struct wg_device *dev, const struct wg_peer *o)
{
	uint32_t h;
	char buf[STATE_AIPS_LEN], *n;

	if (!t->opts.aips_text)
		return;
	h = aips_hash(dev, o);
	if (h == p->aips_hash && p->aips)
		return;
	wg_peer_format_aips(dev, o, buf, sizeof(buf));
	n = strdup(buf);
	if (!n)
		return;		/* the old text stays; retried next poll */
	free(p->aips);
	p->aips = n;
	p->aips_hash = h;
}

/* A peer's allowed IPs as text, made at most once per peer per poll and
 * only when an event or a save needs it. */
struct aips_text {
	const struct wg_device *dev;
	const struct wg_peer *o;
	bool have;
	char buf[STATE_AIPS_LEN];
};

static const char *aips_get(struct aips_text *a)
{
	if (!a->have) {
		wg_peer_format_aips(a->dev, a->o, a->buf, sizeof(a->buf));
		a->have = true;
	}
	return a->buf;
}

/* A peer the interface did not have: recorded, saved, and (unless quiet)
 * PEER_ADDED, then PEER_ACTIVE when it comes already connected. */
static void peer_added(struct tracker *t, struct tiface *ti, struct aips_text *at,
		       bool quiet, enum event_source src)
{
	const struct wg_peer *o = at->o;
	struct tpeer *p = pool_alloc(&ti->peers);
	struct event ev;

	if (p)
		memcpy(p->key, o->public_key, WG_KEY_LEN);	/* before hashing */
	if (!p || trk_peer_insert(ti, p) < 0) {
		pool_free(&ti->peers, p);
		log_warnx("%s: out of memory tracking a peer", ti->name);
		return;
	}
	p->ep = o->endpoint;
	p->last_handshake = o->last_handshake_sec;
	p->rx = p->rx_mark = o->rx_bytes;
	p->tx = p->tx_mark = o->tx_bytes;
	p->mark_us = t->now_us;
	p->first_seen_us = t->now_us;
	p->keepalive = o->keepalive;
	p->state = (uint8_t)trk_state_of(t, o->last_handshake_sec);
	p->gen = t->gen;
	t->stamped++;
	peer_track_aips(t, p, at->dev, o);
	trk_peer_save(t, ti, p, aips_get(at));
	if (quiet)
		return;
	event_init(&ev, EV_PEER_ADDED, src);
	trk_peer_fields(&ev, ti, p, aips_get(at));
	trk_set_handshake(&ev, p->last_handshake);
	if (p->keepalive)
		event_set_u64(&ev, "keepalive", p->keepalive);
	trk_emit(t, &ev);
	if (p->state != ST_ACTIVE)
		return;
	/* Added already connected: say so. */
	event_init(&ev, EV_PEER_ACTIVE, src);
	trk_peer_fields(&ev, ti, p, aips_get(at));
	trk_set_handshake(&ev, p->last_handshake);
	trk_emit(t, &ev);
}

/* Counters only go down when the peer was removed and re-added. */
static bool peer_counters(struct tpeer *p, const struct wg_peer *o)
{
	bool reset = o->rx_bytes < p->rx || o->tx_bytes < p->tx;

	if (reset) {
		p->rx_mark = 0;
		p->tx_mark = 0;
	}
	p->rx = o->rx_bytes;
	p->tx = o->tx_bytes;
	p->keepalive = o->keepalive;
	return reset;
}

/* The first endpoint a server learns is a connection, not a roam. */
static bool peer_endpoint(struct tracker *t, const struct tiface *ti, struct tpeer *p,
			  struct aips_text *at, bool quiet, enum event_source src)
{
	bool had = p->ep.sa.sa_family != AF_UNSPEC;
	union endpoint prev_ep;
	struct event ev;

	if (endpoint_equal(&at->o->endpoint, &p->ep))
		return false;
	prev_ep = p->ep;
	p->ep = at->o->endpoint;
	if (had && p->ep.sa.sa_family != AF_UNSPEC && !quiet) {
		event_init(&ev, EV_PEER_ENDPOINT_CHANGED, src);
		trk_peer_fields(&ev, ti, p, aips_get(at));
		event_set_addr(&ev, "prev_endpoint", &prev_ep);
		trk_emit(t, &ev);
	}
	return true;
}

/* A newer handshake is an event; an older one (re-added peer, clock step)
 * is followed silently. */
static bool peer_handshake(struct tracker *t, const struct tiface *ti, struct tpeer *p,
			   struct aips_text *at, bool quiet, enum event_source src)
{
	int64_t lh = at->o->last_handshake_sec;
	bool newer = lh > p->last_handshake;
	struct event ev;

	if (lh == p->last_handshake)
		return false;
	p->last_handshake = lh;
	if (newer && !quiet) {
		event_init(&ev, EV_PEER_HANDSHAKE, src);
		trk_peer_fields(&ev, ti, p, aips_get(at));
		trk_set_handshake(&ev, p->last_handshake);
		trk_emit(t, &ev);
	}
	return true;
}

/* Active <-> inactive, by the handshake's age now. */
static bool peer_state(struct tracker *t, const struct tiface *ti, struct tpeer *p,
		       struct aips_text *at, bool quiet, enum event_source src)
{
	int state = trk_state_of(t, p->last_handshake);
	bool was_active = p->state == ST_ACTIVE;
	struct event ev;

	if (state == p->state)
		return false;
	p->state = (uint8_t)state;
	if (!quiet && (state == ST_ACTIVE || was_active)) {
		event_init(&ev, state == ST_ACTIVE ? EV_PEER_ACTIVE : EV_PEER_INACTIVE, src);
		trk_peer_fields(&ev, ti, p, aips_get(at));
		trk_set_handshake(&ev, p->last_handshake);
		if (state != ST_ACTIVE && p->last_handshake)
			event_set_u64(&ev, "idle", (uint64_t)(t->now_us / 1000000 - p->last_handshake));
		trk_emit(t, &ev);
	}
	return true;
}

/* Every transfer interval: PEER_TRANSFER when the counters moved. An idle
 * peer's mark moves in memory only: no write per poll. */
static bool peer_transfer(struct tracker *t, const struct tiface *ti, struct tpeer *p,
			  struct aips_text *at, bool quiet, enum event_source src)
{
	bool moved = false;
	struct event ev;

	if (t->now_us - p->mark_us < t->opts.transfer_interval_us)
		return false;
	if (p->rx != p->rx_mark || p->tx != p->tx_mark) {
		if (!quiet) {
			event_init(&ev, EV_PEER_TRANSFER, src);
			trk_peer_fields(&ev, ti, p, aips_get(at));
			event_set_u64(&ev, "rx_delta", p->rx - p->rx_mark);
			event_set_u64(&ev, "tx_delta", p->tx - p->tx_mark);
			event_set_u64(&ev, "interval", (uint64_t)((t->now_us - p->mark_us + 500000) / 1000000));
			trk_emit(t, &ev);
		}
		p->rx_mark = p->rx;
		p->tx_mark = p->tx;
		moved = true;
	}
	p->mark_us = t->now_us;
	return moved;
}

/* One peer of a fresh snapshot against what we knew: the steps in the
 * order their events come; saved once if any step changed the record. */
static void observe_peer(struct tracker *t, struct tiface *ti,
			 const struct wg_device *dev, const struct wg_peer *o,
			 bool quiet, enum event_source src)
{
	struct tpeer *p = peer_find(ti, o->public_key);
	struct aips_text at;	/* not "= { ... }": that clears buf, every peer, every poll */
	bool dirty;

	at.dev = dev;
	at.o = o;
	at.have = false;

	if (!p) {
		peer_added(t, ti, &at, quiet, src);
		return;
	}
	if (p->gen != t->gen) {
		p->gen = t->gen;
		t->stamped++;
	}
	peer_track_aips(t, p, dev, o);
	dirty = peer_counters(p, o);
	dirty |= peer_endpoint(t, ti, p, &at, quiet, src);
	dirty |= peer_handshake(t, ti, p, &at, quiet, src);
	dirty |= peer_state(t, ti, p, &at, quiet, src);
	dirty |= peer_transfer(t, ti, p, &at, quiet, src);
	if (dirty)
		trk_peer_save(t, ti, p, aips_get(&at));
}

static void peer_removed(struct tracker *t, struct tiface *ti, struct tpeer *p,
			 bool quiet, enum event_source src)
{
	struct event ev;

	if (!quiet) {
		event_init(&ev, EV_PEER_REMOVED, src);
		trk_peer_fields(&ev, ti, p, NULL);
		trk_set_handshake(&ev, p->last_handshake);
		trk_emit(t, &ev);
	}
	trk_saved(t, t->st.peer_delete(t->st.ctx, ti->name, p->key), "peer removal", ti->name);
	trk_peer_unlink(ti, p);
	free(p->aips);
	pool_free(&ti->peers, p);
}

void trk_sweep_unseen(struct tracker *t, struct tiface *ti, enum event_source src)
{
	for (size_t b = 0; b < ti->nbuckets; b++) {
		struct tpeer *p = ti->buckets[b], *next;

		for (; p; p = next) {
			next = p->next;
			if (p->gen != t->gen)
				peer_removed(t, ti, p, t->baseline, src);
		}
	}
}

/* Peers [0, n) of dev, in order. */
void trk_observe_peers(struct tracker *t, struct tiface *ti,
		       const struct wg_device *dev, size_t n, bool quiet,
		       enum event_source src)
{
	/* A chunk's first peers have no "ahead" of their own (the loop
	 * below asks for 16 and 8 ahead): their buckets, then their
	 * records, before it. 128-peer chunks: 1 peer in 8 was asked for
	 * by no one. */
	for (size_t i = 0; ti->nbuckets && i < n && i < 16; i++)
		__builtin_prefetch(&ti->buckets[key_hash(dev->peers[i].public_key) &
						(ti->nbuckets - 1)]);
	for (size_t i = 0; ti->nbuckets && i < n && i < 8; i++) {
		struct tpeer *q = ti->buckets[key_hash(dev->peers[i].public_key) &
					      (ti->nbuckets - 1)];

		if (q) {
			__builtin_prefetch(q);
			__builtin_prefetch((const char *)q + 64);
		}
	}
	for (size_t i = 0; i < n; i++) {
		/* The lookups of a 10,000-peer snapshot miss the cache one
		 * after the other (records lie in no order the reply follows):
		 * ask for the bucket of the peer 16 ahead and the record of
		 * the one 8 ahead while this one is done. In the loop itself:
		 * GCC drops a call to a function that only prefetches. */
		if (ti->nbuckets && i + 16 < n)
			__builtin_prefetch(&ti->buckets[key_hash(dev->peers[i + 16].public_key) &
							(ti->nbuckets - 1)]);
		if (ti->nbuckets && i + 8 < n) {
			struct tpeer *q = ti->buckets[key_hash(dev->peers[i + 8].public_key) &
						      (ti->nbuckets - 1)];

			/* both lines a poll reads: key, endpoint; counters, gen */
			if (q) {
				__builtin_prefetch(q);
				__builtin_prefetch((const char *)q + 64);
			}
		}
		observe_peer(t, ti, dev, &dev->peers[i], quiet, src);
	}
}
