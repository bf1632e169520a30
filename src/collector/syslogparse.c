// SPDX-License-Identifier: GPL-2.0
/* syslogparse.c - syslog records from any sender (the TCP framing of
 * syslogparse.h is in framer.c).
 *
 * Every byte here comes from the network, from senders we do not control
 * (rsyslog, util-linux logger, network gear, wgaudit agents, attackers), so
 * the parser never fails: it takes what it understands and leaves the rest
 * in MSG with a flag saying what was wrong, so nothing sent is lost. All
 * results are slices of the caller's buffer; no copy, no allocation.
 *
 * Deviations accepted (seen from real senders, see tests/data/syslog-*):
 *  - rsyslog's RSYSLOG_SyslogProtocol23Format ends the record with LF even
 *    inside an octet-counted frame: trailing CR/LF/NUL are dropped.
 *  - RFC 3164 with an RFC 3339 time stamp (RSYSLOG_ForwardFormat).
 *  - RFC 3164 without HOSTNAME ("<13>Nov 25 12:00:00 app: msg"), without a
 *    time stamp ("<13>app: msg"), TAG without ':' (rsyslog re-forwarding a
 *    5424 record as "host app msg").
 *  - no PRI at all: the whole record is MSG, user.notice (RFC 3164 §4.3.3).
 */
#include <errno.h>
#include <string.h>
#include "collector/syslogparse.h"
#include "base/util.h"

#define PRI_MAX		191
#define TAG_MAX		48

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static struct slice sl(const char *p, size_t n)
{
	return (struct slice){ p, n };
}

/* --- time ------------------------------------------------------------ */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* The fixed-width fields of a time stamp and the PRI: 1..4 digits, at
 * most max (parse_u64's contract; inline, as a record has eight of them). */
static int num(const char *s, size_t n, unsigned max, unsigned *out)
{
	unsigned v = 0;

	if (n == 0 || n > 4)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned char)s[i] - '0';

		if (d > 9)
			return -EINVAL;
		v = v * 10 + d;
	}
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

static bool day_ok(unsigned y, unsigned m, unsigned d)
{
	static const unsigned char mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	if (m == 2 && d == 29)
		return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return true;
}

int syslog_parse_rfc3339(const char *s, size_t len, int64_t *out_us)
{
	unsigned y, mo, d, h, mi, sec, oh = 0, om = 0;
	int64_t frac = 0, t, scale = 100000;
	size_t i = 19;
	int sign = 0;

	if (len < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
	    s[13] != ':' || s[16] != ':')
		return -EINVAL;
	if (num(s, 4, 9999, &y) || num(s + 5, 2, 12, &mo) || num(s + 8, 2, 31, &d) ||
	    num(s + 11, 2, 23, &h) || num(s + 14, 2, 59, &mi) || num(s + 17, 2, 60, &sec))
		return -EINVAL;
	if (y < 1970 || !day_ok(y, mo, d))
		return -EINVAL;
	if (s[i] == '.') {
		size_t start = ++i;

		/* RFC 5424 allows 6 digits; more are accepted and ignored. */
		for (; i < len && is_digit(s[i]); i++) {
			if (scale > 0) {
				frac += (s[i] - '0') * scale;
				scale /= 10;
			}
		}
		if (i == start || i - start > 9)
			return -EINVAL;
	}
	if (i == len - 1 && (s[i] == 'Z' || s[i] == 'z')) {
		sign = 0;
	} else if (i + 6 == len && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
		sign = s[i] == '+' ? 1 : -1;
		if (num(s + i + 1, 2, 23, &oh) || num(s + i + 4, 2, 59, &om))
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + (sec > 59 ? 59 : sec);
	t -= sign * (int64_t)(oh * 3600 + om * 60);
	if (t <= 0)
		return -EINVAL;
	*out_us = t * 1000000 + frac;
	return 0;
}

static const char months[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

/* "Mmm dd hh:mm:ss" (dd space or zero padded), optional ".fff" that some
 * network gear adds. The year is the one closest to now: a record from
 * Dec 31 received on Jan 1 belongs to the previous year. Returns the
 * length consumed or 0. */
static size_t rfc3164_time(const char *s, size_t len, int64_t now_us, int64_t *out_us)
{
	unsigned mo = 12, d, h, mi, sec;
	int64_t best = 0, now = now_us / 1000000;
	size_t n = 15;
	int y0;

	if (len < 15 || s[3] != ' ' || s[6] != ' ' || s[9] != ':' || s[12] != ':')
		return 0;
	for (unsigned i = 0; i < 12; i++)
		if (!memcmp(s, months[i], 3))
			mo = i + 1;
	if (mo > 12)
		return 0;
	if (s[4] == ' ' ? num(s + 5, 1, 9, &d) : num(s + 4, 2, 31, &d))
		return 0;
	if (num(s + 7, 2, 23, &h) || num(s + 10, 2, 59, &mi) || num(s + 13, 2, 60, &sec))
		return 0;
	if (n < len && s[n] == '.') {
		size_t start = ++n;

		while (n < len && n - start < 9 && is_digit(s[n]))
			n++;
		if (n == start)
			return 0;
	}
	/* civil year of now */
	y0 = 1970 + (int)(now / 31556952);
	for (int y = y0 - 2; y <= y0 + 2; y++) {
		int64_t t;

		if (y < 1970 || !day_ok((unsigned)y, mo, d))
			continue;
		t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + (sec > 59 ? 59 : sec);
		if (best == 0 || (t > now ? t - now : now - t) < (best > now ? best - now : now - best))
			best = t;
	}
	if (best <= 0)
		return 0;
	*out_us = best * 1000000;
	return n;
}

/* --- structured data --------------------------------------------------- */

/* End (one past ']') of the SD elements starting at s[0] == '[', or 0 if
 * unterminated. Quotes and escapes are honoured so a ']' inside a value
 * does not end the element. */
static size_t sd_span(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && s[i] == '[') {
		bool quoted = false;

		for (i++; i < len; i++) {
			if (quoted && s[i] == '\\' && i + 1 < len) {
				i++;
			} else if (s[i] == '"') {
				quoted = !quoted;
			} else if (!quoted && s[i] == ']') {
				break;
			}
		}
		if (i >= len)
			return 0;
		i++;
	}
	return i;
}

/* SD-NAME bytes (RFC 5424 §6.3.2): printable US-ASCII 33..126 except
 * '"' (34), '=' (61) and ']' (93), as a bitmap of 0..127: one lookup per
 * byte on the collector's hot path. */
static const uint64_t sd_name_bits[2] = {
	0xfffffffa00000000ULL & ~(1ULL << 61),	/* 33..63 without 34, 61 */
	0x7fffffffffffffffULL & ~(1ULL << (93 - 64)),	/* 64..126 without 93 */
};

static bool sd_name_char(char c)
{
	unsigned char u = (unsigned char)c;

	return u < 128 && (sd_name_bits[u >> 6] >> (u & 63)) & 1;
}

void sd_iter_init(struct sd_iter *it, struct slice sd)
{
	memset(it, 0, sizeof(*it));
	if (sd.n == 1 && sd.p[0] == '-')
		sd.n = 0;
	it->sd = sd;
}

static size_t name_len(const char *s, size_t len, size_t max)
{
	size_t n = 0, lim = len <= max ? len : max + 1;

	while (n < lim && sd_name_char(s[n]))
		n++;
	return n;
}

int sd_iter_next(struct sd_iter *it, struct slice *name, char *val, size_t vlen)
{
	const char *s = it->sd.p, *q;
	size_t len = it->sd.n, i = it->pos, o = 0, n;

	for (;;) {
		if (!it->in_element) {
			if (i == len)
				return 0;
			if (s[i] != '[')
				return -EINVAL;
			i++;
			n = name_len(s + i, len - i, 32);
			if (n == 0 || n > 32)
				return -EINVAL;
			it->id = sl(s + i, n);
			i += n;
			it->in_element = true;
		}
		if (i < len && s[i] == ']') {
			it->in_element = false;
			it->pos = ++i;
			continue;
		}
		if (i >= len || s[i] != ' ')
			return -EINVAL;
		i++;
		n = name_len(s + i, len - i, 32);
		if (n == 0 || n > 32 || i + n + 1 >= len || s[i + n] != '=' || s[i + n + 1] != '"')
			return -EINVAL;
		*name = sl(s + i, n);
		i += n + 2;
		it->raw = sl(s + i, 0);
		q = memchr(s + i, '"', len - i);
		if (q && !memchr(s + i, '\\', (size_t)(q - (s + i)))) {
			/* no escape before the first quote: it closes the value */
			o = (size_t)(q - (s + i));
			if (vlen && o > vlen - 1)
				o = vlen - 1;
			if (vlen)
				memcpy(val, s + i, o);
			i = (size_t)(q - s);
		}
		for (; i < len && s[i] != '"'; i++) {
			char c = s[i];

			/* RFC 5424 §6.3.3: only \" \\ \] are escapes; a '\'
			 * before anything else is kept as is. */
			if (c == '\\' && i + 1 < len &&
			    (s[i + 1] == '"' || s[i + 1] == '\\' || s[i + 1] == ']'))
				c = s[++i];
			if (vlen && o < vlen - 1)
				val[o++] = c;
		}
		if (i >= len)
			return -EINVAL;
		if (vlen)
			val[o] = '\0';
		it->raw.n = (size_t)(s + i - it->raw.p);
		it->pos = ++i;
		return 1;
	}
}

/* A value as sent, unescaped (as sd_iter_next does) into val. */
static void sd_unescape(struct slice raw, char *val, size_t vlen)
{
	size_t o = 0;

	if (!memchr(raw.p, '\\', raw.n)) {
		o = raw.n < vlen - 1 ? raw.n : vlen - 1;
		memcpy(val, raw.p, o);
		val[o] = '\0';
		return;
	}
	for (size_t i = 0; i < raw.n && o < vlen - 1; i++) {
		char c = raw.p[i];

		if (c == '\\' && i + 1 < raw.n &&
		    (raw.p[i + 1] == '"' || raw.p[i + 1] == '\\' || raw.p[i + 1] == ']'))
			c = raw.p[++i];
		val[o++] = c;
	}
	val[o] = '\0';
}

/* The wants of sd_private_get, and where its pass is. */
struct sd_wants {
	struct sd_want *want;
	size_t n, left;
	struct slice id;	/* the first private element's SD-ID, once met */
};

static void wants_init(struct sd_wants *ws, struct sd_want *want, size_t n)
{
	*ws = (struct sd_wants){ .want = want, .n = n, .left = n };
	for (size_t w = 0; w < n; w++) {
		want[w].found = false;
		if (want[w].vlen)
			want[w].val[0] = '\0';
	}
}

/* The param k the iterator just read, against the wants. */
static void wants_match(struct sd_wants *ws, const struct sd_iter *it, struct slice k)
{
	struct sd_want *want = ws->want;

	if (!ws->id.p) {
		if (!memchr(it->id.p, '@', it->id.n))
			return;
		ws->id = it->id;	/* the first private element's */
	} else if (it->id.n != ws->id.n || memcmp(it->id.p, ws->id.p, ws->id.n)) {
		return;
	}
	for (size_t w = 0; w < ws->n; w++) {
		/* k.n >= 1; strncmp stops at a shorter name's NUL */
		if (want[w].found || want[w].name[0] != k.p[0] ||
		    strncmp(want[w].name, k.p, k.n) || want[w].name[k.n])
			continue;
		if (want[w].vlen)
			sd_unescape(it->raw, want[w].val, want[w].vlen);
		want[w].found = true;
		ws->left--;
		return;
	}
}

/* End of the SD elements at s if they are well formed (the iterator's
 * grammar) and followed by the end or a byte other than '[', else 0. For
 * such input it is where sd_span ends too; one pass instead of two. With
 * ws, the same pass does sd_private_get's (on a 0, ws is left unsure). */
static size_t sd_valid_span(const char *s, size_t len, struct sd_wants *ws)
{
	struct sd_iter it;
	struct slice k;
	int ret;

	sd_iter_init(&it, sl(s, len));
	while ((ret = sd_iter_next(&it, &k, NULL, 0)) > 0)
		if (ws && ws->left)
			wants_match(ws, &it, k);
	if (ret == 0)
		return len;
	/* stopped where another element could start: the SD ends there */
	if (!it.in_element && it.pos > 0 && it.pos < len && s[it.pos] != '[')
		return it.pos;
	return 0;
}

int sd_validate(struct slice sd)
{
	struct sd_iter it;
	struct slice name;
	int ret;

	sd_iter_init(&it, sd);
	while ((ret = sd_iter_next(&it, &name, NULL, 0)) > 0)
		;
	return ret;
}

int sd_get(struct slice sd, const char *id, const char *name, char *val, size_t vlen)
{
	size_t nl = strlen(name), il = id ? strlen(id) : 0;
	struct sd_iter it;
	struct slice k;

	sd_iter_init(&it, sd);
	while (sd_iter_next(&it, &k, val, vlen) > 0) {
		if (id && (it.id.n != il || memcmp(it.id.p, id, il)))
			continue;
		if (k.n == nl && !memcmp(k.p, name, nl))
			return 0;
	}
	if (vlen)
		val[0] = '\0';
	return -ENOENT;
}

int sd_private_id(struct slice sd, char *id, size_t idlen)
{
	struct sd_iter it;
	struct slice k;
	char v[8];

	sd_iter_init(&it, sd);
	while (sd_iter_next(&it, &k, v, sizeof(v)) > 0) {
		if (!memchr(it.id.p, '@', it.id.n) || it.id.n >= idlen)
			continue;
		memcpy(id, it.id.p, it.id.n);
		id[it.id.n] = '\0';
		return 0;
	}
	if (idlen)
		id[0] = '\0';
	return -ENOENT;
}

int sd_private_get(struct slice sd, struct sd_want *want, size_t n)
{
	struct sd_wants ws;
	struct sd_iter it;
	struct slice k;

	wants_init(&ws, want, n);
	sd_iter_init(&it, sd);
	while (ws.left && sd_iter_next(&it, &k, NULL, 0) > 0)
		wants_match(&ws, &it, k);
	return ws.id.p ? 0 : -ENOENT;
}

/* --- MSG key=value ----------------------------------------------------- */

/* One value at s (bare or quoted); unescaped into val when val != NULL.
 * Returns the bytes it spans. */
static size_t msg_value(const char *s, size_t len, char *val, size_t vlen)
{
	size_t i = 0, o = 0;

	if (len && s[0] == '"') {
		for (i = 1; i < len && s[i] != '"'; i++) {
			char c = s[i];

			if (c == '\\' && i + 1 < len) {
				switch (s[++i]) {
				case 'n': c = '\n'; break;
				case 'r': c = '\r'; break;
				case 't': c = '\t'; break;
				case 'x':
					if (i + 2 < len && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
						c = (char)(hex_digit(s[i + 1]) << 4 | hex_digit(s[i + 2]));
						i += 2;
						break;
					}
					c = 'x';
					break;
				default: c = s[i];
				}
			}
			if (val && o < vlen - 1)
				val[o++] = c;
		}
		if (i < len)
			i++;	/* closing quote */
	} else {
		for (; i < len && s[i] != ' '; i++)
			if (val && o < vlen - 1)
				val[o++] = s[i];
	}
	if (val)
		val[o] = '\0';
	return i;
}

int msg_kv_get(struct slice msg, const char *key, char *val, size_t vlen)
{
	const char *s = msg.p;
	size_t len = msg.n, i = 0, kl = strlen(key);

	if (vlen == 0)
		return -ENOENT;
	val[0] = '\0';
	while (i < len && s[i] != ' ')	/* TYPE */
		i++;
	while (i < len) {
		size_t k0;

		while (i < len && s[i] == ' ')
			i++;
		k0 = i;
		while (i < len && s[i] != '=' && s[i] != ' ')
			i++;
		if (i >= len || s[i] != '=')
			continue;	/* a bare word: not ours, skip it */
		i++;
		if (i - 1 - k0 == kl && !memcmp(s + k0, key, kl)) {
			msg_value(s + i, len - i, val, vlen);
			return 0;
		}
		i += msg_value(s + i, len - i, NULL, 0);
	}
	return -ENOENT;
}

struct slice msg_type(struct slice msg)
{
	size_t n = 0;

	while (n < msg.n && n < 64 && ((msg.p[n] >= 'A' && msg.p[n] <= 'Z') ||
				       is_digit(msg.p[n]) || msg.p[n] == '_'))
		n++;
	if (n < 2 || (n < msg.n && msg.p[n] != ' '))
		return sl(msg.p, 0);
	return sl(msg.p, n);
}

/* --- records ----------------------------------------------------------- */

/* The token at s up to SP (or end); '-' alone is RFC 5424's NILVALUE. */
static size_t token(const char *s, size_t len, struct slice *out)
{
	size_t n = 0;

	while (n < len && s[n] != ' ')
		n++;
	*out = (n == 1 && s[0] == '-') ? sl(s, 0) : sl(s, n);
	return n;
}

static struct slice strip_bom(struct slice m)
{
	if (m.n >= 3 && !memcmp(m.p, "\xef\xbb\xbf", 3))
		return sl(m.p + 3, m.n - 3);
	return m;
}

/* *got: whether ws holds sd_private_get(m->sd)'s result. */
static void parse_5424(const char *s, size_t len, struct syslog_msg *m, struct sd_wants *ws,
		       bool *got)
{
	struct slice ts, *f[] = { &m->host, &m->app, &m->procid, &m->msgid };
	size_t i = token(s, len, &ts), n;

	m->version = 1;
	if (ts.n && syslog_parse_rfc3339(ts.p, ts.n, &m->time_us) < 0)
		m->flags |= SYSLOG_F_BADTIME;
	for (size_t k = 0; k < ARRAY_SIZE(f); k++) {
		if (i >= len || s[i] != ' ')
			goto bad;
		i++;
		i += token(s + i, len - i, f[k]);
	}
	if (i >= len || s[i] != ' ')
		goto bad;
	i++;
	if (i < len && s[i] == '-') {
		i++;
	} else if (i < len && s[i] == '[' && (n = sd_valid_span(s + i, len - i, ws)) > 0) {
		m->sd = sl(s + i, n);
		*got = ws != NULL;
		i += n;
	} else if (i < len && s[i] == '[' && (n = sd_span(s + i, len - i)) > 0) {
		m->sd = sl(s + i, n);	/* kept as sent, flagged */
		m->flags |= SYSLOG_F_BADSD;
		i += n;
	} else {
		m->flags |= SYSLOG_F_BADSD;	/* the rest is MSG */
		m->msg = strip_bom(sl(s + i, len - i));
		return;
	}
	if (i < len && s[i] == ' ')
		i++;
	m->msg = strip_bom(sl(s + i, len - i));
	return;
bad:
	m->flags |= SYSLOG_F_BADHDR;
	m->host = m->app = m->procid = m->msgid = sl(s, 0);
	m->msg = sl(s, len);
}

static bool tag_char(char c)
{
	return c != ' ' && c != ':' && c != '[' && c != ']' && (unsigned char)c > 32 && c != 127;
}

/* TAG at s: "app[pid]: ", "app: ", "app[pid] " or (loose) "app ". Returns
 * the bytes up to MSG, or 0 if this is not a tag. */
static size_t tag(const char *s, size_t len, bool loose, struct syslog_msg *m)
{
	size_t i = 0, p0 = 0, p1 = 0;
	bool colon = false;

	while (i < len && i <= TAG_MAX && tag_char(s[i]))
		i++;
	if (i == 0 || i > TAG_MAX)
		return 0;
	if (i < len && s[i] == '[') {
		p0 = ++i;
		while (i < len && i - p0 <= 128 && s[i] != ']' && s[i] != ' ')
			i++;
		if (i >= len || s[i] != ']')
			return 0;
		p1 = i++;
	}
	if (i < len && s[i] == ':') {
		colon = true;
		i++;
	}
	if (i < len && s[i] != ' ')
		return 0;
	if (!colon && !loose && !p1)
		return 0;
	m->app = sl(s, p0 ? p0 - 1 : (colon ? i - 1 : i));
	if (p1)
		m->procid = sl(s + p0, p1 - p0);
	return i < len ? i + 1 : i;
}

static void parse_3164(const char *s, size_t len, int64_t now_us, struct syslog_msg *m)
{
	size_t i = 0, n;
	struct slice t;

	m->version = 0;
	n = rfc3164_time(s, len, now_us, &m->time_us);
	if (n == 0 && len > 0 && is_digit(s[0])) {
		/* RSYSLOG_ForwardFormat: an RFC 3339 stamp in 3164 layout. */
		token(s, len, &t);
		if (syslog_parse_rfc3339(t.p, t.n, &m->time_us) == 0)
			n = t.n;
	}
	if (n == 0 || (n < len && s[n] != ' ')) {
		m->flags |= SYSLOG_F_BADTIME | SYSLOG_F_NOHOST;
		m->time_us = 0;
		/* No time stamp: only a clear "tag:" is taken apart. */
		n = tag(s, len, false, m);
		m->msg = sl(s + n, len - n);
		return;
	}
	i = n < len ? n + 1 : n;
	/* HOSTNAME, unless the next token is obviously the TAG. */
	n = token(s + i, len - i, &t);
	if (t.n && t.p[t.n - 1] != ':' && !memchr(t.p, '[', t.n)) {
		m->host = t;
		i += n < len - i ? n + 1 : n;
	} else {
		m->flags |= SYSLOG_F_NOHOST;
	}
	n = tag(s + i, len - i, true, m);
	i += n;
	m->msg = sl(s + i, len - i);
}

static void parse(const char *buf, size_t len, int64_t now_us, struct syslog_msg *out,
		  struct sd_wants *ws, bool *got)
{
	unsigned pri = 0;
	size_t i = 1;

	memset(out, 0, sizeof(*out));
	out->facility = 1;	/* user.notice: RFC 3164 §4.3.3 */
	out->severity = 5;
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == '\0'))
		len--;
	if (len == 0) {
		out->flags |= SYSLOG_F_NOPRI;
		out->msg = sl(buf, 0);
		return;
	}
	if (buf[0] == '<') {
		while (i < len && i < 5 && is_digit(buf[i]))
			i++;
		if (i > 1 && i < len && buf[i] == '>' && num(buf + 1, i - 1, PRI_MAX, &pri) == 0 &&
		    (i == 2 || buf[1] != '0')) {
			out->facility = (int)(pri >> 3);
			out->severity = (int)(pri & 7);
			i++;
			if (len - i >= 2 && buf[i] == '1' && buf[i + 1] == ' ')
				parse_5424(buf + i + 2, len - i - 2, out, ws, got);
			else
				parse_3164(buf + i, len - i, now_us, out);
			return;
		}
	}
	out->flags |= SYSLOG_F_NOPRI;
	out->msg = sl(buf, len);
}

void syslog_parse(const char *buf, size_t len, int64_t now_us, struct syslog_msg *out)
{
	bool got = false;

	parse(buf, len, now_us, out, NULL, &got);
}

int syslog_parse_want(const char *buf, size_t len, int64_t now_us, struct syslog_msg *out,
		      struct sd_want *want, size_t n)
{
	struct sd_wants ws;
	bool got = false;

	wants_init(&ws, want, n);
	parse(buf, len, now_us, out, &ws, &got);
	/* no SD, or one kept as sent (malformed): the separate pass */
	if (!got)
		return sd_private_get(out->sd, want, n);
	return ws.id.p ? 0 : -ENOENT;
}
