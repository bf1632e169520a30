// SPDX-License-Identifier: GPL-2.0
/* rogue.c - ALERT_ROGUE_INTERFACE and ALERT_ROGUE_PEER: drift between the
 * WireGuard config files (sources/confwatch.c) and what runs.
 *
 * Interface: the first time an interface is seen - IFACE_CREATED, or any
 * event naming it (not kernel lines: /dev/kmsg is host-wide), or checks_iface() on the poll (which covers interfaces
 * that existed before the agent started: the tracker's first pass is
 * quiet) - it must have a config file (confwatch_iface) or be named in
 * [checks] allowed_interfaces. Otherwise ALERT_ROGUE_INTERFACE, severity
 * err: a tunnel nobody declared is a way in. With neither a config watcher
 * nor allowed_interfaces there is nothing to compare with: off.
 *
 * Peer: a live peer (PEER_ADDED, or the first PEER_* event naming it) on an
 * interface whose config file exists and does not list its key:
 * ALERT_ROGUE_PEER drift=live_not_in_config, warning. A config change that
 * removes a key we saw live re-checks it at once. The reverse drift, a
 * peer the config lists but that is not live, is reported when the live
 * peer is removed while its config still lists it: drift=config_not_live,
 * severity info (an operator's unfinished edit, not an intrusion). An idle
 * peer that existed before the agent started is judged at its first
 * event. Interfaces without a config file are left to the interface rule.
 * One alert per (interface, peer, drift) per suppression window. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/checks/checks_int.h"
#include "conf/conf.h"
#include "base/wgconf.h"
#include "base/util.h"

#define ROGUE_MAX_IFACES	4096
#define ROGUE_MAX_PEERS		(1u << 20)

struct rg_peer {
	char iface[IFNAMSIZ];
};

struct ck_rogue {
	bool ifaces_on;
	struct ckmap ifaces;		/* seen interfaces */
	struct ckmap peers;		/* "IFACE PUBKEY" seen live */
};

void rogue_free(struct ck_rogue *r)
{
	if (!r)
		return;
	ckmap_release(&r->ifaces);
	ckmap_release(&r->peers);
	free(r);
}

int rogue_new(struct checks *ck, struct ck_rogue **out)
{
	struct ck_rogue *r;

	*out = NULL;
	if (!ck->conf->check_rogue)
		return 0;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->ifaces_on = ck->views.iface || ck->conf->allowed_ifaces[0];
	ckmap_init(&r->ifaces, ROGUE_MAX_IFACES);
	ckmap_init(&r->peers, ROGUE_MAX_PEERS);
	*out = r;
	return 0;
}

static bool name_in_list(const char *list, const char *name)
{
	size_t nl = strlen(name);

	while (*list) {
		size_t len = strcspn(list, " ");

		if (len == nl && !memcmp(list, name, nl))
			return true;
		list += len;
		list += strspn(list, " ");
	}
	return false;
}

void rogue_iface_seen(struct checks *ck, const char *iface, const struct event *cause)
{
	struct ck_rogue *r = ck->rogue;
	char key[64];
	bool created;
	struct event a;

	if (!r->ifaces_on || !ckmap_put(&r->ifaces, iface, 1, &created) || !created)
		return;
	if (name_in_list(ck->conf->allowed_ifaces, iface))
		return;
	if (ck_conf_iface(ck, iface))
		return;
	snprintf(key, sizeof(key), "rogue-if|%s", iface);
	if (ck_suppressed(ck, key, (int64_t)ck->conf->suppress_ms * 1000))
		return;
	ck_alert_init(&a, EV_ALERT_ROGUE_INTERFACE, LOG_ERR, cause);
	event_set(&a, "iface", iface);
	event_set(&a, "reason", ck->views.iface ? "no config file and not in allowed_interfaces"
				       : "not in allowed_interfaces");
	if (cause)
		event_set(&a, "seen_in", event_type_name(cause->type));
	if (cause)
		event_copy(&a, cause, "listen_port");
	ck_alert_emit(ck, &a);
}

static bool conf_lists(const struct conf_iface *ci, const uint8_t key[WG_KEY_LEN])
{
	for (size_t i = 0; i < ci->n_peers; i++)
		if (!memcmp(ci->peers[i].public_key, key, WG_KEY_LEN))
			return true;
	return false;
}

static void rogue_peer_alert(struct checks *ck, const struct event *cause, const char *iface,
			     const char *peer, const struct conf_iface *ci, bool live)
{
	const char *drift = live ? "live_not_in_config" : "config_not_live";
	char key[128];
	struct event a;

	snprintf(key, sizeof(key), "rogue-peer|%s|%s|%s", iface, peer, drift);
	if (ck_suppressed(ck, key, (int64_t)ck->conf->suppress_ms * 1000))
		return;
	ck_alert_init(&a, EV_ALERT_ROGUE_PEER, live ? LOG_WARNING : LOG_INFO, cause);
	event_set(&a, "iface", iface);
	event_set(&a, "peer", peer);
	event_set(&a, "drift", drift);
	event_set(&a, "config", ci->path);
	if (cause)
		event_copy(&a, cause, "endpoint");
	if (cause)
		event_set(&a, "seen_in", event_type_name(cause->type));
	ck_alert_emit(ck, &a);
}

/* A live peer: judged the first time, and again after a config change. */
static void rogue_peer_live(struct checks *ck, const struct event *ev, const char *iface,
			    const char *peer)
{
	struct ck_rogue *r = ck->rogue;
	const struct conf_iface *ci;
	uint8_t key[WG_KEY_LEN];
	char mk[128];
	struct rg_peer *p;
	bool created;

	snprintf(mk, sizeof(mk), "%s %s", iface, peer);
	p = ckmap_put(&r->peers, mk, sizeof(*p), &created);
	if (!p || !created)
		return;
	snprintf(p->iface, sizeof(p->iface), "%s", iface);
	if (!(ci = ck_conf_iface(ck, iface)))
		return;
	if (key_from_base64(key, peer, strlen(peer)) < 0)
		return;
	if (!conf_lists(ci, key))
		rogue_peer_alert(ck, ev, iface, peer, ci, true);
}

static bool peer_live_event(enum event_type t)
{
	switch (t) {
	case EV_PEER_ADDED:
	case EV_PEER_ACTIVE:
	case EV_PEER_INACTIVE:
	case EV_PEER_HANDSHAKE:
	case EV_PEER_ENDPOINT_CHANGED:
	case EV_PEER_TRANSFER:
		return true;
	default:
		return false;
	}
}

/* peers_removed = "KEY,KEY": live ones among them are rogue now. */
static void rogue_config_changed(struct checks *ck, const struct event *ev, const char *iface)
{
	struct ck_rogue *r = ck->rogue;
	const char *list = event_get(ev, "peers_removed");
	char peer[WG_KEY_B64_LEN], mk[128];

	if (!list)
		return;
	while (*list) {
		size_t len = strcspn(list, ", ");

		if (len == WG_KEY_B64_LEN - 1) {
			memcpy(peer, list, len);
			peer[len] = '\0';
			snprintf(mk, sizeof(mk), "%s %s", iface, peer);
			if (ckmap_get(&r->peers, mk)) {
				ckmap_del(&r->peers, mk);
				rogue_peer_live(ck, ev, iface, peer);
			}
		}
		list += len;
		list += strspn(list, ", ");
	}
}

void rogue_event(struct checks *ck, const struct event *ev)
{
	struct ck_rogue *r = ck->rogue;
	const char *iface = event_get(ev, "iface"), *peer = event_get(ev, "peer");

	if (!iface || !*iface)
		return;
	switch (ev->type) {
	case EV_IFACE_DESTROYED:
		/* A new interface of that name is judged again. */
		ckmap_del(&r->ifaces, iface);
		return;
	case EV_CONFIG_FILE_CHANGED:
		rogue_config_changed(ck, ev, iface);
		return;
	case EV_OBSERVE_FAILED:
	case EV_KERNEL_MESSAGE:
		return;
	default:
		break;
	}
	/* The kernel log is host-wide: its interface names may belong to
	 * other network namespaces, which neither the poll nor the config
	 * directory describe. */
	if (ev->source != SRC_KMSG)
		rogue_iface_seen(ck, iface, ev);
	if (!peer || !*peer)
		return;
	if (ev->type == EV_PEER_REMOVED) {
		const struct conf_iface *ci = ck_conf_iface(ck, iface);
		uint8_t key[WG_KEY_LEN];
		char mk[128];

		snprintf(mk, sizeof(mk), "%s %s", iface, peer);
		ckmap_del(&r->peers, mk);
		if (ci && key_from_base64(key, peer, strlen(peer)) == 0 && conf_lists(ci, key))
			rogue_peer_alert(ck, ev, iface, peer, ci, false);
		return;
	}
	if (peer_live_event(ev->type))
		rogue_peer_live(ck, ev, iface, peer);
}
