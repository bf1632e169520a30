// SPDX-License-Identifier: GPL-2.0
/* The UAPI stream's fast path (uapifast.c uapi_ctx_fast) against the
 * reference line parser: the same bytes through one handle with the fast
 * path and one without (uapi_debug_slow), and through uapi_parse, must give
 * the same result code and byte-identical devices, whatever the chunking,
 * for every single-byte change of a reply. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "base/util.h"
#include "base/wgdev.h"
#include "sources/uapi.h"
#include "uapitest.h"

/* Exactly what peers.sh's wireguard-go prints for a peer, plus the
 * shapes the fast path leaves to the reference (IPv6, a 20-digit counter,
 * a name-only key). A non-zero preshared key so its wiping shows. */
static const char reply[] =
	"listen_port=51820\n"
	"public_key=0f2fc0b5639290bb41a7e54015ae789d57f3d0ccf39dfafa16691a57c799351c\n"
	"preshared_key=5c0ffee05c0ffee05c0ffee05c0ffee05c0ffee05c0ffee05c0ffee05c0ffee0\n"
	"protocol_version=1\n"
	"endpoint=10.240.3.17:20017\n"
	"last_handshake_time_sec=1795608453\n"
	"last_handshake_time_nsec=635296048\n"
	"tx_bytes=92\n"
	"rx_bytes=180\n"
	"persistent_keepalive_interval=25\n"
	"allowed_ip=10.241.3.17/32\n"
	"allowed_ip=fd77::2/128\n"
	"public_key=08abf725b855aa01c6b2b0cb4b2a1d1c1d0e4e5fa0b1c2d3e4f5061728394a5b\n"
	"preshared_key=0000000000000000000000000000000000000000000000000000000000000000\n"
	"protocol_version=1\n"
	"endpoint=[::1]:51822\n"
	"last_handshake_time_sec=0\n"
	"last_handshake_time_nsec=0\n"
	"tx_bytes=18446744073709551615\n"
	"rx_bytes=0\n"
	"persistent_keepalive_interval=0\n"
	"allowed_ip=0.0.0.0/0\n"
	"errno=0\n\n";
static const char psk_hex[] = "5c0ffee05c0ffee05c0ffee05c0ffee0";

/* stream_pieces on the interface these tests name. */
static int stream(struct uapi *u, const char *buf, size_t len, size_t chunk,
		  size_t split, struct wg_device *dev)
{
	return stream_pieces(u, "wgf0", buf, len, chunk, split, dev);
}

struct pair {
	struct uapi *fast, *slow;
	struct wg_device df, ds, dp;
};

static void pair_init(struct pair *p)
{
	memset(p, 0, sizeof(*p));
	p->fast = uapi_new();
	p->slow = uapi_new();
	CHECK(p->fast && p->slow);
	if (p->slow)
		uapi_debug_slow(p->slow, true);
}

static void pair_free(struct pair *p)
{
	uapi_free(p->fast);
	uapi_free(p->slow);
	wg_device_release(&p->df);
	wg_device_release(&p->ds);
	wg_device_release(&p->dp);
}

/* fast == slow always (codes and devices); == uapi_parse where the stream
 * does not differ by design (bytes after the blank line, long lines). */
static bool agree(struct pair *p, const char *buf, size_t len, size_t chunk, size_t split)
{
	int rf = stream(p->fast, buf, len, chunk, split, &p->df);
	int rs = stream(p->slow, buf, len, chunk, split, &p->ds);
	int rp = uapi_parse(buf, len, &p->dp);

	if (rf != rs || !same_device(&p->df, &p->ds)) {
		test_fail("fast %d vs slow %d (chunk %zu split %zu, %s)", rf, rs, chunk,
			  split, rf == rs ? "devices differ" : "codes differ");
		return false;
	}
	if (rp >= 0 && (rf != rp || !same_device(&p->df, &p->dp))) {
		test_fail("stream %d vs parse %d (chunk %zu split %zu)", rf, rp, chunk, split);
		return false;
	}
	return true;
}

TEST(fast_path_takes_the_common_lines)
{
	struct pair p;

	pair_init(&p);
	if (!p.fast)
		return;
	CHECK(agree(&p, reply, sizeof(reply) - 1, 0, 0));
	/* 22 lines; not taken: listen_port, the IPv6 allowed IP, the IPv6
	 * endpoint, the 20-digit tx_bytes, errno and the blank line */
	CHECK_INT(uapi_debug_fast_lines(p.fast), 22 - 6 + 2);
	CHECK_INT(uapi_debug_fast_lines(p.slow), 0);
	CHECK_INT(p.df.n_peers, 2);
	CHECK_INT(p.df.n_aips, 3);
	CHECK_INT(p.df.peers[0].rx_bytes, 180);
	CHECK_INT(p.df.peers[0].keepalive, 25);
	CHECK_INT(p.df.peers[0].last_handshake_sec, 1795608453);
	CHECK_INT(ntohs(p.df.peers[0].endpoint.sin.sin_port), 20017);
	CHECK(p.df.peers[1].tx_bytes == UINT64_MAX);
	pair_free(&p);
}

TEST(fast_same_as_slow_for_every_byte_at_every_offset)
{
	size_t len = sizeof(reply) - 1;
	char *buf = malloc(len);
	struct pair p;
	unsigned long bad = 0;

	pair_init(&p);
	CHECK(buf != NULL);
	if (!buf || !p.fast)
		return;
	for (size_t i = 0; i < len && !bad; i++) {
		for (unsigned b = 0; b < 256 && !bad; b++) {
			memcpy(buf, reply, len);
			buf[i] = (char)b;
			/* one read, a cut just before the changed byte, and
			 * reads of random sizes (a partial line moved to the
			 * buffer's front, a NUL's index with it) */
			bad += !agree(&p, buf, len, 0, 0);
			bad += !agree(&p, buf, len, 0, i ? i : 1);
			bad += !agree(&p, buf, len, 1 + (i + b) % 97, 0);
		}
	}
	CHECK_INT(bad, 0);
	free(buf);
	pair_free(&p);
}

TEST(fast_same_as_slow_cut_anywhere)
{
	size_t len = sizeof(reply) - 1;
	struct pair p;

	pair_init(&p);
	if (!p.fast)
		return;
	for (size_t s = 1; s < len; s++)
		if (!agree(&p, reply, len, 0, s))
			break;
	for (size_t c = 1; c < 40; c++)
		if (!agree(&p, reply, len, c, 0))
			break;
	/* truncated anywhere: the same -EPROTO, nothing left in the device */
	for (size_t s = 0; s < len; s++) {
		if (!agree(&p, reply, s, s % 7, 0))
			break;
		if (p.df.n_peers || p.df.n_aips) {
			test_fail("cut at %zu left %zu peers", s, p.df.n_peers);
			break;
		}
	}
	pair_free(&p);
}

/* Found by fuzz_uapi: a NUL inside a preshared key, the reply read in
 * pieces. The fast path took the line; the NUL's index, moved with the
 * partial line after it, wrapped below zero and the NUL rule never met
 * it: 0 where the reference says -EPROTO. */
TEST(fast_nul_inside_preshared_key_chunked)
{
	size_t len;
	char *buf = test_read_data("uapi-nul-in-psk-chunked.txt", &len);
	struct pair p;

	pair_init(&p);
	CHECK(buf != NULL);
	if (!buf || !p.fast)
		return;
	for (size_t c = 2; c < 140; c++)
		if (!agree(&p, buf, len, c, 0))
			break;
	CHECK_INT(stream(p.fast, buf, len, 0, 200, &p.df), -EPROTO);
	free(buf);
	pair_free(&p);
}

#define PK "public_key=0f2fc0b5639290bb41a7e54015ae789d57f3d0ccf39dfafa16691a57c799351c\n"

TEST(fast_values_at_their_limits)
{
	static const char *lines[] = {
		"endpoint=255.255.255.255:65535", "endpoint=0.0.0.0:0",
		"endpoint=1.2.3.4:65536", "endpoint=1.2.3.4:", "endpoint=1.2.3.4",
		"endpoint=01.2.3.4:5", "endpoint=1.2.3.256:5", "endpoint=1.2.3:5",
		"endpoint=1.2.3.4.5:6", "endpoint=1.2.3.4:5:6", "endpoint=1.2.3.4:05",
		"endpoint=1.2.3.4 :5", "endpoint=1234.2.3.4:5", "endpoint=",
		"allowed_ip=1.2.3.4/32", "allowed_ip=1.2.3.4/33", "allowed_ip=1.2.3.4/",
		"allowed_ip=1.2.3.4/032", "allowed_ip=1.2.3.4", "allowed_ip=1.2.3.4/3/2",
		"allowed_ip=00.2.3.4/8", "allowed_ip=fd00::1/128",
		"tx_bytes=0", "tx_bytes=", "tx_bytes=-1", "tx_bytes=007",
		"tx_bytes=9999999999999999999", "tx_bytes=18446744073709551615",
		"tx_bytes=18446744073709551616", "rx_bytes=1x", "rx_bytes= 1",
		"last_handshake_time_sec=9223372036854775807",
		"last_handshake_time_sec=9223372036854775808",
		"last_handshake_time_nsec=999999999", "last_handshake_time_nsec=1000000000",
		"protocol_version=4294967295", "protocol_version=4294967296",
		"persistent_keepalive_interval=65535", "persistent_keepalive_interval=65536",
		"public_key=0F2FC0B5639290BB41A7E54015AE789D57F3D0CCF39DFAFA16691A57C799351C",
		"public_key=0f2fc0b5639290bb41a7e54015ae789d57f3d0ccf39dfafa16691a57c799351",
		"public_key=0f2fc0b5639290bb41a7e54015ae789d57f3d0ccf39dfafa16691a57c799351cc",
		"public_key=0f2fc0b5639290bb41a7e54015ae789d57f3d0ccf39dfafa16691a57c799351g",
		"preshared_key=", "preshared_key=zz",
		"preshared_key=00000000000000000000000000000000000000000000000000000000000000000",
		"tx_bytes", "tx_bytes=1=2", "tx_bytesx=1", "endpointx=1.2.3.4:5",
	};
	struct pair p;
	char buf[512];

	pair_init(&p);
	if (!p.fast)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		/* after a peer, and (peer keys are an error there) before one */
		int n = snprintf(buf, sizeof(buf), PK "%s\nerrno=0\n\n", lines[i]);

		if (!agree(&p, buf, (size_t)n, 0, 0))
			test_fail("line %zu: %s", i, lines[i]);
		n = snprintf(buf, sizeof(buf), "%s\n" PK "errno=0\n\n", lines[i]);
		if (!agree(&p, buf, (size_t)n, 1, 0))
			test_fail("first line %zu: %s", i, lines[i]);
		/* after errno=: an error either way */
		n = snprintf(buf, sizeof(buf), PK "errno=0\n%s\n\n", lines[i]);
		if (!agree(&p, buf, (size_t)n, 0, 0))
			test_fail("after errno %zu: %s", i, lines[i]);
	}
	pair_free(&p);
}

/* A peer as wireguard-go prints it, one field's value replaced, then a
 * second plain peer: every value of the first has 16 bytes or more after
 * it (the fast path's wide reads), unless the reply is cut inside it. */
static int peer_block(char *buf, size_t size, const char *field, const char *value)
{
	static const char *const fields[][2] = {
		{ "protocol_version", "1" }, { "endpoint", "10.240.3.17:20017" },
		{ "last_handshake_time_sec", "1795608453" },
		{ "last_handshake_time_nsec", "635296048" }, { "tx_bytes", "92" },
		{ "rx_bytes", "180" }, { "persistent_keepalive_interval", "25" },
		{ "allowed_ip", "10.241.3.17/32" },
	};
	int n = snprintf(buf, size, PK "preshared_key=%064d\n", 0);

	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		n += snprintf(buf + n, size - (size_t)n, "%s=%s\n", fields[i][0],
			      strcmp(field, fields[i][0]) ? fields[i][1] : value);
	n += snprintf(buf + n, size - (size_t)n, "%.*s", (int)(sizeof(reply) - 1), reply + 18);
	return n;
}

/* Every number field with 1-21 digits of several shapes and the values
 * around its bound, every dotted-quad part of 1-4 digits: read whole
 * (the wide reads), cut inside the value (the byte loop near the end of
 * what is there) and in small pieces: fast == slow == uapi_parse. */
TEST(fast_numbers_and_quads_wide_and_cut)
{
	static const char *const nums[] = {
		"protocol_version", "last_handshake_time_sec", "last_handshake_time_nsec",
		"tx_bytes", "rx_bytes", "persistent_keepalive_interval",
	};
	static const char *const bounds[] = {
		"65535", "65536", "999999999", "1000000000", "4294967295", "4294967296",
		"9223372036854775807", "9223372036854775808", "18446744073709551615",
		"18446744073709551616", "0000000000000000001", "00000000000000000001", "1x",
		"12345678x", "123456789 ", "",
	};
	static const char *const parts[] = {
		"0", "00", "01", "9", "10", "99", "100", "199", "255", "256", "299", "999", "1000", "",
	};
	struct pair p;
	char buf[2048], v[64];
	unsigned long bad = 0;

	pair_init(&p);
	if (!p.fast)
		return;
	for (size_t f = 0; f < ARRAY_SIZE(nums); f++) {
		for (size_t len = 1; len <= 21; len++) {
			for (int shape = 0; shape < 4; shape++) {
				for (size_t i = 0; i < len; i++)
					v[i] = (char)(shape == 0 ? '9' : shape == 1 ? (i ? '0' : '1') :
						      shape == 2 ? (i + 1 < len ? '0' : '7') :
						      '0' + (int)(rng() % 10));
				v[len] = '\0';
				int n = peer_block(buf, sizeof(buf), nums[f], v);
				size_t at = (size_t)(strstr(buf, nums[f]) - buf) + strlen(nums[f]) + 1;

				bad += !agree(&p, buf, (size_t)n, 0, 0);
				for (size_t cut = at; cut <= at + len + 1; cut++)
					bad += !agree(&p, buf, (size_t)n, 0, cut);
				bad += !agree(&p, buf, (size_t)n, 1 + len % 7, 0);
			}
		}
		for (size_t b = 0; b < ARRAY_SIZE(bounds); b++) {
			int n = peer_block(buf, sizeof(buf), nums[f], bounds[b]);

			bad += !agree(&p, buf, (size_t)n, 0, 0);
			bad += !agree(&p, buf, (size_t)n, 3, 0);
		}
	}
	for (int k = 0; k < 3000; k++) {
		const char *q[4];
		bool one = k < 4 * (int)ARRAY_SIZE(parts);

		/* first each part alone in each place, then at random */
		for (int j = 0; j < 4; j++)
			q[j] = one ? (j == k / (int)ARRAY_SIZE(parts) ? parts[k % ARRAY_SIZE(parts)] : "10")
				   : parts[rng() % ARRAY_SIZE(parts)];
		for (int ip = 0; ip < 2; ip++) {
			int n;

			if (ip)
				snprintf(v, sizeof(v), "%s.%s.%s.%s/%s", q[0], q[1], q[2], q[3],
					 parts[rng() % ARRAY_SIZE(parts)]);
			else
				snprintf(v, sizeof(v), "%s.%s.%s.%s:%s", q[0], q[1], q[2], q[3],
					 bounds[rng() % 2]);
			n = peer_block(buf, sizeof(buf), ip ? "allowed_ip" : "endpoint", v);
			bad += !agree(&p, buf, (size_t)n, 0, 0);
			bad += !agree(&p, buf, (size_t)n, 0, (size_t)(strstr(buf, v) - buf) + strlen(v) / 2);
		}
	}
	CHECK_INT(bad, 0);
	/* the plain blocks went the fast way: not a test of the reference only */
	CHECK(uapi_debug_fast_lines(p.fast) > 100000);
	pair_free(&p);
}

TEST(fast_hex_same_as_key_from_hex)
{
	struct pair p;
	char buf[256];

	pair_init(&p);
	if (!p.fast)
		return;
	for (int k = 0; k < 2000; k++) {
		uint8_t key[WG_KEY_LEN], want[WG_KEY_LEN];
		char hex[2 * WG_KEY_LEN + 1];
		int n;

		for (size_t i = 0; i < WG_KEY_LEN; i++)
			key[i] = (uint8_t)rng();
		for (size_t i = 0; i < WG_KEY_LEN; i++)
			snprintf(hex + 2 * i, 3, "%02x", key[i]);
		CHECK_INT(key_from_hex(want, hex, 64), 0);
		n = snprintf(buf, sizeof(buf), "public_key=%s\nerrno=0\n\n", hex);
		if (!agree(&p, buf, (size_t)n, 0, 0) || p.df.n_peers != 1 ||
		    memcmp(p.df.peers[0].public_key, want, WG_KEY_LEN)) {
			test_fail("key %d", k);
			break;
		}
	}
	CHECK(uapi_debug_fast_lines(p.fast) >= 2000);
	pair_free(&p);
}

/* The preshared key's hex is wiped from the handle's buffer right after its
 * line, on the fast path as on the slow one. */
TEST(fast_path_wipes_preshared_key)
{
	struct pair p;
	const void *mem;
	size_t mlen;

	pair_init(&p);
	if (!p.fast)
		return;
	for (size_t c = 0; c < 3; c++) {
		CHECK(agree(&p, reply, sizeof(reply) - 1, c, 0));
		uapi_debug_mem(p.fast, &mem, &mlen);
		CHECK(!memmem(mem, mlen, psk_hex, 16));
	}
	pair_free(&p);
}

/* One handle over successive polls, as the agent uses it: a peer whose
 * allowed IPs, endpoint or counters change, peers coming and going; each
 * poll equals a fresh parse of its own reply (nothing carried over). */
TEST(fast_reused_handle_follows_changes)
{
	static const char *polls[] = {
		PK "endpoint=10.0.0.1:1\nallowed_ip=10.1.0.0/16\nerrno=0\n\n",
		PK "endpoint=10.0.0.1:1\nallowed_ip=10.1.0.0/16\nallowed_ip=10.2.0.0/16\nerrno=0\n\n",
		PK "endpoint=10.0.0.2:1\nallowed_ip=10.2.0.0/16\nrx_bytes=5\nerrno=0\n\n",
		"errno=0\n\n",
		PK "endpoint=10.0.0.1:1\nallowed_ip=10.1.0.0/16\nerrno=0\n\n",
	};
	struct pair p;

	pair_init(&p);
	if (!p.fast)
		return;
	for (int round = 0; round < 3; round++)
		for (size_t i = 0; i < ARRAY_SIZE(polls); i++)
			if (!agree(&p, polls[i], strlen(polls[i]), (size_t)round * 3, 0))
				test_fail("round %d poll %zu", round, i);
	pair_free(&p);
}

/* A device read in chunks (every peer handed on as soon as the next one
 * starts, chunk 1, or a few at a time) gives its consumer the same peers
 * and allowed IPs, in the same order, as one read whole: for every
 * single-byte change of a reply of many peers, read in pieces. */
static bool chunked_agrees(struct uapi *u, struct collector *c, const char *buf,
			   size_t len, size_t pieces, size_t chunk, struct wg_device *whole,
			   struct wg_device *dev)
{
	int rw = stream(u, buf, len, pieces, 0, whole);
	int rc;

	collector_init(c, chunk);
	rc = stream_pieces_to(u, "wgf0", buf, len, pieces, 0, dev, &c->s);
	if (rc != rw) {
		test_fail("chunked %d vs whole %d (chunk %zu)", rc, rw, chunk);
		return false;
	}
	if (rc < 0)
		return !dev->n_peers && !dev->n_aips;	/* cleared, as whole */
	collector_end(c, dev);
	if (!same_device(&c->all, whole) || dev->n_peers > chunk + 2) {
		test_fail("chunked device differs (chunk %zu, %zu calls)", chunk, c->calls);
		return false;
	}
	return true;
}

TEST(chunked_flush_same_peers_as_whole)
{
	struct wg_device whole = { 0 }, dev = { 0 };
	struct collector c = { 0 };
	struct uapi *u = uapi_new();
	char *buf = NULL;
	size_t len = 0, cap = 0, body = strlen(reply) - strlen("errno=0\n\n");
	unsigned long bad = 0;

	CHECK(u != NULL);
	if (!u)
		return;
	/* eight copies of the two peers (keys told apart), then errno */
	cap = 8 * body + 16;
	buf = malloc(cap);
	CHECK(buf != NULL);
	if (!buf)
		return;
	memcpy(buf, reply, strlen("listen_port=51820\n"));
	len = strlen("listen_port=51820\n");
	for (int k = 0; k < 8; k++) {
		size_t part = body - strlen("listen_port=51820\n");
		char *at = buf + len;

		memcpy(at, reply + strlen("listen_port=51820\n"), part);
		at[strlen("public_key=")] = (char)('0' + k);
		len += part;
	}
	memcpy(buf + len, "errno=0\n\n", 10);
	len += 10;
	CHECK_INT(stream(u, buf, len, 0, 0, &whole), 0);
	CHECK_INT(whole.n_peers, 16);
	for (size_t chunk = 1; chunk <= 5; chunk++)
		CHECK(chunked_agrees(u, &c, buf, len, chunk * 13, chunk, &whole, &dev));
	CHECK(c.calls > 1);
	for (size_t i = 0; i < len && !bad; i += 3) {
		char save = buf[i];

		for (unsigned b = 0; b < 256 && !bad; b += 5) {
			buf[i] = (char)b;
			bad += !chunked_agrees(u, &c, buf, len, 1 + (i + b) % 97, 1 + b % 4,
					       &whole, &dev);
		}
		buf[i] = save;
	}
	CHECK_INT(bad, 0);
	free(buf);
	wg_device_release(&whole);
	wg_device_release(&dev);
	wg_device_release(&c.all);
	uapi_free(u);
}

TEST_MAIN()
