// SPDX-License-Identifier: GPL-2.0
/* test_checks.c - the checks through their public entry points, with a
 * collecting sink, an in-memory state store and config views handed in
 * (as the daemon hands them from its config watcher). */
#include "test.h"

#include <errno.h>

#include "engine/checks/checks.h"
#include "engine/checks/checks_int.h"
#include "conf/conf.h"
#include "base/event.h"
#include "base/wgconf.h"
#include "base/util.h"

#define KA "9AVMEBvljS1j+Suo3XUZu2wYZgiJdwdKUE2Mp6s44Ss="
#define KB "hL5g6Lxr3h9MRPWX1ZnSsFeuRnFEAA0VA9oyA3cWWFg="
/* "Now" for the tests: the flood check ignores lines already older than
 * its window when read, by the wall clock. */
static int64_t t0_;
#define T0 (t0_ ? t0_ : (t0_ = now_realtime_us()))
#define S(n) ((int64_t)(n) * 1000000)

/* The config files' views the test hands the checks. */
struct views {
	size_t n;
	struct conf_iface *ifaces;
};

static const struct conf_iface *view_iface(void *ctx, const char *iface)
{
	const struct views *v = ctx;

	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->ifaces[i].name, iface))
			return &v->ifaces[i];
	return NULL;
}

/* Collected alerts. */
static struct event got[64];
static size_t ngot;

static int collect(void *ctx, struct event *ev)
{
	if (ngot < 64)
		got[ngot++] = *ev;
	return 0;
}

static const struct event_sink sink = { collect, NULL };

/* An in-memory checks_state. */
static char st_keys[16][128], st_vals[16][128];
static size_t st_n;

static int st_get(void *ctx, const char *key, char *val, size_t len)
{
	for (size_t i = 0; i < st_n; i++)
		if (!strcmp(st_keys[i], key)) {
			snprintf(val, len, "%s", st_vals[i]);
			return 0;
		}
	return -ENOENT;
}

static int st_set(void *ctx, const char *key, const char *val)
{
	size_t i;

	for (i = 0; i < st_n; i++)
		if (!strcmp(st_keys[i], key))
			break;
	if (i == st_n) {
		if (st_n == 16)
			return -ENOSPC;
		st_n++;
	}
	snprintf(st_keys[i], sizeof(st_keys[i]), "%s", key);
	snprintf(st_vals[i], sizeof(st_vals[i]), "%s", val);
	return 0;
}

static const struct checks_state state = { st_get, st_set, NULL };

static struct checks *mk(struct conf *c, struct views *cw)
{
	struct checks_views cv = { cw ? view_iface : NULL, cw };
	struct checks *ck = NULL;

	ngot = 0;
	CHECK_INT(checks_new(c, &state, &cv, &sink, &ck), 0);
	return ck;
}

/* With typed set, values go in as a binary source has them (eBPF, the
 * tracker): endpoints as addresses, keys as 32 bytes, counts as integers;
 * what does not parse stays text. The checks must see the same either way. */
static bool typed;

static void set_val(struct event *ev, const char *key, const char *val)
{
	union endpoint ep;
	uint8_t k[WG_KEY_LEN];
	uint64_t u;

	if (typed && strstr(key, "endpoint") && endpoint_parse(val, strlen(val), &ep) == 0)
		event_set_addr(ev, key, &ep);
	else if (typed && strstr(key, "peer") && key_from_base64(k, val, strlen(val)) == 0)
		event_set_key(ev, key, k);
	else if (typed && !strcmp(key, "count") && parse_u64(val, strlen(val), UINT64_MAX, &u) == 0)
		event_set_u64(ev, key, u);
	else
		event_set(ev, key, val);
}

static void feed(struct checks *ck, enum event_type t, enum event_source src, int64_t when,
		 const char *iface, const char *peer, const char *ep)
{
	struct event ev;

	event_init(&ev, t, src);
	ev.time_us = when;
	if (iface)
		event_set(&ev, "iface", iface);
	if (peer)
		set_val(&ev, "peer", peer);
	if (ep)
		set_val(&ev, "endpoint", ep);
	checks_event(ck, &ev);
}

static const char *f(size_t i, const char *key)
{
	return i < ngot ? event_get(&got[i], key) : NULL;
}

static void endpoint_allow_lists(void)
{
	static struct conf c;
	struct checks *ck;

	conf_defaults(&c);
	c.check_rogue = false;
	snprintf(c.endpoint_allow, sizeof(c.endpoint_allow), "10.231.0.0/16 fd00::/8");
	c.n_allows = 1;
	snprintf(c.allows[0].iface, sizeof(c.allows[0].iface), "wg0");
	snprintf(c.allows[0].peer, sizeof(c.allows[0].peer), "%s", KB);
	snprintf(c.allows[0].endpoints, sizeof(c.allows[0].endpoints), "192.0.2.0/24");
	ck = mk(&c, NULL);

	feed(ck, EV_PEER_HANDSHAKE, SRC_POLL, T0, "wg0", KA, "10.231.1.2:40001");
	CHECK_INT(ngot, 0);
	feed(ck, EV_PEER_ENDPOINT_CHANGED, SRC_POLL, T0, "wg0", KA, "203.0.113.5:40001");
	CHECK_INT(ngot, 1);
	CHECK_INT(got[0].type, EV_ALERT_UNKNOWN_ENDPOINT);
	CHECK_INT(got[0].severity, LOG_WARNING);
	CHECK_STR(f(0, "iface"), "wg0");
	CHECK_STR(f(0, "peer"), KA);
	CHECK_STR(f(0, "endpoint"), "203.0.113.5:40001");
	CHECK_STR(f(0, "allow_list"), "global");
	CHECK_STR(f(0, "seen_in"), "PEER_ENDPOINT_CHANGED");
	/* Same address, new port (NAT): suppressed. Another address: not. */
	feed(ck, EV_PEER_ACTIVE, SRC_POLL, T0 + S(10), "wg0", KA, "203.0.113.5:9999");
	CHECK_INT(ngot, 1);
	feed(ck, EV_PEER_ACTIVE, SRC_POLL, T0 + S(10), "wg0", KA, "[2001:db8::1]:9999");
	CHECK_INT(ngot, 2);
	/* The peer's own list replaces the global one. */
	feed(ck, EV_PEER_HANDSHAKE, SRC_POLL, T0, "wg0", KB, "192.0.2.9:1");
	CHECK_INT(ngot, 2);
	feed(ck, EV_PEER_HANDSHAKE, SRC_POLL, T0, "wg0", KB, "10.231.1.2:1");
	CHECK_INT(ngot, 3);
	CHECK_STR(f(2, "allow_list"), "peer");
	/* Kernel lines count once their peer is resolved. */
	feed(ck, EV_HANDSHAKE_INITIATION_RECEIVED, SRC_KMSG, T0, "wg1", NULL, "198.51.100.1:1");
	CHECK_INT(ngot, 3);
	feed(ck, EV_KEEPALIVE_RECEIVED, SRC_KMSG, T0, "wg1", KA, "198.51.100.1:1");
	CHECK_INT(ngot, 4);
	/* Unrelated types and bad endpoints are ignored. */
	feed(ck, EV_PEER_TRANSFER, SRC_POLL, T0, "wg1", KA, "198.51.100.2:1");
	feed(ck, EV_PEER_ACTIVE, SRC_POLL, T0, "wg1", KA, "(einval)");
	CHECK_INT(ngot, 4);
	/* After the window, the same incident alerts again. */
	checks_tick(ck, T0 + S(3601));
	feed(ck, EV_PEER_ACTIVE, SRC_POLL, T0 + S(3601), "wg0", KA, "203.0.113.5:1");
	CHECK_INT(ngot, 5);
	/* Alerts as input are ignored (the agent feeds them back). */
	checks_event(ck, &got[0]);
	CHECK_INT(ngot, 5);
	checks_free(ck);
}

TEST(endpoint_allow_lists)
{
	endpoint_allow_lists();
}

TEST(endpoint_allow_lists_typed)
{
	typed = true;
	endpoint_allow_lists();
	typed = false;
}

TEST(endpoint_off_without_lists)
{
	static struct conf c;
	struct checks *ck;

	conf_defaults(&c);
	c.check_rogue = false;
	ck = mk(&c, NULL);
	feed(ck, EV_PEER_ACTIVE, SRC_POLL, T0, "wg0", KA, "203.0.113.5:1");
	CHECK_INT(ngot, 0);
	checks_free(ck);
	checks_free(NULL);
}

static void transfer(struct checks *ck, int64_t when, const char *rx, const char *tx)
{
	struct event ev;

	event_init(&ev, EV_PEER_TRANSFER, SRC_POLL);
	ev.time_us = when;
	event_set(&ev, "iface", "wg0");
	event_set(&ev, "peer", KA);
	event_set(&ev, "rx_delta", rx);
	event_set(&ev, "tx_delta", tx);
	event_set(&ev, "interval", "60");
	checks_event(ck, &ev);
}

TEST(spike_and_restart)
{
	static struct conf c;
	struct checks *ck;
	char v[128];

	conf_defaults(&c);
	c.check_rogue = false;
	st_n = 0;
	ck = mk(&c, NULL);
	for (int i = 0; i < 5; i++)
		transfer(ck, T0 + S(60 * i), "6000000", "60000");
	CHECK_INT(ngot, 0);
	CHECK_INT(st_get(NULL, "spike:wg0:" KA, v, sizeof(v)), 0);
	CHECK_STR(v, "5,99994,994");
	/* Garbage and negative deltas: skipped. */
	transfer(ck, T0 + S(300), "-5", "10");
	transfer(ck, T0 + S(300), "12x", "10");
	CHECK_INT(ngot, 0);
	transfer(ck, T0 + S(360), "6000000", "600000000");	/* tx 10000 B/s -> 10 MB/s */
	CHECK_INT(ngot, 1);
	CHECK_INT(got[0].type, EV_ALERT_TRANSFER_SPIKE);
	CHECK_STR(f(0, "direction"), "tx");
	CHECK_STR(f(0, "bytes"), "600000000");
	CHECK_STR(f(0, "interval"), "60");
	CHECK_STR(f(0, "baseline_rate"), "994");
	CHECK_STR(f(0, "factor"), "10");
	CHECK(f(0, "rate") && atoll(f(0, "rate")) > 9000000);
	/* Suppressed while the window lasts. */
	transfer(ck, T0 + S(420), "6000000", "600000000");
	CHECK_INT(ngot, 1);
	checks_free(ck);

	/* A restart keeps the baseline: no second warm-up. */
	ck = mk(&c, NULL);
	transfer(ck, T0 + S(480), "6000000", "900000000");
	CHECK_INT(ngot, 1);
	CHECK_STR(f(0, "direction"), "tx");
	/* A removed peer forgets its baseline, in memory and in the store. */
	feed(ck, EV_PEER_REMOVED, SRC_POLL, T0 + S(500), "wg0", KA, NULL);
	CHECK_INT(st_get(NULL, "spike:wg0:" KA, v, sizeof(v)), 0);
	CHECK_STR(v, "");
	checks_free(ck);
}

static void bad_init(struct checks *ck, int64_t when, const char *iface, const char *ep)
{
	feed(ck, EV_INVALID_HANDSHAKE_INITIATION, SRC_KMSG, when, iface, NULL, ep);
}

static void flood_window_and_sources(void)
{
	static struct conf c;
	struct checks *ck;

	conf_defaults(&c);
	c.check_rogue = false;
	ck = mk(&c, NULL);
	/* 60 + 60 lines, 61 s apart: the window slides, no alert. */
	for (int i = 0; i < 60; i++)
		bad_init(ck, T0 + i * 1000, "wg0", "10.231.1.2:40001");
	for (int i = 0; i < 60; i++)
		bad_init(ck, T0 + S(61) + i * 1000, "wg0", "10.231.1.2:40001");
	CHECK_INT(ngot, 0);
	/* 41 more inside the window, from other sources: 101 > 100. */
	for (int i = 0; i < 31; i++)
		bad_init(ck, T0 + S(62), "wg0", "[2001:db8::9]:5");
	for (int i = 0; i < 6; i++) {
		char ep[32];

		snprintf(ep, sizeof(ep), "192.0.2.%d:7", i);
		bad_init(ck, T0 + S(63), "wg0", ep);
	}
	feed(ck, EV_INVALID_MAC, SRC_KMSG, T0 + S(63), "wg0", NULL, "192.0.2.0:7");
	feed(ck, EV_COOKIE_SENT, SRC_KMSG, T0 + S(63), "wg0", NULL, "192.0.2.0:7");
	feed(ck, EV_HANDSHAKE_DROPPED, SRC_KMSG, T0 + S(63), "wg0", NULL, "192.0.2.0:7");
	CHECK_INT(ngot, 0);
	feed(ck, EV_INVALID_HANDSHAKE_RESPONSE, SRC_KMSG, T0 + S(63), "wg0", NULL, "192.0.2.0:7");
	CHECK_INT(ngot, 1);
	CHECK_INT(got[0].type, EV_ALERT_HANDSHAKE_FLOOD);
	CHECK_STR(f(0, "iface"), "wg0");
	CHECK_STR(f(0, "signal"), "kmsg");
	CHECK_STR(f(0, "count"), "101");
	CHECK_STR(f(0, "window"), "60");
	CHECK_STR(f(0, "top_sources"),
		  "10.231.1.2=60,2001:db8::9=31,192.0.2.0=5,192.0.2.1=1,192.0.2.2=1");
	/* One alert per interface per flood_suppress. */
	bad_init(ck, T0 + S(64), "wg0", "10.231.1.2:40001");
	CHECK_INT(ngot, 1);
	checks_free(ck);
}

TEST(flood_window_and_sources)
{
	flood_window_and_sources();
}

TEST(flood_window_and_sources_typed)
{
	typed = true;
	flood_window_and_sources();
	typed = false;
}

TEST(flood_ignores_backlog)
{
	static struct conf c;
	struct checks *ck;

	conf_defaults(&c);
	c.check_rogue = false;
	ck = mk(&c, NULL);
	/* 150 lines logged an hour before the agent read them. */
	for (int i = 0; i < 150; i++)
		bad_init(ck, T0 - S(3600) + i, "wg0", "10.231.1.2:40001");
	CHECK_INT(ngot, 0);
	checks_free(ck);
}

TEST(flood_suppressed_lines)
{
	static struct conf c;
	struct checks *ck;
	struct event ev;

	conf_defaults(&c);
	c.check_rogue = false;
	ck = mk(&c, NULL);
	/* A "callbacks suppressed" count with no line of ours before: not ours. */
	event_init(&ev, EV_KMSG_SUPPRESSED, SRC_KMSG);
	ev.time_us = T0;
	event_set(&ev, "count", "500");
	checks_event(ck, &ev);
	CHECK_INT(ngot, 0);
	/* The rate limiter lets ten through and suppresses the rest. */
	for (int i = 0; i < 10; i++)
		bad_init(ck, T0 + S(1), "wg7", "10.231.1.2:40001");
	ev.time_us = T0 + S(6);
	checks_event(ck, &ev);
	CHECK_INT(ngot, 1);
	CHECK_STR(f(0, "iface"), "wg7");
	CHECK_STR(f(0, "count"), "510");
	CHECK_STR(f(0, "suppressed_lines"), "500");
	CHECK_STR(f(0, "top_sources"), "10.231.1.2=10");
	checks_free(ck);
}

TEST(flood_packets)
{
	static struct conf c;
	struct checks *ck;

	conf_defaults(&c);
	c.check_rogue = false;
	ck = mk(&c, NULL);
	checks_iface(ck, "wg0", 51820);
	/* Normal life: initiations that completed. */
	feed(ck, EV_PEER_HANDSHAKE, SRC_POLL, T0, "wg0", KA, "10.231.1.2:1");
	feed(ck, EV_PEER_HANDSHAKE, SRC_POLL, T0, "wg0", KB, "10.231.2.2:1");
	flood_packets_sample(ck, "wg0", 3, T0 + S(10));
	CHECK_INT(ngot, 0);
	/* 150 initiations in 20 s, none completed. */
	flood_packets_sample(ck, "wg0", 70, T0 + S(20));
	CHECK_INT(ngot, 0);
	flood_packets_sample(ck, "wg0", 80, T0 + S(30));
	CHECK_INT(ngot, 1);
	CHECK_STR(f(0, "signal"), "packets");
	CHECK_STR(f(0, "initiations"), "153");
	CHECK_STR(f(0, "completed"), "2");
	CHECK_STR(f(0, "listen_port"), "51820");
	CHECK_INT(got[0].severity, LOG_WARNING);
	flood_packets_sample(ck, "wg0", 500, T0 + S(40));
	CHECK_INT(ngot, 1);	/* suppressed */
	/* Samples older than the window fall out. */
	checks_tick(ck, T0 + S(400));
	flood_packets_sample(ck, "wg0", 90, T0 + S(400));
	CHECK_INT(ngot, 1);
	checks_free(ck);
}

/* The daemon counts the port the checks name: the live listen port, else
 * the config file's ListenPort, and none when packet counting is off. */
TEST(flood_count_port_from_poll_or_config)
{
	static struct conf c;
	struct conf_iface ifaces[1];
	struct views cw = { 1, ifaces };
	struct checks *ck;

	memset(ifaces, 0, sizeof(ifaces));
	snprintf(ifaces[0].name, sizeof(ifaces[0].name), "wg1");
	ifaces[0].listen_port = 51999;
	conf_defaults(&c);
	c.check_rogue = false;
	ck = mk(&c, &cw);
	CHECK_INT(checks_count_port(ck, "wg1"), 51999);
	checks_iface(ck, "wg1", 51000);
	CHECK_INT(checks_count_port(ck, "wg1"), 51000);
	CHECK_INT(checks_count_port(ck, "wg2"), 0);
	checks_free(ck);
	c.flood_packets = false;
	ck = mk(&c, &cw);
	checks_iface(ck, "wg1", 51000);
	CHECK_INT(checks_count_port(ck, "wg1"), 0);
	checks_free(ck);
}

/* Every config-file change is an alert carrying its evidence. */
TEST(config_change_alerts)
{
	static struct conf c;
	struct checks *ck;
	struct event ev;

	conf_defaults(&c);
	c.check_rogue = false;
	ck = mk(&c, NULL);
	event_init(&ev, EV_CONFIG_FILE_CHANGED, SRC_INOTIFY);
	ev.time_us = T0;
	event_set(&ev, "iface", "wg0");
	event_set(&ev, "path", "/etc/wireguard/wg0.conf");
	event_set(&ev, "old_sha256", "aa");
	event_set(&ev, "new_sha256", "bb");
	event_set(&ev, "peers_added", KA);
	event_set(&ev, "summary", "1 peer added");
	checks_event(ck, &ev);
	CHECK_INT(ngot, 1);
	CHECK_INT(got[0].type, EV_ALERT_CONFIG_CHANGED);
	CHECK_INT(got[0].severity, LOG_WARNING);
	CHECK_INT(got[0].source, SRC_INOTIFY);
	CHECK_STR(f(0, "iface"), "wg0");
	CHECK_STR(f(0, "path"), "/etc/wireguard/wg0.conf");
	CHECK_STR(f(0, "old_sha256"), "aa");
	CHECK_STR(f(0, "new_sha256"), "bb");
	CHECK_STR(f(0, "summary"), "1 peer added");
	checks_event(ck, &got[0]);	/* an alert is not a change */
	CHECK_INT(ngot, 1);
	checks_event(ck, &ev);		/* the next change alerts again */
	CHECK_INT(ngot, 2);
	checks_free(ck);
}

TEST(rogue_off_without_reference)
{
	static struct conf c;
	struct checks *ck;

	conf_defaults(&c);
	ck = mk(&c, NULL);
	feed(ck, EV_IFACE_CREATED, SRC_RTNL, T0, "wg9", NULL, NULL);
	checks_iface(ck, "wg8", 51820);
	feed(ck, EV_PEER_ADDED, SRC_POLL, T0, "wg9", KA, NULL);
	CHECK_INT(ngot, 0);
	checks_free(ck);
}

TEST(rogue_interfaces_and_peers)
{
	static struct conf c;
	struct conf_peer peers[1];
	struct conf_iface ifaces[1];
	struct views cw = { 1, ifaces };
	struct checks *ck;

	memset(peers, 0, sizeof(peers));
	memset(ifaces, 0, sizeof(ifaces));
	CHECK_INT(key_from_base64(peers[0].public_key, KA, strlen(KA)), 0);
	snprintf(ifaces[0].name, sizeof(ifaces[0].name), "wg0");
	snprintf(ifaces[0].path, sizeof(ifaces[0].path), "/etc/wireguard/wg0.conf");
	ifaces[0].n_peers = 1;
	ifaces[0].peers = peers;
	conf_defaults(&c);
	snprintf(c.allowed_ifaces, sizeof(c.allowed_ifaces), "wgtest wg5");
	ck = mk(&c, &cw);

	/* Config file or allow-list: fine. */
	checks_iface(ck, "wg0", 51820);
	feed(ck, EV_IFACE_CREATED, SRC_RTNL, T0, "wg5", NULL, NULL);
	CHECK_INT(ngot, 0);
	/* Neither: rogue, once. */
	feed(ck, EV_IFACE_CREATED, SRC_RTNL, T0, "wg9", NULL, NULL);
	feed(ck, EV_IFACE_UP, SRC_RTNL, T0, "wg9", NULL, NULL);
	CHECK_INT(ngot, 1);
	CHECK_INT(got[0].type, EV_ALERT_ROGUE_INTERFACE);
	CHECK_INT(got[0].severity, LOG_ERR);
	CHECK_STR(f(0, "iface"), "wg9");
	CHECK_STR(f(0, "seen_in"), "IFACE_CREATED");
	/* An interface present before the start, seen by the poll. */
	checks_iface(ck, "wg6", 0);
	CHECK_INT(ngot, 2);
	CHECK_STR(f(1, "iface"), "wg6");
	/* Kernel lines are host-wide: they do not make interfaces rogue. */
	bad_init(ck, T0, "wgother", "10.0.0.1:1");
	CHECK_INT(ngot, 2);

	/* A live peer the config lists: fine; one it does not: rogue. */
	feed(ck, EV_PEER_ACTIVE, SRC_POLL, T0, "wg0", KA, "10.231.1.2:1");
	CHECK_INT(ngot, 2);
	feed(ck, EV_PEER_ADDED, SRC_POLL, T0, "wg0", KB, NULL);
	feed(ck, EV_PEER_TRANSFER, SRC_POLL, T0, "wg0", KB, NULL);
	CHECK_INT(ngot, 3);
	CHECK_INT(got[2].type, EV_ALERT_ROGUE_PEER);
	CHECK_INT(got[2].severity, LOG_WARNING);
	CHECK_STR(f(2, "drift"), "live_not_in_config");
	CHECK_STR(f(2, "peer"), KB);
	CHECK_STR(f(2, "config"), "/etc/wireguard/wg0.conf");
	/* A peer on an interface without a config file: not judged here. */
	feed(ck, EV_PEER_ADDED, SRC_POLL, T0, "wg5", KB, NULL);
	CHECK_INT(ngot, 3);
	/* The config still lists a peer that went away: info. */
	feed(ck, EV_PEER_REMOVED, SRC_POLL, T0, "wg0", KA, NULL);
	CHECK_INT(ngot, 4);
	CHECK_STR(f(3, "drift"), "config_not_live");
	CHECK_INT(got[3].severity, LOG_INFO);
	/* Removed from the config while live: rogue at once. */
	feed(ck, EV_PEER_ADDED, SRC_POLL, T0, "wg0", KA, NULL);
	CHECK_INT(ngot, 4);
	ifaces[0].n_peers = 0;
	{
		struct event ev;

		event_init(&ev, EV_CONFIG_FILE_CHANGED, SRC_INOTIFY);
		event_set(&ev, "iface", "wg0");
		event_set(&ev, "peers_removed", KA);
		checks_event(ck, &ev);
	}
	CHECK_INT(ngot, 6);	/* the rogue peer, and the change itself */
	CHECK_STR(f(4, "peer"), KA);
	CHECK_STR(f(4, "drift"), "live_not_in_config");
	CHECK_INT(got[5].type, EV_ALERT_CONFIG_CHANGED);
	/* Destroyed and re-created: judged again (but the window holds). */
	feed(ck, EV_IFACE_DESTROYED, SRC_RTNL, T0, "wg9", NULL, NULL);
	feed(ck, EV_IFACE_CREATED, SRC_RTNL, T0, "wg9", NULL, NULL);
	CHECK_INT(ngot, 6);
	checks_tick(ck, T0 + S(7200));
	feed(ck, EV_IFACE_DESTROYED, SRC_RTNL, T0 + S(7200), "wg9", NULL, NULL);
	feed(ck, EV_IFACE_CREATED, SRC_RTNL, T0 + S(7200), "wg9", NULL, NULL);
	CHECK_INT(ngot, 7);
	checks_free(ck);
}

/* eBPF events are folded: one INVALID_MAC with count=150 is 150 packets. */
static void flood_counts_folded_bpf_events(void)
{
	static struct conf c;
	struct checks *ck;
	struct event ev;

	conf_defaults(&c);
	c.check_rogue = false;
	ck = mk(&c, NULL);
	event_init(&ev, EV_INVALID_MAC, SRC_BPF);
	ev.time_us = T0;
	event_set(&ev, "iface", "wg0");
	set_val(&ev, "endpoint", "192.0.2.7:50021");
	event_set(&ev, "reason", "bad_mac");
	set_val(&ev, "count", "150");
	checks_event(ck, &ev);
	CHECK_INT(ngot, 1);
	CHECK_INT(got[0].type, EV_ALERT_HANDSHAKE_FLOOD);
	CHECK_STR(f(0, "count"), "150");
	CHECK_STR(f(0, "top_sources"), "192.0.2.7=150");
	CHECK_STR(f(0, "signal"), "bpf");
	checks_free(ck);
}

TEST(flood_counts_folded_bpf_events)
{
	flood_counts_folded_bpf_events();
}

TEST(flood_counts_folded_bpf_events_typed)
{
	typed = true;
	flood_counts_folded_bpf_events();
	typed = false;
}

static void unknown_peer_key(void)
{
	static struct conf c;
	struct checks *ck;
	struct event ev;
	const char *k = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

	conf_defaults(&c);
	c.check_rogue = false;
	c.check_flood = false;
	ck = mk(&c, NULL);
	/* Other verdicts and reasons: not this check's. */
	event_init(&ev, EV_INVALID_HANDSHAKE_INITIATION, SRC_BPF);
	ev.time_us = T0;
	event_set(&ev, "iface", "wg0");
	set_val(&ev, "endpoint", "192.168.242.2:40012");
	event_set(&ev, "reason", "replay");
	set_val(&ev, "peer", k);
	checks_event(ck, &ev);
	CHECK_INT(ngot, 0);
	event_init(&ev, EV_INVALID_HANDSHAKE_INITIATION, SRC_BPF);
	ev.time_us = T0;
	event_set(&ev, "iface", "wg0");
	set_val(&ev, "endpoint", "192.168.242.2:40012");
	event_set(&ev, "reason", "unknown_peer");
	set_val(&ev, "claimed_peer", k);
	set_val(&ev, "count", "2");
	checks_event(ck, &ev);
	CHECK_INT(ngot, 1);
	CHECK_INT(got[0].type, EV_ALERT_UNKNOWN_PEER_KEY);
	CHECK_INT(got[0].severity, LOG_WARNING);
	CHECK_STR(f(0, "iface"), "wg0");
	CHECK_STR(f(0, "claimed_peer"), k);
	CHECK_STR(f(0, "endpoint"), "192.168.242.2:40012");
	CHECK_STR(f(0, "count"), "2");
	CHECK_STR(event_source_name(got[0].source), "bpf");
	/* The same device again within the window: one incident. */
	ev.time_us = T0 + S(5);
	checks_event(ck, &ev);
	CHECK_INT(ngot, 1);
	/* Off by configuration. */
	checks_free(ck);
	c.check_unknown_key = false;
	ck = mk(&c, NULL);
	checks_event(ck, &ev);
	CHECK_INT(ngot, 0);
	checks_free(ck);
}

TEST(unknown_peer_key)
{
	unknown_peer_key();
}

TEST(unknown_peer_key_typed)
{
	typed = true;
	unknown_peer_key();
	typed = false;
}

TEST(suppression_table)
{
	static struct conf c;
	struct checks *ck;

	conf_defaults(&c);
	ck = mk(&c, NULL);
	ck->now_us = T0;
	CHECK(!ck_suppressed(ck, "k", S(10)));
	CHECK(ck_suppressed(ck, "k", S(10)));
	CHECK(!ck_suppressed(ck, "other", S(10)));
	ck->now_us = T0 + S(10);
	CHECK(!ck_suppressed(ck, "k", S(10)));
	checks_tick(ck, T0 + S(100));
	CHECK_INT(ck->suppress.n, 0);
	checks_free(ck);
}

TEST_MAIN()
