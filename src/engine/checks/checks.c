// SPDX-License-Identifier: GPL-2.0
/* checks.c - the dispatcher: one call per journaled event, one per tick;
 * the suppression table and the alert helper the checks share.
 *
 * Time: checks run on wall-clock µs. An event's own time is used when it
 * has one (kernel records carry the time they were logged, which matters
 * when the agent catches up on a backlog), and ck->now_us only moves
 * forward so a record stamped a little in the past (CPUs disagree) cannot
 * reopen a window. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/checks/checks_int.h"
#include "conf/conf.h"
#include "base/cidr.h"
#include "base/util.h"

#define SUPPRESS_MAX	65536	/* open suppression windows */

bool ck_suppressed(struct checks *ck, const char *key, int64_t window_us)
{
	bool created;
	int64_t *until = ckmap_put(&ck->suppress, key, sizeof(*until), &created);

	if (!until)
		return false;	/* table full: alert rather than go blind */
	if (!created && *until > ck->now_us)
		return true;
	*until = ck->now_us + window_us;
	return false;
}

static bool suppress_expired(const char *key, void *val, void *arg)
{
	(void)key;
	return *(int64_t *)val <= *(int64_t *)arg;
}

void ck_alert_init(struct event *ev, enum event_type t, int severity,
		   const struct event *cause)
{
	const char *iface = cause ? event_get(cause, "iface") : NULL;

	event_init(ev, t, cause ? cause->source : SRC_AGENT);
	ev->severity = severity;
	/* time 0: the agent stamps it when it is journaled (detection time). */
	if (iface)
		event_set(ev, "iface", iface);
	/* --all-namespaces: the alert names the namespace its cause did. */
	if (cause) {
		event_copy(ev, cause, "netns");
		event_copy(ev, cause, "netns_unresolved");
	}
}

void ck_alert_emit(struct checks *ck, struct event *ev)
{
	event_emit(&ck->sink, ev);
}

int ck_state_get(struct checks *ck, const char *key, char *val, size_t len)
{
	if (!ck->have_st)
		return -ENOENT;
	return ck->st.get(ck->st.ctx, key, val, len);
}

void ck_state_set(struct checks *ck, const char *key, const char *val)
{
	if (ck->have_st)
		ck->st.set(ck->st.ctx, key, val);
}

const struct conf_iface *ck_conf_iface(const struct checks *ck, const char *iface)
{
	return ck->views.iface ? ck->views.iface(ck->views.ctx, iface) : NULL;
}

int ck_get_u64(const struct event *ev, const char *key, uint64_t max, uint64_t *out)
{
	return event_get_u64(ev, key, max, out) < 0 ? -EINVAL : 0;
}

int ck_get_ip(const struct event *ev, const char *key, int *family, uint8_t addr[16])
{
	char tmp[EVENT_TEXT_LEN];
	union endpoint e;
	const char *s;

	if (event_get_addr(ev, key, &e) == 0)
		return cidr_addr_from_ep(&e, family, addr);
	/* A bare address (tests, hand-written events) is no endpoint. */
	s = event_get_text(ev, key, tmp);
	return s ? cidr_addr_from_endpoint(s, family, addr) : -EINVAL;
}

int checks_new(const struct conf *c, const struct checks_state *st,
	       const struct checks_views *views, const struct event_sink *alerts,
	       struct checks **out)
{
	struct checks *ck;
	int ret;

	*out = NULL;
	ck = calloc(1, sizeof(*ck));
	if (!ck)
		return -ENOMEM;
	ck->conf = c;
	if (st && st->get && st->set) {
		ck->st = *st;
		ck->have_st = true;
	}
	if (views && views->iface)
		ck->views = *views;
	ck->sink = *alerts;
	ck->now_us = now_realtime_us();
	ckmap_init(&ck->suppress, SUPPRESS_MAX);
	ret = endpoint_new(ck, &ck->endpoint);
	if (ret < 0)
		goto out;
	ret = spike_new(ck, &ck->spike);
	if (ret < 0)
		goto out;
	ret = flood_new(ck, &ck->flood);
	if (ret < 0)
		goto out;
	ret = rogue_new(ck, &ck->rogue);
	if (ret < 0)
		goto out;
	*out = ck;
	ck = NULL;
out:
	checks_free(ck);
	return ret;
}

void checks_free(struct checks *ck)
{
	if (!ck)
		return;
	endpoint_free(ck->endpoint);
	spike_free(ck->spike);
	flood_free(ck->flood);
	rogue_free(ck->rogue);
	ckmap_release(&ck->suppress);
	free(ck);
}

static bool is_alert(enum event_type t)
{
	switch (t) {
	case EV_ALERT_UNKNOWN_ENDPOINT:
	case EV_ALERT_TRANSFER_SPIKE:
	case EV_ALERT_HANDSHAKE_FLOOD:
	case EV_ALERT_CONFIG_CHANGED:
	case EV_ALERT_ROGUE_INTERFACE:
	case EV_ALERT_ROGUE_PEER:
	case EV_ALERT_UNKNOWN_PEER_KEY:
		return true;
	default:
		return false;
	}
}

void checks_event(struct checks *ck, const struct event *ev)
{
	if (!ck || is_alert(ev->type))
		return;
	if (ev->time_us > ck->now_us)
		ck->now_us = ev->time_us;
	if (ck->rogue)
		rogue_event(ck, ev);
	if (ck->endpoint)
		endpoint_event(ck, ev);
	if (ck->spike)
		spike_event(ck, ev);
	if (ck->flood)
		flood_event(ck, ev);
	config_event(ck, ev);
	if (ck->conf->check_unknown_key)
		unknownkey_event(ck, ev);
}

void checks_iface(struct checks *ck, const char *iface, uint16_t listen_port)
{
	if (!ck)
		return;
	if (ck->rogue)
		rogue_iface_seen(ck, iface, NULL);
	if (ck->flood)
		flood_iface_port(ck, iface, listen_port);
}

void checks_tick(struct checks *ck, int64_t now_us)
{
	if (!ck)
		return;
	if (now_us > ck->now_us)
		ck->now_us = now_us;
	ckmap_sweep(&ck->suppress, suppress_expired, &ck->now_us);
	if (ck->flood)
		flood_tick(ck, ck->now_us);
}

void checks_packets(struct checks *ck, const char *iface, uint64_t initiations,
		    int64_t now_us)
{
	if (ck && ck->flood)
		flood_packets_sample(ck, iface, initiations, now_us);
}

uint16_t checks_count_port(struct checks *ck, const char *iface)
{
	return ck ? flood_count_port(ck, iface) : 0;
}
