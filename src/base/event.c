// SPDX-License-Identifier: GPL-2.0
/* event.c - struct event and the type table. See event.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "base/event.h"

static const struct {
	const char *name;
	int severity;
} types[EV__COUNT] = {
#define EVENT_ROW(n, sev) [EV_##n] = { #n, sev },
	EVENT_TYPES(EVENT_ROW)
#undef EVENT_ROW
};

static const char *const sources[SRC__COUNT] = {
#define EVENT_SRC_ROW(n, text) [SRC_##n] = text,
	EVENT_SOURCES(EVENT_SRC_ROW)
#undef EVENT_SRC_ROW
};

static const char *const severities[8] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

void event_init(struct event *ev, enum event_type type, enum event_source src)
{
	ev->id = 0;
	ev->event_id[0] = '\0';
	ev->time_us = 0;
	ev->type = type;
	ev->severity = event_type_severity(type);
	ev->source = src;
	ev->nfields = 0;
	ev->used = 0;
}

static int find(const struct event *ev, const char *key)
{
	for (unsigned i = 0; i < ev->nfields; i++) {
		const char *k = event_key(ev, i);

		if (k[0] == key[0] && !strcmp(k, key))
			return (int)i;
	}
	return -1;
}

/* Copy s (at most max bytes) into buf; returns its offset or -ENOSPC. */
static int put(struct event *ev, const char *s, size_t n)
{
	size_t room = sizeof(ev->buf) - ev->used;
	int off = ev->used;

	if (room < 2)
		return -ENOSPC;
	if (n > room - 1)
		n = room - 1;	/* truncate the value, keep the event */
	memcpy(ev->buf + ev->used, s, n);
	ev->buf[ev->used + n] = '\0';
	ev->used += (uint16_t)(n + 1);
	return off;
}

int event_set(struct event *ev, const char *key, const char *val)
{
	int i = find(ev, key);
	int k, v;

	if (i < 0 && ev->nfields == EVENT_MAX_FIELDS)
		return -ENOSPC;
	if (i >= 0) {
		/* Replace: the old bytes stay as dead space in buf. */
		v = put(ev, val, strlen(val));
		if (v < 0)
			return v;
		ev->f[i].val = (uint16_t)v;
		return 0;
	}
	k = put(ev, key, strlen(key));
	if (k < 0)
		return k;
	v = put(ev, val, strlen(val));
	if (v < 0) {
		ev->used = (uint16_t)k;
		return v;
	}
	ev->f[ev->nfields].key = (uint16_t)k;
	ev->f[ev->nfields].val = (uint16_t)v;
	ev->nfields++;
	return 0;
}

int event_setf(struct event *ev, const char *key, const char *fmt, ...)
{
	char tmp[EVENT_BUF_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	return event_set(ev, key, tmp);
}

/* By hand, not snprintf(): a kernel-log flood sets a number per line. */
int event_set_u64(struct event *ev, const char *key, uint64_t v)
{
	char tmp[24];
	size_t n = sizeof(tmp) - 1;

	tmp[n] = '\0';
	do {
		tmp[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return event_set(ev, key, tmp + n);
}

const char *event_get(const struct event *ev, const char *key)
{
	int i = find(ev, key);

	return i < 0 ? NULL : event_val(ev, (unsigned)i);
}

const char *event_type_name(enum event_type t)
{
	return (unsigned)t < EV__COUNT ? types[t].name : "UNKNOWN";
}

int event_type_from_name(const char *name, enum event_type *out)
{
	for (unsigned i = 0; i < EV__COUNT; i++) {
		if (!strcmp(types[i].name, name)) {
			*out = (enum event_type)i;
			return 0;
		}
	}
	return -ENOENT;
}

int event_type_severity(enum event_type t)
{
	return (unsigned)t < EV__COUNT ? types[t].severity : LOG_INFO;
}

const char *event_source_name(enum event_source s)
{
	return (unsigned)s < SRC__COUNT ? sources[s] : "unknown";
}

int event_source_from_name(const char *name, enum event_source *out)
{
	for (unsigned i = 0; i < SRC__COUNT; i++) {
		if (!strcmp(sources[i], name)) {
			*out = (enum event_source)i;
			return 0;
		}
	}
	return -ENOENT;
}

const char *severity_name(int sev)
{
	return sev >= 0 && sev < 8 ? severities[sev] : "info";
}

int severity_from_name(const char *name, int *out)
{
	for (int i = 0; i < 8; i++) {
		if (!strcmp(severities[i], name)) {
			*out = i;
			return 0;
		}
	}
	/* Accept the syslog(3) aliases operators type. */
	if (!strcmp(name, "error")) {
		*out = LOG_ERR;
		return 0;
	}
	if (!strcmp(name, "warn")) {
		*out = LOG_WARNING;
		return 0;
	}
	return -ENOENT;
}

size_t event_fields_encode(const struct event *ev, char *out, size_t len)
{
	size_t o = 0;

	for (unsigned i = 0; i < ev->nfields; i++) {
		const char *k = event_key(ev, i), *v = event_val(ev, i);
		size_t kl = strlen(k) + 1, vl = strlen(v) + 1;

		if (o + kl + vl > len)
			break;
		memcpy(out + o, k, kl);
		o += kl;
		memcpy(out + o, v, vl);
		o += vl;
	}
	return o;
}

int event_fields_decode(struct event *ev, const char *blob, size_t len)
{
	size_t o = 0;

	ev->nfields = 0;
	ev->used = 0;
	while (o < len) {
		const char *k = blob + o, *v;
		const char *kend = memchr(k, '\0', len - o), *vend;

		if (!kend || kend == k)
			return -EINVAL;
		v = kend + 1;
		if (v >= blob + len)
			return -EINVAL;
		vend = memchr(v, '\0', (size_t)(blob + len - v));
		if (!vend)
			return -EINVAL;
		if (event_set(ev, k, v) < 0)
			return -EINVAL;
		o = (size_t)(vend + 1 - blob);
	}
	return 0;
}
