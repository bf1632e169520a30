// SPDX-License-Identifier: GPL-2.0
/* spike.c - ALERT_TRANSFER_SPIKE: per peer and direction, an interval's
 * byte rate against a learned baseline.
 *
 * The baseline is the mean rate (bytes/s, keepalive and handshake noise
 * removed): a plain running mean for the first SPIKE_HORIZON intervals,
 * then an EWMA with weight 1/SPIKE_HORIZON, so a new peer learns fast and
 * an old one adapts over about a quarter of an hour of intervals. Nothing
 * alerts during the warm-up, nor below the byte floor (idle peers moving a
 * few KiB would otherwise "spike" at any factor). A sample is clamped to
 * factor x baseline (or the floor rate) before it is learned, so one spike
 * barely moves the baseline, while a lasting change of habit is still
 * learned in the end. Deltas come from the tracker (already reset-safe);
 * one that implies more than SPIKE_MAX_RATE is a counter glitch and is
 * neither learned nor alerted on. Baselines persist as meta
 * "spike:IFACE:PUBKEY" = "n,mean_rx,mean_tx" (integers, B/s). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/checks/checks_int.h"
#include "conf/conf.h"
#include "base/util.h"

#define SPIKE_MAX_PEERS	(1u << 20)

struct spike_peer {
	bool loaded;
	struct spike_base rx, tx;
	char saved[64];			/* what the store holds, to skip rewrites */
};

struct ck_spike {
	struct spike_params p;
	struct ckmap peers;		/* "IFACE:PUBKEY" */
};

uint64_t spike_noise(uint64_t interval)
{
	/* one 32 B keepalive per 10 s, one handshake message (<= 148 B) per
	 * 2 min, each rounded up */
	return (interval / 10 + 1) * 32 + (interval / 120 + 1) * 148;
}

bool spike_step(struct spike_base *b, uint64_t delta, uint64_t interval,
		const struct spike_params *p, double *rate)
{
	uint64_t noise = spike_noise(interval), eff;
	double r, cap, floor_rate;
	bool spike = false;
	uint32_t horizon;

	if (!interval)
		interval = 1;
	if (delta / interval > SPIKE_MAX_RATE) {
		*rate = (double)delta / (double)interval;
		return false;
	}
	eff = delta > noise ? delta - noise : 0;
	r = (double)eff / (double)interval;
	*rate = r;
	floor_rate = (double)p->min_bytes / (double)interval;
	if (b->n >= p->warmup) {
		spike = eff >= p->min_bytes && r > p->factor * b->mean;
		cap = p->factor * b->mean;
		if (cap < floor_rate)
			cap = floor_rate;
		if (r > cap)
			r = cap;	/* the spike must not become the baseline */
	}
	horizon = b->n + 1 < SPIKE_HORIZON ? b->n + 1 : SPIKE_HORIZON;
	b->mean += (r - b->mean) / horizon;
	if (b->n < UINT32_MAX)
		b->n++;
	return spike;
}

void spike_free(struct ck_spike *s)
{
	if (!s)
		return;
	ckmap_release(&s->peers);
	free(s);
}

int spike_new(struct checks *ck, struct ck_spike **out)
{
	struct ck_spike *s;

	*out = NULL;
	if (!ck->conf->check_spike)
		return 0;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->p.factor = ck->conf->spike_factor;
	s->p.warmup = ck->conf->spike_warmup;
	s->p.min_bytes = ck->conf->spike_min_bytes;
	ckmap_init(&s->peers, SPIKE_MAX_PEERS);
	*out = s;
	return 0;
}

/* "n,mean_rx,mean_tx"; anything else is ignored (learn afresh). */
static void spike_load(struct spike_peer *sp, const char *v)
{
	uint64_t n[3];
	size_t i = 0;

	while (i < 3) {
		size_t len = strcspn(v, ",");

		if (parse_u64(v, len, i ? SPIKE_MAX_RATE : UINT32_MAX, &n[i]) < 0)
			return;
		v += len;
		i++;
		if (i < 3 && *v++ != ',')
			return;
	}
	if (*v)
		return;
	sp->rx.n = sp->tx.n = (uint32_t)n[0];
	sp->rx.mean = (double)n[1];
	sp->tx.mean = (double)n[2];
}

static void spike_save(struct checks *ck, struct spike_peer *sp, const char *key)
{
	char v[64];
	uint32_t n = sp->rx.n;
	uint64_t cap = ck->spike->p.warmup > SPIKE_HORIZON ? ck->spike->p.warmup : SPIKE_HORIZON;

	/* Past the warm-up and the horizon n changes nothing: cap it so a
	 * steady baseline is not rewritten every interval. */
	if (n > cap)
		n = (uint32_t)cap;
	snprintf(v, sizeof(v), "%u,%.0f,%.0f", n, sp->rx.mean, sp->tx.mean);
	if (!strcmp(v, sp->saved))
		return;
	ck_state_set(ck, key, v);
	snprintf(sp->saved, sizeof(sp->saved), "%s", v);
}

static void spike_alert(struct checks *ck, const struct event *ev, const char *peer,
			const char *dir, uint64_t delta, uint64_t interval,
			double base, double rate)
{
	char key[128];
	struct event a;

	snprintf(key, sizeof(key), "spike|%s|%s|%s", event_get(ev, "iface"), peer, dir);
	if (ck_suppressed(ck, key, (int64_t)ck->conf->suppress_ms * 1000))
		return;
	ck_alert_init(&a, EV_ALERT_TRANSFER_SPIKE, LOG_WARNING, ev);
	event_set(&a, "peer", peer);
	event_set(&a, "direction", dir);
	event_set_u64(&a, "bytes", delta);
	event_set_u64(&a, "interval", interval);
	event_setf(&a, "baseline_rate", "%.0f", base);
	event_setf(&a, "rate", "%.0f", rate);
	event_setf(&a, "factor", "%g", ck->spike->p.factor);
	ck_alert_emit(ck, &a);
}

void spike_event(struct checks *ck, const struct event *ev)
{
	struct ck_spike *s = ck->spike;
	const char *iface = event_get(ev, "iface"), *peer = event_get(ev, "peer");
	uint64_t rxd, txd, interval;
	struct spike_peer *sp;
	char key[128];
	double rate, base;
	bool created;

	if (!iface || !peer)
		return;
	snprintf(key, sizeof(key), "spike:%s:%s", iface, peer);
	if (ev->type == EV_PEER_REMOVED) {
		/* Its counters restart from zero if it comes back: so does its
		 * baseline (and the store does not keep a dead peer's). */
		if (ckmap_get(&s->peers, key))
			ck_state_set(ck, key, "");
		ckmap_del(&s->peers, key);
		return;
	}
	if (ev->type != EV_PEER_TRANSFER)
		return;
	/* A value that is not a plain decimal (negative, garbage) is refused
	 * by ck_get_u64: the sample is skipped. */
	if (ck_get_u64(ev, "rx_delta", UINT64_MAX, &rxd) < 0 ||
	    ck_get_u64(ev, "tx_delta", UINT64_MAX, &txd) < 0 ||
	    ck_get_u64(ev, "interval", 86400 * 365, &interval) < 0)
		return;
	if (!interval)
		interval = 1;
	sp = ckmap_put(&s->peers, key, sizeof(*sp), &created);
	if (!sp)
		return;
	if (!sp->loaded) {
		char v[64];

		sp->loaded = true;
		if (ck_state_get(ck, key, v, sizeof(v)) == 0) {
			spike_load(sp, v);
			snprintf(sp->saved, sizeof(sp->saved), "%s", v);
		}
	}
	base = sp->rx.mean;
	if (spike_step(&sp->rx, rxd, interval, &s->p, &rate))
		spike_alert(ck, ev, peer, "rx", rxd, interval, base, rate);
	base = sp->tx.mean;
	if (spike_step(&sp->tx, txd, interval, &s->p, &rate))
		spike_alert(ck, ev, peer, "tx", txd, interval, base, rate);
	spike_save(ck, sp, key);
}
