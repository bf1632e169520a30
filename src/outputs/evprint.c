// SPDX-License-Identifier: GPL-2.0
/* evprint.c - see evprint.h. The record comes from format.c (format_msg,
 * format_json: the same text the outputs carry); MSG text keeps UTF-8 as
 * it is, so the line passes through str_escape once more for a terminal:
 * that leaves printable text alone and escapes C1 controls and anything
 * else a terminal would act on. */
#include <errno.h>
#include <string.h>

#include "base/event.h"
#include "base/util.h"
#include "outputs/evprint.h"
#include "outputs/format.h"

struct linebuf {
	char *p;
	size_t len, used;
	bool full;
};

static void line_put(void *ctx, const char *p, size_t n)
{
	struct linebuf *b = ctx;

	if (b->full || n > b->len - b->used) {
		b->full = true;
		return;
	}
	memcpy(b->p + b->used, p, n);
	b->used += n;
}

ssize_t event_format_line(const struct event *ev, const char *host, bool json, bool timed,
			  char *out, size_t len)
{
	char line[EVPRINT_LINE_MAX];
	struct linebuf b = { out, len, 0, false };
	char head[64];
	ssize_t n;
	int h;

	if (json) {
		n = format_json(ev, host, line, sizeof(line));
		if (n < 0)
			return -ENOSPC;
		line_put(&b, line, (size_t)n);
	} else {
		char ts[32] = "-";

		n = format_msg(ev, line, sizeof(line));
		if (n < 0)
			return -ENOSPC;
		const char *sev = severity_name(ev->severity);
		size_t tl, sl = strlen(sev);

		if (timed)
			fmt_rfc3339_us(ts, ev->time_us);
		/* "TIME SEVERITY " with the severity padded to 7, without printf
		 * (replay prints a million of these). */
		tl = strlen(ts);
		if (tl + 1 + (sl > 7 ? sl : 7) + 1 > sizeof(head))
			return -ENOSPC;
		memcpy(head, ts, tl);
		h = (int)tl;
		head[h++] = ' ';
		memcpy(head + h, sev, sl);
		h += (int)sl;
		while (sl++ < 7)
			head[h++] = ' ';
		head[h++] = ' ';
		line_put(&b, head, (size_t)h);
		str_escape(line, (size_t)n, STR_ESC_TEXT, line_put, &b);
	}
	line_put(&b, "\n", 1);
	return b.full ? -ENOSPC : (ssize_t)b.used;
}

int event_print(FILE *f, const struct event *ev, const char *host, bool json, bool timed)
{
	char line[EVPRINT_LINE_MAX * 4 + 64];	/* an escape is at most 6 bytes for 1 */
	ssize_t n = event_format_line(ev, host, json, timed, line, sizeof(line));

	if (n < 0)
		return -ENOSPC;
	fwrite(line, 1, (size_t)n, f);
	return ferror(f) ? -EIO : 0;
}
