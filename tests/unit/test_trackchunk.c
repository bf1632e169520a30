// SPDX-License-Identifier: GPL-2.0
/* The tracker's chunked observation (tracker_observe_begin / _peers / _end,
 * as daemon/obsstream.c drives it from a source's wg_stream) against
 * tracker_observe of the same device whole: two trackers on two real
 * SQLite stores, the same passes, byte-identical event streams (every
 * field, in order), whatever the chunk size: baseline, changes, duplicates
 * across chunks, removals, an interface new at runtime, one in another
 * namespace. And a read failing mid-way: no removals, an interface first
 * met in it forgotten. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "test.h"
#include "base/event.h"
#include "base/ifkey.h"
#include "base/wgdev.h"
#include "daemon/obsstream.h"
#include "engine/tracker.h"
#include "outputs/evprint.h"
#include "store/store.h"
#include "uapitest.h"

#define NOW0 1780000000000000LL	/* µs */
#define S 1000000LL

/* One tracker on its own store; its events as text, in order. */
struct side {
	char dir[64];
	struct store *s;
	struct tracker *t;
	struct event_sink sink;
	char *text;
	size_t len;
	FILE *out;
	struct wg_device scratch;	/* what the chunked reader holds */
};

static int print_ev(void *ctx, struct event *ev)
{
	struct side *sd = ctx;

	event_print(sd->out, ev, "h", true, true);
	return 0;
}

static void side_open(struct side *sd)
{
	struct tracker_opts o = { .active_us = 180 * S, .transfer_interval_us = 60 * S,
				  .aips_text = true };
	struct state_ops st;
	char db[128];

	snprintf(db, sizeof(db), "%s/t.db", sd->dir);
	CHECK_INT(store_open(db, &sd->s), 0);
	store_state_ops(sd->s, &st);
	CHECK_INT(tracker_new(&st, &o, &sd->sink, &sd->t), 0);
}

static void side_init(struct side *sd)
{
	memset(sd, 0, sizeof(*sd));
	snprintf(sd->dir, sizeof(sd->dir), "/tmp/wga-tchunk.XXXXXX");
	if (!mkdtemp(sd->dir))
		abort();
	sd->out = open_memstream(&sd->text, &sd->len);
	if (!sd->out)
		abort();
	sd->sink.emit = print_ev;
	sd->sink.ctx = sd;
	side_open(sd);
}

static void side_free(struct side *sd)
{
	char cmd[128];

	tracker_free(sd->t);
	store_free(sd->s);
	fclose(sd->out);
	free(sd->text);
	wg_device_release(&sd->scratch);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", sd->dir);
	if (system(cmd) != 0)
		abort();
}

/* The events since the last call. */
static const char *side_events(struct side *sd)
{
	fflush(sd->out);
	return sd->text ? sd->text : "";
}

static void side_forget_events(struct side *sd)
{
	fflush(sd->out);
	rewind(sd->out);
	fflush(sd->out);
	if (sd->text)
		sd->text[0] = '\0';
}

/* The device as a reader streams it: peers one by one into scratch, the
 * stream offered after each; a read error before peer fail_at. */
static int read_chunked(struct side *sd, const struct wg_device *dev, const char *netns,
			size_t chunk, size_t fail_at)
{
	struct wg_device *d = &sd->scratch;
	struct obs_stream os;
	char key[IFKEY_LEN];
	int ret = 0;

	wg_device_clear(d);
	memcpy(d->name, dev->name, sizeof(d->name));
	d->impl = dev->impl;
	d->listen_port = dev->listen_port;
	d->has_public_key = dev->has_public_key;
	memcpy(d->public_key, dev->public_key, WG_KEY_LEN);
	obs_stream_init(&os, sd->t, netns, SRC_POLL);
	os.s.chunk = chunk;
	for (size_t i = 0; i < dev->n_peers && !ret; i++) {
		if (i == fail_at) {
			ret = -EPROTO;
			break;
		}
		copy_peers(d, &(struct wg_device){ .peers = dev->peers + i, .n_peers = 1,
						   .aips = dev->aips, .n_aips = dev->n_aips }, 1);
		ret = wg_stream_offer(&os.s, d);
		if (!os.s.keep && d->n_peers > chunk + 1)
			test_fail("reader holds %zu peers (chunk %zu)", d->n_peers, chunk);
	}
	if (fail_at != SIZE_MAX && fail_at >= dev->n_peers)
		ret = -EPROTO;
	if (ifkey_format(key, dev->name, netns) < 0)
		abort();
	return obs_stream_finish(&os, d, key, ret);
}

static void read_whole(struct side *sd, const struct wg_device *dev, const char *netns,
		       bool fail)
{
	char key[IFKEY_LEN];

	if (ifkey_format(key, dev->name, netns) < 0)
		abort();
	if (fail)
		tracker_observe_failed(sd->t, key, -EPROTO);
	else
		tracker_observe_in(sd->t, dev, netns, SRC_POLL);
}

static struct wg_peer *add_peer(struct wg_device *d, uint8_t id, uint32_t naips)
{
	struct wg_peer *p = wg_device_new_peer(d);

	memset(p->public_key, id, WG_KEY_LEN);
	p->public_key[0] = 0x40;
	for (uint32_t j = 0; j < naips; j++) {
		struct wg_allowedip a = { .family = AF_INET, .cidr = 32 };

		a.ip4.s_addr = htonl(0x0a000000u | (uint32_t)id << 8 | j);
		wg_device_add_aip(d, &a);
	}
	return p;
}

static void mkdev(struct wg_device *d, const char *name, uint16_t port)
{
	wg_device_clear(d);
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->impl = WG_IMPL_UAPI;
	d->listen_port = port;
}

/* The scenario's interfaces at pass k. */
struct world {
	struct wg_device wg0, wg1, wg2, blue;
	bool have_wg1, have_wg2, have_blue;
};

static void world_at(struct world *w, int k)
{
	int64_t now_s = NOW0 / S + k * 70;

	mkdev(&w->wg0, "wg0", k >= 2 ? 51821 : 51820);
	for (uint8_t id = 1; id <= 14; id++) {
		struct wg_peer *p;

		if (k >= 2 && (id == 3 || id == 7))
			continue;	/* removed */
		p = add_peer(&w->wg0, id, 1 + id % 3);
		p->rx_bytes = (uint64_t)(k * id * 100);
		p->tx_bytes = (uint64_t)(k >= 3 ? 50 : 0);
		if (k >= 1 && id % 2)
			p->last_handshake_sec = now_s - (k >= 4 && id == 1 ? 300 : id);
		if (k >= 1 && id % 4 == 1) {
			char ep[32];
			int n = snprintf(ep, sizeof(ep), "192.0.2.%d:%d", id, 1000 + k);

			endpoint_parse(ep, (size_t)n, &p->endpoint);
		}
	}
	if (k >= 2) {
		add_peer(&w->wg0, 20, 2);
		add_peer(&w->wg0, 21, 0);
		/* peer 5 listed a second time, chunks away from the first */
		add_peer(&w->wg0, 5, 1)->rx_bytes = 7;
	}
	w->have_wg1 = k < 3;
	mkdev(&w->wg1, "wg1", 51830);
	for (uint8_t id = 30; id < 33; id++)
		add_peer(&w->wg1, id, 1);
	w->have_wg2 = k >= 3;
	mkdev(&w->wg2, "wg2", 51840);
	for (uint8_t id = 40; id < 47; id++) {
		struct wg_peer *p = add_peer(&w->wg2, id, 2);

		p->last_handshake_sec = id % 2 ? now_s - 1 : 0;
	}
	if (k == 3)
		add_peer(&w->wg2, 41, 1);	/* a duplicate in a new interface */
	w->have_blue = k >= 1;
	mkdev(&w->blue, "wg0", 51850);
	for (uint8_t id = 60; id < 65; id++)
		add_peer(&w->blue, id, 1)->last_handshake_sec = k >= 2 ? now_s : 0;
}

static void world_free(struct world *w)
{
	wg_device_release(&w->wg0);
	wg_device_release(&w->wg1);
	wg_device_release(&w->wg2);
	wg_device_release(&w->blue);
}

static void one_pass(struct side *sd, struct world *w, int64_t now, size_t chunk)
{
	const struct { struct wg_device *d; bool have; const char *ns; } v[] = {
		{ &w->wg0, true, NULL }, { &w->wg1, w->have_wg1, NULL },
		{ &w->wg2, w->have_wg2, NULL }, { &w->blue, w->have_blue, "blue" },
	};

	store_begin(sd->s);
	tracker_pass_begin(sd->t, now);
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		if (!v[i].have)
			continue;
		if (chunk)
			CHECK_INT(read_chunked(sd, v[i].d, v[i].ns, chunk, SIZE_MAX), 0);
		else
			read_whole(sd, v[i].d, v[i].ns, false);
	}
	tracker_pass_end(sd->t, true, SRC_POLL, NULL, NULL);
	CHECK_INT(store_commit(sd->s), 0);
}

TEST(chunked_same_events_as_whole)
{
	static const size_t chunks[] = { 1, 2, 3, 5, 128 };

	for (size_t c = 0; c < ARRAY_SIZE(chunks); c++) {
		struct side w, ch;
		struct world wo;
		size_t total = 0;

		memset(&wo, 0, sizeof(wo));
		side_init(&w);
		side_init(&ch);
		for (int k = 0; k < 6; k++) {
			int64_t now = NOW0 + k * 70 * S;

			world_at(&wo, k);
			one_pass(&w, &wo, now, 0);
			one_pass(&ch, &wo, now, chunks[c]);
			if (strcmp(side_events(&w), side_events(&ch))) {
				test_fail("chunk %zu pass %d:\nwhole:\n%s\nchunked:\n%s", chunks[c],
					  k, side_events(&w), side_events(&ch));
				break;
			}
			total += strlen(side_events(&w));
			side_forget_events(&w);
			side_forget_events(&ch);
		}
		/* the scenario says something: created, removed, destroyed */
		CHECK(total > 4000);
		world_free(&wo);
		side_free(&w);
		side_free(&ch);
	}
}

static bool has(const char *text, const char *what)
{
	return strstr(text, what) != NULL;
}

static unsigned npeers(struct side *sd)
{
	unsigned ni, np;

	tracker_counts(sd->t, &ni, &np);
	return np;
}

/* A known interface read up to peer 5 of 14 in chunks of 2: the peers
 * handed on are observed (their handshakes reported now rather than at
 * the next poll), nothing is taken for gone, OBSERVE_FAILED once. */
TEST(chunked_failure_mid_read_removes_nothing)
{
	struct side ch;
	struct world wo;

	memset(&wo, 0, sizeof(wo));
	side_init(&ch);
	world_at(&wo, 0);
	one_pass(&ch, &wo, NOW0, 2);
	world_at(&wo, 2);	/* handshakes; peers 3 and 7 removed */
	side_forget_events(&ch);
	store_begin(ch.s);
	tracker_pass_begin(ch.t, NOW0 + 140 * S);
	CHECK_INT(read_chunked(&ch, &wo.wg0, NULL, 2, 5), -EPROTO);
	CHECK_INT(read_chunked(&ch, &wo.wg1, NULL, 2, SIZE_MAX), 0);
	tracker_pass_end(ch.t, true, SRC_POLL, NULL, NULL);
	CHECK_INT(store_commit(ch.s), 0);
	CHECK(has(side_events(&ch), "OBSERVE_FAILED"));
	CHECK(!has(side_events(&ch), "PEER_REMOVED"));
	CHECK(!has(side_events(&ch), "IFACE_DESTROYED"));
	CHECK(has(side_events(&ch), "IFACE_CHANGED"));	/* begin saw the new port */
	/* peers 1 and 3 of the reply (ids 1, 5: odd) were handed on */
	CHECK(has(side_events(&ch), "PEER_HANDSHAKE"));
	CHECK_INT(npeers(&ch), 14 + 3);
	/* the next complete read: the removals come then */
	side_forget_events(&ch);
	one_pass(&ch, &wo, NOW0 + 150 * S, 2);
	CHECK(has(side_events(&ch), "PEER_REMOVED"));
	CHECK_INT(npeers(&ch), 14 - 2 + 2 + 3 + 5);	/* and blue, new */
	world_free(&wo);
	side_free(&ch);
}

/* An interface first met in a read that fails mid-way is not kept: at the
 * baseline (streamed, then forgotten, its rows deleted) and at runtime
 * (read whole: never created). The next good read then gives what a
 * tracker that never saw it gives: IFACE_CREATED and every PEER_ADDED. */
TEST(chunked_failure_forgets_a_new_interface)
{
	struct side w, ch;
	struct world wo;

	memset(&wo, 0, sizeof(wo));
	side_init(&w);
	side_init(&ch);
	world_at(&wo, 3);
	/* baseline pass: wg2 fails after chunks went to the tracker */
	for (int s = 0; s < 2; s++) {
		struct side *sd = s ? &ch : &w;

		store_begin(sd->s);
		tracker_pass_begin(sd->t, NOW0);
		if (s)
			CHECK_INT(read_chunked(sd, &wo.wg2, NULL, 2, 5), -EPROTO);
		else
			read_whole(sd, &wo.wg2, NULL, true);
		tracker_pass_end(sd->t, true, SRC_POLL, NULL, NULL);
		CHECK_INT(store_commit(sd->s), 0);
	}
	CHECK_INT(npeers(&ch), 0);
	/* nothing of it in the store either */
	tracker_free(ch.t);
	store_free(ch.s);
	side_open(&ch);
	CHECK_INT(npeers(&ch), 0);
	CHECK_STR(side_events(&w), side_events(&ch));
	/* at runtime: fails again (whole, kept by the reader), then reads */
	store_begin(ch.s);
	tracker_pass_begin(ch.t, NOW0 + 10 * S);
	CHECK_INT(read_chunked(&ch, &wo.wg2, NULL, 1, 6), -EPROTO);
	tracker_pass_end(ch.t, true, SRC_POLL, NULL, NULL);
	CHECK_INT(store_commit(ch.s), 0);
	CHECK_INT(npeers(&ch), 0);
	side_forget_events(&w);
	side_forget_events(&ch);
	wo.have_wg1 = wo.have_blue = false;
	one_pass(&w, &wo, NOW0 + 20 * S, 0);
	one_pass(&ch, &wo, NOW0 + 20 * S, 3);
	CHECK(has(side_events(&ch), "IFACE_CREATED"));
	CHECK(has(side_events(&ch), "PEER_ADDED"));
	CHECK_STR(side_events(&w), side_events(&ch));
	world_free(&wo);
	side_free(&w);
	side_free(&ch);
}

TEST_MAIN()
