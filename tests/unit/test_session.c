// SPDX-License-Identifier: GPL-2.0
/* Sessions from the tracker's event stream: counters, endpoints,
 * handshakes, close reasons, persistence across a restart. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "test.h"
#include "base/event.h"
#include "engine/session.h"

#define KV_MAX 16
struct kv {
	char key[KV_MAX][128], val[KV_MAX][SESSION_VAL_LEN];
	size_t n;
};

static int kv_find(struct kv *kv, const char *key)
{
	for (size_t i = 0; i < kv->n; i++)
		if (!strcmp(kv->key[i], key))
			return (int)i;
	return -1;
}

static int kv_get(void *ctx, const char *key, char *val, size_t len)
{
	int i = kv_find(ctx, key);

	if (i < 0)
		return -2;
	snprintf(val, len, "%s", ((struct kv *)ctx)->val[i]);
	return 0;
}

static int kv_set(void *ctx, const char *key, const char *val)
{
	struct kv *kv = ctx;
	int i = kv_find(kv, key);

	if (i < 0) {
		if (kv->n == KV_MAX)
			return -28;
		i = (int)kv->n++;
		snprintf(kv->key[i], sizeof(kv->key[i]), "%s", key);
	}
	snprintf(kv->val[i], sizeof(kv->val[i]), "%s", val);
	return 0;
}

static int kv_del(void *ctx, const char *key)
{
	struct kv *kv = ctx;
	int i = kv_find(kv, key);

	if (i < 0)
		return 0;
	kv->n--;
	memmove(kv->key[i], kv->key[kv->n], sizeof(kv->key[0]));
	memmove(kv->val[i], kv->val[kv->n], sizeof(kv->val[0]));
	return 0;
}

static int kv_scan(void *ctx, const char *prefix,
		   int (*cb)(void *cctx, const char *key, const char *val), void *cctx)
{
	struct kv *kv = ctx;

	for (size_t i = 0; i < kv->n; i++)
		if (!strncmp(kv->key[i], prefix, strlen(prefix)) && cb(cctx, kv->key[i], kv->val[i]))
			return 1;
	return 0;
}

static struct event got[8];
static size_t ngot;

static int collect(void *ctx, struct event *ev)
{
	if (ngot < 8)
		got[ngot++] = *ev;
	return 0;
}

static const struct event_sink sink = { collect, NULL };
static const char *KEY = "kfDj1jVPtVwCyAn+SzQSlXdSQUc51apQ92tPo7sw2yg=";

static void feed(struct sessions *s, enum event_type t, int64_t sec, const char *ep,
		 long long rx, long long tx)
{
	struct event ev;

	event_init(&ev, t, SRC_POLL);
	ev.time_us = sec * 1000000;
	event_set(&ev, "iface", "wg0");
	event_set(&ev, "peer", KEY);
	if (t == EV_PEER_ACTIVE) {
		char ts[32];

		event_set(&ev, "peer_name", "alice laptop");
		fmt_rfc3339_us(ts, (sec - 1) * 1000000);	/* seen one second after */
		event_set(&ev, "last_handshake", ts);
	}
	if (ep)
		event_set(&ev, "endpoint", ep);
	if (rx >= 0) {
		event_set_u64(&ev, "rx", (uint64_t)rx);
		event_set_u64(&ev, "tx", (uint64_t)tx);
	}
	sessions_event(s, &ev);
}

static struct session_state state(struct kv *kv)
{
	return (struct session_state){ kv_get, kv_set, kv_del, kv_scan, kv };
}

TEST(session_counts_from_before_it_opened)
{
	struct kv kv = { 0 };
	struct session_state st = state(&kv);
	struct sessions *s;

	ngot = 0;
	CHECK_INT(sessions_new(&st, &sink, &s), 0);
	feed(s, EV_PEER_ADDED, 100, NULL, 10, 20);
	feed(s, EV_PEER_HANDSHAKE, 200, "10.0.0.1:1", 300, 400);	/* before ACTIVE: its opener */
	feed(s, EV_PEER_ACTIVE, 200, "10.0.0.1:1", 300, 400);
	CHECK_INT(sessions_open_count(s), 1);
	CHECK_INT(kv.n, 1);
	feed(s, EV_PEER_ENDPOINT_CHANGED, 250, "10.0.0.2:5", 500, 600);
	feed(s, EV_PEER_HANDSHAKE, 320, "10.0.0.2:5", 700, 800);
	feed(s, EV_PEER_ENDPOINT_CHANGED, 330, "10.0.0.1:1", 700, 800);	/* back: not repeated */
	feed(s, EV_PEER_TRANSFER, 340, "10.0.0.1:1", 900, 950);
	feed(s, EV_PEER_INACTIVE, 600, "10.0.0.1:1", 1010, 1020);
	CHECK_INT(ngot, 1);
	CHECK_INT(got[0].type, EV_PEER_SESSION);
	CHECK_STR(event_get(&got[0], "rx_bytes"), "1000");
	CHECK_STR(event_get(&got[0], "tx_bytes"), "1000");
	CHECK_STR(event_get(&got[0], "duration"), "401");
	CHECK_STR(event_get(&got[0], "endpoints"), "10.0.0.1:1,10.0.0.2:5");
	CHECK_STR(event_get(&got[0], "handshakes"), "2");
	CHECK_STR(event_get(&got[0], "reason"), "inactive");
	CHECK_STR(event_get(&got[0], "session_start"), "1970-01-01T00:03:19.000000Z");
	CHECK_STR(event_get(&got[0], "session_end"), "1970-01-01T00:10:00.000000Z");
	CHECK_INT(sessions_open_count(s), 0);
	CHECK_INT(kv.n, 0);
	/* The next session counts from where this one ended. */
	feed(s, EV_PEER_ACTIVE, 700, "10.0.0.3:9", 1100, 1100);
	feed(s, EV_PEER_REMOVED, 710, "10.0.0.3:9", 1200, 1300);
	CHECK_INT(ngot, 2);
	CHECK_STR(event_get(&got[1], "rx_bytes"), "190");
	CHECK_STR(event_get(&got[1], "tx_bytes"), "280");
	CHECK_STR(event_get(&got[1], "reason"), "removed");
	sessions_free(s);
}

TEST(open_session_survives_restart)
{
	struct kv kv = { 0 };
	struct session_state st = state(&kv);
	struct sessions *s;
	struct event ev;

	ngot = 0;
	CHECK_INT(sessions_new(&st, &sink, &s), 0);
	sessions_seed(s, "wg0", (const uint8_t[32]){ 0 }, 0, 0);	/* another peer: harmless */
	feed(s, EV_PEER_TRANSFER, 100, NULL, 50, 60);
	feed(s, EV_PEER_ACTIVE, 200, "[fd00::1]:51820", 150, 160);
	sessions_free(s);	/* the agent stops */
	CHECK_INT(kv.n, 1);
	CHECK_INT(sessions_new(&st, &sink, &s), 0);
	CHECK_INT(sessions_open_count(s), 1);
	event_init(&ev, EV_IFACE_DESTROYED, SRC_RTNL);
	ev.time_us = 500 * 1000000LL;
	event_set(&ev, "iface", "wg0");
	sessions_event(s, &ev);
	CHECK_INT(ngot, 1);
	CHECK_STR(event_get(&got[0], "reason"), "iface_destroyed");
	CHECK_STR(event_get(&got[0], "rx_bytes"), "100");
	CHECK_STR(event_get(&got[0], "duration"), "301");
	CHECK_STR(event_get(&got[0], "endpoints"), "[fd00::1]:51820");
	CHECK_INT(kv.n, 0);
	sessions_free(s);
}

TEST(record_roundtrip_and_malformed)
{
	struct session_rec r = { .iface = "wg0", .start_us = 123, .rx0 = 1, .tx0 = 2, .rx = 3,
				 .tx = 4, .handshakes = 5, .endpoints = "1.2.3.4:5",
				 .name = "bob the \"builder\"" }, back;
	char key[128], val[SESSION_VAL_LEN];

	snprintf(key, sizeof(key), SESSION_KEY_PREFIX "wg0:%s", KEY);
	session_rec_format(&r, val, sizeof(val));
	CHECK_INT(session_rec_parse(key, val, &back), 0);
	CHECK_INT(back.start_us, 123);
	CHECK_INT(back.handshakes, 5);
	CHECK_STR(back.endpoints, "1.2.3.4:5");
	CHECK_STR(back.name, "bob the \"builder\"");
	CHECK_INT(session_rec_parse(key, "12 x 3 4 5 6 -", &back) < 0, 1);
	CHECK_INT(session_rec_parse(key, "12 1 2 3 4", &back) < 0, 1);
	CHECK_INT(session_rec_parse("session:wg0:notakey", val, &back) < 0, 1);
	CHECK_INT(session_rec_parse("other:wg0", val, &back) < 0, 1);
}
/* One key on two interfaces (and a namespace's wg0): separate sessions,
 * and an interface going away closes only its own; its name's slot is
 * taken again by the next interface. */
static void feed_if(struct sessions *s, enum event_type t, const char *iface, const char *netns,
		    int64_t sec, long long rx)
{
	struct event ev;

	event_init(&ev, t, SRC_POLL);
	ev.time_us = sec * 1000000;
	event_set(&ev, "iface", iface);
	if (netns)
		event_set(&ev, "netns", netns);
	if (t != EV_IFACE_DESTROYED) {
		event_set(&ev, "peer", KEY);
		event_set_u64(&ev, "rx", (uint64_t)rx);
		event_set_u64(&ev, "tx", (uint64_t)rx);
	}
	sessions_event(s, &ev);
}

TEST(interfaces_apart)
{
	struct sessions *s;

	ngot = 0;
	CHECK_INT(sessions_new(NULL, &sink, &s), 0);
	feed_if(s, EV_PEER_ADDED, "wg0", NULL, 100, 10);
	feed_if(s, EV_PEER_ADDED, "wg1", NULL, 100, 1000);
	feed_if(s, EV_PEER_ADDED, "wg0", "blue", 100, 50000);
	feed_if(s, EV_PEER_ACTIVE, "wg0", NULL, 110, 20);
	feed_if(s, EV_PEER_ACTIVE, "wg1", NULL, 110, 3000);
	feed_if(s, EV_PEER_ACTIVE, "wg0", "blue", 110, 50005);
	CHECK_INT(sessions_open_count(s), 3);
	feed_if(s, EV_IFACE_DESTROYED, "wg1", NULL, 120, 0);
	CHECK_INT(sessions_open_count(s), 2);
	CHECK_INT(ngot, 1);
	CHECK_STR(event_get(&got[0], "iface"), "wg1");
	CHECK_STR(event_get(&got[0], "rx_bytes"), "2000");
	CHECK_STR(event_get(&got[0], "reason"), "iface_destroyed");
	/* wg2 takes wg1's slot; wg0's sessions are untouched by it */
	feed_if(s, EV_PEER_ADDED, "wg2", NULL, 130, 7);
	feed_if(s, EV_PEER_ACTIVE, "wg2", NULL, 131, 9);
	feed_if(s, EV_PEER_INACTIVE, "wg0", "blue", 140, 50105);
	CHECK_INT(ngot, 2);
	CHECK_STR(event_get(&got[1], "iface"), "wg0");
	CHECK_STR(event_get(&got[1], "netns"), "blue");
	CHECK_STR(event_get(&got[1], "rx_bytes"), "105");
	feed_if(s, EV_PEER_REMOVED, "wg2", NULL, 150, 12);
	CHECK_INT(ngot, 3);
	CHECK_STR(event_get(&got[2], "iface"), "wg2");
	CHECK_STR(event_get(&got[2], "rx_bytes"), "5");
	CHECK_STR(event_get(&got[2], "reason"), "removed");
	feed_if(s, EV_PEER_INACTIVE, "wg0", NULL, 160, 40);
	CHECK_INT(ngot, 4);
	CHECK(event_get(&got[3], "netns") == NULL);
	CHECK_STR(event_get(&got[3], "rx_bytes"), "30");
	CHECK_INT(sessions_open_count(s), 0);
	sessions_free(s);
}

TEST_MAIN()
