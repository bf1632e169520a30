// SPDX-License-Identifier: GPL-2.0
/* fuzz_kmsg.c - libFuzzer target: raw record parsing, line prefix
 * stripping and the WireGuard line parser over untrusted bytes. The input
 * is copied to an exact-size buffer so any over-read trips ASan. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "base/event.h"
#include "sources/kmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_event(const struct event *ev)
{
	/* Every field is a NUL-terminated key and a value with a text. */
	for (unsigned i = 0; i < ev->nfields; i++) {
		char tmp[EVENT_TEXT_LEN];

		if (strlen(event_key(ev, i)) >= EVENT_BUF_LEN ||
		    strlen(event_text(ev, i, tmp)) >= EVENT_BUF_LEN)
			abort();
	}
	if (ev->type == EV_KERNEL_MESSAGE || ev->type == EV_KERNEL_WARNING) {
		const char *t = event_get(ev, "text");

		if (!t)
			abort();
		for (; *t; t++)	/* escaped: printable ASCII only */
			if (*t < 0x20 || *t >= 0x7f)
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	struct kmsg_record rec;
	struct kmsg_line line;
	struct event ev;
	int ret;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (kmsg_parse_record(buf, size, &rec) == 0 &&
	    (rec.text < buf || rec.text + rec.text_len > buf + size))
		abort();
	kmsg_strip_prefix(buf, size, 2026, 1796000000, NULL, &line);
	if (line.text < buf || line.text + line.text_len > buf + size)
		abort();
	{
		/* The zone cache (kept across inputs, as replay keeps it
		 * across lines) never changes a stamp. */
		static struct kmsg_tzcache tz;
		struct kmsg_line cached;

		kmsg_strip_prefix(buf, size, 2026, 1796000000, &tz, &cached);
		if (cached.time_us != line.time_us || cached.text != line.text)
			abort();
	}
	ret = kmsg_parse(line.text, line.text_len, &ev);
	if (ret == 0)
		check_event(&ev);
	else if (ret != -ENOENT && ret != -EINVAL && ret != KMSG_IGNORED)
		abort();
	ret = kmsg_parse(buf, size, &ev);
	if (ret == 0)
		check_event(&ev);
	free(buf);
	return 0;
}
