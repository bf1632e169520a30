// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <time.h>
#include "test.h"
#include "base/event.h"
#include "sources/wglog.h"
#include "base/util.h"

static const char *show_line(const char *line)
{
	static char out[2048];
	char tmp[EVENT_TEXT_LEN];
	struct event ev;
	size_t n = strlen(line), o;
	char *copy = malloc(n ? n : 1);
	int ret;

	memcpy(copy, line, n);	/* exact size: ASan sees over-reads */
	ret = wglog_parse(copy, n, &ev);
	free(copy);
	if (ret == -ENOENT)
		return "ENOENT";
	if (ret < 0)
		return "EINVAL";
	o = (size_t)snprintf(out, sizeof(out), "%s", event_type_name(ev.type));
	for (unsigned i = 0; i < ev.nfields && o < sizeof(out); i++)
		o += (size_t)snprintf(out + o, sizeof(out) - o, " %s=%s", event_key(&ev, i),
				      event_text(&ev, i, tmp));
	return out;
}

#define PFX "DEBUG: (wg0) 2025/05/22 01:45:02 "
#define PEER "peer(AbCd\xe2\x80\xa6WxY=)"

TEST(peer_lines)
{
	CHECK_STR(show_line(PFX PEER " - Received handshake initiation"),
		  "HANDSHAKE_INITIATION_RECEIVED iface=wg0 peer_abbrev=AbCd\xe2\x80\xa6WxY=");
	CHECK_STR(show_line(PFX PEER " - Received handshake response"),
		  "HANDSHAKE_RESPONSE_RECEIVED iface=wg0 peer_abbrev=AbCd\xe2\x80\xa6WxY=");
	CHECK_STR(show_line(PFX PEER " - Sending handshake initiation"),
		  "HANDSHAKE_INITIATION_SENT iface=wg0 peer_abbrev=AbCd\xe2\x80\xa6WxY=");
	CHECK_STR(show_line(PFX PEER " - Sending handshake response\n"),
		  "HANDSHAKE_RESPONSE_SENT iface=wg0 peer_abbrev=AbCd\xe2\x80\xa6WxY=");
	CHECK_STR(show_line(PFX PEER " - Receiving keepalive packet"),
		  "KEEPALIVE_RECEIVED iface=wg0 peer_abbrev=AbCd\xe2\x80\xa6WxY=");
	CHECK_STR(show_line(PFX PEER " - Sending keepalive packet"),
		  "KEEPALIVE_SENT iface=wg0 peer_abbrev=AbCd\xe2\x80\xa6WxY=");
	CHECK_STR(show_line(PFX PEER " - ConsumeMessageInitiation: handshake replay @ 2025-05-22 01:45:02.1 +0000 UTC"),
		  "INVALID_HANDSHAKE_INITIATION iface=wg0 reason=replay peer_abbrev=AbCd\xe2\x80\xa6WxY=");
	CHECK_STR(show_line(PFX PEER " - ConsumeMessageInitiation: handshake flood"),
		  "INVALID_HANDSHAKE_INITIATION iface=wg0 reason=flood peer_abbrev=AbCd\xe2\x80\xa6WxY=");
	CHECK_STR(show_line(PFX "IPv4 packet with disallowed source address from " PEER),
		  "UNALLOWED_SRC_IP iface=wg0 peer_abbrev=AbCd\xe2\x80\xa6WxY=");
	CHECK_STR(show_line(PFX "IPv6 packet with disallowed source address from " PEER),
		  "UNALLOWED_SRC_IP iface=wg0 peer_abbrev=AbCd\xe2\x80\xa6WxY=");
	CHECK_STR(show_line(PFX "Packet with invalid IP version from " PEER),
		  "MALFORMED_PACKET iface=wg0 reason=not_ip peer_abbrev=AbCd\xe2\x80\xa6WxY=");
	CHECK_STR(show_line(PFX PEER " - Handshake did not complete after 20 attempts, giving up"),
		  "HANDSHAKE_GAVE_UP iface=wg0 peer_abbrev=AbCd\xe2\x80\xa6WxY= attempts=20");
	CHECK_STR(show_line(PFX PEER " - Handshake did not complete after 5 seconds, retrying (try 2)"),
		  "HANDSHAKE_RETRY iface=wg0 reason=timeout peer_abbrev=AbCd\xe2\x80\xa6WxY= seconds=5 try=2");
	CHECK_STR(show_line(PFX PEER " - Retrying handshake because we stopped hearing back after 15 seconds"),
		  "HANDSHAKE_RETRY iface=wg0 reason=no_reply peer_abbrev=AbCd\xe2\x80\xa6WxY= seconds=15");
	CHECK_STR(show_line(PFX PEER " - Removing all keys, since we haven't received a new one in 540 seconds"),
		  "KEYS_ZEROED iface=wg0 peer_abbrev=AbCd\xe2\x80\xa6WxY= seconds=540");
	CHECK_STR(show_line(PFX PEER " - UAPI: Created"),
		  "PEER_CREATED iface=wg0 peer_abbrev=AbCd\xe2\x80\xa6WxY=");
	CHECK_STR(show_line(PFX PEER " - UAPI: Removing"),
		  "PEER_DESTROYED iface=wg0 peer_abbrev=AbCd\xe2\x80\xa6WxY=");
}

TEST(endpoint_lines)
{
	CHECK_STR(show_line(PFX "Receiving cookie response from 192.0.2.1:51820"),
		  "COOKIE_RECEIVED iface=wg0 endpoint=192.0.2.1:51820");
	CHECK_STR(show_line(PFX "Sending cookie response for denied handshake message for [2001:db8::1]:51820"),
		  "COOKIE_SENT iface=wg0 endpoint=[2001:db8::1]:51820");
	CHECK_STR(show_line(PFX "Received invalid initiation message from [fe80::1%eth0]:51820"),
		  "INVALID_HANDSHAKE_INITIATION iface=wg0 endpoint=[fe80::1%eth0]:51820");
	CHECK_STR(show_line(PFX "Received invalid response message from 192.0.2.1:51820"),
		  "INVALID_HANDSHAKE_RESPONSE iface=wg0 endpoint=192.0.2.1:51820");
	CHECK_STR(show_line(PFX "Received packet with invalid mac1"), "INVALID_MAC iface=wg0");
	CHECK_STR(show_line(PFX "Could not decrypt invalid cookie response"), "COOKIE_INVALID iface=wg0");
}

TEST(other_lines_and_time)
{
	struct event ev;
	const char *l = "ERROR: (wg1) 2025/05/22 01:45:02 Failed to decode initiation message";

	setenv("TZ", "UTC", 1);
	tzset();
	CHECK_STR(show_line(PFX "Interface up requested"),
		  "KERNEL_MESSAGE iface=wg0 text=Interface up requested");
	CHECK_INT(wglog_parse(l, strlen(l), &ev), 0);
	CHECK_INT(ev.time_us, 1747878302000000LL);
	CHECK_INT(ev.severity, LOG_ERR);
	CHECK_INT(ev.source, SRC_JOURNAL);
	CHECK_STR(event_get(&ev, "iface"), "wg1");
}

TEST(not_wireguard_go_or_malformed)
{
	CHECK_STR(show_line("INFO: (wg0) 2025/05/22 01:45:02 x"), "ENOENT");
	CHECK_STR(show_line("DEBUG: wg0 2025/05/22 01:45:02 x"), "ENOENT");
	CHECK_STR(show_line("DEBUG: (wg0) 2025/13/22 01:45:02 x"), "EINVAL");
	CHECK_STR(show_line("DEBUG: (abcdefghijklmnop) 2025/05/22 01:45:02 x"), "ENOENT");
	CHECK_STR(show_line("DEBUG: (w g) 2025/05/22 01:45:02 x"), "EINVAL");
	CHECK_STR(show_line(PFX "peer(AbCd...WxYz) - Received handshake initiation"),
		  "KERNEL_MESSAGE iface=wg0 text=peer(AbCd...WxYz) - Received handshake initiation");
	CHECK_STR(show_line(PFX PEER " - Handshake did not complete after 99999999999 attempts, giving up"),
		  "KERNEL_MESSAGE iface=wg0 text=peer(AbCd\xe2\x80\xa6WxY=) - Handshake did not complete after 99999999999 attempts, giving up");
}

TEST(truncated_every_byte)
{
	const char *l = PFX PEER " - Handshake did not complete after 5 seconds, retrying (try 2)";
	size_t n = strlen(l);
	struct event ev;

	for (size_t k = 0; k <= n; k++) {
		char *c = malloc(k ? k : 1);
		int ret;

		memcpy(c, l, k);
		ret = wglog_parse(c, k, &ev);
		CHECK(ret == 0 || ret == -ENOENT || ret == -EINVAL);
		free(c);
	}
}

static int64_t stamp_of(const char *l)
{
	struct event ev;

	return wglog_parse(l, strlen(l), &ev) == 0 ? ev.time_us : -1;
}

/* The stamp memo (one entry) answers a repeated stamp, and only that. */
TEST(stamps_in_turn)
{
	setenv("TZ", "UTC", 1);
	tzset();
	CHECK_INT(stamp_of("DEBUG: (wg0) 2025/05/22 01:45:02 a"), 1747878302000000LL);
	CHECK_INT(stamp_of("DEBUG: (wg0) 2025/05/22 01:45:02 b"), 1747878302000000LL);
	CHECK_INT(stamp_of("DEBUG: (wg0) 2025/05/22 01:45:03 a"), 1747878303000000LL);
	CHECK_INT(stamp_of("DEBUG: (wg0) 2025/05/23 01:45:03 a"), 1747964703000000LL);
	CHECK_INT(stamp_of("DEBUG: (wg0) 2025/05/22 01:45:02 a"), 1747878302000000LL);
	/* a bad stamp after a good one is still refused, and not remembered */
	CHECK_INT(stamp_of("DEBUG: (wg0) 2025/05/22 01:45:0x a"), -1);
	CHECK_INT(stamp_of("DEBUG: (wg0) 2025/05/22 01:45:02 a"), 1747878302000000LL);
	CHECK_INT(stamp_of("DEBUG: (wg0) 2025/05/22 01:45:0x a"), -1);
}

TEST_MAIN()
