// SPDX-License-Identifier: GPL-2.0
/* event.c - struct event and the type table. See event.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "base/event.h"
#include "base/util.h"

_Static_assert(EVENT_TEXT_LEN >= ENDPOINT_STR_LEN && EVENT_TEXT_LEN >= WG_KEY_B64_LEN,
	       "EVENT_TEXT_LEN holds every typed value's text");

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

/* Copy n bytes of s into buf, NUL-terminated; returns its offset or
 * -ENOSPC. A string too long for the room left is truncated (the event is
 * kept); a binary value (exact) is not. */
static int put(struct event *ev, const void *s, size_t n, bool exact)
{
	size_t room = sizeof(ev->buf) - ev->used;
	int off = ev->used;

	if (room < 2 || (exact && n + 1 > room))
		return -ENOSPC;
	if (n > room - 1)
		n = room - 1;
	memcpy(ev->buf + ev->used, s, n);
	ev->buf[ev->used + n] = '\0';
	ev->used += (uint16_t)(n + 1);
	return off;
}

static int set(struct event *ev, const char *key, enum event_kind kind,
	       const void *val, size_t n)
{
	int i = find(ev, key);
	bool exact = kind != EVK_STR;
	int k, v;

	if (i < 0 && ev->nfields == EVENT_MAX_FIELDS)
		return -ENOSPC;
	if (i >= 0) {
		/* Replace: the old bytes stay as dead space in buf. */
		v = put(ev, val, n, exact);
		if (v < 0)
			return v;
		ev->f[i].val = (uint16_t)v;
		ev->f[i].kind = (uint8_t)kind;
		return 0;
	}
	k = put(ev, key, strlen(key), false);
	if (k < 0)
		return k;
	v = put(ev, val, n, exact);
	if (v < 0) {
		ev->used = (uint16_t)k;
		return v;
	}
	ev->f[ev->nfields].key = (uint16_t)k;
	ev->f[ev->nfields].val = (uint16_t)v;
	ev->f[ev->nfields].kind = (uint8_t)kind;
	ev->nfields++;
	return 0;
}

int event_set(struct event *ev, const char *key, const char *val)
{
	return set(ev, key, EVK_STR, val, strlen(val));
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

int event_set_u64(struct event *ev, const char *key, uint64_t v)
{
	return set(ev, key, EVK_U64, &v, sizeof(v));
}

int event_set_i64(struct event *ev, const char *key, int64_t v)
{
	return set(ev, key, EVK_I64, &v, sizeof(v));
}

int event_set_addr(struct event *ev, const char *key, const union endpoint *ep)
{
	if (ep->sa.sa_family != AF_INET && ep->sa.sa_family != AF_INET6)
		return 0;	/* no endpoint: no field, as "" was never set */
	return set(ev, key, EVK_ADDR, ep, sizeof(*ep));
}

int event_set_key(struct event *ev, const char *key, const uint8_t k[32])
{
	return set(ev, key, EVK_KEY, k, WG_KEY_LEN);
}

int event_copy(struct event *dst, const struct event *src, const char *key)
{
	int i = find(src, key);
	const struct event_field *f;
	static const size_t size[] = {
		[EVK_U64] = sizeof(uint64_t), [EVK_I64] = sizeof(int64_t),
		[EVK_ADDR] = sizeof(union endpoint), [EVK_KEY] = WG_KEY_LEN,
	};

	if (i < 0)
		return -ENOENT;
	f = &src->f[i];
	if (f->kind == EVK_STR)
		return event_set(dst, key, src->buf + f->val);
	return set(dst, key, f->kind, src->buf + f->val, size[f->kind]);
}

/* By hand, not snprintf(): a kernel-log flood formats a number per line
 * at the store. Returns the start of the digits in t. */
static char *fmt_i(char t[static 24], uint64_t u, bool neg)
{
	size_t n = 23;

	t[n] = '\0';
	do {
		t[--n] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (neg)
		t[--n] = '-';
	return t + n;
}

const char *event_text(const struct event *ev, unsigned i, char tmp[EVENT_TEXT_LEN])
{
	const struct event_field *f = &ev->f[i];
	const char *v = ev->buf + f->val;
	union endpoint ep;
	uint8_t key[WG_KEY_LEN];
	uint64_t u;
	int64_t s;

	switch (f->kind) {
	case EVK_U64:
		memcpy(&u, v, sizeof(u));
		return fmt_i(tmp, u, false);
	case EVK_I64:
		memcpy(&s, v, sizeof(s));
		return fmt_i(tmp, s < 0 ? 0 - (uint64_t)s : (uint64_t)s, s < 0);
	case EVK_ADDR:
		memcpy(&ep, v, sizeof(ep));
		endpoint_format(tmp, &ep);
		return tmp;
	case EVK_KEY:
		memcpy(key, v, sizeof(key));
		key_to_base64(tmp, key);
		return tmp;
	default:
		return v;
	}
}

const char *event_get_text(const struct event *ev, const char *key,
			   char tmp[EVENT_TEXT_LEN])
{
	int i = find(ev, key);

	return i < 0 ? NULL : event_text(ev, (unsigned)i, tmp);
}

const char *event_get(const struct event *ev, const char *key)
{
	static char slot[8][EVENT_TEXT_LEN];
	static unsigned next;
	int i = find(ev, key);

	if (i < 0)
		return NULL;
	if (ev->f[i].kind == EVK_STR)
		return ev->buf + ev->f[i].val;
	return event_text(ev, (unsigned)i, slot[next++ % 8]);
}

int event_get_u64(const struct event *ev, const char *key, uint64_t max, uint64_t *out)
{
	int i = find(ev, key);
	const char *v;
	int64_t s;

	if (i < 0)
		return -ENOENT;
	v = ev->buf + ev->f[i].val;
	switch (ev->f[i].kind) {
	case EVK_U64:
		memcpy(out, v, sizeof(*out));
		break;
	case EVK_I64:
		memcpy(&s, v, sizeof(s));
		if (s < 0)
			return -EINVAL;
		*out = (uint64_t)s;
		break;
	case EVK_STR:
		return parse_u64(v, strlen(v), max, out);
	default:
		return -EINVAL;
	}
	return *out > max ? -EINVAL : 0;
}

int event_get_addr(const struct event *ev, const char *key, union endpoint *out)
{
	int i = find(ev, key);
	const char *v;

	if (i < 0)
		return -ENOENT;
	v = ev->buf + ev->f[i].val;
	if (ev->f[i].kind == EVK_ADDR) {
		memcpy(out, v, sizeof(*out));
		return 0;
	}
	if (ev->f[i].kind == EVK_STR)
		return endpoint_parse(v, strlen(v), out);
	return -EINVAL;
}

int event_get_key(const struct event *ev, const char *key, uint8_t out[32])
{
	int i = find(ev, key);
	const char *v;

	if (i < 0)
		return -ENOENT;
	v = ev->buf + ev->f[i].val;
	if (ev->f[i].kind == EVK_KEY) {
		memcpy(out, v, WG_KEY_LEN);
		return 0;
	}
	if (ev->f[i].kind == EVK_STR)
		return key_from_base64(out, v, strlen(v)) < 0 ? -EINVAL : 0;
	return -EINVAL;
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
		char tmp[EVENT_TEXT_LEN];
		const char *k = event_key(ev, i), *v = event_text(ev, i, tmp);
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
