// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include "test.h"
#include "base/event.h"
#include "outputs/format.h"
#include "base/sdid.h"
#include "base/util.h"

#define KEY "xTIL0nHQ8AzW7VVc2YIIDhmDdBSmjJdZJwGAPsr4g1A="
/* 2026-11-25T12:00:00.123456Z */
#define T0 1795608000123456LL

static void peer_active(struct event *ev)
{
	event_init(ev, EV_PEER_ACTIVE, SRC_POLL);
	ev->time_us = T0;
	ev->id = 42;
	event_set(ev, "iface", "wg0");
	event_set(ev, "peer", KEY);
	event_set(ev, "peer_name", "alice laptop");
	event_set(ev, "endpoint", "198.51.100.7:51820");
	event_set(ev, "allowed_ips", "10.0.0.2/32,fd00::2/128");
	event_set(ev, "rx", "1024");
	event_set(ev, "tx", "2048");
	event_set(ev, "latest_handshake", "1795607990");
}

TEST(msg_peer_active_script_prefix)
{
	struct event ev;
	char out[1024];
	ssize_t n;

	peer_active(&ev);
	n = format_msg(&ev, out, sizeof(out));
	CHECK_STR(out, "PEER_ACTIVE peer=xTIL0nHQ8AzW endpoint=198.51.100.7:51820 "
		  "allowed_ips=10.0.0.2/32,fd00::2/128 rx=1024 tx=2048 iface=wg0 "
		  "pubkey=" KEY " peer_name=\"alice laptop\" latest_handshake=1795607990");
	CHECK_INT(n, strlen(out));
}

TEST(msg_without_peer)
{
	struct event ev;
	char out[256];

	event_init(&ev, EV_AGENT_STARTED, SRC_AGENT);
	CHECK_INT(format_msg(&ev, out, sizeof(out)), 13);
	CHECK_STR(out, "AGENT_STARTED");
	event_set(&ev, "version", "0.1.0");
	event_set(&ev, "iface", "wg1");
	format_msg(&ev, out, sizeof(out));
	CHECK_STR(out, "AGENT_STARTED iface=wg1 version=0.1.0");
}

TEST(msg_quoting_and_escaping)
{
	struct event ev;
	char out[512];

	event_init(&ev, EV_KERNEL_MESSAGE, SRC_KMSG);
	event_set(&ev, "empty", "");
	event_set(&ev, "eq", "a=b");
	event_set(&ev, "q", "say \"hi\"");
	event_set(&ev, "bs", "c:\\x");
	event_set(&ev, "nl", "a\nb\r\tc\x01");
	event_set(&ev, "bin", "\xff\xc3\xa9ok");	/* invalid byte, then é */
	event_set(&ev, "utf8", "caf\xc3\xa9");
	format_msg(&ev, out, sizeof(out));
	CHECK_STR(out, "KERNEL_MESSAGE empty=\"\" eq=\"a=b\" q=\"say \\\"hi\\\"\" "
		  "bs=\"c:\\\\x\" nl=\"a\\nb\\r\\tc\\x01\" bin=\"\\xff\xc3\xa9ok\" "
		  "utf8=caf\xc3\xa9");
	CHECK(!strchr(out, '\n'));
}

/* JSON lines carry C1 controls escaped (U+009B is CSI), C0 too, and
 * invalid UTF-8 as U+FFFD: a jsonl file shown in a terminal is safe. */
TEST(json_escapes_c0_c1_invalid)
{
	struct event ev;
	char out[1024];

	event_init(&ev, EV_KERNEL_MESSAGE, SRC_KMSG);
	event_set(&ev, "text", "a\x1b[2J\xc2\x9b\xc2\x85\x9b\xc3\xa9");
	CHECK(format_json(&ev, "h", out, sizeof(out)) > 0);
	CHECK(strstr(out, "\"text\":\"a\\u001b[2J\\u009b\\u0085\\ufffd\xc3\xa9\"") != NULL);
	CHECK(!strstr(out, "\xc2\x9b") && !strchr(out, 0x1b));
}

TEST(msg_hostile_key)
{
	struct event ev;
	char out[256];

	event_init(&ev, EV_KERNEL_MESSAGE, SRC_KMSG);
	event_set(&ev, "a b=\"]", "v");
	format_msg(&ev, out, sizeof(out));
	CHECK_STR(out, "KERNEL_MESSAGE a_b___=v");
}

TEST(enospc_every_length)
{
	struct event ev;
	char out[2048];
	ssize_t full;

	peer_active(&ev);
	event_set(&ev, "text", "x\"]\n\xff");
	full = format_rfc5424(&ev, "gw1", 1, out, sizeof(out));
	CHECK(full > 0);
	for (size_t l = 0; l <= (size_t)full; l++) {
		memset(out, 'Z', sizeof(out));
		if (format_msg(&ev, out, l) >= 0 && l < 20)
			test_fail("format_msg fit in %zu", l);
		if (format_rfc5424(&ev, "gw1", 1, out, l) != -ENOSPC)
			test_fail("rfc5424 len %zu", l);
		if (out[l] != 'Z')
			test_fail("wrote past %zu", l);
		if (format_json(&ev, "gw1", out, l) >= 0 && l < 100)
			test_fail("json fit in %zu", l);
		if (format_rfc3164(&ev, "gw1", 1, out, l) >= 0 && l < 30)
			test_fail("3164 fit in %zu", l);
	}
	CHECK_INT(format_rfc5424(&ev, "gw1", 1, out, (size_t)full + 1), full);
}

TEST(rfc5424_exact)
{
	struct event ev;
	char out[2048];

	peer_active(&ev);
	format_rfc5424(&ev, "gw1.example", 1, out, sizeof(out));
	CHECK_STR(out, "<14>1 2026-11-25T12:00:00.123456Z gw1.example wireguard-audit - "
		  "PEER_ACTIVE [wgaudit@32473 iface=\"wg0\" peer=\"" KEY "\" "
		  "peer_name=\"alice laptop\" endpoint=\"198.51.100.7:51820\" "
		  "allowed_ips=\"10.0.0.2/32,fd00::2/128\" rx=\"1024\" tx=\"2048\" "
		  "latest_handshake=\"1795607990\"] "
		  "PEER_ACTIVE peer=xTIL0nHQ8AzW endpoint=198.51.100.7:51820 "
		  "allowed_ips=10.0.0.2/32,fd00::2/128 rx=1024 tx=2048 iface=wg0 "
		  "pubkey=" KEY " peer_name=\"alice laptop\" latest_handshake=1795607990");
}

TEST(rfc5424_sd_escaping_and_nil)
{
	struct event ev;
	char out[1024];

	event_init(&ev, EV_INVALID_MAC, SRC_KMSG);	/* warning */
	event_set(&ev, "text", "a\"b\\c]d\ne\xfe");
	format_rfc5424(&ev, "", 4, out, sizeof(out));	/* auth */
	CHECK_STR(out, "<36>1 - - wireguard-audit - INVALID_MAC "
		  "[wgaudit@32473 text=\"a\\\"b\\\\c\\]d\\x0ae\xef\xbf\xbd\"] "
		  "INVALID_MAC text=\"a\\\"b\\\\c]d\\ne\\xfe\"");
	/* host with spaces/8-bit bytes: PRINTUSASCII only */
	event_init(&ev, EV_AGENT_STOPPED, SRC_AGENT);
	ev.severity = LOG_DEBUG;
	format_rfc5424(&ev, "a b\xc3", 99, out, sizeof(out));
	CHECK_STR(out, "<15>1 - a_b_ wireguard-audit - AGENT_STOPPED [wgaudit@32473] AGENT_STOPPED");
}

TEST(rfc5424_sd_name_limits)
{
	struct event ev;
	char out[1024];

	event_init(&ev, EV_KERNEL_MESSAGE, SRC_KMSG);
	event_set(&ev, "a_very_long_key_name_that_exceeds_thirty_two", "1");
	event_set(&ev, "x=y]\"z", "2");
	format_rfc5424(&ev, "h", 1, out, sizeof(out));
	CHECK(strstr(out, "[wgaudit@32473 a_very_long_key_name_that_exceed=\"1\" x_y__z=\"2\"]"));
}

TEST(rfc5424_sd_id_configured)
{
	struct event ev;
	char out[1024];

	event_init(&ev, EV_AGENT_STOPPED, SRC_AGENT);
	ev.severity = LOG_DEBUG;
	format_rfc5424_sd(&ev, "h", 1, "example@99999", out, sizeof(out));
	CHECK_STR(out, "<15>1 - h wireguard-audit - AGENT_STOPPED [example@99999] AGENT_STOPPED");
	/* NULL and "" are the documented default */
	format_rfc5424_sd(&ev, "h", 1, NULL, out, sizeof(out));
	CHECK_STR(out, "<15>1 - h wireguard-audit - AGENT_STOPPED [" SD_ID_DEFAULT "] AGENT_STOPPED");
	format_rfc5424_sd(&ev, "h", 1, "", out, sizeof(out));
	CHECK(strstr(out, "[wgaudit@32473]"));
}

TEST(sd_id_check_rfc5424)
{
	static const char *const good[] = {
		"example@99999", "wgaudit@32473", "a@1", "x.y-z_!#$%&'()*+,-./:;<>?@1",
		"abcdefghijklmnopqrstuvwxyz@12345",	/* 32 */
	};
	static const struct {
		const char *id, *why;
	} bad[] = {
		{ "", "is empty" },
		{ "abcdefghijklmnopqrstuvwxyz@123456", "is longer than 32 characters (RFC 5424 SD-NAME)" },
		{ "timeQuality", "must be NAME@NUMBER (your enterprise number; names without '@' are IANA's)" },
		{ "a b@1", "may hold printable US-ASCII only, without space, '=', ']' or '\"'" },
		{ "a=b@1", "may hold printable US-ASCII only, without space, '=', ']' or '\"'" },
		{ "a]@1", "may hold printable US-ASCII only, without space, '=', ']' or '\"'" },
		{ "a\"@1", "may hold printable US-ASCII only, without space, '=', ']' or '\"'" },
		{ "a\xc3\xa9@1", "may hold printable US-ASCII only, without space, '=', ']' or '\"'" },
		{ "a@1@2", "has more than one '@'" },
		{ "@123", "has no name before '@'" },
		{ "abc@", "has no enterprise number after '@'" },
		{ "abc@12x", "must end in '@' and the enterprise number's digits" },
		{ "abc@012", "has an enterprise number with a leading zero" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		const char *why = sd_id_check(good[i], strlen(good[i]));

		CHECK_STR(why ? why : "ok", "ok");
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		const char *why = sd_id_check(bad[i].id, strlen(bad[i].id));

		CHECK_STR(why ? why : "ok", bad[i].why);
	}
	/* bounded by n, not by a NUL */
	CHECK(sd_id_check("a@1]garbage", 3) == NULL);
}

TEST(rfc3164_exact)
{
	struct event ev;
	char out[1024];

	event_init(&ev, EV_PEER_INACTIVE, SRC_POLL);	/* notice */
	ev.time_us = 1780000000000000LL;	/* 2026-05-28T20:26:40Z */
	event_set(&ev, "peer", KEY);
	event_set(&ev, "iface", "wg0");
	format_rfc3164(&ev, "gw1", 1, out, sizeof(out));
	CHECK_STR(out, "<13>May 28 20:26:40 gw1 wireguard-audit: PEER_INACTIVE "
		  "peer=xTIL0nHQ8AzW iface=wg0 pubkey=" KEY);
	ev.time_us = 1767582245000000LL;	/* 2026-01-05T03:04:05Z */
	format_rfc3164(&ev, "", 1, out, sizeof(out));
	CHECK(!strncmp(out, "<13>Jan  5 03:04:05 - wireguard-audit: ", 39));
}

/* A strict little JSON checker: returns the end of one value or NULL. */
static const char *js_value(const char *p);

static const char *js_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static const char *js_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	for (;;) {
		unsigned char c = (unsigned char)*p;

		if (c == '"')
			return p + 1;
		if (c < 0x20)
			return NULL;
		if (c == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
						return NULL;
				p += 5;
				continue;
			}
			if (!*p || !strchr("\"\\/bfnrt", *p))
				return NULL;
			p++;
			continue;
		}
		if (c >= 0x80) {
			int n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;

			if (n == 0 || c > 0xf4)
				return NULL;
			for (int i = 1; i < n; i++)
				if (((unsigned char)p[i] & 0xc0) != 0x80)
					return NULL;
			p += n;
			continue;
		}
		p++;
	}
}

static const char *js_number(const char *p)
{
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	return p;
}

static const char *js_object(const char *p)
{
	p = js_ws(p + 1);
	if (*p == '}')
		return p + 1;
	for (;;) {
		p = js_string(js_ws(p));
		if (!p)
			return NULL;
		p = js_ws(p);
		if (*p++ != ':')
			return NULL;
		p = js_value(p);
		if (!p)
			return NULL;
		p = js_ws(p);
		if (*p == '}')
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *js_value(const char *p)
{
	p = js_ws(p);
	if (*p == '{')
		return js_object(p);
	if (*p == '"')
		return js_string(p);
	return js_number(p);
}

static bool json_valid(const char *s)
{
	const char *e = js_value(s);

	return e && *js_ws(e) == '\0';
}

TEST(json_exact)
{
	struct event ev;
	char out[2048];
	ssize_t n;

	peer_active(&ev);
	event_set(&ev, "rx_delta", "0");
	event_set(&ev, "peer_id", "007");	/* not canonical: stays a string */
	n = format_json(&ev, "gw1", out, sizeof(out));
	CHECK_STR(out, "{\"time\":\"2026-11-25T12:00:00.123456Z\",\"host\":\"gw1\","
		  "\"type\":\"PEER_ACTIVE\",\"severity\":\"info\",\"source\":\"poll\","
		  "\"iface\":\"wg0\",\"peer\":\"" KEY "\",\"peer_name\":\"alice laptop\","
		  "\"endpoint\":\"198.51.100.7:51820\","
		  "\"allowed_ips\":\"10.0.0.2/32,fd00::2/128\",\"rx\":1024,\"tx\":2048,"
		  "\"latest_handshake\":\"1795607990\",\"rx_delta\":0,\"peer_id\":\"007\","
		  "\"id\":42}");
	CHECK_INT(n, strlen(out));
	CHECK(json_valid(out));
}

TEST(json_hostile_values)
{
	struct event ev;
	char out[4096], bad[256];

	for (int i = 0; i < 255; i++)
		bad[i] = (char)(i + 1);
	bad[255] = '\0';
	event_init(&ev, EV_KERNEL_MESSAGE, SRC_KMSG);
	event_set(&ev, "text", bad);
	event_set(&ev, "type", "shadow");
	event_set(&ev, "rx", "12x");
	event_set(&ev, "trunc", "\xe2\x82");	/* truncated sequence */
	event_set(&ev, "surrogate", "\xed\xa0\x80");
	format_json(&ev, "h\"\n", out, sizeof(out));
	CHECK(json_valid(out));
	CHECK(strstr(out, "\"host\":\"h\\\"\\n\""));
	CHECK(strstr(out, "\"field_type\":\"shadow\""));
	CHECK(strstr(out, "\"rx\":\"12x\""));
	CHECK(strstr(out, "\"trunc\":\"\\ufffd\\ufffd\""));
	CHECK(strstr(out, "\"surrogate\":\"\\ufffd\\ufffd\\ufffd\""));
	CHECK(strstr(out, "\\u0001\\u0002"));
	CHECK(strstr(out, "\\u007f"));
	CHECK(!strchr(out, '\n'));
}

TEST(hostile_values_never_break_records)
{
	struct event ev;
	char out[16384], bad[256];

	for (int i = 0; i < 255; i++)
		bad[i] = (char)(i + 1);
	bad[255] = '\0';
	event_init(&ev, EV_KERNEL_MESSAGE, SRC_KMSG);
	event_set(&ev, "text", bad);
	CHECK(format_rfc5424(&ev, "h", 1, out, sizeof(out)) > 0);
	CHECK(!strchr(out, '\n') && !strchr(out, '\r'));
	CHECK(format_rfc3164(&ev, "h", 1, out, sizeof(out)) > 0);
	CHECK(!strchr(out, '\n') && !strchr(out, '\r'));
	for (const char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			test_fail("control byte 0x%02x at %zu", *p, (size_t)(p - out));
}

TEST(full_event_fits_record_bound)
{
	/* The worst case the output buffer must hold: every field byte
	 * escaped to 4 bytes, in both the SD and the MSG. */
	static char out[65536];
	struct event ev;
	char k[8];

	event_init(&ev, EV_KERNEL_MESSAGE, SRC_KMSG);
	for (int i = 0; i < EVENT_MAX_FIELDS; i++) {
		char v[80];

		memset(v, 0x01, sizeof(v) - 1);
		v[sizeof(v) - 1] = '\0';
		snprintf(k, sizeof(k), "k%d", i);
		event_set(&ev, k, v);
	}
	CHECK(format_rfc5424(&ev, "h", 1, out, 32768) > 0);
	CHECK(format_json(&ev, "h", out, 32768) > 0);
}

#define EID "0123456789abcdef0123456789abcdef-42"

/* DESIGN "Event identity": JSON field, RFC 5424 SD param, RFC 3164 at the
 * end of MSG; absent (never empty) before the event is stored. */
TEST(event_id_in_every_format)
{
	struct event ev;
	char out[2048];

	peer_active(&ev);
	snprintf(ev.event_id, sizeof(ev.event_id), "%s", EID);
	CHECK(format_json(&ev, "gw1", out, sizeof(out)) > 0);
	CHECK(strstr(out, ",\"id\":42,\"event_id\":\"" EID "\"}"));
	CHECK(json_valid(out));
	CHECK(format_rfc5424(&ev, "gw1", 1, out, sizeof(out)) > 0);
	CHECK(strstr(out, " latest_handshake=\"1795607990\" event_id=\"" EID "\"] PEER_ACTIVE "));
	CHECK(!strstr(strstr(out, "] ") ? strstr(out, "] ") : out, "event_id=" EID));
	CHECK(format_rfc3164(&ev, "gw1", 1, out, sizeof(out)) > 0);
	CHECK(strlen(out) > strlen(" event_id=" EID) &&
	      !strcmp(out + strlen(out) - strlen(" event_id=" EID), " event_id=" EID));
	/* A field that claims the name cannot pose as the id in JSON. */
	event_set(&ev, "event_id", "forged");
	CHECK(format_json(&ev, "gw1", out, sizeof(out)) > 0);
	CHECK(strstr(out, "\"field_event_id\":\"forged\""));
	ev.event_id[0] = '\0';
	CHECK(format_json(&ev, "gw1", out, sizeof(out)) > 0);
	CHECK(!strstr(out, "\"event_id\""));
}

TEST_MAIN()
