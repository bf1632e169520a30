// SPDX-License-Identifier: GPL-2.0
/* trackwalk.c - read-only views of the tracker's in-memory state (the
 * metrics, sessions, AGENT_STARTED's counts): no allocation, no store
 * access. See tracker.h. */
#include "base/wgdev.h"
#include "engine/tracker.h"
#include "engine/tracker_int.h"

bool tracker_is_baseline(const struct tracker *t)
{
	return t->baseline;
}

void tracker_counts(const struct tracker *t, unsigned *ifaces, unsigned *peers)
{
	*ifaces = *peers = 0;
	for (const struct tiface *ti = t->ifaces; ti; ti = ti->next) {
		(*ifaces)++;
		*peers += (unsigned)ti->npeers;
	}
}

int tracker_for_each_iface(const struct tracker *t, tracker_iface_cb cb, void *ctx)
{
	struct tracker_iface_info ii;
	int ret;

	for (const struct tiface *ti = t->ifaces; ti; ti = ti->next) {
		ii.name = ti->name;
		ii.public_key = ti->has_key ? ti->key : NULL;
		ii.listen_port = ti->listen_port;
		ii.up = ti->up;
		ii.kernel = ti->impl == WG_IMPL_KERNEL;
		ii.npeers = ti->npeers;
		if ((ret = cb(ctx, &ii)) != 0)
			return ret;
	}
	return 0;
}

int tracker_for_each_peer(const struct tracker *t, tracker_peer_cb cb, void *ctx)
{
	struct tracker_peer_info pi;
	int ret;

	for (const struct tiface *ti = t->ifaces; ti; ti = ti->next) {
		pi.iface = ti->name;
		for (size_t b = 0; b < ti->nbuckets; b++) {
			/* The callbacks' output evicts the table from the cache:
			 * ask for a peer two buckets ahead while this one is done. */
			if (b + 2 < ti->nbuckets && ti->buckets[b + 2])
				__builtin_prefetch(ti->buckets[b + 2]);
			if (b + 1 < ti->nbuckets && ti->buckets[b + 1] && ti->buckets[b + 1]->aips)
				__builtin_prefetch(ti->buckets[b + 1]->aips);
			for (const struct tpeer *p = ti->buckets[b]; p; p = p->next) {
				pi.public_key = p->key;
				pi.endpoint = &p->ep;
				pi.allowed_ips = p->aips ? p->aips : "";
				pi.last_handshake = p->last_handshake;
				pi.rx = p->rx;
				pi.tx = p->tx;
				pi.state = p->state == ST_ACTIVE ? TRACKER_PEER_ACTIVE
					 : p->state == ST_INACTIVE ? TRACKER_PEER_INACTIVE
					 : TRACKER_PEER_NEVER;
				if ((ret = cb(ctx, &pi)) != 0)
					return ret;
			}
		}
	}
	return 0;
}
