// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include "test.h"
#include <string.h>
#include "base/event.h"
#include "base/util.h"

TEST(type_table)
{
	enum event_type t;
	int sev;

	CHECK_STR(event_type_name(EV_PEER_ACTIVE), "PEER_ACTIVE");
	CHECK_STR(event_type_name(EV_KMSG_SUPPRESSED), "KMSG_SUPPRESSED");
	CHECK_INT(event_type_from_name("ALERT_ROGUE_PEER", &t), 0);
	CHECK_INT(t, EV_ALERT_ROGUE_PEER);
	CHECK_INT(event_type_from_name("NOPE", &t), -ENOENT);
	CHECK_INT(event_type_severity(EV_KERNEL_WARNING), LOG_ERR);
	CHECK_INT(event_type_severity(EV_KEEPALIVE_SENT), LOG_DEBUG);
	CHECK_INT(event_type_severity(EV_INVALID_MAC), LOG_WARNING);
	CHECK_STR(severity_name(LOG_WARNING), "warning");
	CHECK_INT(severity_from_name("err", &sev), 0);
	CHECK_INT(sev, LOG_ERR);
	CHECK_INT(severity_from_name("loud", &sev), -ENOENT);
	CHECK_STR(event_source_name(SRC_KMSG), "kmsg");
}

TEST(fields_set_replace_get)
{
	struct event ev;

	event_init(&ev, EV_PEER_TRANSFER, SRC_POLL);
	CHECK_INT(ev.severity, LOG_INFO);
	CHECK_INT(event_set(&ev, "iface", "wg0"), 0);
	CHECK_INT(event_set_u64(&ev, "rx", 18446744073709551615ull), 0);
	CHECK_INT(event_setf(&ev, "interval", "%d", 60), 0);
	CHECK_INT(event_set(&ev, "iface", "wg1"), 0);	/* replace keeps order */
	CHECK_INT(ev.nfields, 3);
	CHECK_STR(event_key(&ev, 0), "iface");
	CHECK_STR(event_get(&ev, "iface"), "wg1");
	CHECK_STR(event_get(&ev, "rx"), "18446744073709551615");
	CHECK(event_get(&ev, "tx") == NULL);
}

TEST(fields_bounded)
{
	struct event ev;
	char big[5000], key[16];
	int ret = 0;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	event_init(&ev, EV_KERNEL_MESSAGE, SRC_KMSG);
	CHECK_INT(event_set(&ev, "text", big), 0);	/* truncated, kept */
	CHECK(strlen(event_get(&ev, "text")) < EVENT_BUF_LEN);
	CHECK(ev.used <= EVENT_BUF_LEN);
	event_init(&ev, EV_KERNEL_MESSAGE, SRC_KMSG);
	for (int i = 0; i < 40 && ret == 0; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		ret = event_set(&ev, key, "v");
	}
	CHECK_INT(ret, -ENOSPC);
	CHECK_INT(ev.nfields, EVENT_MAX_FIELDS);
}

TEST(encode_decode)
{
	struct event a, b;
	char blob[EVENT_BUF_LEN];
	size_t n;

	event_init(&a, EV_PEER_ENDPOINT_CHANGED, SRC_POLL);
	event_set(&a, "endpoint", "[2001:db8::1]:51820");
	event_set(&a, "prev_endpoint", "192.0.2.1:1");
	event_set(&a, "empty", "");
	n = event_fields_encode(&a, blob, sizeof(blob));
	CHECK_INT(event_fields_decode(&b, blob, n), 0);
	CHECK_INT(b.nfields, 3);
	CHECK_STR(event_get(&b, "prev_endpoint"), "192.0.2.1:1");
	CHECK_STR(event_get(&b, "empty"), "");
	/* Hostile blobs: every truncation, no terminator, empty key. */
	for (size_t i = 1; i < n; i++) {
		int r = event_fields_decode(&b, blob, i);

		CHECK(r == 0 || r == -EINVAL);
	}
	CHECK_INT(event_fields_decode(&b, "k", 1), -EINVAL);
	CHECK_INT(event_fields_decode(&b, "\0v\0", 3), -EINVAL);
	CHECK_INT(event_fields_decode(&b, "k\0v", 3), -EINVAL);
}
/* Typed values: kept as the source had them, text only at the edges, and
 * that text exactly what event_set of the formatted value stored. */
TEST(typed_values_text_as_strings_did)
{
	static const uint8_t key[32] = { 1, 2, 3, 250, 251, 252, 253, 254, 255 };
	char tmp[EVENT_TEXT_LEN], b64[WG_KEY_B64_LEN], blob[EVENT_BUF_LEN];
	union endpoint ep4, ep6, none, got;
	uint8_t kgot[32];
	struct event ev, back;
	uint64_t u;
	size_t n;

	CHECK_INT(endpoint_parse("192.0.2.7:51820", 15, &ep4), 0);
	CHECK_INT(endpoint_parse("[fe80::1%2]:7", 13, &ep6), 0);
	memset(&none, 0, sizeof(none));
	event_init(&ev, EV_PEER_ENDPOINT_CHANGED, SRC_POLL);
	CHECK_INT(event_set_u64(&ev, "rx", UINT64_MAX), 0);
	CHECK_INT(event_set_u64(&ev, "zero", 0), 0);
	CHECK_INT(event_set_i64(&ev, "neg", INT64_MIN), 0);
	CHECK_INT(event_set_addr(&ev, "endpoint", &ep4), 0);
	CHECK_INT(event_set_addr(&ev, "prev_endpoint", &ep6), 0);
	CHECK_INT(event_set_addr(&ev, "unset", &none), 0);	/* no field */
	CHECK_INT(event_set_key(&ev, "peer", key), 0);
	CHECK_INT(ev.nfields, 6);
	CHECK_STR(event_get_text(&ev, "rx", tmp), "18446744073709551615");
	CHECK_STR(event_get_text(&ev, "zero", tmp), "0");
	CHECK_STR(event_get_text(&ev, "neg", tmp), "-9223372036854775808");
	CHECK_STR(event_get_text(&ev, "endpoint", tmp), "192.0.2.7:51820");
	CHECK_STR(event_get_text(&ev, "prev_endpoint", tmp), "[fe80::1%2]:7");
	CHECK(event_get_text(&ev, "unset", tmp) == NULL);
	key_to_base64(b64, key);
	CHECK_STR(event_get(&ev, "peer"), b64);

	/* Read back typed, no text in between. */
	CHECK_INT(event_get_u64(&ev, "rx", UINT64_MAX, &u), 0);
	CHECK(u == UINT64_MAX);
	CHECK_INT(event_get_u64(&ev, "rx", 1000, &u), -EINVAL);	/* over max */
	CHECK_INT(event_get_u64(&ev, "neg", UINT64_MAX, &u), -EINVAL);
	CHECK_INT(event_get_u64(&ev, "endpoint", UINT64_MAX, &u), -EINVAL);
	CHECK_INT(event_get_u64(&ev, "absent", UINT64_MAX, &u), -ENOENT);
	CHECK_INT(event_get_addr(&ev, "endpoint", &got), 0);
	CHECK(endpoint_equal(&got, &ep4));
	CHECK_INT(event_get_addr(&ev, "rx", &got), -EINVAL);
	CHECK_INT(event_get_key(&ev, "peer", kgot), 0);
	CHECK(!memcmp(kgot, key, 32));

	/* The journal's blob is text; decoded, the typed getters parse it. */
	n = event_fields_encode(&ev, blob, sizeof(blob));
	CHECK_INT(event_fields_decode(&back, blob, n), 0);
	CHECK_INT(back.nfields, 6);
	for (unsigned i = 0; i < back.nfields; i++) {
		char t2[EVENT_TEXT_LEN];

		CHECK_INT(back.f[i].kind, EVK_STR);
		CHECK_STR(event_key(&back, i), event_key(&ev, i));
		CHECK_STR(event_text(&back, i, t2), event_text(&ev, i, tmp));
	}
	CHECK_INT(event_get_u64(&back, "rx", UINT64_MAX, &u), 0);
	CHECK(u == UINT64_MAX);
	CHECK_INT(event_get_addr(&back, "prev_endpoint", &got), 0);
	CHECK(endpoint_equal(&got, &ep6));
	CHECK_INT(event_get_key(&back, "peer", kgot), 0);
	CHECK(!memcmp(kgot, key, 32));
	CHECK_INT(event_get_key(&back, "endpoint", kgot), -EINVAL);

	/* A copy keeps the kind; replacing a value may change it. */
	event_init(&back, EV_ALERT_UNKNOWN_ENDPOINT, SRC_AGENT);
	CHECK_INT(event_copy(&back, &ev, "endpoint"), 0);
	CHECK_INT(event_copy(&back, &ev, "absent"), -ENOENT);
	CHECK_INT(back.f[0].kind, EVK_ADDR);
	CHECK_INT(event_set(&back, "endpoint", "x"), 0);
	CHECK_INT(back.nfields, 1);
	CHECK_INT(back.f[0].kind, EVK_STR);
	CHECK_INT(event_get_addr(&back, "endpoint", &got), -EINVAL);
}

/* event_get's slots: eight typed values read at once all stay valid. */
TEST(typed_get_slots)
{
	const char *v[8];
	struct event ev;
	char name[8];

	event_init(&ev, EV_PEER_TRANSFER, SRC_POLL);
	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		event_set_u64(&ev, name, (uint64_t)i * 1000);
	}
	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		v[i] = event_get(&ev, name);
	}
	CHECK_STR(v[0], "0");
	CHECK_STR(v[3], "3000");
	CHECK_STR(v[7], "7000");
}

/* A binary value is never cut: with no room for all of it, no field. */
TEST(typed_values_not_truncated)
{
	static const uint8_t key[32] = { 9 };
	char big[EVENT_BUF_LEN];
	struct event ev;

	memset(big, 'a', sizeof(big));
	big[sizeof(big) - 40] = '\0';
	event_init(&ev, EV_PEER_ADDED, SRC_POLL);
	CHECK_INT(event_set(&ev, "k", big), 0);
	CHECK_INT(event_set_key(&ev, "peer", key), -ENOSPC);
	CHECK_INT(ev.nfields, 1);
	CHECK(event_get(&ev, "peer") == NULL);
	CHECK_INT(event_set_u64(&ev, "n", 5), 0);	/* 8 bytes still fit */
	CHECK_STR(event_get(&ev, "n"), "5");
}
TEST_MAIN()
