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

int event_print(FILE *f, const struct event *ev, const char *host, bool json, bool timed)
{
	char line[EVPRINT_LINE_MAX];
	char ts[32] = "-";
	ssize_t n;

	if (json) {
		n = format_json(ev, host, line, sizeof(line));
		if (n < 0)
			return -ENOSPC;
		fwrite(line, 1, (size_t)n, f);
	} else {
		n = format_msg(ev, line, sizeof(line));
		if (n < 0)
			return -ENOSPC;
		if (timed)
			fmt_rfc3339_us(ts, ev->time_us);
		fprintf(f, "%s %-7s ", ts, severity_name(ev->severity));
		str_escape(line, (size_t)n, STR_ESC_TEXT, str_put_file, f);
	}
	putc('\n', f);
	return ferror(f) ? -EIO : 0;
}
