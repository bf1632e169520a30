// SPDX-License-Identifier: GPL-2.0
/* The UAPI reply parser (uapi_parse) on captured and hostile replies, and
 * the streaming reader in any chunks against it. The socket client is
 * test_uapisock.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "base/wgdev.h"
#include "sources/uapi.h"
#include "base/util.h"
#include "uapifix.h"
#include "uapitest.h"

static int parse_str(const char *s, struct wg_device *dev)
{
	/* An exact-size heap copy so ASan sees any read past the end. */
	size_t len = strlen(s);
	char *b = malloc(len ? len : 1);
	int ret;

	memcpy(b, s, len);
	ret = uapi_parse(b, len, dev);
	free(b);
	return ret;
}

static const char *ep(const struct wg_peer *p, char out[ENDPOINT_STR_LEN])
{
	endpoint_format(out, &p->endpoint);
	return out;
}

static const char *aips(const struct wg_device *dev, const struct wg_peer *p)
{
	static char buf[512];

	wg_peer_format_aips(dev, p, buf, sizeof(buf));
	return buf;
}

TEST(captured_wireguard_go_server)
{
	struct wg_device dev = { 0 };
	uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN];
	char e[ENDPOINT_STR_LEN];
	size_t len;
	char *buf = test_read_data("uapi-wggo-server.txt", &len);

	CHECK(buf != NULL);
	if (!buf)
		return;
	CHECK_INT(uapi_parse(buf, len, &dev), 0);
	CHECK_INT(dev.impl, WG_IMPL_UAPI);
	CHECK(dev.has_public_key);
	key_from_hex(pub, RFC_PUB_HEX, 64);
	CHECK(memcmp(dev.public_key, pub, WG_KEY_LEN) == 0);
	CHECK_INT(dev.listen_port, 51820);
	CHECK_INT(dev.fwmark, 0x1234);
	CHECK_INT(dev.n_peers, 3);
	CHECK_INT(dev.n_aips, 5);
	if (dev.n_peers == 3) {
		struct wg_peer *p = dev.peers;

		CHECK_STR(ep(&p[0], e), "127.0.0.1:51821");
		CHECK_INT(p[0].last_handshake_sec, 1795608453);
		CHECK_INT(p[0].tx_bytes, 92);
		CHECK_INT(p[0].rx_bytes, 180);
		CHECK_INT(p[0].keepalive, 0);
		CHECK_STR(aips(&dev, &p[0]), "10.77.0.2/32,fd77::2/128");
		CHECK_STR(ep(&p[1], e), "[::1]:51822");
		CHECK_INT(p[1].keepalive, 25);
		CHECK_INT(p[1].tx_bytes, 272);
		CHECK_STR(aips(&dev, &p[1]), "10.77.2.0/24,fd77:2::/64");
		/* never handshaken, no endpoint */
		CHECK_INT(p[2].endpoint.sa.sa_family, AF_UNSPEC);
		CHECK_STR(ep(&p[2], e), "");
		CHECK_INT(p[2].last_handshake_sec, 0);
		CHECK_INT(p[2].rx_bytes, 0);
		CHECK_STR(aips(&dev, &p[2]), "10.77.3.3/32");
	}
	key_from_hex(priv, RFC_PRIV_HEX, 64);
	CHECK(!holds_key(&dev, priv));
	wipe(priv, sizeof(priv));
	wg_device_release(&dev);
	free(buf);
}

TEST(captured_client_nokey_empty)
{
	struct wg_device dev = { 0 };
	char e[ENDPOINT_STR_LEN];
	size_t len;
	char *buf;

	buf = test_read_data("uapi-wggo-client.txt", &len);
	CHECK(buf && uapi_parse(buf, len, &dev) == 0);
	CHECK_INT(dev.n_peers, 1);
	CHECK(dev.has_public_key);
	if (dev.n_peers == 1) {
		CHECK_STR(ep(&dev.peers[0], e), "127.0.0.1:51820");
		CHECK_STR(aips(&dev, &dev.peers[0]), "10.77.0.1/32,fd77::1/128");
	}
	free(buf);

	buf = test_read_data("uapi-wggo-nokey.txt", &len);
	CHECK(buf && uapi_parse(buf, len, &dev) == 0);
	CHECK(!dev.has_public_key);
	CHECK_INT(dev.listen_port, 51822);
	CHECK_INT(dev.n_peers, 1);
	if (dev.n_peers == 1)
		CHECK_STR(ep(&dev.peers[0], e), "[::1]:51820");
	free(buf);

	buf = test_read_data("uapi-wggo-empty.txt", &len);
	CHECK(buf && uapi_parse(buf, len, &dev) == 0);
	CHECK_INT(dev.n_peers, 0);
	CHECK_INT(dev.listen_port, 48097);
	free(buf);
	wg_device_release(&dev);
}

TEST(truncated_at_every_offset)
{
	struct wg_device dev = { 0 };
	size_t len;
	char *buf = test_read_data("uapi-wggo-server.txt", &len);

	CHECK(buf != NULL);
	for (size_t i = 0; buf && i < len; i++) {
		char *cut = malloc(i ? i : 1);
		int ret;

		memcpy(cut, buf, i);
		ret = uapi_parse(cut, i, &dev);
		free(cut);
		if (ret != -EPROTO) {
			test_fail("cut at %zu: %d", i, ret);
			break;
		}
		if (dev.n_peers || dev.n_aips || dev.has_public_key) {
			test_fail("cut at %zu: not cleared", i);
			break;
		}
	}
	wg_device_release(&dev);
	free(buf);
}

TEST(errno_and_framing)
{
	struct wg_device dev = { 0 };

	CHECK_INT(parse_str("errno=0\n\n", &dev), 0);
	CHECK_INT(parse_str("listen_port=1\n\n", &dev), -EPROTO);
	CHECK_INT(parse_str("listen_port=1\n", &dev), -EPROTO);
	CHECK_INT(parse_str("", &dev), -EPROTO);
	CHECK_INT(parse_str("\n", &dev), -EPROTO);
	CHECK_INT(parse_str("errno=-22\n\n", &dev), -EINVAL);
	CHECK_INT(parse_str("errno=22\n\n", &dev), -EINVAL);
	CHECK_INT(parse_str("listen_port=5\nerrno=-5\n\n", &dev), -EIO);
	check_cleared(&dev);
	CHECK_INT(parse_str("errno=99999\n\n", &dev), -EPROTO);
	CHECK_INT(parse_str("errno=\n\n", &dev), -EPROTO);
	CHECK_INT(parse_str("errno=x\n\n", &dev), -EPROTO);
	CHECK_INT(parse_str("errno=0\nlisten_port=1\n\n", &dev), -EPROTO);
	CHECK_INT(parse_str("errno=0\n\nlisten_port=1\n", &dev), -EPROTO);
	CHECK_INT(parse_str("listen_port\nerrno=0\n\n", &dev), -EPROTO);
	CHECK_INT(parse_str("errno=0\n\n\n", &dev), -EPROTO);
	wg_device_release(&dev);
}

TEST(values_out_of_range)
{
	static const char *bad[] = {
		"listen_port=65536\n",
		"listen_port=-1\n",
		"listen_port=\n",
		"listen_port= 1\n",
		"fwmark=4294967296\n",
		PK "tx_bytes=18446744073709551616\n",
		PK "rx_bytes=99999999999999999999999999\n",
		PK "persistent_keepalive_interval=65536\n",
		PK "last_handshake_time_sec=9223372036854775808\n",
		PK "last_handshake_time_nsec=1000000000\n",
		PK "protocol_version=4294967296\n",
		PK "allowed_ip=10.0.0.1/33\n",
		PK "allowed_ip=fd00::1/129\n",
		PK "allowed_ip=10.0.0.1\n",
		PK "allowed_ip=10.0.0.1/\n",
		PK "allowed_ip=/24\n",
		PK "allowed_ip=10.0.0.256/32\n",
		PK "allowed_ip=fd00::g/64\n",
		PK "endpoint=10.0.0.1\n",
		PK "endpoint=10.0.0.1:65536\n",
		PK "endpoint=[::1:51820\n",
		PK "endpoint=host.example:51820\n",
	};
	struct wg_device dev = { 0 };
	char msg[256];

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(msg, sizeof(msg), "%serrno=0\n\n", bad[i]);
		int ret = parse_str(msg, &dev);

		if (ret != -EINVAL)
			test_fail("case %zu: %d", i, ret);
		check_cleared(&dev);
	}
	wg_device_release(&dev);
}

TEST(peer_key_before_public_key)
{
	struct wg_device dev = { 0 };

	CHECK_INT(parse_str("listen_port=1\nallowed_ip=10.0.0.1/32\nerrno=0\n\n", &dev), -EPROTO);
	CHECK_INT(parse_str("endpoint=1.2.3.4:5\nerrno=0\n\n", &dev), -EPROTO);
	CHECK_INT(parse_str("preshared_key=00\nerrno=0\n\n", &dev), -EPROTO);
	CHECK_INT(parse_str("tx_bytes=1\n" PK "errno=0\n\n", &dev), -EPROTO);
	check_cleared(&dev);
	wg_device_release(&dev);
}

TEST(bad_hex_keys)
{
	struct wg_device dev = { 0 };

	CHECK_INT(parse_str("public_key=xyz\nerrno=0\n\n", &dev), -EINVAL);
	CHECK_INT(parse_str("public_key=0f2fc0b5639290bb41a7e54015ae789d57f3d0ccf39dfafa16691a57c799351\nerrno=0\n\n", &dev), -EINVAL);
	CHECK_INT(parse_str("public_key=0f2fc0b5639290bb41a7e54015ae789d57f3d0ccf39dfafa16691a57c799351cc\nerrno=0\n\n", &dev), -EINVAL);
	CHECK_INT(parse_str("public_key=0g2fc0b5639290bb41a7e54015ae789d57f3d0ccf39dfafa16691a57c799351c\nerrno=0\n\n", &dev), -EINVAL);
	CHECK_INT(parse_str("private_key=zz46e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4\nerrno=0\n\n", &dev), -EINVAL);
	CHECK_INT(parse_str("private_key=\nerrno=0\n\n", &dev), -EINVAL);
	check_cleared(&dev);
	/* preshared_key is never looked at, so even garbage there is fine */
	CHECK_INT(parse_str(PK "preshared_key=not-even-hex\nerrno=0\n\n", &dev), 0);
	CHECK_INT(dev.n_peers, 1);
	/* an all-zero private key is "no identity", not an error */
	CHECK_INT(parse_str("private_key=0000000000000000000000000000000000000000000000000000000000000000\nerrno=0\n\n", &dev), 0);
	CHECK(!dev.has_public_key);
	wg_device_release(&dev);
}

TEST(huge_line_and_nul)
{
	struct wg_device dev = { 0 };
	size_t n = 100 * 1024;
	char *big = malloc(n + 256);
	int ret;

	/* a known key with a 100 KB value */
	memcpy(big, PK "endpoint=", strlen(PK "endpoint="));
	size_t off = strlen(PK "endpoint=");
	memset(big + off, '1', n);
	memcpy(big + off + n, "\nerrno=0\n\n", 11);
	ret = parse_str(big, &dev);
	CHECK_INT(ret, -EINVAL);
	check_cleared(&dev);
	/* listen_port of 100 KB digits */
	memcpy(big, "listen_port=", 12);
	memset(big + 12, '9', n);
	memcpy(big + 12 + n, "\nerrno=0\n\n", 11);
	CHECK_INT(parse_str(big, &dev), -EINVAL);
	/* an unknown key with a 100 KB value is skipped (newer versions) */
	memcpy(big, "future_key=", 11);
	memset(big + 11, 'a', n);
	memcpy(big + 11 + n, "\nlisten_port=7\nerrno=0\n\n", 25);
	CHECK_INT(parse_str(big, &dev), 0);
	CHECK_INT(dev.listen_port, 7);
	/* a 100 KB line with no newline at all */
	memset(big, 'k', n);
	big[n] = '\0';
	CHECK_INT(parse_str(big, &dev), -EPROTO);
	free(big);

	static const char nul[] = "listen_port=1\0\nerrno=0\n\n";
	CHECK_INT(uapi_parse(nul, sizeof(nul) - 1, &dev), -EPROTO);
	static const char nul2[] = PK "endpoint=1.2.3.4\0:5\nerrno=0\n\n";
	CHECK_INT(uapi_parse(nul2, sizeof(nul2) - 1, &dev), -EPROTO);
	static const char nul3[] = "x\0y=1\nerrno=0\n\n";
	CHECK_INT(uapi_parse(nul3, sizeof(nul3) - 1, &dev), -EPROTO);
	check_cleared(&dev);
	wg_device_release(&dev);
}

TEST(unknown_keys_skipped)
{
	struct wg_device dev = { 0 };

	CHECK_INT(parse_str("listen_port=5\nnew_device_thing=1\n" PK "new_peer_thing=x\n"
			    "allowed_ip=10.1.0.0/16\n=\nerrno=0\n\n", &dev), 0);
	CHECK_INT(dev.n_peers, 1);
	CHECK_INT(dev.n_aips, 1);
	wg_device_release(&dev);
}

TEST(many_peers_reuse_capacity)
{
	struct wg_device dev = { 0 };
	size_t cap = 0, n = 2000;
	char *buf = malloc(n * 200 + 32), *p = buf;
	struct wg_peer *peers_before;

	for (size_t i = 0; i < n; i++) {
		p += sprintf(p, "public_key=%064zx\nendpoint=[fd00::%zx]:%zu\n"
			     "allowed_ip=10.%zu.%zu.0/24\nallowed_ip=fd01::%zx/128\n"
			     "tx_bytes=%zu\n", i + 1, i, 1000 + i, i / 256, i % 256, i, i * 7);
	}
	p += sprintf(p, "errno=0\n\n");
	CHECK_INT(uapi_parse(buf, (size_t)(p - buf), &dev), 0);
	CHECK_INT(dev.n_peers, n);
	CHECK_INT(dev.n_aips, 2 * n);
	if (dev.n_peers == n) {
		CHECK_STR(aips(&dev, &dev.peers[1234]), "10.4.210.0/24,fd01::4d2/128");
		CHECK_INT(dev.peers[1234].tx_bytes, 1234 * 7);
		CHECK_INT(dev.peers[1234].aip_first, 2468);
	}
	cap = dev.cap_peers;
	peers_before = dev.peers;
	CHECK_INT(uapi_parse(buf, (size_t)(p - buf), &dev), 0);
	/* a steady-state poll reuses the arrays */
	CHECK_INT(dev.cap_peers, cap);
	CHECK(dev.peers == peers_before);
	free(buf);
	wg_device_release(&dev);
}

TEST(boringtun_relative_handshake)
{
	struct wg_device dev = { 0 };
	const int64_t now = 1800000000;

	CHECK_INT(parse_str(PK "last_handshake_time_sec=55\n"
			    "public_key=1111111111111111111111111111111111111111111111111111111111111111\n"
			    "last_handshake_time_sec=0\n"
			    "public_key=2222222222222222222222222222222222222222222222222222222222222222\n"
			    "last_handshake_time_sec=3600\nerrno=0\n\n", &dev), 0);
	uapi_fix_relative_handshakes(&dev, now);
	CHECK(dev.relative_handshake);
	CHECK_INT(dev.peers[0].last_handshake_sec, now - 55);
	CHECK_INT(dev.peers[1].last_handshake_sec, 0);
	CHECK_INT(dev.peers[2].last_handshake_sec, now - 3600);

	/* wall-clock values stay as they are */
	CHECK_INT(parse_str(PK "last_handshake_time_sec=1795608453\nerrno=0\n\n", &dev), 0);
	uapi_fix_relative_handshakes(&dev, now);
	CHECK(!dev.relative_handshake);
	CHECK_INT(dev.peers[0].last_handshake_sec, 1795608453);
	/* 2001-01-01 exactly is wall clock; one second earlier is not */
	CHECK_INT(parse_str(PK "last_handshake_time_sec=978307200\nerrno=0\n\n", &dev), 0);
	uapi_fix_relative_handshakes(&dev, now);
	CHECK(!dev.relative_handshake);
	CHECK_INT(parse_str(PK "last_handshake_time_sec=978307199\nerrno=0\n\n", &dev), 0);
	uapi_fix_relative_handshakes(&dev, now);
	CHECK(dev.relative_handshake);
	CHECK_INT(dev.peers[0].last_handshake_sec, now - 978307199);
	wg_device_release(&dev);
}

/* ---- the streaming parser (what uapi_get_device runs per recv) ---- */

/* stream_pieces without a fixed cut. */
static int stream_str(struct uapi *u, const char *ifname, const char *buf,
		      size_t len, size_t chunk, struct wg_device *dev)
{
	return stream_pieces(u, ifname, buf, len, chunk, 0, dev);
}

TEST(stream_matches_parse_in_any_chunks)
{
	static const char *files[] = {
		"uapi-wggo-server.txt", "uapi-wggo-client.txt",
		"uapi-wggo-nokey.txt", "uapi-wggo-empty.txt",
	};
	static const size_t chunks[] = { 0, 1, 2, 3, 7, 64, 1000, 70000 };
	struct uapi *u = uapi_new();
	struct wg_device want = { 0 }, got = { 0 };

	CHECK(u != NULL);
	for (size_t f = 0; u && f <= ARRAY_SIZE(files); f++) {
		size_t len;
		char *buf = f < ARRAY_SIZE(files) ? test_read_data(files[f], &len)
						  : many_peers_reply(3000, &len);

		CHECK(buf != NULL);
		if (!buf)
			continue;
		CHECK_INT(uapi_parse(buf, len, &want), 0);
		for (size_t c = 0; c < ARRAY_SIZE(chunks); c++) {
			int ret = stream_str(u, "wgs0", buf, len, chunks[c], &got);

			if (ret != 0 || !same_device(&want, &got))
				test_fail("file %zu chunk %zu: %d, %s", f, chunks[c], ret,
					  ret ? "" : "different device");
		}
		if (f == 0)
			CHECK(!handle_holds(u, RFC_PRIV_HEX));
		free(buf);
	}
	wg_device_release(&want);
	wg_device_release(&got);
	uapi_free(u);
}

TEST(stream_truncated_at_every_offset)
{
	struct uapi *u = uapi_new();
	struct wg_device dev = { 0 };
	size_t len;
	char *buf = test_read_data("uapi-wggo-server.txt", &len);

	CHECK(buf && u);
	for (size_t i = 0; buf && u && i < len; i++) {
		int ret = stream_str(u, "wgs0", buf, i, i % 5, &dev);

		if (ret != -EPROTO || dev.n_peers || dev.n_aips || dev.has_public_key) {
			test_fail("cut at %zu: %d, %zu peers", i, ret, dev.n_peers);
			break;
		}
	}
	if (u)
		CHECK(!handle_holds(u, RFC_PRIV_HEX));
	free(buf);
	wg_device_release(&dev);
	uapi_free(u);
}

TEST(stream_hostile_same_as_parse)
{
	static const char *cases[] = {
		"errno=0\n\n", "listen_port=1\n\n", "listen_port=1\n", "", "\n",
		"errno=-22\n\n", "listen_port=5\nerrno=-5\n\n", "errno=99999\n\n",
		"errno=\n\n", "errno=0\nlisten_port=1\n\n", "listen_port\nerrno=0\n\n",
		PK "allowed_ip=10.0.0.256/32\nerrno=0\n\n", PK "endpoint=10.0.0.1:65536\nerrno=0\n\n",
		PK "endpoint=1.2.3.4:5\nallowed_ip=1.2.3.4/32\nerrno=0\n\n",
		PK "endpoint=01.2.3.4:5\nerrno=0\n\n", PK "allowed_ip=1.2.3.04/32\nerrno=0\n\n",
		PK "allowed_ip=1.2.3/32\nerrno=0\n\n", PK "allowed_ip=+1.2.3.4/32\nerrno=0\n\n",
		PK "allowed_ip=1..2.3/32\nerrno=0\n\n", PK "endpoint=[::1]:5\nerrno=0\n\n",
		"tx_bytes=1\n" PK "errno=0\n\n", "=\nerrno=0\n\n", "errn=0\nerrno=0\n\n",
		"private_key=zz\nerrno=0\n\n", "listen_port=1\nerrno=0\n\n",
	};
	static const char nul[] = "listen_port=1\0\nerrno=0\n\n";
	struct uapi *u = uapi_new();
	struct wg_device a = { 0 }, b = { 0 };

	for (size_t i = 0; u && i < ARRAY_SIZE(cases); i++) {
		int want = parse_str(cases[i], &a);

		for (size_t c = 0; c < 3; c++) {
			int got = stream_str(u, NULL, cases[i], strlen(cases[i]), c, &b);

			if (got != want || !same_device(&a, &b))
				test_fail("case %zu chunk %zu: %d, want %d", i, c, got, want);
		}
	}
	/* NUL anywhere in the reply */
	CHECK_INT(stream_str(u, NULL, nul, sizeof(nul) - 1, 1, &b), -EPROTO);
	CHECK_INT(stream_str(u, NULL, nul, sizeof(nul) - 1, 0, &b), -EPROTO);
	check_cleared(&b);
	/* a NUL after a complete line is found when its own line is parsed */
	static const char nul2[] = "listen_port=1\nx\0=1\nerrno=0\n\n";
	CHECK_INT(stream_str(u, NULL, nul2, sizeof(nul2) - 1, 0, &b), -EPROTO);
	/* bytes after the final blank line are not part of the reply */
	CHECK_INT(stream_str(u, NULL, "listen_port=3\nerrno=0\n\nxx", 25, 0, &b), 0);
	CHECK_INT(b.listen_port, 3);
	wg_device_release(&a);
	wg_device_release(&b);
	uapi_free(u);
}

TEST(stream_line_at_buffer_limit)
{
	struct uapi *u = uapi_new();
	struct wg_device dev = { 0 };
	size_t max = UAPI_BUF_LEN;	/* a line's bytes, '\n' included */
	char *buf = malloc(2 * max + 64);
	static const char tail[] = "listen_port=7\nerrno=0\n\n";

	for (int lead = 0; u && buf && lead < 2; lead++) {
		/* with lead, the long line starts mid-buffer (moved to front) */
		size_t off = lead ? (size_t)sprintf(buf, "fwmark=5\n") : 0, n;

		memcpy(buf + off, "future_key=", 11);
		memset(buf + off + 11, 'a', max - 12);
		buf[off + max - 1] = '\n';
		memcpy(buf + off + max, tail, sizeof(tail));
		n = off + max + sizeof(tail) - 1;
		for (size_t c = 0; c < 4; c++) {
			size_t ch = c == 3 ? 5000 : c;

			CHECK_INT(stream_str(u, "wgl", buf, n, ch, &dev), 0);
			CHECK_INT(dev.listen_port, 7);
		}
		/* one byte more */
		memmove(buf + off + 1, buf + off, n - off);
		buf[off] = 'x';
		for (size_t c = 0; c < 4; c++) {
			size_t ch = c == 3 ? 5000 : c;

			CHECK_INT(stream_str(u, "wgl", buf, n + 1, ch, &dev), -EPROTO);
			check_cleared(&dev);
		}
		/* the pure parser has no line limit */
		CHECK_INT(uapi_parse(buf, n + 1, &dev), 0);
	}
	free(buf);
	wg_device_release(&dev);
	uapi_free(u);
}

TEST(stream_total_cap)
{
	struct uapi *u = uapi_new();
	struct wg_device dev = { 0 };
	size_t chunk = 1 << 20;
	char *buf = malloc(chunk);
	int ret = 0;

	for (size_t i = 0; buf && i < chunk; i += 64) {
		memcpy(buf + i, "future=", 7);
		memset(buf + i + 7, 'b', 56);
		buf[i + 63] = '\n';
	}
	uapi_stream_begin(u, NULL, &dev);
	for (size_t total = 0; buf && ret == 0 && total <= UAPI_MAX_REPLY + chunk; total += chunk)
		ret = uapi_stream_feed(u, buf, chunk);
	CHECK_INT(ret, -EMSGSIZE);
	CHECK_INT(uapi_stream_end(u), -EMSGSIZE);
	free(buf);
	wg_device_release(&dev);
	uapi_free(u);
}

TEST(key_cache)
{
	struct uapi *u = uapi_new();
	struct wg_device dev = { 0 };
	char r1[256], r2[256], hex2[65];
	uint8_t priv2[WG_KEY_LEN], pub1[WG_KEY_LEN], pub2[WG_KEY_LEN];

	CHECK(u != NULL);
	if (!u)
		return;
	/* a second key: the RFC scalar with its first byte changed */
	memcpy(hex2, RFC_PRIV_HEX, 65);
	hex2[0] = '0';
	hex2[1] = '7';
	key_from_hex(priv2, hex2, 64);
	CHECK_INT(key_public_from_private(pub2, priv2), 0);
	wipe(priv2, sizeof(priv2));
	key_from_hex(pub1, RFC_PUB_HEX, 64);
	snprintf(r1, sizeof(r1), "private_key=%s\nlisten_port=1\nerrno=0\n\n", RFC_PRIV_HEX);
	snprintf(r2, sizeof(r2), "private_key=%s\nlisten_port=1\nerrno=0\n\n", hex2);

	CHECK_INT(stream_str(u, "wgk0", r1, strlen(r1), 0, &dev), 0);
	CHECK(dev.has_public_key && !memcmp(dev.public_key, pub1, WG_KEY_LEN));
	CHECK_INT(uapi_key_derivations(u), 1);
	/* same key again, in bytes: from the cache */
	CHECK_INT(stream_str(u, "wgk0", r1, strlen(r1), 1, &dev), 0);
	CHECK(dev.has_public_key && !memcmp(dev.public_key, pub1, WG_KEY_LEN));
	CHECK_INT(uapi_key_derivations(u), 1);
	/* the key changed: derived anew */
	CHECK_INT(stream_str(u, "wgk0", r2, strlen(r2), 0, &dev), 0);
	CHECK(dev.has_public_key && !memcmp(dev.public_key, pub2, WG_KEY_LEN));
	CHECK_INT(uapi_key_derivations(u), 2);
	CHECK_INT(stream_str(u, "wgk0", r2, strlen(r2), 3, &dev), 0);
	CHECK_INT(uapi_key_derivations(u), 2);
	/* another interface has its own entry */
	CHECK_INT(stream_str(u, "wgk1", r1, strlen(r1), 0, &dev), 0);
	CHECK(!memcmp(dev.public_key, pub1, WG_KEY_LEN));
	CHECK_INT(uapi_key_derivations(u), 3);
	CHECK_INT(stream_str(u, "wgk0", r2, strlen(r2), 0, &dev), 0);
	CHECK(!memcmp(dev.public_key, pub2, WG_KEY_LEN));
	CHECK_INT(stream_str(u, "wgk1", r1, strlen(r1), 0, &dev), 0);
	CHECK_INT(uapi_key_derivations(u), 3);
	/* no name: no cache */
	CHECK_INT(stream_str(u, NULL, r1, strlen(r1), 0, &dev), 0);
	CHECK_INT(uapi_key_derivations(u), 4);
	/* a failed reply after the key line still reports nothing */
	CHECK_INT(stream_str(u, "wgk0", r1, strlen(r1) - 1, 0, &dev), -EPROTO);
	CHECK(!dev.has_public_key);
	/* neither key, binary or hex, anywhere in the handle */
	CHECK(!handle_holds(u, RFC_PRIV_HEX));
	CHECK(!handle_holds(u, hex2));
	wipe(r1, sizeof(r1));
	wipe(r2, sizeof(r2));
	wipe(hex2, sizeof(hex2));
	wg_device_release(&dev);
	uapi_free(u);
}

TEST(ipv4_parse_same_as_inet_pton)
{
	static const char alpha[] = "0123456789...+- x";
	char s[24];
	struct in_addr a, b;

	for (int i = 0; i < 300000; i++) {
		size_t n = rng() % 17;
		int want, got;

		for (size_t j = 0; j < n; j++)
			s[j] = alpha[rng() % (sizeof(alpha) - 1)];
		/* bias towards dotted quads */
		if (i % 3 == 0) {
			n = (size_t)snprintf(s, sizeof(s), "%u.%u.%u.%u", rng() % 300,
					     rng() % 260, rng() % 1000, rng() % 256);
			if (i % 9 == 0)
				s[rng() % n] = alpha[rng() % (sizeof(alpha) - 1)];
		}
		s[n] = '\0';
		want = inet_pton(AF_INET, s, &a) == 1;
		got = ipv4_parse(s, n, &b) == 0;
		if (want != got || (want && a.s_addr != b.s_addr)) {
			test_fail("\"%s\": inet_pton %d, ipv4_parse %d", s, want, got);
			break;
		}
	}
	CHECK_INT(ipv4_parse("1.2.3.4", 7, &b), 0);
	CHECK_INT(ntohl(b.s_addr), 0x01020304);
	CHECK_INT(ipv4_parse("255.255.255.255", 15, &b), 0);
	CHECK_INT(ipv4_parse("1.2.3.4", 5, &b), -EINVAL);	/* "1.2.3" */
	CHECK_INT(ipv4_parse("", 0, &b), -EINVAL);
}

TEST(key_from_hex_every_byte)
{
	char s[65];
	uint8_t k[WG_KEY_LEN];

	for (int c = 0; c < 256; c++) {
		for (size_t pos = 0; pos < 64; pos += 63) {
			int valid = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
				    (c >= 'A' && c <= 'F');

			memset(s, '0', 64);
			s[pos] = (char)c;
			memset(k, 0xee, sizeof(k));
			if ((key_from_hex(k, s, 64) == 0) != valid)
				test_fail("char %d at %zu", c, pos);
			if (valid) {
				int v = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

				if (k[pos / 2] != (pos ? v : v << 4))
					test_fail("value of char %d at %zu", c, pos);
			} else if (k[0] != 0xee) {
				test_fail("key written on error, char %d", c);
			}
		}
	}
	CHECK_INT(key_from_hex(k, "0102", 4), -EINVAL);
	CHECK_INT(key_from_hex(k, RFC_PUB_HEX, 64), 0);
	CHECK_INT(k[0], 0x1c);
	CHECK_INT(k[31], 0x19);
}

TEST_MAIN()
