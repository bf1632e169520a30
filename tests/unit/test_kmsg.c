// SPDX-License-Identifier: GPL-2.0
/* test_kmsg.c - WireGuard kernel log lines to events (sources/kmsg.c):
 * every pattern and endpoint form, severities, hostile and truncated
 * input, /dev/kmsg records, and the parser over captured real logs
 * (fixtures, the QEMU lab's recordings). The prefixes of saved logs are
 * test_kmsgline.c's, the live reader test_kmsgread.c's. */
#include <dirent.h>
#include <errno.h>
#include <time.h>
#include <unistd.h>
#include "test.h"
#include "base/event.h"
#include "sources/kmsg.h"
#include "base/util.h"
#include "kmsgtest.h"

static int parse(const char *s, struct event *ev)
{
	return parse_n(s, strlen(s), ev);
}

static const char *parse_show(const char *line)
{
	static struct event ev;
	int ret = parse(line, &ev);

	if (ret == -ENOENT)
		return "ENOENT";
	if (ret == -EINVAL)
		return "EINVAL";
	if (ret == KMSG_IGNORED)
		return "IGNORED";
	if (ret != 0)
		return "ERROR";
	return show(&ev);
}

/* The 40 inventory lines. '@' in msg is where the endpoint goes; '@' in
 * want is replaced by " endpoint=NORMALISED" or nothing for (einval). */
static const struct {
	const char *msg, *want;
} wg_lines[] = {
	{ "Invalid IP packet", "INVALID_IP_PACKET iface=wg0" },
	{ "No valid endpoint has been configured or discovered for peer 7",
	  "NO_ENDPOINT_FOR_PEER iface=wg0 peer_id=7" },
	{ "Interface destroyed", "IFACE_DESTROYED iface=wg0" },
	{ "Interface created", "IFACE_CREATED iface=wg0" },
	{ "Creating namespace exiting", "NETNS_EXITING iface=wg0" },
	{ "Peer 12 created", "PEER_CREATED iface=wg0 peer_id=12" },
	{ "Peer 12 (@) destroyed", "PEER_DESTROYED iface=wg0 peer_id=12@" },
	{ "Keypair 34 destroyed for peer 12", "KEYPAIR_DESTROYED iface=wg0 keypair_id=34 peer_id=12" },
	{ "Keypair 35 created for peer 12", "KEYPAIR_CREATED iface=wg0 keypair_id=35 peer_id=12" },
	{ "Could not decrypt invalid cookie response", "COOKIE_INVALID iface=wg0" },
	{ "Receiving cookie response from @", "COOKIE_RECEIVED iface=wg0@" },
	{ "Invalid MAC of handshake, dropping packet from @", "INVALID_MAC iface=wg0@" },
	{ "Invalid handshake initiation from @", "INVALID_HANDSHAKE_INITIATION iface=wg0@" },
	{ "Receiving handshake initiation from peer 3 (@)",
	  "HANDSHAKE_INITIATION_RECEIVED iface=wg0 peer_id=3@" },
	{ "Invalid handshake response from @", "INVALID_HANDSHAKE_RESPONSE iface=wg0@" },
	{ "Receiving handshake response from peer 3 (@)",
	  "HANDSHAKE_RESPONSE_RECEIVED iface=wg0 peer_id=3@" },
	{ "Receiving keepalive packet from peer 3 (@)", "KEEPALIVE_RECEIVED iface=wg0 peer_id=3@" },
	{ "Packet has unallowed src IP (10.0.0.3) from peer 1 (@)",
	  "UNALLOWED_SRC_IP iface=wg0 src_ip=10.0.0.3 peer_id=1@" },
	{ "Packet has unallowed src IP (fd00::3) from peer 1 (@)",
	  "UNALLOWED_SRC_IP iface=wg0 src_ip=fd00::3 peer_id=1@" },
	{ "Packet is neither ipv4 nor ipv6 from peer 1 (@)",
	  "MALFORMED_PACKET iface=wg0 reason=not_ip peer_id=1@" },
	{ "Packet has incorrect size from peer 1 (@)",
	  "MALFORMED_PACKET iface=wg0 reason=bad_size peer_id=1@" },
	{ "Packet has invalid nonce 1234 (max 18446744073709551615)",
	  "INVALID_NONCE iface=wg0 nonce=1234 max=18446744073709551615" },
	{ "Dropping handshake packet from @", "HANDSHAKE_DROPPED iface=wg0@" },
	{ "Sending handshake initiation to peer 3 (@)",
	  "HANDSHAKE_INITIATION_SENT iface=wg0 peer_id=3@" },
	{ "Sending handshake response to peer 3 (@)",
	  "HANDSHAKE_RESPONSE_SENT iface=wg0 peer_id=3@" },
	{ "Sending cookie response for denied handshake message for @", "COOKIE_SENT iface=wg0@" },
	{ "Sending keepalive packet to peer 3 (@)", "KEEPALIVE_SENT iface=wg0 peer_id=3@" },
	{ "No route to @, error -101", "NO_ROUTE iface=wg0@ error=-101" },
	{ "Could not create IPv4 socket", "SOCKET_ERROR iface=wg0 family=ipv4" },
	{ "Could not create IPv6 socket", "SOCKET_ERROR iface=wg0 family=ipv6" },
	{ "Handshake for peer 3 (@) did not complete after 20 attempts, giving up",
	  "HANDSHAKE_GAVE_UP iface=wg0 peer_id=3@ attempts=20" },
	{ "Handshake for peer 3 (@) did not complete after 5 seconds, retrying (try 2)",
	  "HANDSHAKE_RETRY iface=wg0 reason=timeout peer_id=3@ seconds=5 try=2" },
	{ "Retrying handshake with peer 3 (@) because we stopped hearing back after 15 seconds",
	  "HANDSHAKE_RETRY iface=wg0 reason=no_reply peer_id=3@ seconds=15" },
	{ "Zeroing out all keys for peer 3 (@), since we haven't received a new one in 540 seconds",
	  "KEYS_ZEROED iface=wg0 peer_id=3@ seconds=540" },
};

static const struct {
	const char *raw, *norm;	/* norm NULL: endpoint omitted */
} endpoints[] = {
	{ "192.168.1.2:51820", "192.168.1.2:51820" },
	{ "[2001:db8::1]:51820/0%0", "[2001:db8::1]:51820" },
	{ "[fd00:241::2]:54580/0%0", "[fd00:241::2]:54580" },
	{ "[fe80::1]:51820/0%2", "[fe80::1%2]:51820" },
	{ "[::ffff:192.0.2.1]:1/0%0", "[::ffff:192.0.2.1]:1" },
	{ "(einval)", NULL },
};

static void expand(char *out, size_t len, const char *tmpl, const char *with)
{
	size_t o = 0;

	for (const char *p = tmpl; *p && o + 1 < len; p++) {
		if (*p == '@') {
			size_t n = strlen(with);

			if (o + n >= len)
				break;
			memcpy(out + o, with, n);
			o += n;
		} else {
			out[o++] = *p;
		}
	}
	out[o] = '\0';
}

TEST(all_patterns_all_endpoint_forms)
{
	char msg[512], line[600], want[600], epf[128];

	for (size_t i = 0; i < ARRAY_SIZE(wg_lines); i++) {
		for (size_t e = 0; e < ARRAY_SIZE(endpoints); e++) {
			expand(msg, sizeof(msg), wg_lines[i].msg, endpoints[e].raw);
			snprintf(line, sizeof(line), "wireguard: wg0: %s", msg);
			if (endpoints[e].norm)
				snprintf(epf, sizeof(epf), " endpoint=%s", endpoints[e].norm);
			else
				epf[0] = '\0';
			expand(want, sizeof(want), wg_lines[i].want, epf);
			CHECK_STR(parse_show(line), want);
		}
	}
}

TEST(severity_and_source)
{
	struct event ev;

	CHECK_INT(parse("wireguard: wg0: Invalid handshake initiation from 1.2.3.4:5", &ev), 0);
	CHECK_INT(ev.severity, LOG_WARNING);
	CHECK_INT(ev.source, SRC_KMSG);
	CHECK_INT(ev.time_us, 0);
	CHECK_INT(parse("wireguard: wg0: Keypair 1 destroyed for peer 2", &ev), 0);
	CHECK_INT(ev.severity, LOG_DEBUG);
	CHECK_INT(parse("wireguard: wg0: Could not create IPv4 socket", &ev), 0);
	CHECK_INT(ev.severity, LOG_ERR);
	CHECK_INT(parse("net_ratelimit: 3 callbacks suppressed", &ev), 0);
	CHECK_INT(ev.severity, LOG_NOTICE);
}

TEST(einval_doubled_parentheses)
{
	/* What the lab saw for a peer with no endpoint. */
	CHECK_STR(parse_show("wireguard: wg0: Peer 4 ((einval)) destroyed"),
		  "PEER_DESTROYED iface=wg0 peer_id=4");
	CHECK_STR(parse_show("wireguard: wg0: Peer 4 (((einval))) destroyed"),
		  "PEER_DESTROYED iface=wg0 peer_id=4");
	CHECK_STR(parse_show("wireguard: wg0: Sending handshake initiation to peer 9 ((einval))"),
		  "HANDSHAKE_INITIATION_SENT iface=wg0 peer_id=9");
	CHECK_STR(parse_show("wireguard: wg0: No route to (einval), error -22"),
		  "NO_ROUTE iface=wg0 error=-22");
}

TEST(module_loaded_and_copyright)
{
	struct event ev;

	CHECK_STR(parse_show("wireguard: WireGuard 1.0.0 loaded. See www.wireguard.com for information."),
		  "MODULE_LOADED version=1.0.0");
	CHECK_STR(parse_show("wireguard: WireGuard 0.0.20191219 loaded. See www.wireguard.com for information."),
		  "MODULE_LOADED version=0.0.20191219");
	CHECK_INT(parse("wireguard: Copyright (C) 2015-2019 Jason A. Donenfeld <Jason@zx2c4.com>. All Rights Reserved.", &ev),
		  KMSG_IGNORED);
}

TEST(no_peer_for_destination)
{
	CHECK_STR(parse_show("wireguard: wg0: No peer has allowed IPs matching 10.9.9.9"),
		  "NO_PEER_FOR_DESTINATION iface=wg0 dst=10.9.9.9");
	/* %pI6 is printed uncompressed; normalised. */
	CHECK_STR(parse_show("wireguard: wg0: No peer has allowed IPs matching fd00:aaaa:0:0:0:0:0:1"),
		  "NO_PEER_FOR_DESTINATION iface=wg0 dst=fd00:aaaa::1");
	CHECK_STR(parse_show("wireguard: wg0: No peer has allowed IPs matching 2001:0db8:0000:0000:0000:0000:0000:0001"),
		  "NO_PEER_FOR_DESTINATION iface=wg0 dst=2001:db8::1");
	CHECK_STR(parse_show("wireguard: wg0: No peer has allowed IPs matching 10.9.9"),
		  "KERNEL_MESSAGE iface=wg0 text=wireguard: wg0: No peer has allowed IPs matching 10.9.9");
}

TEST(warn_texts)
{
	CHECK_STR(parse_show("Somehow a wrong type of packet wound up in the handshake queue!"),
		  "KERNEL_WARNING text=Somehow a wrong type of packet wound up in the handshake queue!");
	CHECK_STR(parse_show("Non-exhaustive parsing of packet header lead to unknown packet type!\n"),
		  "KERNEL_WARNING text=Non-exhaustive parsing of packet header lead to unknown packet type!");
	CHECK_STR(parse_show("WARNING: CPU: 1 PID: 77 at drivers/net/wireguard/receive.c:560 wg_packet_receive+0x2c/0x330 [wireguard]"),
		  "KERNEL_WARNING text=WARNING: CPU: 1 PID: 77 at drivers/net/wireguard/receive.c:560 wg_packet_receive+0x2c/0x330 [wireguard]");
	CHECK_STR(parse_show("WARNING: CPU: 1 PID: 77 at net/core/dev.c:1 foo+0x1/0x2"), "ENOENT");
	CHECK_STR(parse_show("Somehow a wrong type of packet wound up in the handshake queue"), "ENOENT");
}

TEST(rate_limit_lines)
{
	CHECK_STR(parse_show("net_ratelimit: 88302 callbacks suppressed"),
		  "KMSG_SUPPRESSED count=88302");
	CHECK_STR(parse_show("wg_packet_receive: 12 callbacks suppressed"),
		  "KMSG_SUPPRESSED count=12 limiter=wg_packet_receive");
	CHECK_STR(parse_show("net_ratelimit: 12 callbacks suppressed extra"), "ENOENT");
	CHECK_STR(parse_show("net_ratelimit: callbacks suppressed"), "ENOENT");
	CHECK_STR(parse_show("net_ratelimit: -1 callbacks suppressed"), "ENOENT");
	CHECK_STR(parse_show("net_ratelimit: 99999999999999999999 callbacks suppressed"), "EINVAL");
	CHECK_STR(parse_show("foo bar: 1 callbacks suppressed"), "ENOENT");
}

TEST(unknown_wireguard_line_is_kernel_message)
{
	CHECK_STR(parse_show("wireguard: wg0: Something new in 7.0 from peer 1"),
		  "KERNEL_MESSAGE iface=wg0 text=wireguard: wg0: Something new in 7.0 from peer 1");
	CHECK_STR(parse_show("wireguard: allowedips self-tests: pass"),
		  "KERNEL_MESSAGE text=wireguard: allowedips self-tests: pass");
	/* Removed string, old logs. */
	CHECK_STR(parse_show("wireguard: wg0: Failed to give packet to userspace from peer 2 (1.2.3.4:51820)"),
		  "KERNEL_MESSAGE iface=wg0 peer_id=2 endpoint=1.2.3.4:51820 text=wireguard: wg0: Failed to give packet to userspace from peer 2 (1.2.3.4:51820)");
}

TEST(pre_5x_lines_without_interface)
{
	CHECK_STR(parse_show("wireguard: Keypair 5 created for peer 3"),
		  "KEYPAIR_CREATED keypair_id=5 peer_id=3");
	CHECK_STR(parse_show("wireguard: Receiving handshake initiation from peer 3 (10.0.0.1:1)"),
		  "HANDSHAKE_INITIATION_RECEIVED peer_id=3 endpoint=10.0.0.1:1");
}

TEST(iface_names)
{
	CHECK_STR(parse_show("wireguard: wg-office.1: Peer 1 created"),
		  "PEER_CREATED iface=wg-office.1 peer_id=1");
	CHECK_STR(parse_show("wireguard: abcdefghijklmno: Peer 1 created"),
		  "PEER_CREATED iface=abcdefghijklmno peer_id=1");
	/* 16 bytes: too long for IFNAMSIZ */
	CHECK_STR(parse_show("wireguard: abcdefghijklmnop: Peer 1 created"),
		  "KERNEL_MESSAGE text=wireguard: abcdefghijklmnop: Peer 1 created");
	CHECK_STR(parse_show("wireguard: wg 0: Peer 1 created"),
		  "KERNEL_MESSAGE text=wireguard: wg 0: Peer 1 created");
	CHECK_STR(parse_show("wireguard: : Peer 1 created"),
		  "KERNEL_MESSAGE text=wireguard: : Peer 1 created");
	/* An interface called "wireguard". */
	CHECK_STR(parse_show("wireguard: wireguard: Peer 1 created"),
		  "PEER_CREATED iface=wireguard peer_id=1");
}

TEST(numbers_bounded)
{
	CHECK_STR(parse_show("wireguard: wg0: Keypair 18446744073709551615 created for peer 1"),
		  "KEYPAIR_CREATED iface=wg0 keypair_id=18446744073709551615 peer_id=1");
	CHECK_STR(parse_show("wireguard: wg0: Keypair 18446744073709551616 created for peer 1"),
		  "KERNEL_MESSAGE iface=wg0 text=wireguard: wg0: Keypair 18446744073709551616 created for peer 1");
	CHECK_STR(parse_show("wireguard: wg0: Keypair 000000000000000000000001 created for peer 1"),
		  "KERNEL_MESSAGE iface=wg0 text=wireguard: wg0: Keypair 000000000000000000000001 created for peer 1");
	CHECK_STR(parse_show("wireguard: wg0: Handshake for peer 3 (1.2.3.4:5) did not complete after 2147483648 attempts, giving up"),
		  "KERNEL_MESSAGE iface=wg0 text=wireguard: wg0: Handshake for peer 3 (1.2.3.4:5) did not complete after 2147483648 attempts, giving up");
	CHECK_STR(parse_show("wireguard: wg0: No route to 1.2.3.4:5, error -2147483648"),
		  "NO_ROUTE iface=wg0 endpoint=1.2.3.4:5 error=-2147483648");
	CHECK_STR(parse_show("wireguard: wg0: Peer 1 (1.2.3.4:65536) destroyed"),
		  "KERNEL_MESSAGE iface=wg0 text=wireguard: wg0: Peer 1 (1.2.3.4:65536) destroyed");
	CHECK_STR(parse_show("wireguard: wg0: Peer 1 (999.2.3.4:1) destroyed"),
		  "KERNEL_MESSAGE iface=wg0 text=wireguard: wg0: Peer 1 (999.2.3.4:1) destroyed");
}

/* lib/dynamic_debug.c: t -> "[tid] " / "<intr> ", m f s l -> "x:" each,
 * then one space if any of m f s l. */
TEST(dyndbg_prefix_combinations)
{
	static const char *const parts[] = {
		"wireguard:", "wg_packet_receive:", "drivers/net/wireguard/receive.c:", "560:",
	};
	static const char *const tids[] = { "", "[1234] ", "<intr> " };
	char prefix[256], line[512];

	for (size_t t = 0; t < ARRAY_SIZE(tids); t++) {
		for (unsigned mask = 0; mask < 16; mask++) {
			size_t o = (size_t)snprintf(prefix, sizeof(prefix), "%s", tids[t]);

			for (unsigned b = 0; b < 4; b++)
				if (mask & (1u << b))
					o += (size_t)snprintf(prefix + o, sizeof(prefix) - o, "%s", parts[b]);
			if (mask)
				snprintf(prefix + o, sizeof(prefix) - o, " ");
			snprintf(line, sizeof(line),
				 "%swireguard: wg0: Invalid handshake initiation from 10.0.0.1:51820", prefix);
			CHECK_STR(parse_show(line),
				  "INVALID_HANDSHAKE_INITIATION iface=wg0 endpoint=10.0.0.1:51820");
			snprintf(line, sizeof(line), "%swireguard: wg0: Brand new message", prefix);
			CHECK_STR(parse_show(line),
				  "KERNEL_MESSAGE iface=wg0 text=wireguard: wg0: Brand new message");
		}
	}
	/* A prefix cut at PREFIX_SIZE - 1 (63 or 127 bytes), no space. */
	memset(prefix, 0, sizeof(prefix));
	snprintf(prefix, sizeof(prefix), "[99] wireguard:wg_packet_send_handshake_initiation:drivers/net/wireguard/send.c:123:");
	prefix[63] = '\0';
	snprintf(line, sizeof(line), "%swireguard: wg0: Sending handshake initiation to peer 1 (1.1.1.1:1)", prefix);
	CHECK_STR(parse_show(line), "HANDSHAKE_INITIATION_SENT iface=wg0 peer_id=1 endpoint=1.1.1.1:1");
	/* Look-alikes are not dyndbg prefixes. */
	CHECK_STR(parse_show("evil words wireguard: wg0: Peer 1 created"), "ENOENT");
	CHECK_STR(parse_show("[12a] wireguard: wg0: Peer 1 created"), "ENOENT");
	CHECK_STR(parse_show("xwireguard: wg0: Peer 1 created"), "ENOENT");
	CHECK_STR(parse_show("wireguard:wg0: Peer 1 created"), "ENOENT");
	CHECK_STR(parse_show("WireGuard: wg0: Peer 1 created"), "ENOENT");
}

TEST(hostile_truncated_every_byte)
{
	static const char *const good[] = {
		"wireguard: wg0: Packet has unallowed src IP (10.0.0.3) from peer 1 (192.168.1.2:51820)",
		"wireguard: wg0: Handshake for peer 3 ([fe80::1]:51820/0%2) did not complete after 5 seconds, retrying (try 2)",
		"[12] wireguard:wg_xmit:drivers/net/wireguard/device.c:1: wireguard: wg0: No peer has allowed IPs matching fd00:aaaa:0:0:0:0:0:1",
		"net_ratelimit: 12 callbacks suppressed",
		"wireguard: wg0: Peer 4 ((einval)) destroyed",
		"wireguard: WireGuard 1.0.0 loaded. See www.wireguard.com for information.",
		"Somehow a wrong type of packet wound up in the handshake queue!",
	};
	struct event ev;

	for (size_t g = 0; g < ARRAY_SIZE(good); g++) {
		size_t n = strlen(good[g]);

		for (size_t k = 0; k <= n; k++) {
			int ret = parse_n(good[g], k, &ev);

			CHECK(ret == 0 || ret == -ENOENT || ret == -EINVAL || ret == KMSG_IGNORED);
		}
		CHECK_INT(parse_n(good[g], n, &ev), 0);
		CHECK(ev.type != EV_KERNEL_MESSAGE);
	}
}

TEST(hostile_long_binary_nul)
{
	size_t n = 65536;
	char *big = malloc(n);
	struct event ev;
	unsigned seed = 12345;

	memset(big, 'A', n);
	memcpy(big, "wireguard: wg0: ", 16);
	CHECK_INT(parse_n(big, n, &ev), 0);
	CHECK_STR(event_type_name(ev.type), "KERNEL_MESSAGE");
	CHECK(strlen(event_get(&ev, "text")) <= 1024);
	memset(big, '[', n);
	CHECK_INT(parse_n(big, n, &ev), -ENOENT);
	memset(big, ':', n);
	CHECK_INT(parse_n(big, n, &ev), -ENOENT);
	for (int round = 0; round < 20000; round++) {
		size_t len = (size_t)(rand_r(&seed) % 200);

		for (size_t i = 0; i < len; i++)
			big[i] = (char)rand_r(&seed);
		if (round & 1 && len > 16)
			memcpy(big, "wireguard: wg0: ", 16);
		int ret = parse_n(big, len, &ev);

		CHECK(ret == 0 || ret == -ENOENT || ret == -EINVAL || ret == KMSG_IGNORED);
		if (ret == 0 && ev.type == EV_KERNEL_MESSAGE) {
			const char *t = event_get(&ev, "text");

			for (; t && *t; t++)
				CHECK(*t >= 0x20 && *t < 0x7f);
		}
	}
	free(big);
	{
		/* NUL inside: length-driven, and escaped in text. */
		static const char nul[] = "wireguard: wg0: Peer 1\0 created";

		CHECK_INT(parse_n(nul, sizeof(nul) - 1, &ev), 0);
		CHECK_STR(show(&ev), "KERNEL_MESSAGE iface=wg0 text=wireguard: wg0: Peer 1\\x00 created");
		CHECK_INT(parse_n("wireguard: wg0\0: Peer 1 created", 31, &ev), 0);
		CHECK_STR(event_type_name(ev.type), "KERNEL_MESSAGE");
		CHECK(event_get(&ev, "iface") == NULL);
	}
	CHECK_INT(parse_n("", 0, &ev), -ENOENT);
	CHECK_INT(parse_n("\n", 1, &ev), -ENOENT);
	CHECK_INT(parse_n("wireguard: ", 11, &ev), -ENOENT);
}

/* ------------------------------------------------------------ records */

TEST(record_basic)
{
	struct kmsg_record r;
	const char *s = "6,1234,5678901,-;wireguard: wg0: Peer 1 created";

	CHECK_INT(kmsg_parse_record(s, strlen(s), &r), 0);
	CHECK_INT(r.facility, 0);
	CHECK_INT(r.level, 6);
	CHECK_INT(r.seq, 1234);
	CHECK_INT(r.usec, 5678901);
	CHECK_INT(r.text_len, strlen("wireguard: wg0: Peer 1 created"));
	CHECK(memcmp(r.text, "wireguard: wg0: Peer 1 created", r.text_len) == 0);
}

TEST(record_continuation_and_more_fields)
{
	struct kmsg_record r;
	const char *s = "15,7,1,c,caller=T12;wireguard: wg0: Interface created\n"
			" SUBSYSTEM=net\n DEVICE=+net:wg0\n";

	CHECK_INT(kmsg_parse_record(s, strlen(s), &r), 0);
	CHECK_INT(r.facility, 1);
	CHECK_INT(r.level, 7);
	CHECK_INT(r.text_len, strlen("wireguard: wg0: Interface created"));
	CHECK_INT(kmsg_parse_record("4,0,0;x", 7, &r), 0);	/* no flags: old kernels */
	CHECK_INT(r.level, 4);
}

TEST(record_malformed)
{
	static const char *const bad[] = {
		"", ";", "6;text", "6,1;text", "a,1,2,-;x", "6,,2,-;x", "6,1,,-;x",
		"1024,1,2,-;x", "6,18446744073709551616,2,-;x", "6,1,18446744073709551616,-;x",
		"6,1,2,- ;x", "6,1,2,-\n;x", "6,1,2,-", "-6,1,2,-;x", "6,1,2,\x01;x",
		"6,1,123456789012345678901,-;x",
	};
	struct kmsg_record r;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK_INT(kmsg_parse_record(bad[i], strlen(bad[i]), &r), -EINVAL);
	/* Every truncation of a good record: no over-read. */
	{
		const char *s = "6,1234,5678901,-;wireguard: wg0: Peer 1 created\n SUBSYSTEM=net";
		size_t n = strlen(s);

		for (size_t k = 0; k <= n; k++) {
			char *c = malloc(k ? k : 1);
			int ret;

			memcpy(c, s, k);
			ret = kmsg_parse_record(c, k, &r);
			CHECK(ret == 0 || ret == -EINVAL);
			if (ret == 0)
				CHECK(r.text + r.text_len <= c + k);
			free(c);
		}
	}
}

/* ------------------------------------------------------------ fixtures */

/* Each fixture line is "EXPECTED<TAB>LINE": EXPECTED is a type name,
 * ENOENT, IGNORED or SKIP (not a kernel line). */
static void check_fixture(const char *name)
{
	size_t len, checked = 0;
	char *data = test_read_data(name, &len);
	char *p, *nl;

	CHECK(data != NULL);
	if (!data)
		return;
	utc();
	for (p = data; p < data + len; p = nl + 1) {
		char *tab, want[64];
		struct kmsg_line l;
		struct event ev;
		const char *got;
		int ret;

		nl = memchr(p, '\n', (size_t)(data + len - p));
		if (!nl)
			nl = data + len;
		if (nl == p || *p == '#')
			continue;
		tab = memchr(p, '\t', (size_t)(nl - p));
		CHECK(tab != NULL);
		if (!tab)
			continue;
		snprintf(want, sizeof(want), "%.*s", (int)(tab - p), p);
		kmsg_strip_prefix(tab + 1, (size_t)(nl - tab - 1), 2026, 0, NULL, &l);
		ret = kmsg_parse(l.text, l.text_len, &ev);
		if (!l.kernel || l.facility > 0)
			got = "SKIP";
		else if (ret == -ENOENT)
			got = "ENOENT";
		else if (ret == KMSG_IGNORED)
			got = "IGNORED";
		else if (ret < 0)
			got = "EINVAL";
		else
			got = event_type_name(ev.type);
		if (strcmp(got, want) != 0)
			test_fail("%s: %.*s: got %s, want %s", name, (int)(nl - tab - 1), tab + 1,
				  got, want);
		checked++;
	}
	CHECK(checked > 0);
	free(data);
}

TEST(fixture_dmesg)
{
	check_fixture("kmsg-dmesg.txt");
}

TEST(fixture_syslog)
{
	check_fixture("kmsg-syslog.txt");
}

TEST(fixture_journal)
{
	check_fixture("kmsg-journal.txt");
}

TEST(fixture_raw)
{
	check_fixture("kmsg-raw.txt");
}

TEST(crowdsec_examples)
{
	struct kmsg_line l;
	struct event ev;
	const char *a = "Jun 20 08:35:15 workshop kernel: [82508.100168] wireguard: wg0: Packet has unallowed src IP (10.0.0.3) from peer 1 (192.168.1.2:51820)";
	const char *b = "Jun 20 08:40:02 workshop kernel: [82508.102168] wireguard: wg0: Invalid handshake initiation from 172.17.100.130:51820";

	utc();
	kmsg_strip_prefix(a, strlen(a), 2025, 0, NULL, &l);
	CHECK_INT(parse_n(l.text, l.text_len, &ev), 0);
	CHECK_STR(show(&ev), "UNALLOWED_SRC_IP iface=wg0 src_ip=10.0.0.3 peer_id=1 endpoint=192.168.1.2:51820");
	CHECK_INT(l.time_us, 1750408515000000LL);
	kmsg_strip_prefix(b, strlen(b), 2025, 0, NULL, &l);
	CHECK_INT(parse_n(l.text, l.text_len, &ev), 0);
	CHECK_STR(show(&ev), "INVALID_HANDSHAKE_INITIATION iface=wg0 endpoint=172.17.100.130:51820");
}

/* Real lines recorded in the QEMU lab, if present: every line with
 * "wireguard: " must match a pattern (no KERNEL_MESSAGE), and if
 * NAME.types exists (one type per event) the sequence must be equal. */
TEST(real_kernel_recordings)
{
	DIR *d = opendir(test_data_dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		size_t len, tlen = 0, events = 0;
		char *data, *types, tname[300], *p, *nl, *tp;

		if (strncmp(de->d_name, "kmsg-real-", 10) != 0 ||
		    strlen(de->d_name) < 14 || strcmp(de->d_name + strlen(de->d_name) - 4, ".txt") != 0)
			continue;
		data = test_read_data(de->d_name, &len);
		if (!data)
			continue;
		snprintf(tname, sizeof(tname), "%.*s.types", (int)(strlen(de->d_name) - 4), de->d_name);
		types = test_read_data(tname, &tlen);
		tp = types;
		for (p = data; p < data + len; p = nl + 1) {
			struct kmsg_line l;
			struct event ev;

			nl = memchr(p, '\n', (size_t)(data + len - p));
			if (!nl)
				nl = data + len;
			kmsg_strip_prefix(p, (size_t)(nl - p), 2026, 0, NULL, &l);
			if (!l.kernel || l.facility > 0)
				continue;
			if (kmsg_parse(l.text, l.text_len, &ev) != 0)
				continue;
			events++;
			if (ev.type == EV_KERNEL_MESSAGE && memmem(l.text, l.text_len, "self-tests", 10) == NULL)
				test_fail("%s: unmatched: %.*s", de->d_name, (int)l.text_len, l.text);
			if (types && tp < types + tlen) {
				char *tn = memchr(tp, '\n', (size_t)(types + tlen - tp));
				size_t tl = tn ? (size_t)(tn - tp) : (size_t)(types + tlen - tp);

				if (tl != strlen(event_type_name(ev.type)) ||
				    memcmp(tp, event_type_name(ev.type), tl) != 0)
					test_fail("%s: event %zu is %s, want %.*s", de->d_name, events,
						  event_type_name(ev.type), (int)tl, tp);
				tp += tl + 1;
			}
		}
		CHECK(events > 0);
		free(types);
		free(data);
	}
	closedir(d);
}

/* The QEMU lab's capture from Debian's 6.1 module (raw records). */
TEST(real_6_1_capture)
{
	size_t len, counts[EV__COUNT] = { 0 }, user = 0, ignored = 0;
	char *data = test_read_data("kmsg-real-6.1.txt", &len), *p, *nl;
	int saw_einval = 0, saw_v6 = 0;

	if (!data) {
		printf("SKIP real_6_1_capture: no tests/data/kmsg-real-6.1.txt\n");
		return;
	}
	for (p = data; p < data + len; p = nl + 1) {
		struct kmsg_line l;
		struct event ev;
		int ret;

		nl = memchr(p, '\n', (size_t)(data + len - p));
		if (!nl)
			nl = data + len;
		kmsg_strip_prefix(p, (size_t)(nl - p), 2026, 0, NULL, &l);
		CHECK(l.record);
		if (l.facility != 0) {
			user++;
			continue;
		}
		ret = kmsg_parse(l.text, l.text_len, &ev);
		if (ret == KMSG_IGNORED)
			ignored++;
		if (ret != 0)
			continue;
		counts[ev.type]++;
		if (ev.type == EV_PEER_DESTROYED && !event_get(&ev, "endpoint"))
			saw_einval = 1;
		if (event_get(&ev, "endpoint") && !strcmp(event_get(&ev, "endpoint"), "[fd00:242::2]:40003"))
			saw_v6 = 1;
	}
	CHECK_INT(user, 1);	/* the lab's injected facility-user look-alike */
	CHECK_INT(ignored, 1);	/* copyright */
	CHECK_INT(counts[EV_KERNEL_MESSAGE], 0);
	CHECK_INT(counts[EV_MODULE_LOADED], 1);
	CHECK_INT(counts[EV_INVALID_MAC], 33);
	CHECK_INT(counts[EV_KMSG_SUPPRESSED], 2);
	CHECK_INT(counts[EV_PEER_CREATED], 7);
	CHECK_INT(counts[EV_PEER_DESTROYED], 7);
	CHECK_INT(counts[EV_KEYPAIR_CREATED], 10);
	CHECK_INT(counts[EV_HANDSHAKE_RETRY], 7);
	CHECK_INT(counts[EV_NO_ROUTE], 4);
	CHECK_INT(counts[EV_UNALLOWED_SRC_IP], 1);
	CHECK(saw_einval);
	CHECK(saw_v6);
	free(data);
}

TEST_MAIN()
