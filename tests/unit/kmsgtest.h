// SPDX-License-Identifier: GPL-2.0
/* kmsgtest.h - what the kernel log tests share: a parse from an exact-size
 * copy (ASan sees any over-read), an event as one "TYPE k=v" line, and
 * times read as UTC. */
#ifndef WGAUDIT_TEST_KMSGTEST_H
#define WGAUDIT_TEST_KMSGTEST_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "base/event.h"
#include "sources/kmsg.h"

/* Parse from an exact-size heap copy so ASan sees any over-read. */
static inline int parse_n(const char *s, size_t n, struct event *ev)
{
	char *copy = malloc(n ? n : 1);
	int ret;

	memcpy(copy, s, n);
	ret = kmsg_parse(copy, n, ev);
	free(copy);
	return ret;
}

/* "TYPE k=v k=v" of an event, for compact expectations. */
static inline const char *show(const struct event *ev)
{
	static char out[4096];
	char tmp[EVENT_TEXT_LEN];
	size_t o;

	o = (size_t)snprintf(out, sizeof(out), "%s", event_type_name(ev->type));
	for (unsigned i = 0; i < ev->nfields && o < sizeof(out); i++)
		o += (size_t)snprintf(out + o, sizeof(out) - o, " %s=%s",
				      event_key(ev, i), event_text(ev, i, tmp));
	return out;
}

/* Saved logs carry local times: read them as UTC. */
static inline void utc(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
}
#endif
