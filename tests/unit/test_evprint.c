// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "test.h"
#include "base/event.h"
#include "outputs/evprint.h"

static char *print(const struct event *ev, bool json, bool timed)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f || event_print(f, ev, "h", json, timed) < 0)
		abort();
	fclose(f);
	return buf;
}

/* One format for check, events and replay: padded severity; "-" for an
 * unknown time; C1 controls never raw (format_msg keeps UTF-8 as is). */
TEST(text_format_and_escaping)
{
	struct event ev;
	char *s;

	event_init(&ev, EV_KERNEL_MESSAGE, SRC_KMSG);
	ev.time_us = 1795608000000000LL;
	ev.severity = 6;
	event_set(&ev, "text", "csi\xc2\x9b" "2J ok\xc3\xa9");
	s = print(&ev, false, true);
	CHECK_STR(s, "2026-11-25T12:00:00.000000Z info    KERNEL_MESSAGE text=\"csi\\u009b2J ok\xc3\xa9\"\n");
	free(s);
	s = print(&ev, false, false);
	CHECK(!strncmp(s, "- info    KERNEL_MESSAGE ", 25));
	free(s);
	s = print(&ev, true, true);
	CHECK(strstr(s, "\\u009b2J") && !strstr(s, "\xc2\x9b") && s[strlen(s) - 1] == '\n');
	free(s);
}
TEST_MAIN()
