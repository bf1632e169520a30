// SPDX-License-Identifier: GPL-2.0
/* kmsgline.c - take the prefix off one line of a saved kernel log (raw
 * /dev/kmsg record, dmesg, dmesg -T, BSD or RFC 3339 syslog, journalctl -k)
 * for `wgaudit replay`. Pure, bounded by len. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sources/kmsg.h"
#include "base/util.h"

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static size_t digits_run(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && is_digit(p[i]))
		i++;
	return i;
}

static const char months[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

static int month_index(const char *p, size_t n)
{
	if (n < 3)
		return -1;
	for (int i = 0; i < 12; i++)
		if (memcmp(p, months[i], 3) == 0)
			return i;
	return -1;
}

/* Exactly `count` (at most 4) digits into *v. */
static int fixed_num(const char *p, size_t n, size_t count, int *v)
{
	int u = 0;

	if (n < count)
		return -1;
	for (size_t i = 0; i < count; i++) {
		if (!is_digit(p[i]))
			return -1;
		u = u * 10 + (p[i] - '0');
	}
	*v = u;
	return 0;
}

/* "HH:MM:SS" at p; 8 bytes. */
static int parse_hms(const char *p, size_t n, struct tm *tm)
{
	if (n < 8 || p[2] != ':' || p[5] != ':' ||
	    fixed_num(p, 2, 2, &tm->tm_hour) < 0 || fixed_num(p + 3, 2, 2, &tm->tm_min) < 0 ||
	    fixed_num(p + 6, 2, 2, &tm->tm_sec) < 0 ||
	    tm->tm_hour > 23 || tm->tm_min > 59 || tm->tm_sec > 60)
		return -1;
	return 0;
}

/* ".123456" (1..9 digits) -> µs; returns bytes used (0 if none). */
static size_t parse_frac(const char *p, size_t n, int64_t *us)
{
	size_t k;
	int64_t v = 0;

	*us = 0;
	if (n < 2 || p[0] != '.')
		return 0;
	k = digits_run(p + 1, n - 1);
	if (k == 0 || k > 9)
		return 0;
	for (size_t i = 0; i < 6; i++)
		v = v * 10 + (i < k ? p[1 + i] - '0' : 0);
	*us = v;
	return k + 1;
}

/* timegm() for the validated fields below (mday may pass the month's end,
 * as timegm() normalises it: linear in every field). */
static int64_t utc_seconds(const struct tm *tm)
{
	int64_t y = (int64_t)tm->tm_year + 1900, era, yoe, doy, days;
	int m = tm->tm_mon + 1;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + tm->tm_mday - 1;
	days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
	return days * 86400 + tm->tm_hour * 3600 + tm->tm_min * 60 + tm->tm_sec;
}

/* Local broken-down time to µs since the epoch. Not mktime(): glibc's
 * mktime() calls tzset(), which stats /etc/localtime on every call (one
 * syscall per replayed line); localtime_r() does not. Two rounds settle
 * the offset across a DST change; a time inside a DST gap lands an hour
 * off, as any reading of such a stamp must.
 * With tz, the offset found is reused for the rest of the same local
 * minute: since 1972 every zone's offsets and transition times are whole
 * minutes, so no transition falls inside one (earlier stamps, with their
 * odd LMT seconds, are always computed). */
static int64_t local_us(struct tm *tm, int64_t frac, struct kmsg_tzcache *tz)
{
	int64_t naive = utc_seconds(tm);
	time_t guess = (time_t)naive, t;
	struct tm lt;

	if (naive == -1)	/* what timegm() returned as its error */
		return 0;
	if (tz && tz->valid && tz->minute == naive / 60 && naive >= KMSG_TZCACHE_FROM)
		return (naive - tz->off) * 1000000 + frac;
	if (!localtime_r(&guess, &lt))
		return 0;
	t = guess - lt.tm_gmtoff;
	if (localtime_r(&t, &lt) && guess - lt.tm_gmtoff != t)
		t = guess - lt.tm_gmtoff;
	if (tz) {
		tz->valid = true;
		tz->minute = naive / 60;
		tz->off = naive - (int64_t)t;
	}
	return (int64_t)t * 1000000 + frac;
}

/* "HOST TAG: " after a syslog stamp. */
static size_t parse_host_tag(const char *p, size_t n, struct kmsg_line *out)
{
	size_t h = 0, t;

	while (h < n && h < 256 && p[h] != ' ')
		h++;
	if (h == 0 || h >= n || h == 256)
		return 0;
	for (t = h + 1; t < n && t < h + 1 + 128 && p[t] != ':' && p[t] != ' '; t++)
		;
	if (t >= n || p[t] != ':' || t == h + 1)
		return 0;
	out->host = p;
	out->host_len = h;
	out->kernel = (t - h - 1 == 6 && memcmp(p + h + 1, "kernel", 6) == 0);
	return t + 1 + (t + 1 < n && p[t + 1] == ' ');
}

/* "Nov 25 12:00:00[.frac] " -> bytes used, 0 if not. */
static size_t parse_bsd_stamp(const char *p, size_t n, int year, int64_t now_s,
			      struct kmsg_tzcache *tz, int64_t *time_us)
{
	struct tm tm = { 0 };
	int64_t frac = 0;
	size_t k = 15;

	if (n < 16 || (tm.tm_mon = month_index(p, n)) < 0 || p[3] != ' ')
		return 0;
	if (p[4] == ' ') {
		if (fixed_num(p + 5, 1, 1, &tm.tm_mday) < 0)
			return 0;
	} else if (fixed_num(p + 4, 2, 2, &tm.tm_mday) < 0) {
		return 0;
	}
	if (tm.tm_mday < 1 || tm.tm_mday > 31 || p[6] != ' ' || parse_hms(p + 7, n - 7, &tm) < 0)
		return 0;
	k += parse_frac(p + k, n - k, &frac);
	if (k >= n || p[k] != ' ')
		return 0;
	tm.tm_year = year - 1900;
	{
		struct tm copy = tm;

		*time_us = local_us(&copy, frac, tz);
		if (now_s > 0 && *time_us / 1000000 > now_s + 86400) {
			copy = tm;
			copy.tm_year--;
			*time_us = local_us(&copy, frac, tz);
		}
	}
	return k + 1;
}

/* "2026-11-25T12:00:00[.frac](Z|+HH:MM|+HHMM) " -> bytes used. */
static size_t parse_rfc3339_stamp(const char *p, size_t n, int64_t *time_us)
{
	struct tm tm = { 0 };
	int64_t frac, off = 0;
	size_t k;
	int y, oh, om;

	if (n < 21 || fixed_num(p, 4, 4, &y) < 0 || p[4] != '-' ||
	    fixed_num(p + 5, 2, 2, &tm.tm_mon) < 0 || p[7] != '-' ||
	    fixed_num(p + 8, 2, 2, &tm.tm_mday) < 0 || p[10] != 'T' ||
	    parse_hms(p + 11, n - 11, &tm) < 0)
		return 0;
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31)
		return 0;
	tm.tm_year = y - 1900;
	tm.tm_mon--;
	k = 19 + parse_frac(p + 19, n - 19, &frac);
	if (k < n && p[k] == 'Z') {
		k++;
	} else if (k < n && (p[k] == '+' || p[k] == '-')) {
		int sign = p[k] == '-' ? -1 : 1;

		if (fixed_num(p + k + 1, n - k - 1, 2, &oh) < 0)
			return 0;
		k += 3;
		if (k < n && p[k] == ':')
			k++;
		if (fixed_num(p + k, n - k, 2, &om) < 0 || oh > 23 || om > 59)
			return 0;
		k += 2;
		off = sign * (oh * 3600 + om * 60);
	} else {
		return 0;
	}
	if (k >= n || p[k] != ' ')
		return 0;
	*time_us = (utc_seconds(&tm) - off) * 1000000 + frac;
	return k + 1;
}

/* dmesg "[   12.345678] " -> µs since boot. */
static size_t parse_dmesg_mono(const char *p, size_t n, int64_t *mono_us)
{
	size_t k = 1, d;
	uint64_t sec;
	int64_t frac;

	if (n < 4 || p[0] != '[')
		return 0;
	while (k < n && k < 16 && p[k] == ' ')
		k++;
	d = digits_run(p + k, n - k);
	if (d == 0 || d > 12 || parse_u64(p + k, d, 999999999999ULL, &sec) < 0)
		return 0;
	k += d;
	d = parse_frac(p + k, n - k, &frac);
	if (d == 0)
		return 0;
	k += d;
	if (k >= n || p[k] != ']')
		return 0;
	k++;
	*mono_us = (int64_t)sec * 1000000 + frac;
	return k + (k < n && p[k] == ' ');
}

/* dmesg -T "[Tue Nov 25 12:00:00 2026] " -> local wall clock. */
static size_t parse_dmesg_ctime(const char *p, size_t n, struct kmsg_tzcache *tz,
				int64_t *time_us)
{
	struct tm tm = { 0 };
	int y;

	if (n < 26 || p[0] != '[' || p[4] != ' ' || (tm.tm_mon = month_index(p + 5, 3)) < 0 ||
	    p[8] != ' ' || p[11] != ' ' || p[20] != ' ' || p[25] != ']')
		return 0;
	if ((p[9] == ' ' ? fixed_num(p + 10, 1, 1, &tm.tm_mday)
			 : fixed_num(p + 9, 2, 2, &tm.tm_mday)) < 0 ||
	    tm.tm_mday < 1 || parse_hms(p + 12, 8, &tm) < 0 || fixed_num(p + 21, 4, 4, &y) < 0)
		return 0;
	tm.tm_year = y - 1900;
	*time_us = local_us(&tm, 0, tz);
	return 26 + (n > 26 && p[26] == ' ');
}

void kmsg_strip_prefix(const char *buf, size_t len, int year, int64_t now_s,
		       struct kmsg_tzcache *tz, struct kmsg_line *out)
{
	const char *p = buf;
	size_t n = len, k;
	int64_t t;

	memset(out, 0, sizeof(*out));
	out->mono_us = -1;
	out->facility = -1;
	out->kernel = true;
	while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
		n--;
	if (n > 0 && is_digit(p[0]) && kmsg_parse_record(p, n, &out->rec) == 0) {
		out->record = true;
		out->facility = out->rec.facility;
		out->mono_us = out->rec.usec <= INT64_MAX ? (int64_t)out->rec.usec : -1;
		out->text = out->rec.text;
		out->text_len = out->rec.text_len;
		return;
	}
	if ((k = parse_rfc3339_stamp(p, n, &t)) || (k = parse_bsd_stamp(p, n, year, now_s, tz, &t))) {
		size_t h = parse_host_tag(p + k, n - k, out);

		if (h) {
			out->time_us = t;
			p += k + h;
			n -= k + h;
		}
	}
	/* dmesg -r "<6>" */
	if (n > 2 && p[0] == '<') {
		k = digits_run(p + 1, n - 1);
		if (k > 0 && k <= 4 && 1 + k < n && p[1 + k] == '>') {
			uint64_t prio;

			if (parse_u64(p + 1, k, 1023, &prio) == 0)
				out->facility = (int)(prio >> 3);
			p += k + 2;
			n -= k + 2;
		}
	}
	if ((k = parse_dmesg_mono(p, n, &out->mono_us))) {
		p += k;
		n -= k;
		/* journalctl -o short-monotonic: "[  12.3] host kernel: " */
		if (!out->host && (k = parse_host_tag(p, n, out))) {
			if (out->kernel) {
				p += k;
				n -= k;
			} else {
				out->host = NULL;	/* not a host: message text */
				out->host_len = 0;
				out->kernel = true;
			}
		}
	} else if ((k = parse_dmesg_ctime(p, n, tz, &t))) {
		if (!out->time_us)
			out->time_us = t;
		p += k;
		n -= k;
	}
	out->text = p;
	out->text_len = n;
}
