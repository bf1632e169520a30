// SPDX-License-Identifier: GPL-2.0
/* The kmsg fast paths against the slow ones they stand in for: canonical
 * IPv4 endpoints copied as they are, the zone offset reused per minute. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "test.h"
#include "kmsgtest.h"
#include "base/util.h"

static int parse(const char *s, struct event *ev)
{
	return parse_n(s, strlen(s), ev);	/* no NUL after the line */
}

/* IPv4 endpoints the kernel never prints (leading zeros, out of range)
 * take the slow path and come out as before; canonical ones are copied. */
TEST(ipv4_endpoint_forms)
{
	static const struct { const char *ep, *want; } cases[] = {
		{ "198.51.100.7:51820", "INVALID_MAC iface=wg0 endpoint=198.51.100.7:51820" },
		{ "0.0.0.0:0", "INVALID_MAC iface=wg0 endpoint=0.0.0.0:0" },
		{ "255.255.255.255:65535", "INVALID_MAC iface=wg0 endpoint=255.255.255.255:65535" },
		{ "1.2.3.4:051820", "INVALID_MAC iface=wg0 endpoint=1.2.3.4:51820" },
		{ "1.2.3.4:00", "INVALID_MAC iface=wg0 endpoint=1.2.3.4:0" },
		{ "1.2.3.4:65536", NULL },
		{ "1.2.3.256:1", NULL },
		{ "01.2.3.4:1", NULL },
		{ "1.2.3:1", NULL },
		{ "1.2.3.4.5:1", NULL },
		{ "1.2.3.4:", NULL },
		{ "1.2.3.4", NULL },
		{ "1..3.4:1", NULL },
	};
	char line[128];
	struct event ev;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(line, sizeof(line), "wireguard: wg0: Invalid MAC of handshake, dropping packet from %s",
			 cases[i].ep);
		CHECK_INT(parse(line, &ev), 0);
		if (cases[i].want)
			CHECK_STR(show(&ev), cases[i].want);
		else
			CHECK_INT(ev.type, EV_KERNEL_MESSAGE);
	}
}

/* The zone cache gives what the uncached path gives, stamp by stamp, across
 * DST changes (Berlin: one hour; Lord Howe: 30 minutes) and in both stamp
 * forms that carry local time. */
TEST(tzcache_matches_uncached_across_dst)
{
	static const char *const zones[] = { "Europe/Berlin", "Australia/Lord_Howe", "UTC" };
	static const char *const days[][2] = {
		{ "Mar", "29" }, { "Oct", "25" }, { "Apr", " 5" }, { "Oct", " 4" },
	};
	static const char *const wdays[] = { "Sun", "Sun", "Sun", "Sun" };
	struct kmsg_tzcache tz;
	struct kmsg_line a, b;
	char line[160];
	unsigned bad = 0, n = 0;

	for (size_t z = 0; z < ARRAY_SIZE(zones); z++) {
		setenv("TZ", zones[z], 1);
		tzset();
		memset(&tz, 0, sizeof(tz));
		for (size_t d = 0; d < ARRAY_SIZE(days); d++)
			for (int s = 0; s < 86400; s += 7) {
				int len;

				if (s % 2)
					len = snprintf(line, sizeof(line), "%s %s %02d:%02d:%02d.%06d gw kernel: "
						       "wireguard: wg0: Invalid IP packet", days[d][0], days[d][1],
						       s / 3600, s / 60 % 60, s % 60, s);
				else
					len = snprintf(line, sizeof(line), "[%s %s %s %02d:%02d:%02d 2026] "
						       "wireguard: wg0: Invalid IP packet", wdays[d], days[d][0],
						       days[d][1], s / 3600, s / 60 % 60, s % 60);
				kmsg_strip_prefix(line, (size_t)len, 2026, 0, NULL, &a);
				kmsg_strip_prefix(line, (size_t)len, 2026, 0, &tz, &b);
				n++;
				if (a.time_us == 0 || a.time_us != b.time_us) {
					if (bad++ < 3)
						test_fail("%s: %s: %lld cached, %lld not", zones[z], line,
							  (long long)b.time_us, (long long)a.time_us);
				}
			}
	}
	CHECK(n > 100000);
	CHECK_INT(bad, 0);
	utc();
}

TEST_MAIN()
