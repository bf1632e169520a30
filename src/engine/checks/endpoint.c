// SPDX-License-Identifier: GPL-2.0
/* endpoint.c - ALERT_UNKNOWN_ENDPOINT: a peer's endpoint outside its
 * allow-list. The most specific list decides: [allow "IFACE PUBKEY"], else
 * [allow "IFACE"], else [checks] endpoint_allow; no list, no opinion. So a
 * per-peer list can both narrow ("alice only from home") and widen ("bob
 * also from his hotel") the interface's. One alert per (peer, address) per
 * suppression window: the port is left out of the key because NAT
 * rebinding changes it without the peer moving. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "engine/checks/checks_int.h"
#include "conf/conf.h"
#include "base/util.h"

struct ep_list {
	const char *iface;		/* borrowed from conf */
	const char *peer;		/* "" = the whole interface */
	struct cidr_set set;
};

struct ck_endpoint {
	bool have_global;
	struct cidr_set global;
	size_t n;
	struct ep_list *lists;
};

void endpoint_free(struct ck_endpoint *e)
{
	if (!e)
		return;
	cidr_set_free(&e->global);
	for (size_t i = 0; i < e->n; i++)
		cidr_set_free(&e->lists[i].set);
	free(e->lists);
	free(e);
}

int endpoint_new(struct checks *ck, struct ck_endpoint **out)
{
	const struct conf *c = ck->conf;
	struct ck_endpoint *e;
	int ret = 0;

	*out = NULL;
	if (!c->check_endpoint || (!c->endpoint_allow[0] && !c->n_allows))
		return 0;	/* nothing to compare with: off */
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	if (c->endpoint_allow[0]) {
		/* conf validated it; a failure here is memory. */
		ret = cidr_set_parse(c->endpoint_allow, &e->global, NULL);
		if (ret < 0)
			goto out;
		e->have_global = true;
	}
	if (c->n_allows) {
		e->lists = calloc(c->n_allows, sizeof(*e->lists));
		if (!e->lists) {
			ret = -ENOMEM;
			goto out;
		}
	}
	for (size_t i = 0; i < c->n_allows; i++) {
		e->lists[i].iface = c->allows[i].iface;
		e->lists[i].peer = c->allows[i].peer;
		ret = cidr_set_parse(c->allows[i].endpoints, &e->lists[i].set, NULL);
		if (ret < 0)
			goto out;
		e->n++;
	}
	*out = e;
	e = NULL;
out:
	endpoint_free(e);
	return ret;
}

/* The list that applies, and its name for the alert; NULL: none. */
static const struct cidr_set *endpoint_list(const struct ck_endpoint *e, const char *iface,
					    const char *peer, const char **scope)
{
	const struct cidr_set *ifl = NULL;

	for (size_t i = 0; i < e->n; i++) {
		if (strcmp(e->lists[i].iface, iface))
			continue;
		if (!strcmp(e->lists[i].peer, peer)) {
			*scope = "peer";
			return &e->lists[i].set;
		}
		if (!e->lists[i].peer[0])
			ifl = &e->lists[i].set;
	}
	if (ifl) {
		*scope = "interface";
		return ifl;
	}
	if (e->have_global) {
		*scope = "global";
		return &e->global;
	}
	return NULL;
}

static bool endpoint_relevant(enum event_type t)
{
	switch (t) {
	case EV_PEER_ACTIVE:
	case EV_PEER_HANDSHAKE:
	case EV_PEER_ENDPOINT_CHANGED:
	case EV_PEER_ADDED:
	case EV_HANDSHAKE_INITIATION_RECEIVED:
	case EV_HANDSHAKE_RESPONSE_RECEIVED:
	case EV_KEEPALIVE_RECEIVED:
		return true;
	default:
		return false;
	}
}

void endpoint_event(struct checks *ck, const struct event *ev)
{
	const char *iface, *peer, *scope = "";
	const struct cidr_set *set;
	uint8_t addr[16];
	char key[256], ip[64];
	struct event a;
	int family;

	if (!endpoint_relevant(ev->type))
		return;
	iface = event_get(ev, "iface");
	peer = event_get(ev, "peer");	/* kernel lines: only once resolved */
	if (!iface || !peer || ck_get_ip(ev, "endpoint", &family, addr) < 0)
		return;
	set = endpoint_list(ck->endpoint, iface, peer, &scope);
	if (!set)
		return;
	if (cidr_set_match(set, family, addr))
		return;
	ip_format(ip, family, addr);
	snprintf(key, sizeof(key), "ep|%s|%s|%s", iface, peer, ip);
	if (ck_suppressed(ck, key, (int64_t)ck->conf->suppress_ms * 1000))
		return;
	ck_alert_init(&a, EV_ALERT_UNKNOWN_ENDPOINT, LOG_WARNING, ev);
	event_set(&a, "peer", peer);
	event_copy(&a, ev, "endpoint");
	event_copy(&a, ev, "prev_endpoint");
	event_set(&a, "allow_list", scope);
	event_set(&a, "seen_in", event_type_name(ev->type));
	ck_alert_emit(ck, &a);
}
