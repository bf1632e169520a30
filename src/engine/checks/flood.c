// SPDX-License-Identifier: GPL-2.0
/* flood.c - ALERT_HANDSHAKE_FLOOD, two signals per interface.
 *
 * signal=kmsg: invalid-handshake kernel lines (INVALID_HANDSHAKE_INITIATION,
 * INVALID_MAC, INVALID_HANDSHAKE_RESPONSE, HANDSHAKE_DROPPED, COOKIE_SENT)
 * in a sliding window; more than flood_threshold alerts, with the top five
 * source addresses. The kernel's net_ratelimit() lets about ten lines per
 * 5 s through for the whole host and reports the rest as "N callbacks
 * suppressed" (KMSG_SUPPRESSED, no interface): such a count is added to the
 * interface whose invalid-handshake line came last, if that was inside the
 * window - a guess, but the lines it stands for are mostly ours during a
 * flood, and without it a flood could never cross a threshold above ~120.
 *
 * signal=packets: handshake initiations counted in the kernel on the
 * interface's listen port (the daemon owns that socket, sources/hscount.c,
 * and pushes the count in each tick through checks_packets()),
 * against handshakes that completed in the same window (PEER_HANDSHAKE
 * from the poll, HANDSHAKE_INITIATION_RECEIVED from the log; the larger of
 * the two). More than flood_threshold initiations that led nowhere alert.
 * This signal does not depend on the log being enabled or rate limited.
 *
 * Each signal has its own suppression window per interface
 * (flood_suppress). Bounds: FLOOD_RING entries of (second, source) per
 * interface - equal neighbours merge, so one source hammering costs one
 * entry a second; FLOOD_SOURCES distinct addresses, the rest counted as
 * "other". */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "engine/checks/checks_int.h"
#include "conf/conf.h"
#include "base/log.h"
#include "base/wgconf.h"
#include "base/util.h"

#define FLOOD_RING	4096
#define FLOOD_SOURCES	1024
#define FLOOD_SAMPLES	512
#define FLOOD_IFACES	256
#define FLOOD_TOP	5

struct fl_src {
	uint64_t count;
	char ip[48];
};

struct fl_ent {
	int64_t t;
	uint64_t w;
	struct fl_src *src;		/* NULL: unattributed */
};

struct fl_sample {
	int64_t t;
	uint64_t init, poll_done, kmsg_done;
};

struct fl_iface {
	char name[IFNAMSIZ];
	/* kmsg signal */
	struct fl_ent ring[FLOOD_RING];
	size_t head, n;
	uint64_t total, suppressed;
	int64_t last_t;			/* latest line time (monotone) */
	struct ckmap srcs;		/* ip -> struct fl_src */
	/* packet signal */
	uint16_t port;
	bool port_from_conf;
	uint64_t poll_done, kmsg_done;	/* since the last sample */
	struct fl_sample samples[FLOOD_SAMPLES];
	size_t s_head, s_n;
};

struct ck_flood {
	int64_t window_us;
	struct ckmap ifaces;		/* name -> struct fl_iface */
	char last_iface[IFNAMSIZ];	/* where KMSG_SUPPRESSED goes */
	bool packets;
};

static bool fl_iface_drop(const char *key, void *val, void *arg)
{
	struct fl_iface *fi = val;

	(void)key;
	(void)arg;
	ckmap_release(&fi->srcs);
	return true;
}

void flood_free(struct ck_flood *f)
{
	if (!f)
		return;
	ckmap_sweep(&f->ifaces, fl_iface_drop, NULL);
	ckmap_release(&f->ifaces);
	free(f);
}

int flood_new(struct checks *ck, struct ck_flood **out)
{
	struct ck_flood *f;

	*out = NULL;
	if (!ck->conf->check_flood)
		return 0;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->window_us = (int64_t)ck->conf->flood_window_ms * 1000;
	f->packets = ck->conf->flood_packets;
	ckmap_init(&f->ifaces, FLOOD_IFACES);
	*out = f;
	return 0;
}

static struct fl_iface *fl_iface(struct ck_flood *f, const char *name)
{
	struct fl_iface *fi;
	bool created;

	if (strlen(name) >= IFNAMSIZ)
		return NULL;
	fi = ckmap_put(&f->ifaces, name, sizeof(*fi), &created);
	if (fi && created) {
		snprintf(fi->name, sizeof(fi->name), "%s", name);
		ckmap_init(&fi->srcs, FLOOD_SOURCES);
	}
	return fi;
}

static void fl_pop(struct fl_iface *fi)
{
	struct fl_ent *e = &fi->ring[fi->head];

	fi->total -= e->w;
	if (e->src) {
		e->src->count -= e->w;
		if (!e->src->count)
			ckmap_del(&fi->srcs, e->src->ip);
	}
	fi->head = (fi->head + 1) % FLOOD_RING;
	fi->n--;
}

static void fl_expire(struct fl_iface *fi, int64_t now, int64_t window)
{
	while (fi->n && fi->ring[fi->head].t <= now - window)
		fl_pop(fi);
	if (!fi->n)
		fi->suppressed = 0;
}

static void fl_add(struct fl_iface *fi, int64_t t, const char *ip, uint64_t w, int64_t window)
{
	struct fl_src *src = NULL;
	struct fl_ent *last;

	if (t < fi->last_t)
		t = fi->last_t;
	fi->last_t = t;
	fl_expire(fi, t, window);
	if (ip && *ip) {
		bool created;

		src = ckmap_put(&fi->srcs, ip, sizeof(*src), &created);
		if (src && created)
			snprintf(src->ip, sizeof(src->ip), "%s", ip);
	}
	last = fi->n ? &fi->ring[(fi->head + fi->n - 1) % FLOOD_RING] : NULL;
	if (last && last->src == src && t - last->t < 1000000) {
		last->w += w;
	} else {
		if (fi->n == FLOOD_RING)
			fl_pop(fi);	/* undercounts only past 4096 entries */
		last = &fi->ring[(fi->head + fi->n) % FLOOD_RING];
		last->t = t;
		last->w = w;
		last->src = src;
		fi->n++;
	}
	fi->total += w;
	if (src)
		src->count += w;
}

struct fl_top {
	const struct fl_src *v[FLOOD_TOP];
	size_t n;
};

static bool fl_top_visit(const char *key, void *val, void *arg)
{
	struct fl_top *top = arg;
	const struct fl_src *s = val;
	size_t i;

	(void)key;
	for (i = top->n; i > 0; i--) {
		const struct fl_src *o = top->v[i - 1];

		/* count descending, then address for a stable order */
		if (o->count > s->count || (o->count == s->count && strcmp(o->ip, s->ip) < 0))
			break;
		if (i < FLOOD_TOP)
			top->v[i] = o;
	}
	if (i < FLOOD_TOP) {
		top->v[i] = s;
		if (top->n < FLOOD_TOP)
			top->n++;
	}
	return false;
}

static void fl_alert_kmsg(struct checks *ck, struct fl_iface *fi, const struct event *cause)
{
	struct ck_flood *f = ck->flood;
	struct fl_top top = { .n = 0 };
	char key[64], list[FLOOD_TOP * 72] = "";
	size_t o = 0;
	struct event a;

	snprintf(key, sizeof(key), "flood|%s|kmsg", fi->name);
	if (ck_suppressed(ck, key, (int64_t)ck->conf->flood_suppress_ms * 1000))
		return;
	ckmap_sweep(&fi->srcs, fl_top_visit, &top);
	for (size_t i = 0; i < top.n && o < sizeof(list); i++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s=%llu", i ? "," : "",
				      top.v[i]->ip, (unsigned long long)top.v[i]->count);
	ck_alert_init(&a, EV_ALERT_HANDSHAKE_FLOOD, LOG_WARNING, cause);
	event_set(&a, "iface", fi->name);
	/* The log lines, or the exact eBPF counts (one event per second and source). */
	event_set(&a, "signal", cause && cause->source == SRC_BPF ? "bpf" : "kmsg");
	event_set_u64(&a, "count", fi->total);
	event_set_u64(&a, "threshold", ck->conf->flood_threshold);
	event_set_u64(&a, "window", (uint64_t)(f->window_us / 1000000));
	if (fi->suppressed)
		event_set_u64(&a, "suppressed_lines", fi->suppressed);
	event_set(&a, "top_sources", list);
	ck_alert_emit(ck, &a);
}

static bool fl_counted(enum event_type t)
{
	switch (t) {
	case EV_INVALID_HANDSHAKE_INITIATION:
	case EV_INVALID_MAC:
	case EV_INVALID_HANDSHAKE_RESPONSE:
	case EV_HANDSHAKE_DROPPED:
	case EV_COOKIE_SENT:
		return true;
	default:
		return false;
	}
}

/* The source address of ev's endpoint ("1.2.3.4", "v6"); "" without one. */
static void fl_ip(const struct event *ev, char out[static INET6_ADDRSTRLEN])
{
	uint8_t addr[16];
	int family;

	out[0] = '\0';
	if (ck_get_ip(ev, "endpoint", &family, addr) == 0)
		ip_format(out, family, addr);
}

static uint64_t ev_count(const struct event *ev)
{
	uint64_t n;

	return ck_get_u64(ev, "count", 1000000000, &n) == 0 && n ? n : 1;
}

void flood_event(struct checks *ck, const struct event *ev)
{
	struct ck_flood *f = ck->flood;
	const char *iface = event_get(ev, "iface");
	int64_t t = ev->time_us ? ev->time_us : ck->now_us;
	struct fl_iface *fi;
	char ip[48];

	if (ev->type == EV_KMSG_SUPPRESSED) {
		uint64_t n;

		if (!f->last_iface[0] || ck_get_u64(ev, "count", 1000000000, &n) < 0 || !n)
			return;
		fi = ckmap_get(&f->ifaces, f->last_iface);
		if (!fi || !fi->n || t - fi->last_t > f->window_us ||
		    t < now_realtime_us() - f->window_us)
			return;		/* not after one of our lines: someone else's */
		fl_add(fi, t, NULL, n, f->window_us);
		fi->suppressed += n;
		if (fi->total > ck->conf->flood_threshold)
			fl_alert_kmsg(ck, fi, NULL);
		return;
	}
	if (!iface)
		return;
	if (ev->type == EV_PEER_HANDSHAKE || ev->type == EV_HANDSHAKE_INITIATION_RECEIVED) {
		fi = ckmap_get(&f->ifaces, iface);
		if (fi && ev->type == EV_PEER_HANDSHAKE)
			fi->poll_done++;
		else if (fi)
			fi->kmsg_done += ev_count(ev);
		return;
	}
	if ((ev->type == EV_IFACE_CREATED || ev->type == EV_IFACE_CHANGED) &&
	    event_get(ev, "listen_port")) {
		uint64_t port;

		if (ck_get_u64(ev, "listen_port", 65535, &port) == 0)
			flood_iface_port(ck, iface, (uint16_t)port);
		return;
	}
	if (ev->type == EV_IFACE_DESTROYED) {
		fi = ckmap_get(&f->ifaces, iface);
		if (fi) {
			fl_iface_drop(iface, fi, NULL);
			ckmap_del(&f->ifaces, iface);
		}
		if (!strcmp(f->last_iface, iface))
			f->last_iface[0] = '\0';
		return;
	}
	if (!fl_counted(ev->type))
		return;
	/* A line already older than the window when read - the ring buffer's
	 * backlog at a first start or after a long stop - is history: it is
	 * journaled, but it cannot make a flood that is happening now. */
	if (t < now_realtime_us() - f->window_us)
		return;
	fi = fl_iface(f, iface);
	if (!fi)
		return;
	fl_ip(ev, ip);
	/* eBPF events are exact and folded: one stands for `count` packets. */
	fl_add(fi, t, ip, ev_count(ev), f->window_us);
	snprintf(f->last_iface, sizeof(f->last_iface), "%s", iface);
	if (fi->total > ck->conf->flood_threshold)
		fl_alert_kmsg(ck, fi, ev);
}

void flood_iface_port(struct checks *ck, const char *iface, uint16_t port)
{
	struct fl_iface *fi;

	if (!ck->flood)
		return;
	fi = ckmap_get(&ck->flood->ifaces, iface);
	if (fi && fi->port == port && !fi->port_from_conf)
		return;		/* the common case, every poll */
	fi = fl_iface(ck->flood, iface);
	if (!fi)
		return;
	if (fi->port != port)
		fi->s_n = 0;	/* the daemon counts the new port from zero */
	fi->port = port;
	fi->port_from_conf = false;
}

void flood_packets_sample(struct checks *ck, const char *iface, uint64_t initiations,
			  int64_t now_us)
{
	struct ck_flood *f = ck->flood;
	struct fl_iface *fi = f ? fl_iface(f, iface) : NULL;
	uint64_t init = 0, poll_done = 0, kmsg_done = 0, done;
	struct fl_sample *s;
	char key[64];
	struct event a;

	if (!fi)
		return;
	if (fi->s_n == FLOOD_SAMPLES) {
		fi->s_head = (fi->s_head + 1) % FLOOD_SAMPLES;
		fi->s_n--;
	}
	s = &fi->samples[(fi->s_head + fi->s_n++) % FLOOD_SAMPLES];
	s->t = now_us;
	s->init = initiations;
	s->poll_done = fi->poll_done;
	s->kmsg_done = fi->kmsg_done;
	fi->poll_done = fi->kmsg_done = 0;
	while (fi->s_n && fi->samples[fi->s_head].t <= now_us - f->window_us) {
		fi->s_head = (fi->s_head + 1) % FLOOD_SAMPLES;
		fi->s_n--;
	}
	for (size_t i = 0; i < fi->s_n; i++) {
		s = &fi->samples[(fi->s_head + i) % FLOOD_SAMPLES];
		init += s->init;
		poll_done += s->poll_done;
		kmsg_done += s->kmsg_done;
	}
	/* The poll sees at most one handshake per peer per poll, the log
	 * may be off or rate limited: take whichever saw more. */
	done = poll_done > kmsg_done ? poll_done : kmsg_done;
	if (init <= done || init - done <= ck->conf->flood_threshold)
		return;
	snprintf(key, sizeof(key), "flood|%s|packets", fi->name);
	if (ck_suppressed(ck, key, (int64_t)ck->conf->flood_suppress_ms * 1000))
		return;
	ck_alert_init(&a, EV_ALERT_HANDSHAKE_FLOOD, LOG_WARNING, NULL);
	event_set(&a, "iface", fi->name);
	event_set(&a, "signal", "packets");
	event_set_u64(&a, "initiations", init);
	event_set_u64(&a, "completed", done);
	event_set_u64(&a, "threshold", ck->conf->flood_threshold);
	event_set_u64(&a, "window", (uint64_t)(f->window_us / 1000000));
	if (fi->port)
		event_set_u64(&a, "listen_port", fi->port);
	ck_alert_emit(ck, &a);
}

/* The config file's ListenPort stands in until the interface is seen. */
static void fl_port_from_conf(struct checks *ck, struct fl_iface *fi)
{
	const struct conf_iface *ci;

	if (fi->port)
		return;
	ci = ck_conf_iface(ck, fi->name);
	if (ci && ci->listen_port) {
		fi->port = ci->listen_port;
		fi->port_from_conf = true;
	}
}

struct fl_tick {
	int64_t now, window;
};

static bool fl_tick_visit(const char *key, void *val, void *arg)
{
	const struct fl_tick *t = arg;

	(void)key;
	fl_expire(val, t->now, t->window);
	return false;
}

uint16_t flood_count_port(struct checks *ck, const char *iface)
{
	struct ck_flood *f = ck->flood;
	struct fl_iface *fi;

	if (!f || !f->packets || !(fi = fl_iface(f, iface)))
		return 0;
	fl_port_from_conf(ck, fi);
	return fi->port;
}

void flood_tick(struct checks *ck, int64_t now_us)
{
	struct fl_tick t = { now_us, ck->flood->window_us };

	ckmap_sweep(&ck->flood->ifaces, fl_tick_visit, &t);
}
