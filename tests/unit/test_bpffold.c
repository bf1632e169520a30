// SPDX-License-Identifier: GPL-2.0
/* The eBPF source's folding, on synthetic fold entries and ring records
 * laid out as wg.bpf.c writes them (sources/bpf/wgbpf.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <sys/socket.h>

#include "test.h"
#include "base/event.h"
#include "base/util.h"
#include "sources/bpf/bpffold.h"

#define MAXEV 4096

struct collect {
	size_t n;
	struct event ev[MAXEV];
};

static int collect_emit(void *ctx, struct event *ev)
{
	struct collect *c = ctx;

	if (c->n < MAXEV)
		c->ev[c->n++] = *ev;
	return 0;
}

static struct wgb_fold_key key4(uint32_t sec, unsigned verdict, unsigned reason,
				const char *ip, unsigned port)
{
	struct wgb_fold_key k;

	memset(&k, 0, sizeof(k));
	k.sec = sec;
	k.ifindex = 7;
	k.verdict = (unsigned char)verdict;
	k.reason = (unsigned char)reason;
	k.family = AF_INET;
	inet_pton(AF_INET, ip, k.addr);
	k.port = (unsigned short)port;
	return k;
}

static struct wgb_fold_val val(uint64_t count, uint64_t first_ns)
{
	struct wgb_fold_val v;

	memset(&v, 0, sizeof(v));
	v.count = count;
	v.first_ns = first_ns;
	snprintf(v.ifname, sizeof(v.ifname), "wg0");
	return v;
}

static uint64_t sum_counts(const struct collect *c)
{
	uint64_t s = 0, n;

	for (size_t i = 0; i < c->n; i++) {
		const char *v = event_get(&c->ev[i], "count");

		if (v && parse_u64(v, strlen(v), UINT64_MAX, &n) == 0)
			s += n;
	}
	return s;
}

TEST(entry_to_event)
{
	struct wgb_fold_key k = key4(100, WGB_INIT_BAD, WGB_R_UNKNOWN_PEER, "192.168.242.2", 40012);
	struct wgb_fold_val v = val(3, 100500000000ull);
	char b64[WG_KEY_B64_LEN];
	struct event ev;

	for (int i = 0; i < WGB_KEY_LEN; i++)
		k.key[i] = (unsigned char)(i + 1);
	k.kflags = WGB_KF_CLAIMED;
	key_to_base64(b64, k.key);
	CHECK_INT(bpffold_event(&k, &v, 1000, &ev), 0);
	CHECK_STR(event_type_name(ev.type), "INVALID_HANDSHAKE_INITIATION");
	CHECK_STR(event_source_name(ev.source), "bpf");
	CHECK_STR(event_get(&ev, "iface"), "wg0");
	CHECK_STR(event_get(&ev, "endpoint"), "192.168.242.2:40012");
	CHECK_STR(event_get(&ev, "reason"), "unknown_peer");
	CHECK_STR(event_get(&ev, "claimed_peer"), b64);
	CHECK(event_get(&ev, "peer") == NULL);	/* no peer has that key */
	CHECK_STR(event_get(&ev, "count"), "3");
	CHECK_INT(ev.time_us, 100500000 + 1000);

	/* A known peer: the key is `peer`; IPv6 source. */
	memset(k.addr, 0, sizeof(k.addr));
	k.family = AF_INET6;
	inet_pton(AF_INET6, "fd00:242::2", k.addr);
	k.verdict = WGB_INIT_OK;
	k.reason = WGB_R_NONE;
	k.kflags = WGB_KF_PEER;
	CHECK_INT(bpffold_event(&k, &v, 0, &ev), 0);
	CHECK_STR(event_type_name(ev.type), "HANDSHAKE_INITIATION_RECEIVED");
	CHECK_STR(event_get(&ev, "peer"), b64);
	CHECK_STR(event_get(&ev, "endpoint"), "[fd00:242::2]:40012");
	CHECK(event_get(&ev, "reason") == NULL);
	CHECK(event_get(&ev, "claimed_peer") == NULL);

	/* Out-of-range input from a mismatched object: refused, not read. */
	k.verdict = WGB_VERDICT_MAX;
	CHECK_INT(bpffold_event(&k, &v, 0, &ev), -EINVAL);
	k.verdict = WGB_BAD_MAC;
	k.reason = WGB_R_MAX;
	CHECK_INT(bpffold_event(&k, &v, 0, &ev), -EINVAL);
	/* An interface name with a control character is left out. */
	k.reason = WGB_R_BAD_MAC;
	v.ifname[1] = '\n';
	CHECK_INT(bpffold_event(&k, &v, 0, &ev), 0);
	CHECK(event_get(&ev, "iface") == NULL);
}

/* Two source ports, many seconds: one event per (second, source, verdict),
 * counts adding up to the packets; only closed seconds are emitted. */
TEST(fold_two_ports_exact)
{
	static struct collect c;
	struct event_sink sink = { collect_emit, &c };
	struct bpffold *f;
	uint64_t total = 0;

	CHECK_INT(bpffold_new(64, &f), 0);
	for (uint32_t sec = 10; sec < 15; sec++) {
		for (unsigned port = 50021; port <= 50022; port++) {
			/* Several partial reads of the same second add up. */
			for (int part = 0; part < 3; part++) {
				struct wgb_fold_key k = key4(sec, port == 50021 ? WGB_BAD_MAC : WGB_INIT_BAD,
							     port == 50021 ? WGB_R_BAD_MAC : WGB_R_DECRYPT_FAILED,
							     "192.168.242.2", port);
				struct wgb_fold_val v = val(100 + sec + (uint64_t)part,
							    (uint64_t)sec * 1000000000ull + (uint64_t)part);

				bpffold_add(f, &k, &v);
				total += v.count;
			}
		}
	}
	CHECK_INT(bpffold_len(f), 10);
	c.n = 0;
	CHECK_INT(bpffold_flush(f, 13, 0, &sink), 6);	/* seconds 10..12 */
	CHECK_INT(bpffold_len(f), 4);
	for (size_t i = 1; i < c.n; i++)	/* oldest first */
		CHECK(c.ev[i - 1].time_us <= c.ev[i].time_us);
	CHECK_STR(event_get(&c.ev[0], "count"), "333");	/* 110 + 111 + 112 */
	CHECK_INT(bpffold_flush(f, 13, 0, &sink), 0);	/* nothing twice */
	CHECK_INT(bpffold_flush(f, 100, 0, &sink), 4);
	CHECK_INT(bpffold_len(f), 0);
	CHECK_INT(c.n, 10);
	CHECK_INT(sum_counts(&c), total);
	bpffold_free(f);
}

/* More sources than the table holds: the detail goes, the counts stay. */
TEST(fold_bound_keeps_totals)
{
	static struct collect c;
	struct event_sink sink = { collect_emit, &c };
	struct bpffold *f;
	uint64_t total = 0;
	size_t folded = 0;
	char ip[32];

	CHECK_INT(bpffold_new(16, &f), 0);
	for (unsigned i = 0; i < 3000; i++) {
		struct wgb_fold_key k;
		struct wgb_fold_val v = val(1 + i % 7, 5000000000ull + i);

		snprintf(ip, sizeof(ip), "10.%u.%u.%u", i >> 16, (i >> 8) & 255, i & 255);
		k = key4(5, WGB_BAD_MAC, WGB_R_BAD_MAC, ip, 1000 + i % 3);
		bpffold_add(f, &k, &v);
		total += v.count;
	}
	CHECK(bpffold_len(f) <= 16 + 1024);
	c.n = 0;
	bpffold_flush(f, 6, 0, &sink);
	CHECK_INT(sum_counts(&c), total);
	for (size_t i = 0; i < c.n; i++)
		if (event_get(&c.ev[i], "detail")) {
			folded++;
			CHECK(event_get(&c.ev[i], "endpoint") == NULL);
			CHECK_STR(event_get(&c.ev[i], "reason"), "bad_mac");
		}
	CHECK_INT(folded, 1);	/* one source-less entry for (second, iface, verdict) */
	CHECK_INT(c.n, 17);
	bpffold_free(f);
}

/* The kernel map's own overflow counts (no interface) still sum. */
TEST(fold_kernel_overflow)
{
	static struct collect c;
	struct event_sink sink = { collect_emit, &c };
	struct bpffold *f;
	struct wgb_fold_key k = key4(8, WGB_BAD_MAC, WGB_R_BAD_MAC, "192.0.2.1", 9);
	struct wgb_fold_val v = val(40, 8000000000ull);

	CHECK_INT(bpffold_new(4, &f), 0);
	bpffold_add(f, &k, &v);
	bpffold_add_overflow(f, 8, WGB_BAD_MAC, WGB_R_BAD_MAC, 60);
	bpffold_add_overflow(f, 8, WGB_VERDICT_MAX, 0, 5);	/* garbage: ignored */
	bpffold_add_overflow(f, 8, WGB_BAD_MAC, WGB_R_BAD_MAC, 0);
	c.n = 0;
	CHECK_INT(bpffold_flush(f, 9, 0, &sink), 2);
	CHECK_INT(sum_counts(&c), 100);
	bpffold_free(f);
}

TEST(ring_records)
{
	struct wgb_rec r;
	struct event ev;

	memset(&r, 0, sizeof(r));
	r.type = WGB_REC_PEER_REMOVED;
	r.ts_ns = 2000000000ull;
	r.pid = 4242;
	r.uid = 0;
	snprintf(r.comm, sizeof(r.comm), "wg");
	snprintf(r.ifname, sizeof(r.ifname), "wgb0");
	CHECK_INT(bpfrec_event(&r, 0, &ev), 0);
	CHECK_STR(event_type_name(ev.type), "PEER_REMOVED");
	CHECK_STR(event_get(&ev, "comm"), "wg");
	CHECK_STR(event_get(&ev, "pid"), "4242");
	CHECK_STR(event_get(&ev, "uid"), "0");
	CHECK_STR(event_get(&ev, "iface"), "wgb0");
	CHECK(event_get(&ev, "peer") != NULL);
	CHECK(event_get(&ev, "unit") == NULL);
	snprintf(r.unit, sizeof(r.unit), "wg-quick@wgb0.service");
	CHECK_INT(bpfrec_event(&r, 0, &ev), 0);
	CHECK_STR(event_get(&ev, "unit"), "wg-quick@wgb0.service");
	r.unit[0] = '\0';

	r.type = WGB_REC_ENDPOINT;
	r.family = AF_INET;
	inet_pton(AF_INET, "192.168.242.2", r.addr);
	r.port = 40013;
	r.prev_family = AF_INET;
	inet_pton(AF_INET, "192.168.242.2", r.prev_addr);
	r.prev_port = 40011;
	CHECK_INT(bpfrec_event(&r, 0, &ev), 0);
	CHECK_STR(event_type_name(ev.type), "PEER_ENDPOINT_CHANGED");
	CHECK_STR(event_get(&ev, "endpoint"), "192.168.242.2:40013");
	CHECK_STR(event_get(&ev, "prev_endpoint"), "192.168.242.2:40011");
	CHECK(event_get(&ev, "comm") == NULL);	/* the datapath, no process */
	/* First endpoint of a peer: no prev_endpoint. */
	r.prev_family = 0;
	CHECK_INT(bpfrec_event(&r, 0, &ev), 0);
	CHECK(event_get(&ev, "prev_endpoint") == NULL);

	/* A process may call itself anything: quotes and controls replaced. */
	r.type = WGB_REC_PEER_ADDED;
	memcpy(r.comm, "a\"b\x01", 5);
	CHECK_INT(bpfrec_event(&r, 0, &ev), 0);
	CHECK_STR(event_get(&ev, "comm"), "a?b?");

	r.type = WGB_REC_FOLD_NEW;
	CHECK_INT(bpfrec_event(&r, 0, &ev), -ENOENT);
	r.type = 99;
	CHECK_INT(bpfrec_event(&r, 0, &ev), -EINVAL);
}

/* The module's drops when its handshake queue is full: one more verdict,
 * folded and counted like the others. */
TEST(handshake_dropped_fold)
{
	static struct collect c;
	struct event_sink sink = { collect_emit, &c };
	struct bpffold *f;
	struct wgb_fold_key k = key4(20, WGB_HS_DROPPED, WGB_R_NONE, "192.168.242.2", 50041);
	struct wgb_fold_val v = val(1500, 20100000000ull);
	struct event ev;

	CHECK_INT(bpffold_event(&k, &v, 0, &ev), 0);
	CHECK_STR(event_type_name(ev.type), "HANDSHAKE_DROPPED");
	CHECK_STR(event_get(&ev, "endpoint"), "192.168.242.2:50041");
	CHECK_STR(event_get(&ev, "count"), "1500");
	CHECK(event_get(&ev, "reason") == NULL);
	CHECK(event_get(&ev, "peer") == NULL);
	CHECK(event_get(&ev, "detail") == NULL);

	/* Drops and the verdicts of what got in, two seconds: exact sums. */
	CHECK_INT(bpffold_new(16, &f), 0);
	bpffold_add(f, &k, &v);
	v.count = 404;
	k.sec = 21;
	bpffold_add(f, &k, &v);
	k = key4(21, WGB_BAD_MAC, WGB_R_BAD_MAC, "192.168.242.2", 50041);
	v.count = 4096;
	bpffold_add(f, &k, &v);
	/* The kernel map's overflow for drops (no source) sums too. */
	bpffold_add_overflow(f, 21, WGB_HS_DROPPED, WGB_R_NONE, 7);
	c.n = 0;
	CHECK_INT(bpffold_flush(f, 22, 0, &sink), 4);
	CHECK_INT(sum_counts(&c), 1500 + 404 + 4096 + 7);
	bpffold_free(f);
}

static struct wgb_rec iface_rec(void)
{
	struct wgb_rec r;

	memset(&r, 0, sizeof(r));
	r.type = WGB_REC_IFACE_CHANGED;
	r.ts_ns = 3000000000ull;
	r.pid = 77;
	r.uid = 0;
	snprintf(r.comm, sizeof(r.comm), "wg");
	snprintf(r.ifname, sizeof(r.ifname), "wgb9");
	return r;
}

/* The listen port and the private key set over netlink: what changed and
 * who did it; of the key only public halves. */
TEST(iface_changed_records)
{
	struct wgb_rec r = iface_rec();
	char b64[WG_KEY_B64_LEN], prev[WG_KEY_B64_LEN];
	struct event ev;

	r.what = WGB_IC_PORT;
	r.port = 51831;
	r.prev_port = 51830;
	snprintf(r.unit, sizeof(r.unit), "wg-quick@wgb9.service");
	CHECK_INT(bpfrec_event(&r, 0, &ev), 0);
	CHECK_STR(event_type_name(ev.type), "IFACE_CHANGED");
	CHECK_STR(event_source_name(ev.source), "bpf");
	CHECK_STR(event_get(&ev, "iface"), "wgb9");
	CHECK_STR(event_get(&ev, "listen_port"), "51831");
	CHECK_STR(event_get(&ev, "prev_listen_port"), "51830");
	CHECK_STR(event_get(&ev, "comm"), "wg");
	CHECK_STR(event_get(&ev, "pid"), "77");
	CHECK_STR(event_get(&ev, "uid"), "0");
	CHECK_STR(event_get(&ev, "unit"), "wg-quick@wgb9.service");
	CHECK(event_get(&ev, "private_key") == NULL);
	CHECK(event_get(&ev, "pubkey") == NULL);
	CHECK(event_get(&ev, "peer") == NULL);	/* an interface, not a peer */

	/* Replaced: the new and the old public key, the port untouched. */
	for (int i = 0; i < WGB_KEY_LEN; i++) {
		r.key[i] = (unsigned char)(0x40 + i);
		r.prev_key[i] = (unsigned char)(0x80 + i);
	}
	key_to_base64(b64, r.key);
	key_to_base64(prev, r.prev_key);
	r.what = WGB_IC_KEY | WGB_IC_KEY_HAD;
	CHECK_INT(bpfrec_event(&r, 0, &ev), 0);
	CHECK_STR(event_get(&ev, "private_key"), "replaced");
	CHECK_STR(event_get(&ev, "pubkey"), b64);
	CHECK_STR(event_get(&ev, "prev_pubkey"), prev);
	CHECK(event_get(&ev, "listen_port") == NULL);

	/* First set (there was none), with the port, from no unit. */
	r.what = WGB_IC_KEY | WGB_IC_PORT;
	r.prev_port = 0;
	r.unit[0] = '\0';
	CHECK_INT(bpfrec_event(&r, 0, &ev), 0);
	CHECK_STR(event_get(&ev, "private_key"), "set");
	CHECK_STR(event_get(&ev, "pubkey"), b64);
	CHECK(event_get(&ev, "prev_pubkey") == NULL);
	CHECK_STR(event_get(&ev, "prev_listen_port"), "0");
	CHECK(event_get(&ev, "unit") == NULL);

	/* Removed (set to zeros): no identity, so no pubkey. */
	r.what = WGB_IC_KEY | WGB_IC_KEY_HAD | WGB_IC_KEY_NONE;
	CHECK_INT(bpfrec_event(&r, 0, &ev), 0);
	CHECK_STR(event_get(&ev, "private_key"), "removed");
	CHECK(event_get(&ev, "pubkey") == NULL);
	CHECK_STR(event_get(&ev, "prev_pubkey"), prev);

	/* A record that says nothing changed is garbage. */
	r.what = 0;
	CHECK_INT(bpfrec_event(&r, 0, &ev), -EINVAL);
}

/* Only a unit's own cgroup name: printable, systemd's characters, ending
 * in .service or .scope, and terminated inside the record. */
TEST(unit_names)
{
	static const struct {
		const char *in;
		int ret;
	} cases[] = {
		{ "wg-quick@wg0.service", 0 },
		{ "session-3.scope", 0 },
		{ "systemd-networkd.service", 0 },
		{ "wg-quick@wg\\x2d0.service", 0 },	/* systemd-escaped */
		{ "system.slice", -ENOENT },
		{ "user-1000.slice", -ENOENT },
		{ "/", -ENOENT },
		{ "", -ENOENT },
		{ ".service", -ENOENT },		/* nothing before the suffix */
		{ "payload", -ENOENT },			/* a delegated sub-cgroup */
		{ "a b.service", -EINVAL },
		{ "x\"y.service", -EINVAL },
		{ "ev\x01l.service", -EINVAL },
		{ "caf\xc3\xa9.service", -EINVAL },
	};
	char in[WGB_UNIT_LEN], out[WGB_UNIT_LEN];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(in, 0, sizeof(in));
		snprintf(in, sizeof(in), "%s", cases[i].in);
		CHECK_INT(bpf_unit_name(in, out), cases[i].ret);
		if (cases[i].ret == 0)
			CHECK_STR(out, cases[i].in);
		else
			CHECK_STR(out, "");
	}
	/* Not terminated inside the record (the BPF side never sends that,
	 * but the agent does not trust it): refused, not read past. */
	memset(in, 'a', sizeof(in));
	memcpy(in + sizeof(in) - 8, ".service", 8);
	CHECK_INT(bpf_unit_name(in, out), -ENOENT);
	/* The longest that fits. */
	memset(in, 'a', sizeof(in));
	memcpy(in + sizeof(in) - 9, ".service", 9);
	CHECK_INT(bpf_unit_name(in, out), 0);
	CHECK_INT(strlen(out), WGB_UNIT_LEN - 1);
}

TEST_MAIN()
