// SPDX-License-Identifier: GPL-2.0
/* replay.c - `wgaudit replay --kmsg FILE [--json]`: parse a saved kernel log
 * into events and print them, one per line, as "TIME SEVERITY TYPE
 * key=value..." or as JSON lines (evprint.h, as `events` and `check`).
 *
 * Input lines may be raw /dev/kmsg records, dmesg (plain, -r, -T), syslog
 * (/var/log/kern.log, RFC 3339 stamps) or journalctl -k lines; see
 * kmsg_strip_prefix(). Event time, in order of preference:
 *   - the line's absolute stamp (syslog, journalctl, dmesg -T); BSD syslog
 *     and dmesg -T stamps are local time of this host's TZ, and BSD stamps
 *     carry no year: the current one is used (the previous one when that
 *     puts the stamp more than a day in the future);
 *   - a since-boot stamp alone (dmesg "[  12.345678]", raw record usec):
 *     the boot time of the host that wrote the file is unknown, so the time
 *     counts from the epoch: 1970-01-01T00:00:12.345678Z means "12.345678 s
 *     after boot". The summary says how many lines were like that;
 *   - nothing: printed as "-" (JSON: the epoch).
 * Non-kernel lines (syslog tag other than "kernel", records with a facility
 * other than kern) are skipped: userspace can write look-alike lines.
 * wireguard-go verbose lines ("DEBUG: (wg0) 2025/05/22 01:45:02 ...", bare
 * or behind a syslog prefix) are parsed by wglog_parse() and carry their
 * own stamp (local time, whole seconds).
 * Lines are read in a fixed buffer; lines over REPLAY_LINE_MAX are counted
 * and skipped, nothing is allocated per line. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "conf/conf.h"
#include "base/event.h"
#include "outputs/evprint.h"
#include "sources/kmsg.h"
#include "sources/wglog.h"
#include "base/util.h"

#define REPLAY_BUF	(1 << 20)
#define REPLAY_LINE_MAX	16384	/* a kmsg record is at most 8 KiB */
#define REPLAY_OUT_MAX	(EVPRINT_LINE_MAX * 4 + 64)	/* one printed event, escaped */
#define REPLAY_OUTBUF	(1 << 20)

struct replay {
	bool json;
	int year;
	int64_t now_s;
	struct kmsg_tzcache tz;
	char host[256];
	uint64_t lines, events, skipped, non_kernel, ignored, malformed,
		 too_long, relative, untimed, wglog;
	/* Events are formatted straight into obuf and leave by write(2):
	 * no stdio copy per event. */
	char *obuf;
	size_t olen;
	bool flush_each;	/* a terminal: one event at a time */
	int oerr;		/* first write error (errno), 0 if none */
};

static void replay_flush(struct replay *r)
{
	size_t off = 0;

	while (off < r->olen && !r->oerr) {
		ssize_t n = write(STDOUT_FILENO, r->obuf + off, r->olen - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			r->oerr = n < 0 ? errno : EIO;
		else
			off += (size_t)n;
	}
	r->olen = 0;
}

/* Room for one event (REPLAY_OUT_MAX bytes) at the end of obuf. */
static char *replay_room(struct replay *r)
{
	if (REPLAY_OUTBUF - r->olen < REPLAY_OUT_MAX)
		replay_flush(r);
	return r->obuf + r->olen;
}

static void replay_print(struct replay *r, struct event *ev, const char *host,
			 bool timed)
{
	/* The one event printer's line (outputs/evprint.c), into the buffer. */
	ssize_t n = event_format_line(ev, host, r->json, timed, replay_room(r), REPLAY_OUT_MAX);

	if (n < 0)
		return;	/* cannot happen with this room; drop the line, not the run */
	r->olen += (size_t)n;
	if (r->flush_each)
		replay_flush(r);
}

static void replay_line(struct replay *r, const char *p, size_t n)
{
	struct kmsg_line l;
	struct event ev;
	char host[256];
	bool timed = true;
	int ret;

	r->lines++;
	kmsg_strip_prefix(p, n, r->year, r->now_s, &r->tz, &l);
	if (!l.kernel || l.facility > 0) {
		/* wireguard-go logs through syslog/journald as a program. */
		if (wglog_parse(l.text, l.text_len, &ev) == 0)
			goto userspace;
		r->non_kernel++;
		return;
	}
	ret = kmsg_parse(l.text, l.text_len, &ev);
	if (ret == -ENOENT && wglog_parse(l.text, l.text_len, &ev) == 0)
		goto userspace;
	if (ret == -ENOENT) {
		r->skipped++;
		return;
	}
	if (ret == KMSG_IGNORED) {
		r->ignored++;
		return;
	}
	if (ret < 0) {
		r->malformed++;
		return;
	}
	if (l.time_us) {
		ev.time_us = l.time_us;
	} else if (l.mono_us >= 0) {
		ev.time_us = l.mono_us;	/* since boot; see the top of the file */
		r->relative++;
	} else {
		r->untimed++;
		timed = false;
	}
	goto print;
userspace:
	/* wireguard-go stamps its own lines (local time, seconds). */
	r->wglog++;
print:
	r->events++;
	if (l.host && l.host_len < sizeof(host)) {
		memcpy(host, l.host, l.host_len);
		host[l.host_len] = '\0';
		replay_print(r, &ev, host, timed);
	} else {
		replay_print(r, &ev, r->host, timed);
	}
}

/* Split buf into lines; returns -errno on a read error. */
static int replay_fd(struct replay *r, int fd, char *buf)
{
	size_t start = 0, end = 0;
	bool discard = false;	/* inside an over-long line */

	for (;;) {
		ssize_t got = read(fd, buf + end, REPLAY_BUF - end);
		char *nl;

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (got == 0)
			break;
		end += (size_t)got;
		while ((nl = memchr(buf + start, '\n', end - start))) {
			size_t len = (size_t)(nl - (buf + start));

			if (discard) {
				discard = false;
			} else if (len > REPLAY_LINE_MAX) {
				r->lines++;
				r->too_long++;
			} else {
				replay_line(r, buf + start, len);
			}
			start += len + 1;
		}
		if (end - start > REPLAY_LINE_MAX) {
			if (!discard) {
				r->lines++;
				r->too_long++;
				discard = true;
			}
			start = end = 0;
		} else {
			memmove(buf, buf + start, end - start);
			end -= start;
			start = 0;
		}
	}
	if (end > start && !discard)	/* last line without '\n' */
		replay_line(r, buf + start, end - start);
	return 0;
}

static void replay_summary(const struct replay *r)
{
	fprintf(stderr,
		"replay: %llu lines, %llu events, %llu non-WireGuard lines skipped, "
		"%llu non-kernel lines skipped, %llu malformed, %llu over-long (> %d bytes)",
		(unsigned long long)r->lines, (unsigned long long)r->events,
		(unsigned long long)r->skipped, (unsigned long long)r->non_kernel,
		(unsigned long long)r->malformed, (unsigned long long)r->too_long,
		REPLAY_LINE_MAX);
	if (r->wglog)
		fprintf(stderr, ", %llu of the events from wireguard-go lines",
			(unsigned long long)r->wglog);
	if (r->ignored)
		fprintf(stderr, ", %llu not events (copyright)", (unsigned long long)r->ignored);
	fprintf(stderr, "\n");
	if (r->relative)
		fprintf(stderr,
			"replay: %llu events had only a since-boot stamp: their time counts "
			"from 1970-01-01T00:00:00Z as boot\n", (unsigned long long)r->relative);
	if (r->untimed)
		fprintf(stderr, "replay: %llu events had no time stamp (printed as -)\n",
			(unsigned long long)r->untimed);
}

int cmd_replay(struct conf *c, const struct cli_opts *o)
{
	struct replay *r = NULL;
	char *buf = NULL;
	struct tm tm;
	time_t now;
	int fd = -1, ret = 1, err;

	if (!o->kmsg_file) {
		fprintf(stderr, "wgaudit replay: --kmsg FILE is required ('-' for stdin)\n");
		return 2;
	}
	if (!strcmp(o->kmsg_file, "-")) {
		fd = STDIN_FILENO;
	} else {
		fd = open(o->kmsg_file, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "wgaudit replay: %s: %s\n", o->kmsg_file, strerror(errno));
			return 2;
		}
	}
	r = calloc(1, sizeof(*r));
	buf = malloc(REPLAY_BUF);
	if (r)
		r->obuf = malloc(REPLAY_OUTBUF);
	if (!r || !buf || !r->obuf) {
		fprintf(stderr, "wgaudit replay: out of memory\n");
		goto out;
	}
	r->json = o->json;
	now = time(NULL);
	r->now_s = now;
	r->year = localtime_r(&now, &tm) ? tm.tm_year + 1900 : 1970;
	if (c && c->hostname[0])
		snprintf(r->host, sizeof(r->host), "%s", c->hostname);
	else if (gethostname(r->host, sizeof(r->host) - 1) < 0)
		snprintf(r->host, sizeof(r->host), "-");
	r->flush_each = isatty(STDOUT_FILENO);
	fflush(stdout);	/* nothing should be there; never reorder it */
	err = replay_fd(r, fd, buf);
	replay_flush(r);
	if (err < 0) {
		fprintf(stderr, "wgaudit replay: %s: %s\n", o->kmsg_file, strerror(-err));
		goto out;
	}
	if (r->oerr) {
		fprintf(stderr, "wgaudit replay: writing output: %s\n", strerror(r->oerr));
		goto out;
	}
	replay_summary(r);
	ret = 0;
out:
	if (fd > STDIN_FILENO)
		close(fd);
	free(buf);
	if (r)
		free(r->obuf);
	free(r);
	return ret;
}
