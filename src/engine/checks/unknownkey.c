// SPDX-License-Identifier: GPL-2.0
/* unknownkey.c - ALERT_UNKNOWN_PEER_KEY: an initiator presented a static
 * public key that no peer of the interface has. Only the eBPF source
 * knows it (the kernel decrypts the key, finds no peer, and logs nothing
 * but "Invalid handshake initiation"): INVALID_HANDSHAKE_INITIATION with
 * reason=unknown_peer and claimed_peer. Such a device is a revoked one
 * still configured to connect, or a stranger who knows the server's
 * public key. One alert per (interface, key) per suppression window; the
 * evidence is the key, the source endpoint and how many initiations the
 * event stands for. Pure: handed the event, it opens nothing. */
#include <stdio.h>
#include <string.h>

#include "engine/checks/checks_int.h"
#include "conf/conf.h"

void unknownkey_event(struct checks *ck, const struct event *ev)
{
	const char *iface, *key, *reason;
	char skey[160], tmp[EVENT_TEXT_LEN];
	struct event a;

	if (ev->type != EV_INVALID_HANDSHAKE_INITIATION)
		return;
	reason = event_get(ev, "reason");
	key = event_get_text(ev, "claimed_peer", tmp);
	iface = event_get(ev, "iface");
	if (!reason || strcmp(reason, "unknown_peer") || !key || !iface)
		return;
	snprintf(skey, sizeof(skey), "uk|%s|%s", iface, key);
	if (ck_suppressed(ck, skey, (int64_t)ck->conf->suppress_ms * 1000))
		return;
	ck_alert_init(&a, EV_ALERT_UNKNOWN_PEER_KEY, LOG_WARNING, ev);
	event_copy(&a, ev, "claimed_peer");
	event_copy(&a, ev, "endpoint");
	if (event_copy(&a, ev, "count") < 0)
		event_set_u64(&a, "count", 1);
	ck_alert_emit(ck, &a);
}
