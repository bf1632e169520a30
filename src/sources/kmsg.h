/* kmsg.h - WireGuard kernel log lines to typed events. Parsing is pure;
 * the reader owns /dev/kmsg. */
#ifndef WGAUDIT_KMSG_H
#define WGAUDIT_KMSG_H
#include <stddef.h>
#include <stdint.h>
struct event;

/* One /dev/kmsg record header: "prio,seq,usec,flags;" */
struct kmsg_record {
	int facility, level;
	uint64_t seq;
	uint64_t usec;		/* monotonic since boot */
	const char *text;	/* borrowed, not NUL-terminated */
	size_t text_len;
};

int kmsg_parse_record(const char *buf, size_t len, struct kmsg_record *out);
/* Parse the message text of one kernel line (after any "[  12.3]" or
 * syslog prefix). 0 on match, -ENOENT if not a WireGuard line, -EINVAL if
 * malformed. Fills ev->type, severity, source=kmsg and fields; not time. */
int kmsg_parse(const char *buf, size_t len, struct event *out);
#endif
