// SPDX-License-Identifier: GPL-2.0
/* format.c - events to text. Pure: no I/O, no allocation, no locale.
 *
 * Every byte of a field value is untrusted (kernel log text, endpoints,
 * config-file names), so each writer escapes for its own grammar and the
 * output never contains a raw control character: a record is always one
 * line, whatever the framing.
 *
 * MSG grammar (format_msg):
 *   msg   = TYPE *(SP key "=" value)
 *   value = bare / quoted
 *   bare  = 1*(any byte but SP, '"', '=', '\', control, DEL)
 *   quoted= '"' *(char / "\" ('"' / "\" / "n" / "r" / "t" / "xHH")) '"'
 * A value is quoted when it is empty or holds SP, '"', '\', a control
 * character or an '=' that is not trailing base64 padding. Bytes that are not valid UTF-8 are written as \xHH
 * (and force quoting), so the MSG is valid UTF-8.
 *
 * JSON (format_json): numbers for the decimal counter fields listed in
 * json_numeric[] when the value is a canonical decimal (0 or no leading
 * zero, at most 19 digits), strings otherwise; invalid UTF-8 becomes
 * U+FFFD. A field whose key collides with an envelope key (time, host,
 * type, severity, source, id) is written as "field_<key>".
 *
 * RFC 3164 time stamps are UTC (the RFC says local time, but a collector
 * cannot know our zone; RFC 5424 carries the exact instant with "Z").
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "base/event.h"
#include "outputs/format.h"
#include "base/util.h"

/* RFC 5612 documentation PEN; the SD-ID is "wgaudit@32473". */
#define SD_ID			"wgaudit@32473"
#define SD_NAME_MAX		32
#define HOSTNAME_MAX		255
#define MSGID_MAX		32

struct wbuf {
	char *p;
	size_t len;	/* capacity including the NUL */
	size_t pos;
	bool full;
};

static void w_bytes(struct wbuf *b, const char *s, size_t n)
{
	if (b->full || b->len == 0 || n >= b->len - b->pos) {
		b->full = true;
		return;
	}
	memcpy(b->p + b->pos, s, n);
	b->pos += n;
}

static void w_str(struct wbuf *b, const char *s)
{
	w_bytes(b, s, strlen(s));
}

static void w_char(struct wbuf *b, char c)
{
	w_bytes(b, &c, 1);
}

static void w_hex2(struct wbuf *b, const char *prefix, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char t[8];
	size_t n = strlen(prefix);

	memcpy(t, prefix, n);
	t[n++] = hex[c >> 4];
	t[n++] = hex[c & 15];
	w_bytes(b, t, n);
}

static void w_uint(struct wbuf *b, uint64_t v)
{
	char t[24];
	size_t n = sizeof(t);

	do {
		t[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	w_bytes(b, t + n, sizeof(t) - n);
}

static ssize_t w_finish(struct wbuf *b)
{
	if (b->full || b->len == 0 || b->pos >= b->len) {
		if (b->len)
			b->p[0] = '\0';
		return -ENOSPC;
	}
	b->p[b->pos] = '\0';
	return (ssize_t)b->pos;
}

static bool is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* --- MSG ------------------------------------------------------------- */

static bool msg_needs_quotes(const char *v)
{
	const unsigned char *s = (const unsigned char *)v;
	size_t n = strlen(v);

	if (n == 0)
		return true;
	for (size_t i = 0; i < n;) {
		size_t l;

		/* Trailing '=' is base64 padding: pubkey=<full key> stays
		 * bare, as DESIGN.md writes it; '=' inside a value quotes. */
		if (s[i] == '=' && s[i + 1] != '\0' && s[i + 1] != '=')
			return true;
		if (s[i] == ' ' || s[i] == '"' || s[i] == '\\' || is_ctl(s[i]))
			return true;
		l = utf8_seq_len(s + i, n - i);
		if (l == 0)
			return true;
		i += l;
	}
	return false;
}

static void msg_value(struct wbuf *b, const char *v)
{
	const unsigned char *s = (const unsigned char *)v;
	size_t n = strlen(v);
	bool q = msg_needs_quotes(v);

	if (q)
		w_char(b, '"');
	for (size_t i = 0; i < n;) {
		size_t l = utf8_seq_len(s + i, n - i);

		if (l == 0) {
			w_hex2(b, "\\x", s[i]);
			i++;
			continue;
		}
		if (l > 1) {
			w_bytes(b, v + i, l);
			i += l;
			continue;
		}
		switch (s[i]) {
		case '"':  w_str(b, "\\\""); break;
		case '\\': w_str(b, "\\\\"); break;
		case '\n': w_str(b, "\\n"); break;
		case '\r': w_str(b, "\\r"); break;
		case '\t': w_str(b, "\\t"); break;
		default:
			if (is_ctl(s[i]))
				w_hex2(b, "\\x", s[i]);
			else
				w_char(b, (char)s[i]);
		}
		i++;
	}
	if (q)
		w_char(b, '"');
}

/* Keys are lower_snake by contract; anything else is mapped to '_' so a
 * hostile key cannot break the grammar. Used for MSG keys and SD names. */
static void w_key(struct wbuf *b, const char *k, size_t max)
{
	size_t n = 0;

	for (; k[n] && n < max; n++) {
		unsigned char c = (unsigned char)k[n];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';

		w_char(b, ok ? (char)c : '_');
	}
	if (n == 0)
		w_char(b, '_');
}

static void msg_pair(struct wbuf *b, const char *k, const char *v)
{
	w_char(b, ' ');
	w_key(b, k, 64);
	w_char(b, '=');
	msg_value(b, v);
}

/* The original cron script's first keys, in its order. */
static const char *const msg_lead[] = { "endpoint", "allowed_ips", "rx", "tx" };

static bool msg_is_printed(const char *k)
{
	if (!strcmp(k, "peer") || !strcmp(k, "iface"))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(msg_lead); i++)
		if (!strcmp(k, msg_lead[i]))
			return true;
	return false;
}

static void msg_write(struct wbuf *b, const struct event *ev)
{
	const char *peer = event_get(ev, "peer");
	const char *v;

	w_str(b, event_type_name(ev->type));
	if (peer) {
		char shortkey[13];
		size_t n = strnlen(peer, 12);

		memcpy(shortkey, peer, n);
		shortkey[n] = '\0';
		msg_pair(b, "peer", shortkey);
	}
	for (size_t i = 0; i < ARRAY_SIZE(msg_lead); i++)
		if ((v = event_get(ev, msg_lead[i])))
			msg_pair(b, msg_lead[i], v);
	if ((v = event_get(ev, "iface")))
		msg_pair(b, "iface", v);
	if (peer)
		msg_pair(b, "pubkey", peer);
	for (unsigned i = 0; i < ev->nfields && i < EVENT_MAX_FIELDS; i++) {
		const char *k = event_key(ev, i);

		if (!msg_is_printed(k))
			msg_pair(b, k, event_val(ev, i));
	}
}

ssize_t format_msg(const struct event *ev, char *out, size_t len)
{
	struct wbuf b = { out, len, 0, false };

	msg_write(&b, ev);
	return w_finish(&b);
}

/* --- JSON ------------------------------------------------------------ */

static const char *const json_numeric[] = {
	"rx", "tx", "rx_delta", "tx_delta", "peer_id", "count", "interval",
};

static const char *const json_envelope[] = {
	"time", "host", "type", "severity", "source", "id", "event_id",
};

static bool in_list(const char *k, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(k, list[i]))
			return true;
	return false;
}

static bool is_canonical_decimal(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n > 19 || (n > 1 && v[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (v[i] < '0' || v[i] > '9')
			return false;
	return true;
}

static void w_put(void *ctx, const char *p, size_t n)
{
	w_bytes(ctx, p, n);
}

/* The one JSON string escaper (base/util.c): C1 controls too. */
static void json_string(struct wbuf *b, const char *v)
{
	w_char(b, '"');
	str_escape(v, strlen(v), STR_ESC_JSON, w_put, b);
	w_char(b, '"');
}

static void json_member(struct wbuf *b, const char *k, const char *v)
{
	w_char(b, ',');
	json_string(b, k);
	w_char(b, ':');
	json_string(b, v);
}

ssize_t format_json(const struct event *ev, const char *host, char *out, size_t len)
{
	struct wbuf b = { out, len, 0, false };
	char ts[32];

	fmt_rfc3339_us(ts, ev->time_us);
	w_str(&b, "{\"time\":");
	json_string(&b, ts);
	json_member(&b, "host", host ? host : "");
	json_member(&b, "type", event_type_name(ev->type));
	json_member(&b, "severity", severity_name(ev->severity));
	json_member(&b, "source", event_source_name(ev->source));
	for (unsigned i = 0; i < ev->nfields && i < EVENT_MAX_FIELDS; i++) {
		const char *k = event_key(ev, i), *v = event_val(ev, i);

		w_char(&b, ',');
		if (in_list(k, json_envelope, ARRAY_SIZE(json_envelope))) {
			char pk[40] = "field_";

			strncat(pk, k, sizeof(pk) - strlen(pk) - 1);
			json_string(&b, pk);
		} else {
			json_string(&b, k);
		}
		w_char(&b, ':');
		if (in_list(k, json_numeric, ARRAY_SIZE(json_numeric)) &&
		    is_canonical_decimal(v))
			w_str(&b, v);
		else
			json_string(&b, v);
	}
	w_str(&b, ",\"id\":");
	if (ev->id < 0)
		w_char(&b, '-');
	w_uint(&b, ev->id < 0 ? (uint64_t)0 - (uint64_t)ev->id : (uint64_t)ev->id);
	if (ev->event_id[0])
		json_member(&b, "event_id", ev->event_id);
	w_char(&b, '}');
	return w_finish(&b);
}

/* --- syslog ---------------------------------------------------------- */

static void w_pri(struct wbuf *b, const struct event *ev, int facility)
{
	int sev = ev->severity;

	if (facility < 0 || facility > 23)
		facility = 1;	/* user */
	if (sev < 0 || sev > 7)
		sev = LOG_NOTICE;
	w_char(b, '<');
	w_uint(b, (uint64_t)(facility * 8 + sev));
	w_char(b, '>');
}

/* PRINTUSASCII (33..126), at most max, '-' when empty (RFC 5424 NILVALUE;
 * also used for RFC 3164 which has no empty HOSTNAME). */
static void w_token(struct wbuf *b, const char *s, size_t max)
{
	size_t n = 0;

	for (; s && s[n] && n < max; n++) {
		unsigned char c = (unsigned char)s[n];

		w_char(b, c >= 33 && c <= 126 ? (char)c : '_');
	}
	if (n == 0)
		w_char(b, '-');
}

/* SD-NAME: 1*32 PRINTUSASCII except '=', SP, ']', '"'. */
static void sd_name(struct wbuf *b, const char *k)
{
	size_t n = 0;

	for (; k[n] && n < SD_NAME_MAX; n++) {
		unsigned char c = (unsigned char)k[n];
		bool ok = c >= 33 && c <= 126 && c != '=' && c != ']' && c != '"';

		w_char(b, ok ? (char)c : '_');
	}
	if (n == 0)
		w_char(b, '_');
}

/* PARAM-VALUE: UTF-8 with '"', '\' and ']' escaped by '\' (RFC 5424
 * §6.3.3). Control characters become the text \xHH (a '\' before any other
 * character is kept literally by receivers) so the record stays one line;
 * invalid UTF-8 becomes U+FFFD as the RFC requires UTF-8 here. */
static void sd_value(struct wbuf *b, const char *v)
{
	const unsigned char *s = (const unsigned char *)v;
	size_t n = strlen(v);

	for (size_t i = 0; i < n;) {
		size_t l = utf8_seq_len(s + i, n - i);

		if (l == 0) {
			w_str(b, "\xef\xbf\xbd");
			i++;
			continue;
		}
		if (l > 1) {
			w_bytes(b, v + i, l);
			i += l;
			continue;
		}
		if (s[i] == '"' || s[i] == '\\' || s[i] == ']') {
			w_char(b, '\\');
			w_char(b, (char)s[i]);
		} else if (is_ctl(s[i])) {
			w_hex2(b, "\\x", s[i]);
		} else {
			w_char(b, (char)s[i]);
		}
		i++;
	}
}

ssize_t format_rfc5424(const struct event *ev, const char *host, int facility,
		       char *out, size_t len)
{
	struct wbuf b = { out, len, 0, false };
	char ts[32];

	w_pri(&b, ev, facility);
	w_str(&b, "1 ");
	if (ev->time_us > 0) {
		fmt_rfc3339_us(ts, ev->time_us);
		w_str(&b, ts);
	} else {
		w_char(&b, '-');
	}
	w_char(&b, ' ');
	w_token(&b, host, HOSTNAME_MAX);
	w_str(&b, " " SYSLOG_APP_NAME " - ");
	w_token(&b, event_type_name(ev->type), MSGID_MAX);
	w_str(&b, " [" SD_ID);
	for (unsigned i = 0; i < ev->nfields && i < EVENT_MAX_FIELDS; i++) {
		w_char(&b, ' ');
		sd_name(&b, event_key(ev, i));
		w_str(&b, "=\"");
		sd_value(&b, event_val(ev, i));
		w_char(&b, '"');
	}
	if (ev->event_id[0]) {	/* DESIGN "Event identity" */
		w_str(&b, " event_id=\"");
		sd_value(&b, ev->event_id);
		w_char(&b, '"');
	}
	w_str(&b, "] ");
	msg_write(&b, ev);
	return w_finish(&b);
}

static const char months[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

ssize_t format_rfc3164(const struct event *ev, const char *host, int facility,
		       char *out, size_t len)
{
	struct wbuf b = { out, len, 0, false };
	time_t sec = (time_t)(ev->time_us / 1000000);
	struct tm tm;
	char ts[16];

	w_pri(&b, ev, facility);
	if (ev->time_us % 1000000 < 0)
		sec--;
	if (!gmtime_r(&sec, &tm) || tm.tm_mon < 0 || tm.tm_mon > 11)
		memset(&tm, 0, sizeof(tm));
	/* "Mmm dd hh:mm:ss", day space-padded (RFC 3164 §4.1.2). */
	memcpy(ts, months[tm.tm_mon], 3);
	ts[3] = ' ';
	ts[4] = tm.tm_mday >= 10 ? (char)('0' + tm.tm_mday / 10) : ' ';
	ts[5] = (char)('0' + tm.tm_mday % 10);
	ts[6] = ' ';
	ts[7] = (char)('0' + tm.tm_hour / 10);
	ts[8] = (char)('0' + tm.tm_hour % 10);
	ts[9] = ':';
	ts[10] = (char)('0' + tm.tm_min / 10);
	ts[11] = (char)('0' + tm.tm_min % 10);
	ts[12] = ':';
	ts[13] = (char)('0' + tm.tm_sec / 10 % 10);
	ts[14] = (char)('0' + tm.tm_sec % 10);
	w_bytes(&b, ts, 15);
	w_char(&b, ' ');
	w_token(&b, host, HOSTNAME_MAX);
	w_str(&b, " " SYSLOG_APP_NAME ": ");
	msg_write(&b, ev);
	if (ev->event_id[0])	/* no structured data in 3164: the MSG's end */
		msg_pair(&b, "event_id", ev->event_id);
	return w_finish(&b);
}
