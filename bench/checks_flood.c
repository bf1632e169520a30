// SPDX-License-Identifier: GPL-2.0
/* checks_flood.c - what one flood event costs from source to journal blob,
 * with typed values against the same event carried as text (how every
 * field travelled before typed events), in the same process and run.
 *
 *   make bench-bins && build/rel/bench/checks_flood [EVENTS]
 *
 * Per event, as the eBPF source and the agent handle an invalid
 * handshake initiation folded per source: build it (iface, peer key,
 * endpoint, reason, count), run it through every check (checks_event:
 * the flood check keys it by source address, the endpoint and
 * unknown-key checks look at it), then encode its fields for the journal
 * (the edge where typed values become text). The text way formats the
 * endpoint, key and count at the source and the checks parse them back.
 * Sources cycle over 4,096 IPv4 and IPv6 addresses; the flood threshold
 * is raised so no alert is emitted (an alert is the same work both ways).
 * Rounds alternate text/typed; each way's best round is reported. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "base/event.h"
#include "base/util.h"
#include "conf/conf.h"
#include "engine/checks/checks.h"

#define NSRC	4096

static union endpoint src[NSRC];
static uint8_t key[WG_KEY_LEN] = { 7, 1, 2, 3 };
static size_t blob_bytes;

static int st_get(void *ctx, const char *k, char *val, size_t len) { return -1; }
static int st_set(void *ctx, const char *k, const char *val) { return 0; }
static int sink_emit(void *ctx, struct event *ev) { return 0; }

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void build_text(struct event *ev, const union endpoint *ep, uint64_t count)
{
	char s[ENDPOINT_STR_LEN], b64[WG_KEY_B64_LEN], n[24];

	event_set(ev, "iface", "wg0");
	key_to_base64(b64, key);
	event_set(ev, "claimed_peer", b64);
	endpoint_format(s, ep);
	event_set(ev, "endpoint", s);
	event_set(ev, "reason", "bad_mac");
	snprintf(n, sizeof(n), "%llu", (unsigned long long)count);
	event_set(ev, "count", n);
}

static void build_typed(struct event *ev, const union endpoint *ep, uint64_t count)
{
	event_set(ev, "iface", "wg0");
	event_set_key(ev, "claimed_peer", key);
	event_set_addr(ev, "endpoint", ep);
	event_set(ev, "reason", "bad_mac");
	event_set_u64(ev, "count", count);
}

static double run(struct checks *ck, long n, bool typed, int64_t t0)
{
	static char blob[EVENT_BUF_LEN];
	struct event ev;
	int64_t start = now_ns();

	for (long i = 0; i < n; i++) {
		event_init(&ev, EV_INVALID_MAC, SRC_BPF);
		ev.time_us = t0;
		if (typed)
			build_typed(&ev, &src[i % NSRC], 1 + (uint64_t)(i & 7));
		else
			build_text(&ev, &src[i % NSRC], 1 + (uint64_t)(i & 7));
		checks_event(ck, &ev);
		blob_bytes += event_fields_encode(&ev, blob, sizeof(blob));
	}
	return (double)(now_ns() - start) / (double)n;
}

int main(int argc, char **argv)
{
	static struct conf c;
	const struct checks_state st = { st_get, st_set, NULL };
	const struct event_sink sink = { sink_emit, NULL };
	const struct checks_views views = { NULL, NULL };
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	double best[2] = { 1e18, 1e18 };
	struct checks *ck;
	struct timespec ts;

	for (int i = 0; i < NSRC; i++) {
		char s[64];

		if (i % 4)
			snprintf(s, sizeof(s), "198.51.%d.%d:%d", i / 250, i % 250 + 1, 1024 + i);
		else
			snprintf(s, sizeof(s), "[2001:db8::%x:%x]:%d", i / 250, i % 250 + 1, 1024 + i);
		if (endpoint_parse(s, strlen(s), &src[i]) < 0)
			return 2;
	}
	conf_defaults(&c);
	c.check_rogue = false;
	c.flood_threshold = 1000000000;
	if (checks_new(&c, &st, &views, &sink, &ck) < 0)
		return 2;
	clock_gettime(CLOCK_REALTIME, &ts);
	for (int r = 0; r < 6; r++) {
		bool typed = r & 1;
		double ns = run(ck, n, typed, (int64_t)ts.tv_sec * 1000000);

		if (ns < best[typed])
			best[typed] = ns;
	}
	checks_free(ck);
	printf("events per round: %ld (sources: %d; journal bytes: %zu)\n", n, NSRC, blob_bytes);
	printf("text  (fields as strings, checks parse):  %7.1f ns/event  %6.2f M events/s\n",
	       best[0], 1e3 / best[0]);
	printf("typed (values binary, text at the edge):  %7.1f ns/event  %6.2f M events/s\n",
	       best[1], 1e3 / best[1]);
	printf("ratio typed/text: %.2fx the time per event\n", best[1] / best[0]);
	return 0;
}
