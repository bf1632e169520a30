// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include "test.h"
#include "base/event.h"

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
TEST_MAIN()
