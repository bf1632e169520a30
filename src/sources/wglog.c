// SPDX-License-Identifier: GPL-2.0
/* wglog.c - wireguard-go log lines (LOG_LEVEL=verbose) to the same events
 * the kernel's lines give. Format strings from wireguard-go's device package
 * (WIREGUARD-FACTS.md §2), with holes: %P the peer ("peer(AbCd…WxYz)"),
 * %E an endpoint, %d a number, %* anything to the end. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "base/event.h"
#include "sources/wglog.h"
#include "base/util.h"

#define IFNAME_MAX	15
#define ELLIPSIS	"\xe2\x80\xa6"	/* U+2026, as String() prints it */
#define TEXT_MAX	1024

struct wglog_pattern {
	const char *fmt;
	enum event_type type;
	const char *fixed_key, *fixed_val;
	const char *num_names[2];	/* names of the %d holes, in order */
};

static const struct wglog_pattern patterns[] = {
	{ .fmt = "%P - Received handshake initiation", .type = EV_HANDSHAKE_INITIATION_RECEIVED },
	{ .fmt = "%P - Received handshake response", .type = EV_HANDSHAKE_RESPONSE_RECEIVED },
	{ .fmt = "%P - Sending handshake initiation", .type = EV_HANDSHAKE_INITIATION_SENT },
	{ .fmt = "%P - Sending handshake response", .type = EV_HANDSHAKE_RESPONSE_SENT },
	{ .fmt = "%P - Receiving keepalive packet", .type = EV_KEEPALIVE_RECEIVED },
	{ .fmt = "%P - Sending keepalive packet", .type = EV_KEEPALIVE_SENT },
	{ .fmt = "Receiving cookie response from %E", .type = EV_COOKIE_RECEIVED },
	{ .fmt = "Sending cookie response for denied handshake message for %E", .type = EV_COOKIE_SENT },
	{ .fmt = "Could not decrypt invalid cookie response", .type = EV_COOKIE_INVALID },
	{ .fmt = "Received packet with invalid mac1", .type = EV_INVALID_MAC },
	{ .fmt = "Received invalid initiation message from %E", .type = EV_INVALID_HANDSHAKE_INITIATION },
	{ .fmt = "Received invalid response message from %E", .type = EV_INVALID_HANDSHAKE_RESPONSE },
	{ .fmt = "%P - ConsumeMessageInitiation: handshake replay @ %*", .type = EV_INVALID_HANDSHAKE_INITIATION, .fixed_key = "reason", .fixed_val = "replay" },
	{ .fmt = "%P - ConsumeMessageInitiation: handshake flood", .type = EV_INVALID_HANDSHAKE_INITIATION, .fixed_key = "reason", .fixed_val = "flood" },
	{ .fmt = "IPv4 packet with disallowed source address from %P", .type = EV_UNALLOWED_SRC_IP },
	{ .fmt = "IPv6 packet with disallowed source address from %P", .type = EV_UNALLOWED_SRC_IP },
	{ .fmt = "Packet with invalid IP version from %P", .type = EV_MALFORMED_PACKET, .fixed_key = "reason", .fixed_val = "not_ip" },
	{ .fmt = "%P - Handshake did not complete after %d attempts, giving up",
	  .type = EV_HANDSHAKE_GAVE_UP, .num_names = { "attempts" } },
	{ .fmt = "%P - Handshake did not complete after %d seconds, retrying (try %d)",
	  .type = EV_HANDSHAKE_RETRY, .fixed_key = "reason", .fixed_val = "timeout",
	  .num_names = { "seconds", "try" } },
	{ .fmt = "%P - Retrying handshake because we stopped hearing back after %d seconds",
	  .type = EV_HANDSHAKE_RETRY, .fixed_key = "reason", .fixed_val = "no_reply",
	  .num_names = { "seconds" } },
	{ .fmt = "%P - Removing all keys, since we haven't received a new one in %d seconds",
	  .type = EV_KEYS_ZEROED, .num_names = { "seconds" } },
	{ .fmt = "%P - UAPI: Created", .type = EV_PEER_CREATED },
	{ .fmt = "%P - UAPI: Removing", .type = EV_PEER_DESTROYED },
};

struct caps {
	const char *peer;	/* "AbCd…WxYz" */
	size_t peer_len;
	char endpoint[ENDPOINT_STR_LEN];
	int64_t num[2];
	unsigned nnum;
};

static int b64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/' || c == '=';
}

/* "peer(" 4 "…" 4 ")" */
static size_t scan_peer(const char *p, size_t n, struct caps *c)
{
	const size_t len = 5 + 4 + 3 + 4 + 1;

	if (n < len || memcmp(p, "peer(", 5) != 0 || memcmp(p + 9, ELLIPSIS, 3) != 0 ||
	    p[len - 1] != ')')
		return 0;
	for (size_t i = 0; i < 4; i++)
		if (!b64_char(p[5 + i]) || !b64_char(p[12 + i]))
			return 0;
	c->peer = p + 5;
	c->peer_len = 4 + 3 + 4;
	return len;
}

/* Go's AddrPort.String(): "1.2.3.4:5", "[::1]:5", "[fe80::1%eth0]:5".
 * Numeric forms are normalised; a named zone is kept as printed. */
static size_t scan_endpoint(const char *p, size_t n, struct caps *c)
{
	union endpoint ep;
	size_t k = 0;

	while (k < n && k < ENDPOINT_STR_LEN - 1 && p[k] > ' ' && p[k] < 0x7f)
		k++;
	if (k == 0 || k >= ENDPOINT_STR_LEN - 1)
		return 0;
	if (endpoint_parse(p, k, &ep) == 0) {
		endpoint_format(c->endpoint, &ep);
	} else if (p[0] == '[' && memchr(p, '%', k) && memchr(p, ']', k)) {
		memcpy(c->endpoint, p, k);
		c->endpoint[k] = '\0';
	} else {
		return 0;
	}
	return k;
}

static size_t scan_int(const char *p, size_t n, struct caps *c)
{
	size_t k = 0;
	uint64_t v;

	while (k < n && p[k] >= '0' && p[k] <= '9')
		k++;
	if (k == 0 || k > 10 || c->nnum == 2 || parse_u64(p, k, INT32_MAX, &v) < 0)
		return 0;
	c->num[c->nnum++] = (int64_t)v;
	return k;
}

static int match(const char *fmt, const char *p, size_t n, struct caps *c)
{
	size_t j = 0, k;

	memset(c, 0, sizeof(*c));
	while (*fmt) {
		if (fmt[0] != '%') {
			if (j >= n || p[j] != *fmt)
				return -ENOENT;
			fmt++;
			j++;
			continue;
		}
		switch (fmt[1]) {
		case 'P':
			k = scan_peer(p + j, n - j, c);
			break;
		case 'E':
			k = scan_endpoint(p + j, n - j, c);
			break;
		case 'd':
			k = scan_int(p + j, n - j, c);
			break;
		case '*':
			return 0;
		default:
			return -ENOENT;
		}
		if (k == 0)
			return -ENOENT;
		j += k;
		fmt += 2;
	}
	return j == n ? 0 : -ENOENT;
}

static void set_text(struct event *ev, const char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char text[TEXT_MAX + 1];
	size_t o = 0;

	/* Escape controls only: wireguard-go prints UTF-8 (the "…"). */
	for (size_t i = 0; i < n && o + 4 < sizeof(text); i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch < 0x20 || ch == 0x7f) {
			text[o++] = '\\';
			text[o++] = 'x';
			text[o++] = hex[ch >> 4];
			text[o++] = hex[ch & 15];
		} else {
			text[o++] = (char)ch;
		}
	}
	text[o] = '\0';
	event_set(ev, "text", text);
}

/* "2025/05/22 01:45:02 " (log.Ldate|log.Ltime, local time): p holds at
 * least 20 bytes. */
static int parse_stamp_slow(const char *p, int64_t *us)
{
	struct tm tm = { 0 }, lt;
	uint64_t v[6];
	static const size_t at[6] = { 0, 5, 8, 11, 14, 17 }, w[6] = { 4, 2, 2, 2, 2, 2 };
	time_t guess, t;

	if (p[4] != '/' || p[7] != '/' || p[10] != ' ' || p[13] != ':' || p[16] != ':')
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		if (parse_u64(p + at[i], w[i], 9999, &v[i]) < 0)
			return -EINVAL;
	if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 60)
		return -EINVAL;
	tm.tm_year = (int)v[0] - 1900;
	tm.tm_mon = (int)v[1] - 1;
	tm.tm_mday = (int)v[2];
	tm.tm_hour = (int)v[3];
	tm.tm_min = (int)v[4];
	tm.tm_sec = (int)v[5];
	/* Not mktime(): it stats /etc/localtime on every call. */
	guess = timegm(&tm);
	if (guess == (time_t)-1 || !localtime_r(&guess, &lt))
		return -EINVAL;
	t = guess - lt.tm_gmtoff;
	if (localtime_r(&t, &lt))
		t = guess - lt.tm_gmtoff;
	*us = (int64_t)t * 1000000;
	return 0;
}

/* The last stamp converted: a flood repeats one stamp for a whole second,
 * and its two localtime_r() calls were ~4 % of the agent's time in a burst
 * (bench/README.md "delivery.sh"). The answer for a given text is what
 * parse_stamp_slow() returns for it, so the memo changes no result. */
static struct {
	char text[19];
	int64_t us;
	bool valid;
} stamp_memo;

static int parse_stamp(const char *p, size_t n, int64_t *us)
{
	int ret;

	if (n < 20 || p[19] != ' ')
		return -EINVAL;
	if (stamp_memo.valid && !memcmp(stamp_memo.text, p, sizeof(stamp_memo.text))) {
		*us = stamp_memo.us;
		return 0;
	}
	ret = parse_stamp_slow(p, us);
	if (ret == 0) {
		memcpy(stamp_memo.text, p, sizeof(stamp_memo.text));
		stamp_memo.us = *us;
		stamp_memo.valid = true;
	}
	return ret;
}

int wglog_parse(const char *buf, size_t len, struct event *out)
{
	const char *p = buf, *iface, *close;
	size_t n = len, iflen;
	char name[IFNAME_MAX + 1];
	int64_t us;
	int sev;
	struct caps c;

	while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
		n--;
	if (n >= 7 && !memcmp(p, "DEBUG: ", 7))
		sev = -1;	/* the type's own severity */
	else if (n >= 7 && !memcmp(p, "ERROR: ", 7))
		sev = LOG_ERR;
	else
		return -ENOENT;
	p += 7;
	n -= 7;
	if (n < 3 || p[0] != '(')
		return -ENOENT;
	close = memchr(p, ')', n < IFNAME_MAX + 2 ? n : IFNAME_MAX + 2);
	if (!close || (size_t)(close - p) + 1 >= n || close[1] != ' ')
		return -ENOENT;
	iface = p + 1;
	iflen = (size_t)(close - iface);
	if (iflen == 0 || iflen > IFNAME_MAX)
		return -EINVAL;
	for (size_t i = 0; i < iflen; i++)
		if ((unsigned char)iface[i] <= ' ' || (unsigned char)iface[i] >= 0x7f ||
		    iface[i] == '/' || iface[i] == ':')
			return -EINVAL;
	p = close + 2;
	n -= iflen + 3;
	if (parse_stamp(p, n, &us) < 0)
		return -EINVAL;
	p += 20;
	n -= 20;
	memcpy(name, iface, iflen);
	name[iflen] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(patterns); i++) {
		const struct wglog_pattern *pat = &patterns[i];

		if (n == 0 || (pat->fmt[0] != p[0] && pat->fmt[0] != '%'))
			continue;
		if (match(pat->fmt, p, n, &c) < 0)
			continue;
		event_init(out, pat->type, SRC_JOURNAL);
		event_set(out, "iface", name);
		if (pat->fixed_key)
			event_set(out, pat->fixed_key, pat->fixed_val);
		if (c.peer) {
			char abbrev[16];

			memcpy(abbrev, c.peer, c.peer_len);
			abbrev[c.peer_len] = '\0';
			event_set(out, "peer_abbrev", abbrev);
		}
		if (c.endpoint[0])
			event_set(out, "endpoint", c.endpoint);
		for (unsigned k = 0; k < c.nnum && pat->num_names[k]; k++)
			event_setf(out, pat->num_names[k], "%lld", (long long)c.num[k]);
		goto done;
	}
	event_init(out, EV_KERNEL_MESSAGE, SRC_JOURNAL);
	event_set(out, "iface", name);
	set_text(out, p, n);
done:
	out->time_us = us;
	if (sev >= 0 && sev < out->severity)
		out->severity = sev;
	return 0;
}
