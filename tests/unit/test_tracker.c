// SPDX-License-Identifier: GPL-2.0
/* Tracker against a real SQLite store in a temp dir: baseline, each
 * transition, counter reset, restart continuity, and the rule that a failed
 * or incomplete observation never yields PEER_REMOVED / IFACE_DESTROYED. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include "test.h"
#include "base/event.h"
#include "engine/tracker.h"
#include "base/wgdev.h"
#include "store/store.h"

#define NOW0 1780000000000000LL	/* µs */

struct sink_log {
	int n;
	enum event_type type[64];
	char peer[64][WG_KEY_B64_LEN];
	struct event last[64];
};

static int collect(void *ctx, struct event *ev)
{
	struct sink_log *l = ctx;
	const char *p = event_get(ev, "peer");

	if (l->n < 64) {
		l->type[l->n] = ev->type;
		snprintf(l->peer[l->n], sizeof(l->peer[0]), "%s", p ? p : "");
		l->last[l->n] = *ev;
		l->n++;
	}
	return 0;
}

static int count(const struct sink_log *l, enum event_type t)
{
	int n = 0;

	for (int i = 0; i < l->n; i++)
		n += l->type[i] == t;
	return n;
}

static const struct event *find(const struct sink_log *l, enum event_type t)
{
	for (int i = 0; i < l->n; i++)
		if (l->type[i] == t)
			return &l->last[i];
	return NULL;
}

struct fixture {
	char dir[64], db[128];
	struct store *s;
	struct tracker *t;
	struct sink_log log;
	struct event_sink sink;
	struct wg_device dev;
};

static bool fx_aips_text = true;	/* tracker_opts.aips_text of fx_open */

static void fx_open(struct fixture *f)
{
	struct tracker_opts o = { .active_us = 180000000, .transfer_interval_us = 60000000,
				  .aips_text = fx_aips_text };

	f->sink.emit = collect;
	f->sink.ctx = &f->log;
	CHECK_INT(store_open(f->db, &f->s), 0);
	{ struct state_ops st; store_state_ops(f->s, &st); CHECK_INT(tracker_new(&st, &o, &f->sink, &f->t), 0); }
}

static void fx_close(struct fixture *f)
{
	tracker_free(f->t);
	store_free(f->s);
	f->t = NULL;
	f->s = NULL;
}

static void fx_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/wga-tracker.XXXXXX");
	if (!mkdtemp(f->dir))
		abort();
	snprintf(f->db, sizeof(f->db), "%s/t.db", f->dir);
	fx_open(f);
	snprintf(f->dev.name, sizeof(f->dev.name), "wg0");
	f->dev.impl = WG_IMPL_UAPI;
	f->dev.listen_port = 51820;
}

static void fx_free(struct fixture *f)
{
	char cmd[128];

	fx_close(f);
	wg_device_release(&f->dev);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		abort();
}

static struct wg_peer *add_peer(struct wg_device *d, uint8_t id, const char *ep)
{
	struct wg_peer *p = wg_device_new_peer(d);
	struct wg_allowedip a = { .family = AF_INET, .cidr = 32 };

	memset(p->public_key, id, WG_KEY_LEN);
	if (ep)
		endpoint_parse(ep, strlen(ep), &p->endpoint);
	a.ip4.s_addr = htonl(0x0a000000u | id);
	wg_device_add_aip(d, &a);
	return p;
}

/* One pass over f->dev at time now (µs). */
static void pass(struct fixture *f, int64_t now, bool complete)
{
	store_begin(f->s);
	tracker_pass_begin(f->t, now);
	tracker_observe(f->t, &f->dev, SRC_POLL);
	tracker_pass_end(f->t, complete, SRC_POLL, NULL, NULL);
	store_commit(f->s);
}

TEST(baseline_is_quiet_then_transitions)
{
	struct fixture f;
	struct wg_peer *p;
	const struct event *ev;

	fx_init(&f);
	add_peer(&f.dev, 1, NULL);
	add_peer(&f.dev, 2, "192.0.2.2:1000");
	CHECK(tracker_is_baseline(f.t));
	pass(&f, NOW0, true);
	CHECK_INT(f.log.n, 0);
	CHECK(!tracker_is_baseline(f.t));

	/* Peer 1 handshakes from an endpoint: handshake + active, no roam. */
	p = &f.dev.peers[0];
	p->last_handshake_sec = NOW0 / 1000000 + 5;
	endpoint_parse("198.51.100.1:4000", 17, &p->endpoint);
	p->rx_bytes = 148;
	pass(&f, NOW0 + 10000000, true);
	CHECK_INT(count(&f.log, EV_PEER_HANDSHAKE), 1);
	CHECK_INT(count(&f.log, EV_PEER_ACTIVE), 1);
	CHECK_INT(count(&f.log, EV_PEER_ENDPOINT_CHANGED), 0);
	ev = find(&f.log, EV_PEER_ACTIVE);
	CHECK_STR(ev ? event_get(ev, "endpoint") : NULL, "198.51.100.1:4000");
	CHECK_STR(ev ? event_get(ev, "allowed_ips") : NULL, "10.0.0.1/32");

	/* Roam. */
	f.log.n = 0;
	endpoint_parse("198.51.100.1:4001", 17, &p->endpoint);
	pass(&f, NOW0 + 20000000, true);
	CHECK_INT(count(&f.log, EV_PEER_ENDPOINT_CHANGED), 1);
	ev = find(&f.log, EV_PEER_ENDPOINT_CHANGED);
	CHECK_STR(ev ? event_get(ev, "prev_endpoint") : NULL, "198.51.100.1:4000");

	/* Transfer after the interval, then counter reset (re-added peer). */
	f.log.n = 0;
	p->rx_bytes = 10148;
	p->tx_bytes = 500;
	pass(&f, NOW0 + 80000000, true);
	ev = find(&f.log, EV_PEER_TRANSFER);
	CHECK_STR(ev ? event_get(ev, "rx_delta") : NULL, "10148");
	CHECK_STR(ev ? event_get(ev, "tx_delta") : NULL, "500");
	CHECK_STR(ev ? event_get(ev, "interval") : NULL, "80");
	f.log.n = 0;
	p->rx_bytes = 40;
	p->tx_bytes = 0;
	pass(&f, NOW0 + 150000000, true);
	ev = find(&f.log, EV_PEER_TRANSFER);
	CHECK_STR(ev ? event_get(ev, "rx_delta") : NULL, "40");

	/* Aging past 180 s: inactive with idle seconds. */
	f.log.n = 0;
	pass(&f, NOW0 + 190000000, true);
	CHECK_INT(count(&f.log, EV_PEER_INACTIVE), 1);
	ev = find(&f.log, EV_PEER_INACTIVE);
	CHECK_STR(ev ? event_get(ev, "idle") : NULL, "185");
	fx_free(&f);
}

TEST(failed_or_incomplete_views_remove_nothing)
{
	struct fixture f;

	fx_init(&f);
	add_peer(&f.dev, 1, NULL);
	add_peer(&f.dev, 2, NULL);
	pass(&f, NOW0, true);

	/* The interface could not be read: its peers stay. */
	store_begin(f.s);
	tracker_pass_begin(f.t, NOW0 + 1000000);
	tracker_observe_failed(f.t, "wg0", -ETIMEDOUT);
	tracker_observe_failed(f.t, "wg0", -ETIMEDOUT);	/* said once */
	tracker_pass_end(f.t, true, SRC_POLL, NULL, NULL);
	store_commit(f.s);
	CHECK_INT(count(&f.log, EV_OBSERVE_FAILED), 1);
	CHECK_INT(count(&f.log, EV_PEER_REMOVED), 0);
	CHECK_INT(count(&f.log, EV_IFACE_DESTROYED), 0);

	/* Listing incomplete and wg0 not seen: not destroyed. */
	store_begin(f.s);
	tracker_pass_begin(f.t, NOW0 + 2000000);
	tracker_pass_end(f.t, false, SRC_POLL, NULL, NULL);
	store_commit(f.s);
	CHECK_INT(count(&f.log, EV_IFACE_DESTROYED), 0);

	/* A complete listing without wg0: destroyed, once. */
	store_begin(f.s);
	tracker_pass_begin(f.t, NOW0 + 3000000);
	tracker_pass_end(f.t, true, SRC_RTNL, NULL, NULL);
	tracker_pass_begin(f.t, NOW0 + 4000000);
	tracker_pass_end(f.t, true, SRC_POLL, NULL, NULL);
	store_commit(f.s);
	CHECK_INT(count(&f.log, EV_IFACE_DESTROYED), 1);
	CHECK_INT(find(&f.log, EV_IFACE_DESTROYED)->source, SRC_RTNL);
	CHECK_INT(count(&f.log, EV_PEER_REMOVED), 0);
	fx_free(&f);
}

TEST(restart_compares_with_stored_state)
{
	struct fixture f;

	fx_init(&f);
	add_peer(&f.dev, 1, "192.0.2.1:1")->last_handshake_sec = NOW0 / 1000000;
	add_peer(&f.dev, 2, NULL);
	pass(&f, NOW0, true);
	fx_close(&f);

	/* While down: peer 2 removed, peer 3 added, peer 1 re-handshook. */
	f.dev.n_peers = 1;
	f.dev.n_aips = 1;
	f.dev.peers[0].last_handshake_sec = NOW0 / 1000000 + 100;
	add_peer(&f.dev, 3, NULL);
	fx_open(&f);
	CHECK(!tracker_is_baseline(f.t));
	pass(&f, NOW0 + 110000000, true);
	CHECK_INT(count(&f.log, EV_PEER_REMOVED), 1);
	CHECK_INT(count(&f.log, EV_PEER_ADDED), 1);
	CHECK_INT(count(&f.log, EV_PEER_HANDSHAKE), 1);
	CHECK_INT(count(&f.log, EV_PEER_ACTIVE), 0);	/* was already active */
	fx_close(&f);

	/* Same state again after another restart: silence. */
	f.log.n = 0;
	fx_open(&f);
	pass(&f, NOW0 + 111000000, true);
	CHECK_INT(f.log.n, 0);
	fx_free(&f);
}

TEST(kmsg_peer_resolution)
{
	struct fixture f;
	struct event ev;
	char b64[WG_KEY_B64_LEN];
	uint8_t k[WG_KEY_LEN];

	fx_init(&f);
	add_peer(&f.dev, 1, "192.0.2.1:1");
	add_peer(&f.dev, 2, "192.0.2.2:2");
	add_peer(&f.dev, 3, "192.0.2.2:2");	/* ambiguous endpoint */
	pass(&f, NOW0, true);
	memset(k, 1, sizeof(k));
	key_to_base64(b64, k);

	event_init(&ev, EV_KEYPAIR_CREATED, SRC_KMSG);
	event_set(&ev, "iface", "wg0");
	event_set(&ev, "peer_id", "7");
	tracker_resolve(f.t, &ev);
	CHECK(event_get(&ev, "peer") == NULL);	/* nothing learned yet */

	event_init(&ev, EV_HANDSHAKE_INITIATION_RECEIVED, SRC_KMSG);
	event_set(&ev, "iface", "wg0");
	event_set(&ev, "peer_id", "7");
	event_set(&ev, "endpoint", "192.0.2.1:1");
	tracker_resolve(f.t, &ev);
	CHECK_STR(event_get(&ev, "peer"), b64);

	event_init(&ev, EV_KEYPAIR_CREATED, SRC_KMSG);
	event_set(&ev, "iface", "wg0");
	event_set(&ev, "peer_id", "7");
	tracker_resolve(f.t, &ev);
	CHECK_STR(event_get(&ev, "peer"), b64);

	event_init(&ev, EV_HANDSHAKE_INITIATION_RECEIVED, SRC_KMSG);
	event_set(&ev, "iface", "wg0");
	event_set(&ev, "peer_id", "8");
	event_set(&ev, "endpoint", "192.0.2.2:2");
	tracker_resolve(f.t, &ev);
	CHECK(event_get(&ev, "peer") == NULL);	/* never guessed */
	fx_free(&f);
}
TEST(wggo_abbrev_resolution)
{
	struct fixture f;
	struct event ev;
	char b64[WG_KEY_B64_LEN], ab[16];

	fx_init(&f);
	add_peer(&f.dev, 1, NULL);
	add_peer(&f.dev, 2, NULL);
	pass(&f, NOW0, true);
	memset(b64, 0, sizeof(b64));
	{
		uint8_t k[WG_KEY_LEN];

		memset(k, 2, sizeof(k));
		key_to_base64(b64, k);
	}
	/* wireguard-go: base64[0:4] + "…" + base64[39:43] */
	snprintf(ab, sizeof(ab), "%.4s\xe2\x80\xa6%.4s", b64, b64 + 39);
	event_init(&ev, EV_HANDSHAKE_INITIATION_RECEIVED, SRC_JOURNAL);
	event_set(&ev, "iface", "wg0");
	event_set(&ev, "peer_abbrev", ab);
	tracker_resolve(f.t, &ev);
	CHECK_STR(event_get(&ev, "peer"), b64);

	event_init(&ev, EV_HANDSHAKE_INITIATION_RECEIVED, SRC_JOURNAL);
	event_set(&ev, "iface", "wg0");
	event_set(&ev, "peer_abbrev", "ZZZZ\xe2\x80\xa6ZZZZ");
	tracker_resolve(f.t, &ev);
	CHECK(event_get(&ev, "peer") == NULL);
	fx_free(&f);
}
/* The allowed IPs as text are kept only when asked (the metrics): from the
 * poll, and from the saved state before the first poll after a restart. */
static int aips_of(void *ctx, const struct tracker_peer_info *p)
{
	snprintf(ctx, 64, "%s", p->allowed_ips);
	return 1;	/* the first peer is enough */
}

TEST(allowed_ips_text_only_when_asked)
{
	struct fixture f;
	char got[64];

	for (int on = 0; on < 2; on++) {
		fx_aips_text = on;
		fx_init(&f);
		add_peer(&f.dev, 1, "192.0.2.1:51820");
		pass(&f, 1000000, true);
		strcpy(got, "?");
		CHECK_INT(tracker_for_each_peer(f.t, aips_of, got), 1);
		CHECK_STR(got, on ? "10.0.0.1/32" : "");
		fx_close(&f);
		fx_open(&f);	/* a restart: the text comes from the saved row */
		strcpy(got, "?");
		CHECK_INT(tracker_for_each_peer(f.t, aips_of, got), 1);
		CHECK_STR(got, on ? "10.0.0.1/32" : "");
		fx_free(&f);
	}
	fx_aips_text = true;
}

/* tracker_observe skips the walk over all records when every one was
 * stamped in this call: a peer listed twice, or the interface observed
 * twice in a pass, must not hide a removal. */
TEST(removal_not_hidden_by_duplicates)
{
	struct fixture f;

	fx_init(&f);
	add_peer(&f.dev, 1, NULL);
	add_peer(&f.dev, 2, NULL);
	add_peer(&f.dev, 3, NULL);
	pass(&f, NOW0, true);
	pass(&f, NOW0 + 1000000, true);
	CHECK_INT(count(&f.log, EV_PEER_REMOVED), 0);
	/* peer 3 goes, peer 1 is listed twice: still three lines */
	memset(f.dev.peers[2].public_key, 1, WG_KEY_LEN);
	pass(&f, NOW0 + 2000000, true);
	CHECK_INT(count(&f.log, EV_PEER_REMOVED), 1);
	/* the same interface twice in one pass, the second time without
	 * peer 2: the walk runs (nothing was stamped by the second call)
	 * and keeps peer 2, stamped by the first, as it always has */
	f.log.n = 0;
	store_begin(f.s);
	tracker_pass_begin(f.t, NOW0 + 3000000);
	tracker_observe(f.t, &f.dev, SRC_POLL);
	f.dev.n_peers = 1;
	tracker_observe(f.t, &f.dev, SRC_POLL);
	tracker_pass_end(f.t, true, SRC_POLL, NULL, NULL);
	store_commit(f.s);
	CHECK_INT(count(&f.log, EV_PEER_REMOVED), 0);
	/* and the next pass without it removes it */
	pass(&f, NOW0 + 4000000, true);
	CHECK_INT(count(&f.log, EV_PEER_REMOVED), 1);
	fx_free(&f);
}

TEST_MAIN()
