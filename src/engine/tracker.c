// SPDX-License-Identifier: GPL-2.0
/* tracker.c - derive the events WireGuard never emits from successive
 * snapshots: handshakes, active/inactive, roaming, transfer, peers and
 * interfaces coming and going. See tracker.h. This file: the records,
 * their persistence, interfaces and the observation in steps; one peer's
 * diff against its record is trackpeer.c.
 *
 * Memory: one struct tpeer per peer for the agent's lifetime; a poll of an
 * unchanged peer touches its record and nothing else. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/event.h"
#include "base/ifkey.h"
#include "base/log.h"
#include "engine/tracker.h"
#include "base/wgdev.h"
#include "base/staterow.h"
#include "engine/tracker_int.h"

int trk_peer_insert(struct tiface *ti, struct tpeer *p)
{
	if (ti->npeers + 1 > ti->nbuckets) {
		size_t n = ti->nbuckets ? ti->nbuckets * 2 : 64;
		struct tpeer **b = calloc(n, sizeof(*b));

		if (!b)
			return -ENOMEM;
		for (size_t i = 0; i < ti->nbuckets; i++) {
			struct tpeer *q, *next;

			for (q = ti->buckets[i]; q; q = next) {
				next = q->next;
				q->next = b[key_hash(q->key) & (n - 1)];
				b[key_hash(q->key) & (n - 1)] = q;
			}
		}
		free(ti->buckets);
		ti->buckets = b;
		ti->nbuckets = n;
	}
	p->next = ti->buckets[key_hash(p->key) & (ti->nbuckets - 1)];
	ti->buckets[key_hash(p->key) & (ti->nbuckets - 1)] = p;
	ti->npeers++;
	return 0;
}

void trk_peer_unlink(struct tiface *ti, struct tpeer *p)
{
	struct tpeer **pp = &ti->buckets[key_hash(p->key) & (ti->nbuckets - 1)];

	for (; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			ti->npeers--;
			return;
		}
	}
}

static struct tiface *iface_new(struct tracker *t, const char *name)
{
	struct tiface *ti = calloc(1, sizeof(*ti));

	if (!ti)
		return NULL;
	snprintf(ti->name, sizeof(ti->name), "%s", name);
	pool_init(&ti->peers, sizeof(struct tpeer));
	ti->next = t->ifaces;
	t->ifaces = ti;
	return ti;
}

static void iface_free(struct tiface *ti)
{
	for (size_t i = 0; i < ti->nbuckets; i++) {
		struct tpeer *p, *next;

		for (p = ti->buckets[i]; p; p = next) {
			next = p->next;
			free(p->aips);
		}
	}
	pool_release(&ti->peers);
	free(ti->buckets);
	free(ti);
}

static void iface_unlink(struct tracker *t, struct tiface *ti)
{
	for (struct tiface **pp = &t->ifaces; *pp; pp = &(*pp)->next) {
		if (*pp == ti) {
			*pp = ti->next;
			return;
		}
	}
}

/* ---- persistence ---- */

/* A failed write is logged once per turn and remembered: the daemon
 * learns of it (and the store refuses the turn's commit). */
void trk_saved(struct tracker *t, int ret, const char *what, const char *name)
{
	if (ret >= 0)
		return;
	if (!t->err)
		log_errno(ret, "store: cannot save %s for %s", what, name);
	if (!t->err)
		t->err = ret;
}

int tracker_take_error(struct tracker *t)
{
	int ret = t->err;

	t->err = 0;
	return ret;
}

void trk_peer_save(struct tracker *t, const struct tiface *ti,
		   const struct tpeer *p, const char *aips)
{
	struct peer_row r;

	memset(&r, 0, sizeof(r));
	snprintf(r.iface, sizeof(r.iface), "%s", ti->name);
	memcpy(r.public_key, p->key, WG_KEY_LEN);
	endpoint_format(r.endpoint, &p->ep);
	if (aips)
		snprintf(r.allowed_ips, sizeof(r.allowed_ips), "%s", aips);
	r.last_handshake = p->last_handshake;
	r.rx = p->rx;
	r.tx = p->tx;
	r.rx_mark = p->rx_mark;
	r.tx_mark = p->tx_mark;
	r.mark_us = p->mark_us;
	r.state = p->state;
	r.keepalive = p->keepalive;
	r.first_seen_us = p->first_seen_us;
	r.updated_us = t->now_us;
	trk_saved(t, t->st.peer_put(t->st.ctx, &r), "peer state", ti->name);
}

static void iface_save(struct tracker *t, const struct tiface *ti)
{
	struct iface_row r;

	memset(&r, 0, sizeof(r));
	snprintf(r.name, sizeof(r.name), "%s", ti->name);
	r.ifindex = ti->ifindex;
	r.impl = ti->impl;
	r.has_public_key = ti->has_key;
	memcpy(r.public_key, ti->key, WG_KEY_LEN);
	r.listen_port = ti->listen_port;
	r.up = ti->up;
	r.first_seen_us = ti->first_seen_us;
	r.updated_us = t->now_us;
	trk_saved(t, t->st.iface_put(t->st.ctx, &r), "interface state", ti->name);
}

static int load_iface(void *ctx, const struct iface_row *r)
{
	struct tracker *t = ctx;
	struct tiface *ti = iface_find(t, r->name);

	if (!ti && !(ti = iface_new(t, r->name)))
		return -ENOMEM;
	ti->ifindex = r->ifindex;
	ti->impl = r->impl;
	ti->has_key = r->has_public_key;
	memcpy(ti->key, r->public_key, WG_KEY_LEN);
	ti->listen_port = r->listen_port;
	ti->up = r->up;
	ti->link_known = true;
	ti->first_seen_us = r->first_seen_us;
	return 0;
}

static int load_peer(void *ctx, const struct peer_row *r)
{
	struct tracker *t = ctx;
	struct tiface *ti = iface_find(t, r->iface);
	struct tpeer *p;

	if (!ti && !(ti = iface_new(t, r->iface)))
		return -ENOMEM;
	p = pool_alloc(&ti->peers);
	if (!p)
		return -ENOMEM;
	memcpy(p->key, r->public_key, WG_KEY_LEN);
	if (r->endpoint[0])
		endpoint_parse(r->endpoint, strlen(r->endpoint), &p->ep);
	p->last_handshake = r->last_handshake;
	p->rx = r->rx;
	p->tx = r->tx;
	p->rx_mark = r->rx_mark;
	p->tx_mark = r->tx_mark;
	p->mark_us = r->mark_us;
	p->state = (uint8_t)r->state;
	p->keepalive = r->keepalive;
	p->first_seen_us = r->first_seen_us;
	if (t->opts.aips_text)
		p->aips = strdup(r->allowed_ips);	/* its hash is learned at the first poll */
	if ((t->opts.aips_text && !p->aips) || trk_peer_insert(ti, p) < 0) {
		free(p->aips);
		pool_free(&ti->peers, p);
		return -ENOMEM;
	}
	return 0;
}

int tracker_new(const struct state_ops *st, const struct tracker_opts *o,
		const struct event_sink *sink, struct tracker **out)
{
	struct tracker *t;
	char v[8];
	int ret;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->st = *st;
	t->opts = *o;
	t->sink = sink;
	ret = st->iface_load(st->ctx, load_iface, t);
	if (ret == 0)
		ret = st->peer_load(st->ctx, NULL, load_peer, t);
	if (ret < 0) {
		tracker_free(t);
		return ret;
	}
	ret = st->meta_get(st->ctx, "baseline", v, sizeof(v));
	if (ret < 0 && ret != -ENOENT) {
		tracker_free(t);
		return ret;
	}
	t->baseline = ret == -ENOENT;
	*out = t;
	return 0;
}

void tracker_free(struct tracker *t)
{
	struct tiface *ti, *next;

	if (!t)
		return;
	for (ti = t->ifaces; ti; ti = next) {
		next = ti->next;
		iface_free(ti);
	}
	free(t);
}

void tracker_set_opts(struct tracker *t, const struct tracker_opts *o)
{
	t->opts = *o;
}

/* ---- events ---- */

void trk_emit(struct tracker *t, struct event *ev)
{
	int ret;

	ev->time_us = t->now_us;
	ret = event_emit(t->sink, ev);	/* the sink logs its own failure */
	if (ret < 0 && !t->err)
		t->err = ret;
}

/* "iface" and, outside the agent's own namespace, "netns" from a key. */
static void set_iface(struct event *ev, const char *key)
{
	char ifn[IFNAMSIZ], ns[NETNS_LABEL_LEN];

	if (ifkey_split(key, ifn, ns) < 0) {
		event_set(ev, "iface", key);
		return;
	}
	event_set(ev, "iface", ifn);
	if (ns[0])
		event_set(ev, "netns", ns);
}

void trk_peer_fields(struct event *ev, const struct tiface *ti,
		     const struct tpeer *p, const char *aips)
{
	char b64[WG_KEY_B64_LEN];

	key_to_base64(b64, p->key);
	set_iface(ev, ti->name);
	event_set(ev, "peer", b64);
	event_set_addr(ev, "endpoint", &p->ep);
	if (aips)
		event_set(ev, "allowed_ips", aips);
	event_set_u64(ev, "rx", p->rx);
	event_set_u64(ev, "tx", p->tx);
}

void trk_set_handshake(struct event *ev, int64_t lh)
{
	char ts[32];

	if (!lh) {
		event_set(ev, "last_handshake", "never");
		return;
	}
	fmt_rfc3339_us(ts, lh * 1000000);
	event_set(ev, "last_handshake", ts);
}

int trk_state_of(const struct tracker *t, int64_t lh)
{
	if (!lh)
		return ST_NEVER;
	/* A handshake stamped in the future (clock step) still counts. */
	return t->now_us - lh * 1000000 <= t->opts.active_us ? ST_ACTIVE : ST_INACTIVE;
}

void tracker_pass_begin(struct tracker *t, int64_t now_us)
{
	t->gen++;
	t->now_us = now_us;
}

static void iface_event(struct tracker *t, const struct tiface *ti,
			enum event_type type, enum event_source src)
{
	struct event ev;
	char b64[WG_KEY_B64_LEN];

	event_init(&ev, type, src);
	set_iface(&ev, ti->name);
	if (ti->has_key) {
		key_to_base64(b64, ti->key);
		event_set(&ev, "pubkey", b64);
	}
	if (ti->listen_port)
		event_set_u64(&ev, "listen_port", ti->listen_port);
	event_set(&ev, "impl", ti->impl == WG_IMPL_KERNEL ? "kernel" : "userspace");
	event_set_u64(&ev, "peers", ti->npeers);
	trk_emit(t, &ev);
}

static void observe_iface(struct tracker *t, struct tiface *ti,
			  const struct wg_device *dev, bool is_new,
			  enum event_source src)
{
	bool key_changed = dev->has_public_key &&
		(!ti->has_key || memcmp(ti->key, dev->public_key, WG_KEY_LEN));
	bool port_changed = dev->listen_port != ti->listen_port;
	uint16_t old_port = ti->listen_port;
	uint8_t old_key[WG_KEY_LEN];
	bool old_has_key = ti->has_key;

	memcpy(old_key, ti->key, WG_KEY_LEN);
	ti->ifindex = dev->ifindex;
	ti->impl = dev->impl;
	ti->listen_port = dev->listen_port;
	if (dev->has_public_key) {
		ti->has_key = true;
		memcpy(ti->key, dev->public_key, WG_KEY_LEN);
	}
	if (is_new) {
		ti->first_seen_us = t->now_us;
		iface_save(t, ti);
		return;
	}
	if (key_changed || port_changed) {
		struct event ev;
		char b64[WG_KEY_B64_LEN];

		event_init(&ev, EV_IFACE_CHANGED, src);
		set_iface(&ev, ti->name);
		if (port_changed) {
			event_set_u64(&ev, "listen_port", ti->listen_port);
			event_set_u64(&ev, "prev_listen_port", old_port);
		}
		if (key_changed) {
			key_to_base64(b64, ti->key);
			event_set(&ev, "pubkey", b64);
			if (old_has_key) {
				key_to_base64(b64, old_key);
				event_set(&ev, "prev_pubkey", b64);
			}
		}
		trk_emit(t, &ev);
		iface_save(t, ti);
	}
}

int tracker_observe(struct tracker *t, const struct wg_device *dev,
		    enum event_source src)
{
	return tracker_observe_in(t, dev, NULL, src);
}

int tracker_observe_in(struct tracker *t, const struct wg_device *dev,
		       const char *netns, enum event_source src)
{
	int ret = tracker_observe_begin(t, dev, netns, src);

	return ret < 0 ? ret : tracker_observe_end(t, dev);
}

/* An interface that appeared at runtime, read whole: its peers recorded
 * quietly, then IFACE_CREATED, then PEER_ADDED for each, in reply order. */
static int observe_created(struct tracker *t, const struct wg_device *dev,
			   const char *key, enum event_source src)
{
	struct tiface *ti = iface_new(t, key);

	if (!ti)
		return -ENOMEM;
	ti->gen = t->gen;
	observe_iface(t, ti, dev, true, src);
	trk_observe_peers(t, ti, dev, dev->n_peers, true, src);
	iface_event(t, ti, EV_IFACE_CREATED, src);
	for (size_t i = 0; i < dev->n_peers; i++) {
		struct tpeer *p = peer_find(ti, dev->peers[i].public_key);
		char aips[STATE_AIPS_LEN];
		struct event ev;

		if (!p)
			continue;
		wg_peer_format_aips(dev, &dev->peers[i], aips, sizeof(aips));
		event_init(&ev, EV_PEER_ADDED, src);
		trk_peer_fields(&ev, ti, p, aips);
		trk_set_handshake(&ev, p->last_handshake);
		trk_emit(t, &ev);
	}
	return 0;
}

int tracker_observe_begin(struct tracker *t, const struct wg_device *dev,
			  const char *netns, enum event_source src)
{
	struct tobs *ob = &t->obs;

	ob->active = false;
	if (ifkey_format(ob->key, dev->name, netns) < 0)
		return -EINVAL;
	ob->ti = iface_find(t, ob->key);
	ob->is_new = !ob->ti;
	ob->src = src;
	/* New at runtime: IFACE_CREATED needs every peer first, and each
	 * PEER_ADDED after it its allowed IPs: read whole (rare). */
	ob->whole = ob->is_new && !t->baseline;
	ob->active = true;
	if (ob->whole)
		return 0;
	if (!ob->ti && !(ob->ti = iface_new(t, ob->key))) {
		ob->active = false;
		return -ENOMEM;
	}
	ob->ti->gen = t->gen;
	observe_iface(t, ob->ti, dev, ob->is_new, src);
	t->stamped = 0;
	return 1;
}

void tracker_observe_peers(struct tracker *t, const struct wg_device *dev, size_t n)
{
	struct tobs *ob = &t->obs;

	if (!ob->active || ob->whole)
		return;
	trk_observe_peers(t, ob->ti, dev, n < dev->n_peers ? n : dev->n_peers,
			  t->baseline || ob->is_new, ob->src);
}

int tracker_observe_end(struct tracker *t, const struct wg_device *dev)
{
	struct tobs *ob = &t->obs;
	struct tiface *ti = ob->ti;

	if (!ob->active)
		return -EINVAL;
	ob->active = false;
	if (ob->whole)
		return observe_created(t, dev, ob->key, ob->src);
	trk_observe_peers(t, ti, dev, dev->n_peers, t->baseline || ob->is_new, ob->src);
	if (ti->failing) {
		log_info("%s: observation recovered", ti->name);
		ti->failing = false;
	}
	/* Peers absent from a complete snapshot are gone. When every record
	 * was stamped by this observation there is none: no walk over all of
	 * them (t->stamped counts only records stamped since begin, so
	 * anything else, e.g. one stamped earlier in the pass, means the
	 * walk). */
	if (t->stamped != ti->npeers)
		trk_sweep_unseen(t, ti, ob->src);
	return 0;
}

/* Drop ti and its rows (gone, or never to have been seen). */
static void iface_forget(struct tracker *t, struct tiface *ti)
{
	for (size_t b = 0; b < ti->nbuckets; b++)
		for (struct tpeer *p = ti->buckets[b]; p; p = p->next)
			trk_saved(t, t->st.peer_delete(t->st.ctx, ti->name, p->key),
				  "peer removal", ti->name);
	trk_saved(t, t->st.iface_delete(t->st.ctx, ti->name), "interface removal", ti->name);
	iface_unlink(t, ti);
	iface_free(ti);
}

/* A read that failed after its first chunks: what it observed of a known
 * interface stands (each peer was whole), nothing is taken for gone; an
 * interface first met in it is forgotten again, as if never read. */
static void observe_abort(struct tracker *t, const char *iface)
{
	struct tobs *ob = &t->obs;

	if (!ob->active || (iface && strcmp(ob->key, iface)))
		return;
	ob->active = false;
	if (ob->is_new && ob->ti)
		iface_forget(t, ob->ti);
}

void tracker_observe_abort(struct tracker *t)
{
	observe_abort(t, NULL);
}

void tracker_observe_failed(struct tracker *t, const char *iface, int err)
{
	struct tiface *ti;
	struct event ev;

	observe_abort(t, iface);
	ti = iface_find(t, iface);
	if (ti)
		ti->gen = t->gen;	/* keep the last good snapshot */
	if (ti && ti->failing)
		return;		/* said once per outage */
	if (ti)
		ti->failing = true;
	log_warnx("%s: observation failed: %s; keeping the last snapshot",
		  iface, strerror(-err));
	event_init(&ev, EV_OBSERVE_FAILED, SRC_POLL);
	set_iface(&ev, iface);
	event_set(&ev, "error", strerror(-err));
	trk_emit(t, &ev);
}

int tracker_pass_end(struct tracker *t, bool complete, enum event_source src,
		     bool (*in_scope)(void *ctx, const char *name), void *ctx)
{
	struct tiface *ti, *next;

	if (complete) {
		for (ti = t->ifaces; ti; ti = next) {
			next = ti->next;
			if (ti->gen == t->gen || (in_scope && !in_scope(ctx, ti->name)))
				continue;
			if (!t->baseline)
				iface_event(t, ti, EV_IFACE_DESTROYED, src);
			iface_forget(t, ti);
		}
	}
	if (t->baseline && complete) {
		trk_saved(t, t->st.meta_set(t->st.ctx, "baseline", "1"), "the baseline",
			  "all interfaces");
		t->baseline = false;
	}
	return 0;
}

int tracker_link_state(struct tracker *t, const char *iface, bool up,
		       enum event_source src)
{
	struct tiface *ti = iface_find(t, iface);

	t->now_us = now_realtime_us();	/* may come between passes (rtnl) */
	if (!ti || (ti->link_known && ti->up == up))
		return 0;
	ti->up = up;
	if (!ti->link_known) {
		/* First report for this interface: record it; a new interface
		 * at runtime still says whether it came up. */
		ti->link_known = true;
		if (t->baseline || !up) {
			iface_save(t, ti);
			return 0;
		}
	}
	iface_event(t, ti, up ? EV_IFACE_UP : EV_IFACE_DOWN, src);
	iface_save(t, ti);
	return 0;
}
