// SPDX-License-Identifier: GPL-2.0
/* kmsg.h - WireGuard kernel log lines to typed events. Parsing is pure;
 * the reader owns /dev/kmsg. */
#ifndef WGAUDIT_KMSG_H
#define WGAUDIT_KMSG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
struct event;
struct event_sink;

/* One /dev/kmsg record header: "prio,seq,usec,flags;" */
struct kmsg_record {
	int facility, level;
	uint64_t seq;
	uint64_t usec;		/* monotonic since boot */
	const char *text;	/* borrowed, not NUL-terminated */
	size_t text_len;
};

/* "prio,seq,usec,flags[,more];text[\n continuation...]"
 * (Documentation/ABI/testing/dev-kmsg). text stops at the first newline;
 * continuation lines (" KEY=value") are ignored. 0 or -EINVAL. */
int kmsg_parse_record(const char *buf, size_t len, struct kmsg_record *out);

/* kmsg_parse() returns this (> 0) for a WireGuard line that is
 * deliberately not an event: line 2 of the inventory (the copyright). */
#define KMSG_IGNORED	1

/* Parse the message text of one kernel line (after any "[  12.3]" or
 * syslog prefix). 0 on match, KMSG_IGNORED, -ENOENT if not a WireGuard
 * line, -EINVAL if malformed. Fills ev->type, severity, source=kmsg and
 * fields; not time. A "wireguard: " line that matches no pattern is a
 * KERNEL_MESSAGE (field text), never an error. Also: "N callbacks
 * suppressed" -> KMSG_SUPPRESSED (count; limiter= when the limiter is not
 * net_ratelimit), the two WARN texts and "WARNING: ... at
 * drivers/net/wireguard/..." -> KERNEL_WARNING (text). */
int kmsg_parse(const char *buf, size_t len, struct event *out);

/* One line of a saved kernel log with its prefix taken off. */
struct kmsg_line {
	const char *text;	/* borrowed: the kernel's message text */
	size_t text_len;
	int64_t time_us;	/* wall clock from an absolute stamp, else 0 */
	int64_t mono_us;	/* since boot ("[  12.345678]", kmsg usec), else -1 */
	int facility;		/* syslog facility when the line says, else -1 */
	bool kernel;		/* false: a syslog line from another program */
	bool record;		/* a raw /dev/kmsg record; rec is filled */
	struct kmsg_record rec;
	const char *host;	/* syslog host name, borrowed, or NULL */
	size_t host_len;
};

/* The zone offset of the last local stamp's minute. */
struct kmsg_tzcache {
	bool valid;
	int64_t minute;		/* local time / 60 */
	int64_t off;		/* seconds east of UTC */
};
#define KMSG_TZCACHE_FROM	94694400	/* 1973-01-01: whole-minute zones */

/* Recognised prefixes, outermost first, each optional:
 *   raw record        "6,1234,5678,-;text"
 *   RFC 3339 syslog   "2026-11-25T12:00:00.123456+00:00 host kernel: "
 *   BSD syslog        "Nov 25 12:00:00[.123456] host kernel: " (journalctl -k,
 *                     /var/log/kern.log); the year is not in the line:
 *                     `year` is used, and the previous year when that puts
 *                     the stamp more than a day after now_s
 *   dmesg -r          "<6>"
 *   dmesg             "[   12.345678] "
 *   dmesg -T          "[Tue Nov 25 12:00:00 2026] "
 * BSD and dmesg -T stamps are local time (TZ of the replaying host).
 * Always succeeds: a line with no known prefix is returned whole.
 * tz (NULL: none) remembers the zone offset between the lines of one log:
 * zero it once, before the first line. */
void kmsg_strip_prefix(const char *buf, size_t len, int year, int64_t now_s,
		       struct kmsg_tzcache *tz, struct kmsg_line *out);

/* Live /dev/kmsg reader. */
struct kmsg_reader_opts {
	const char *path;	/* NULL: /dev/kmsg (other paths: tests) */
	bool resume;		/* skip records with seq <= resume_seq */
	uint64_t resume_seq;	/* valid only within the same boot: compare
				 * kmsg_boot_id() before resuming */
	bool from_end;		/* without resume: skip the history */
	bool accept_user;	/* also parse non-kernel-facility records */
};

struct kmsg_reader;

int kmsg_reader_open(const struct kmsg_reader_opts *o, struct kmsg_reader **out);
int kmsg_reader_fd(const struct kmsg_reader *r);
/* Read every record available now (the fd is non-blocking), emit events
 * (KMSG_GAP with `lost` when records were overwritten or skipped between
 * resume point and the oldest one left) and set *last_seq to the seq of
 * the last record consumed (unchanged when none). Event time is boot
 * wall-clock time (CLOCK_REALTIME - CLOCK_MONOTONIC, because printk stamps
 * come from local_clock(), which like CLOCK_MONOTONIC stops in suspend)
 * plus the record's usec. Returns the number of events emitted or -errno;
 * an event the sink refused is kept and offered again first next time. */
int kmsg_reader_drain(struct kmsg_reader *r, const struct event_sink *sink,
		      uint64_t *last_seq);
/* One record as read() returned it; drain calls this. Exposed for tests. */
int kmsg_reader_feed(struct kmsg_reader *r, const char *buf, size_t len,
		     int64_t boot_us, const struct event_sink *sink,
		     uint64_t *last_seq);
void kmsg_reader_free(struct kmsg_reader *r);

/* /proc/sys/kernel/random/boot_id (36 chars + NUL): a saved seq is only
 * meaningful for the boot it was read in. 0 or -errno. */
int kmsg_boot_id(char out[static 37]);
#endif
