// SPDX-License-Identifier: GPL-2.0
/* peerid.c - the kernel peer-number resolver of the tracker: a kernel
 * log line names a peer by its internal number ("peer 7"), wireguard-go's
 * by an abbreviated key; this maps them, with the endpoint a line carries,
 * to public keys on the live peer table, and says which namespace when it
 * can. See tracker_resolve in tracker.h. */
#include <stdio.h>
#include <string.h>
#include "base/event.h"
#include "base/ifkey.h"
#include "base/util.h"
#include "engine/tracker.h"
#include "engine/tracker_int.h"

/* wireguard-go names peers "AbCd…WxYz": base64 chars 0-3 and 39-42. Only
 * a unique match on the live table fills "peer". */
static void resolve_abbrev(struct tracker *t, struct event *ev, const char *ifn,
			   const char *ab)
{
	static const char ellipsis[] = "\xe2\x80\xa6";
	struct tiface *ti = iface_find(t, ifn);
	char b64[WG_KEY_B64_LEN], found[WG_KEY_B64_LEN];
	const char *tail;
	int matches = 0;

	if (!ti || strlen(ab) != 4 + 3 + 4 || memcmp(ab + 4, ellipsis, 3))
		return;
	tail = ab + 7;
	for (size_t b = 0; b < ti->nbuckets && matches < 2; b++) {
		for (struct tpeer *p = ti->buckets[b]; p; p = p->next) {
			key_to_base64(b64, p->key);
			if (memcmp(b64, ab, 4) || (memcmp(b64 + 39, tail, 4) && memcmp(b64 + 40, tail, 4)))
				continue;
			memcpy(found, b64, sizeof(found));
			matches++;
		}
	}
	if (matches == 1)
		event_set(ev, "peer", found);
}

/* A kernel log line names an interface, not its namespace (/dev/kmsg is
 * host-wide). The namespace is said only when one tracked interface has
 * that name, or the peer resolved in exactly one of them; otherwise the
 * candidates are listed in "netns_unresolved", never guessed. */
static void set_netns_candidates(struct tracker *t, struct event *ev,
				 const char *ifn, const struct tiface *found)
{
	char list[256];
	size_t off = 0;
	unsigned n = 0;
	const struct tiface *one = NULL;

	if (event_get(ev, "netns"))
		return;
	/* A line announcing a new interface or peer is about one the agent
	 * has not polled yet: its name alone would point at an older one. */
	if (!found && (ev->type == EV_IFACE_CREATED || ev->type == EV_PEER_CREATED))
		return;
	if (found) {
		if (ifkey_netns(found->name)[0])
			event_set(ev, "netns", ifkey_netns(found->name));
		return;
	}
	list[0] = '\0';
	for (const struct tiface *ti = t->ifaces; ti; ti = ti->next) {
		const char *ns;

		if (!ifkey_is_iface(ti->name, ifn))
			continue;
		one = ti;
		ns = ifkey_netns(ti->name);
		if (off < sizeof(list))
			off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
						n ? "," : "", ns[0] ? ns : "(own)");
		n++;
	}
	if (n == 1 && ifkey_netns(one->name)[0])
		event_set(ev, "netns", ifkey_netns(one->name));
	else if (n > 1)
		event_set(ev, "netns_unresolved", list);	/* truncated if long */
}

void tracker_resolve(struct tracker *t, struct event *ev)
{
	const char *ifn = event_get(ev, "iface");
	const struct tiface *found_ti = NULL;
	struct tpeer *found = NULL;
	union endpoint want;
	struct idmap *m;
	struct tiface *ti;
	const char *ab = event_get(ev, "peer_abbrev");
	uint64_t id;
	char b64[WG_KEY_B64_LEN];
	int matches = 0;

	if (ab && ifn && !event_get(ev, "peer")) {
		resolve_abbrev(t, ev, ifn, ab);	/* userspace: keys are plain names */
		return;
	}
	if (!ifn)
		return;
	if (event_get(ev, "peer") || event_get_u64(ev, "peer_id", UINT64_MAX, &id) < 0)
		goto out;
	/* Kernel peer numbers are host-wide (one counter for every
	 * namespace), so a learned number names one peer in one namespace. */
	m = &t->idmap[id % IDMAP_SIZE];
	if (m->id == id && ifkey_is_iface(m->iface, ifn) &&
	    (ti = iface_find(t, m->iface)) && peer_find(ti, m->key)) {
		key_to_base64(b64, m->key);
		event_set(ev, "peer", b64);
		found_ti = ti;
		goto out;
	}
	/* Only a line that carries both the number and an endpoint may teach
	 * a mapping, and only when exactly one live peer has that endpoint,
	 * among the interfaces of that name in every namespace. */
	if (event_get_addr(ev, "endpoint", &want) < 0)
		goto out;
	for (ti = t->ifaces; ti && matches < 2; ti = ti->next) {
		if (!ifkey_is_iface(ti->name, ifn))
			continue;
		for (size_t b = 0; b < ti->nbuckets && matches < 2; b++)
			for (struct tpeer *p = ti->buckets[b]; p; p = p->next)
				if (endpoint_equal(&p->ep, &want)) {
					found = p;
					found_ti = ti;
					matches++;
				}
	}
	if (matches != 1) {
		found_ti = NULL;
		goto out;
	}
	m->id = id;
	snprintf(m->iface, sizeof(m->iface), "%s", found_ti->name);
	memcpy(m->key, found->key, WG_KEY_LEN);
	key_to_base64(b64, found->key);
	event_set(ev, "peer", b64);
out:
	set_netns_candidates(t, ev, ifn, found_ti);
}
