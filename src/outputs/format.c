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
#include "base/sdid.h"
#include "base/util.h"

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

/* A byte msg_value() copies as it is: printable ASCII but '"' and '\\'. */
static bool msg_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/* *ascii: every byte below 0x80 (only meaningful when false is returned). */
static bool msg_needs_quotes(const char *v, size_t n, bool *ascii)
{
	const unsigned char *s = (const unsigned char *)v;

	*ascii = true;
	if (n == 0)
		return true;
	for (size_t i = 0; i < n;) {
		size_t l;

		/* Most bytes: printable ASCII that needs nothing (one test). */
		if ((unsigned)(s[i] - 0x21) < 0x5e && s[i] != '"' && s[i] != '\\' && s[i] != '=') {
			i++;
			continue;
		}
		/* Trailing '=' is base64 padding: pubkey=<full key> stays
		 * bare, as DESIGN.md writes it; '=' inside a value quotes. */
		if (s[i] == '=' && s[i + 1] != '\0' && s[i + 1] != '=')
			return true;
		if (s[i] == ' ' || s[i] == '"' || s[i] == '\\' || is_ctl(s[i]))
			return true;
		if (s[i] < 0x80) {	/* ASCII: no decoding to do */
			i++;
			continue;
		}
		*ascii = false;
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
	bool ascii, q = msg_needs_quotes(v, n, &ascii);

	if (!q && ascii) {	/* no quote, no space, no '\\', no control: as is */
		w_bytes(b, v, n);
		return;
	}
	if (q)
		w_char(b, '"');
	for (size_t i = 0; i < n;) {
		size_t l, run = i;

		/* Runs of plain bytes in one copy (most values are all plain). */
		while (run < n && msg_plain(s[run]))
			run++;
		if (run > i) {
			w_bytes(b, v + i, run - i);
			i = run;
			continue;
		}
		l = utf8_seq_len(s + i, n - i);
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
			w_hex2(b, "\\x", s[i]);	/* the other controls and DEL */
		}
		i++;
	}
	if (q)
		w_char(b, '"');
}

/* Keys are lower_snake by contract; anything else is mapped to '_' so a
 * hostile key cannot break the grammar. Used for MSG keys and SD names. */
static bool key_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

static void w_key(struct wbuf *b, const char *k, size_t max)
{
	size_t n = 0;

	while (k[n] && n < max && key_char((unsigned char)k[n]))
		n++;
	w_bytes(b, k, n);	/* the valid head in one copy */
	for (; k[n] && n < max; n++)
		w_char(b, key_char((unsigned char)k[n]) ? k[n] : '_');
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

/* Where key k goes in msg_write(): 0..3 = msg_lead[], 4 iface, 5 peer,
 * -1 the rest. Keys are unique in an event (event_set() replaces). */
enum { MSG_IFACE = ARRAY_SIZE(msg_lead), MSG_PEER, MSG_SLOTS };

static int msg_slot(const char *k)
{
	for (size_t i = 0; i < ARRAY_SIZE(msg_lead); i++)
		if (k[0] == msg_lead[i][0] && !strcmp(k, msg_lead[i]))
			return (int)i;
	if (k[0] == 'i' && !strcmp(k, "iface"))
		return MSG_IFACE;
	if (k[0] == 'p' && !strcmp(k, "peer"))
		return MSG_PEER;
	return -1;
}

/* One pass over the fields to find the lead ones, then print: TYPE, the
 * short peer, msg_lead[] in order, iface, the full pubkey, the rest in
 * insertion order. */
static void msg_write(struct wbuf *b, const struct event *ev)
{
	const char *slot[MSG_SLOTS] = { NULL };
	char text[MSG_SLOTS][EVENT_TEXT_LEN], tmp[EVENT_TEXT_LEN];
	int where[EVENT_MAX_FIELDS];
	const char *peer;
	unsigned nf = ev->nfields < EVENT_MAX_FIELDS ? ev->nfields : EVENT_MAX_FIELDS;

	for (unsigned i = 0; i < nf; i++) {
		where[i] = msg_slot(event_key(ev, i));
		if (where[i] >= 0 && !slot[where[i]])
			slot[where[i]] = event_text(ev, i, text[where[i]]);
	}
	peer = slot[MSG_PEER];
	w_str(b, event_type_name(ev->type));
	if (peer) {
		char shortkey[13];
		size_t n = strnlen(peer, 12);

		memcpy(shortkey, peer, n);
		shortkey[n] = '\0';
		msg_pair(b, "peer", shortkey);
	}
	for (size_t i = 0; i < ARRAY_SIZE(msg_lead); i++)
		if (slot[i])
			msg_pair(b, msg_lead[i], slot[i]);
	if (slot[MSG_IFACE])
		msg_pair(b, "iface", slot[MSG_IFACE]);
	if (peer)
		msg_pair(b, "pubkey", peer);
	for (unsigned i = 0; i < nf; i++)
		if (where[i] < 0)
			msg_pair(b, event_key(ev, i), event_text(ev, i, tmp));
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
		char tmp[EVENT_TEXT_LEN];
		const char *k = event_key(ev, i), *v = event_text(ev, i, tmp);

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
	return format_rfc5424_sd(ev, host, facility, NULL, out, len);
}

ssize_t format_rfc5424_sd(const struct event *ev, const char *host, int facility,
			  const char *sd_id, char *out, size_t len)
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
	w_str(&b, " [");
	w_str(&b, sd_id && sd_id[0] ? sd_id : SD_ID_DEFAULT);
	for (unsigned i = 0; i < ev->nfields && i < EVENT_MAX_FIELDS; i++) {
		char tmp[EVENT_TEXT_LEN];

		w_char(&b, ' ');
		sd_name(&b, event_key(ev, i));
		w_str(&b, "=\"");
		sd_value(&b, event_text(ev, i, tmp));
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
