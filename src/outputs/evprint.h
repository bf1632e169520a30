// SPDX-License-Identifier: GPL-2.0
/* evprint.h - the one printer of events for a person: `check`, `events`,
 * `replay`. Text is "TIME SEVERITY TYPE key=value ..." (severity padded
 * to 7, the width of "warning"; TIME "-" when unknown), JSON one object per
 * line; either way nothing a terminal acts on passes raw (str_escape). */
#ifndef WGAUDIT_EVPRINT_H
#define WGAUDIT_EVPRINT_H
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>
struct event;

#define EVPRINT_LINE_MAX	16384

/* One line to f. 0, -ENOSPC if the event does not fit a line (nothing
 * printed), -EIO if f has an error. */
int event_print(FILE *f, const struct event *ev, const char *host, bool json, bool timed);
/* The same line, '\n' included, into out (for a writer that buffers many:
 * replay). Its length, or -ENOSPC (out too small; nothing usable). */
ssize_t event_format_line(const struct event *ev, const char *host, bool json, bool timed,
			  char *out, size_t len);
#endif
