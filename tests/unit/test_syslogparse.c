// SPDX-License-Identifier: GPL-2.0
/* test_syslogparse.c - the collector's record parser and TCP framing, on
 * bytes captured from real senders (tests/data/syslog-*.txt):
 *   syslog-logger-tcp-octet.txt  util-linux 2.38 logger --tcp --octet-count
 *   syslog-logger-tcp-lf.txt     logger --tcp (LF), 5424 then --rfc3164
 *   syslog-logger-udp.txt        logger --udp --rfc3164, then 5424
 *   syslog-rsyslog-omfwd.txt     rsyslog 8.2302 omfwd: Traditional, Forward
 *                                and Protocol23 octet-counted templates
 *   syslog-agent-tcp.txt         wgaudit run --output syslog+tcp (octet)
 *   syslog-agent-udp.txt         wgaudit --output syslog+udp?format=rfc3164
 * UDP captures hold one datagram per "\n--DGRAM--\n"-terminated chunk. */
#include <errno.h>
#include "test.h"
#include "collector/syslogparse.h"
#include "base/util.h"
#include "base/event.h"
#include "outputs/format.h"

/* 2026-11-25T12:40:00Z: captures were made on Nov 25 2026. */
#define NOW_US	(INT64_C(1795610400) * 1000000)

static char sbuf[8][256];
static int sidx;

static const char *S(struct slice s)
{
	char *b = sbuf[sidx++ & 7];
	size_t n = s.n < 255 ? s.n : 255;

	memcpy(b, s.p, n);
	b[n] = '\0';
	return b;
}

/* Split a TCP capture into frames. */
static int frames(const char *buf, size_t len, size_t max, struct slice *out, int nmax,
		  int *oversize, int *error)
{
	struct framer f;
	int n = 0;

	framer_init(&f, max);
	*oversize = *error = 0;
	while (len) {
		size_t used;
		struct slice fr;
		enum frame_kind k = framer_next(&f, buf, len, &used, &fr);

		if (k == FRAME_MSG && n < nmax)
			out[n++] = fr;
		if (k == FRAME_OVERSIZE)
			(*oversize)++;
		if (k == FRAME_ERROR) {
			(*error)++;
			break;
		}
		buf += used;
		len -= used;
		if (k == FRAME_NEED && used == 0)
			break;
	}
	return n;
}

TEST(logger_tcp_octet)
{
	size_t len;
	char *d = test_read_data("syslog-logger-tcp-octet.txt", &len);
	struct slice fr[8];
	struct syslog_msg m;
	int ov, err, n;
	char v[64];

	CHECK(d);
	if (!d)
		return;
	n = frames(d, len, 65536, fr, 8, &ov, &err);
	CHECK_INT(n, 2);
	CHECK_INT(ov + err, 0);
	syslog_parse(fr[0].p, fr[0].n, NOW_US, &m);
	CHECK_INT(m.version, 1);
	CHECK_INT(m.facility, 1);
	CHECK_INT(m.severity, 5);
	CHECK_STR(S(m.host), "vm");
	CHECK_STR(S(m.app), "myapp");
	CHECK_INT(m.procid.n, 0);
	CHECK_STR(S(m.msg), "hello octet counted");
	CHECK_INT(m.flags, 0);
	CHECK(m.time_us > 0 && m.time_us % 1000000 == 499786);
	CHECK_INT(sd_get(m.sd, "timeQuality", "tzKnown", v, sizeof(v)), 0);
	CHECK_STR(v, "1");

	syslog_parse(fr[1].p, fr[1].n, NOW_US, &m);
	CHECK_INT(m.facility, 19);	/* local3 */
	CHECK_INT(m.severity, 4);
	CHECK_STR(S(m.msgid), "MID1");
	CHECK_STR(S(m.msg), "with sd");
	CHECK_INT(m.flags, 0);
	CHECK_INT(sd_get(m.sd, "zoo@32473", "q", v, sizeof(v)), 0);
	CHECK_STR(v, "a \"b\" ]c");
	CHECK_INT(sd_get(m.sd, "zoo@32473", "tiger", v, sizeof(v)), 0);
	CHECK_STR(v, "hungry");
	CHECK_INT(sd_get(m.sd, "zoo@32473", "nope", v, sizeof(v)), -ENOENT);
	free(d);
}

TEST(logger_tcp_lf)
{
	size_t len;
	char *d = test_read_data("syslog-logger-tcp-lf.txt", &len);
	struct slice fr[8];
	struct syslog_msg m;
	int ov, err, n;

	CHECK(d);
	if (!d)
		return;
	n = frames(d, len, 65536, fr, 8, &ov, &err);
	CHECK_INT(n, 2);
	syslog_parse(fr[0].p, fr[0].n, NOW_US, &m);
	CHECK_INT(m.version, 1);
	CHECK_STR(S(m.msg), "hello lf framed");
	syslog_parse(fr[1].p, fr[1].n, NOW_US, &m);
	CHECK_INT(m.version, 0);
	CHECK_STR(S(m.host), "vm");
	CHECK_STR(S(m.app), "myapp");
	CHECK_STR(S(m.msg), "rfc3164 over tcp");
	CHECK_INT(m.flags, 0);
	/* Nov 25 12:34:55 of the year closest to NOW_US, taken as UTC */
	CHECK_INT(m.time_us, (INT64_C(1795610400) - 5 * 60 - 5) * 1000000);
	free(d);
}

static int dgrams(char *d, size_t len, struct slice *out, int nmax)
{
	const char *sep = "\n--DGRAM--\n";
	char *p = d, *end = d + len;
	int n = 0;

	while (p < end && n < nmax) {
		char *q = memmem(p, (size_t)(end - p), sep, strlen(sep));

		if (!q)
			break;
		out[n++] = (struct slice){ p, (size_t)(q - p) };
		p = q + strlen(sep);
	}
	return n;
}

TEST(logger_udp)
{
	size_t len;
	char *d = test_read_data("syslog-logger-udp.txt", &len);
	struct slice dg[4];
	struct syslog_msg m;

	CHECK(d);
	if (!d)
		return;
	CHECK_INT(dgrams(d, len, dg, 4), 2);
	syslog_parse(dg[0].p, dg[0].n, NOW_US, &m);
	CHECK_INT(m.facility, 4);	/* auth */
	CHECK_INT(m.severity, 3);
	CHECK_STR(S(m.app), "myapp");
	CHECK_STR(S(m.msg), "rfc3164 udp");
	syslog_parse(dg[1].p, dg[1].n, NOW_US, &m);
	CHECK_INT(m.version, 1);
	CHECK_STR(S(m.msg), "rfc5424 udp");
	free(d);
}

TEST(rsyslog_omfwd_mixed_framing)
{
	size_t len;
	char *d = test_read_data("syslog-rsyslog-omfwd.txt", &len);
	struct slice fr[8];
	struct syslog_msg m;
	int ov, err, n;
	char v[16];

	CHECK(d);
	if (!d)
		return;
	n = frames(d, len, 65536, fr, 8, &ov, &err);
	CHECK_INT(n, 6);
	CHECK_INT(ov + err, 0);
	/* RSYSLOG_TraditionalForwardFormat */
	syslog_parse(fr[0].p, fr[0].n, NOW_US, &m);
	CHECK_INT(m.facility, 3);
	CHECK_STR(S(m.host), "vm");
	CHECK_STR(S(m.app), "myapp");
	CHECK_STR(S(m.msg), "via rsyslog 3164");
	/* RSYSLOG_ForwardFormat: RFC 3339 stamp, 3164 layout */
	syslog_parse(fr[1].p, fr[1].n, NOW_US, &m);
	CHECK_INT(m.flags, 0);
	CHECK_INT(m.time_us % 1000000, 0);
	CHECK(m.time_us > 0);
	CHECK_STR(S(m.app), "myapp");
	/* Protocol23, octet counted, LF inside the frame */
	syslog_parse(fr[2].p, fr[2].n, NOW_US, &m);
	CHECK_INT(m.version, 1);
	CHECK_STR(S(m.msg), " via rsyslog 3164");
	CHECK_INT(m.sd.n, 0);
	/* a 5424 record re-forwarded as 3164: TAG without ':' */
	syslog_parse(fr[3].p, fr[3].n, NOW_US, &m);
	CHECK_STR(S(m.app), "myapp");
	CHECK_STR(S(m.msg), "via rsyslog 5424");
	syslog_parse(fr[4].p, fr[4].n, NOW_US, &m);
	CHECK_INT(m.time_us % 1000000, 29742);
	syslog_parse(fr[5].p, fr[5].n, NOW_US, &m);
	CHECK_STR(S(m.msgid), "M2");
	CHECK_INT(sd_get(m.sd, "x@32473", "k", v, sizeof(v)), 0);
	CHECK_STR(v, "v");
	CHECK_STR(S(m.msg), "via rsyslog 5424");
	free(d);
}

TEST(agent_tcp)
{
	size_t len;
	char *d = test_read_data("syslog-agent-tcp.txt", &len);
	struct slice fr[4];
	struct syslog_msg m;
	int ov, err;
	char v[64];

	CHECK(d);
	if (!d)
		return;
	CHECK_INT(frames(d, len, 65536, fr, 4, &ov, &err), 2);
	syslog_parse(fr[0].p, fr[0].n, NOW_US, &m);
	CHECK_STR(S(m.app), "wireguard-audit");
	CHECK_STR(S(m.msgid), "AGENT_STARTED");
	CHECK_STR(S(msg_type(m.msg)), "AGENT_STARTED");
	CHECK_INT(m.severity, 6);
	CHECK_INT(m.flags, 0);
	CHECK_INT(m.time_us % 1000000, 228148);
	CHECK_INT(sd_get(m.sd, "wgaudit@32473", "reason", v, sizeof(v)), 0);
	CHECK_STR(v, "baseline");
	syslog_parse(fr[1].p, fr[1].n, NOW_US, &m);
	CHECK_INT(msg_kv_get(m.msg, "reason", v, sizeof(v)), 0);
	CHECK_STR(v, "SIGTERM");
	free(d);
}

TEST(agent_udp_3164)
{
	size_t len;
	char *d = test_read_data("syslog-agent-udp.txt", &len);
	struct slice dg[2];
	struct syslog_msg m;
	char v[64];

	CHECK(d);
	if (!d)
		return;
	CHECK_INT(dgrams(d, len, dg, 2), 1);
	syslog_parse(dg[0].p, dg[0].n, NOW_US, &m);
	CHECK_STR(S(m.app), "wireguard-audit");
	CHECK_STR(S(msg_type(m.msg)), "AGENT_STOPPED");
	CHECK_INT(msg_kv_get(m.msg, "journaled", v, sizeof(v)), 0);
	CHECK_STR(v, "1");
	free(d);
}

/* The agent's own formatter, with hostile values, parses back exactly. */
TEST(agent_format_roundtrip)
{
	static const char key[] = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";
	struct event ev;
	struct syslog_msg m;
	char out[2048], v[256];
	ssize_t n;

	event_init(&ev, EV_PEER_ENDPOINT_CHANGED, SRC_POLL);
	ev.time_us = NOW_US + 5;
	event_set(&ev, "iface", "wg0");
	event_set(&ev, "peer", key);
	event_set(&ev, "endpoint", "[fe80::1%2]:51820");
	event_set(&ev, "peer_name", "a \"b\"] c\\ d=e\n");
	n = format_rfc5424(&ev, "gw-1", 1, out, sizeof(out));
	CHECK(n > 0);
	syslog_parse(out, (size_t)n, NOW_US, &m);
	CHECK_INT(m.flags, 0);
	CHECK_INT(m.time_us, NOW_US + 5);
	CHECK_STR(S(m.host), "gw-1");
	CHECK_STR(S(m.msgid), "PEER_ENDPOINT_CHANGED");
	CHECK_INT(sd_get(m.sd, "wgaudit@32473", "peer", v, sizeof(v)), 0);
	CHECK_STR(v, key);
	CHECK_INT(sd_get(m.sd, "wgaudit@32473", "peer_name", v, sizeof(v)), 0);
	CHECK_STR(v, "a \"b\"] c\\ d=e\\x0a");	/* controls are sent as \xHH text */
	CHECK_INT(msg_kv_get(m.msg, "pubkey", v, sizeof(v)), 0);
	CHECK_STR(v, key);
	CHECK_INT(msg_kv_get(m.msg, "peer", v, sizeof(v)), 0);
	CHECK_STR(v, "xTIBA5rboUvn");
	CHECK_INT(msg_kv_get(m.msg, "peer_name", v, sizeof(v)), 0);
	CHECK_STR(v, "a \"b\"] c\\ d=e\n");
	CHECK_INT(msg_kv_get(m.msg, "iface", v, sizeof(v)), 0);
	CHECK_STR(v, "wg0");

	n = format_rfc3164(&ev, "gw-1", 1, out, sizeof(out));
	CHECK(n > 0);
	syslog_parse(out, (size_t)n, NOW_US, &m);
	CHECK_INT(m.flags, 0);
	CHECK_INT(m.time_us, NOW_US);
	CHECK_STR(S(m.app), "wireguard-audit");
	CHECK_STR(S(msg_type(m.msg)), "PEER_ENDPOINT_CHANGED");
	CHECK_INT(msg_kv_get(m.msg, "endpoint", v, sizeof(v)), 0);
	CHECK_STR(v, "[fe80::1%2]:51820");
}

TEST(deviations)
{
	struct syslog_msg m;
	const char *s;

	s = "just some text";
	syslog_parse(s, strlen(s), NOW_US, &m);
	CHECK_INT(m.flags, SYSLOG_F_NOPRI);
	CHECK_INT(m.facility * 8 + m.severity, 13);
	CHECK_STR(S(m.msg), s);

	s = "<13>Nov 25 12:00:00 sshd[42]: Accepted key";
	syslog_parse(s, strlen(s), NOW_US, &m);
	CHECK_INT(m.flags, SYSLOG_F_NOHOST);
	CHECK_STR(S(m.app), "sshd");
	CHECK_STR(S(m.procid), "42");
	CHECK_STR(S(m.msg), "Accepted key");

	s = "<13>Nov  5 02:03:04 host kernel: x";
	syslog_parse(s, strlen(s), NOW_US, &m);
	CHECK_INT(m.flags, 0);
	CHECK_STR(S(m.host), "host");
	CHECK_STR(S(m.app), "kernel");

	s = "<190>myapp: no time stamp";
	syslog_parse(s, strlen(s), NOW_US, &m);
	CHECK_INT(m.facility, 23);
	CHECK_INT(m.severity, 6);
	CHECK_STR(S(m.app), "myapp");
	CHECK_STR(S(m.msg), "no time stamp");
	CHECK(m.flags & SYSLOG_F_BADTIME);

	s = "<13>1 2026-11-25T12:00:00Z host";	/* truncated header */
	syslog_parse(s, strlen(s), NOW_US, &m);
	CHECK(m.flags & SYSLOG_F_BADHDR);
	CHECK_STR(S(m.msg), "2026-11-25T12:00:00Z host");

	s = "<13>1 - - - - - [unterminated x=\"y] msg";
	syslog_parse(s, strlen(s), NOW_US, &m);
	CHECK(m.flags & SYSLOG_F_BADSD);
	CHECK_INT(m.sd.n, 0);

	s = "<13>1 2026-13-25T12:00:00Z h a - - - m";
	syslog_parse(s, strlen(s), NOW_US, &m);
	CHECK(m.flags & SYSLOG_F_BADTIME);
	CHECK_STR(S(m.msg), "m");

	s = "<999>x";
	syslog_parse(s, strlen(s), NOW_US, &m);
	CHECK(m.flags & SYSLOG_F_NOPRI);

	s = "<13>1 - - - - - - \xef\xbb\xbfwith BOM\r\n";
	syslog_parse(s, strlen(s), NOW_US, &m);
	CHECK_STR(S(m.msg), "with BOM");
}

TEST(rfc3339)
{
	int64_t t;

	CHECK_INT(syslog_parse_rfc3339("1970-01-01T00:00:01Z", 20, &t), 0);
	CHECK_INT(t, 1000000);
	CHECK_INT(syslog_parse_rfc3339("2026-11-25T13:40:00.5+01:00", 27, &t), 0);
	CHECK_INT(t, NOW_US + 500000);
	CHECK_INT(syslog_parse_rfc3339("2024-02-30T00:00:00Z", 20, &t), -EINVAL);
	CHECK_INT(syslog_parse_rfc3339("2024-02-29T00:00:00Z", 20, &t), 0);
	CHECK_INT(syslog_parse_rfc3339("2024-02-29T00:00:00", 19, &t), -EINVAL);
	CHECK_INT(syslog_parse_rfc3339("2024-02-29T00:00:00.Z", 21, &t), -EINVAL);
	/* every field's digits and bounds (num(), inline) */
	CHECK_INT(syslog_parse_rfc3339("2024-1a-01T00:00:00Z", 20, &t), -EINVAL);
	CHECK_INT(syslog_parse_rfc3339("2024-13-01T00:00:00Z", 20, &t), -EINVAL);
	CHECK_INT(syslog_parse_rfc3339("2024-12-01T24:00:00Z", 20, &t), -EINVAL);
	CHECK_INT(syslog_parse_rfc3339("2024-12-01T23:60:00Z", 20, &t), -EINVAL);
	CHECK_INT(syslog_parse_rfc3339("2024-12-01T23:59:61Z", 20, &t), -EINVAL);
	CHECK_INT(syslog_parse_rfc3339("2024-12-01T23:59:60Z", 20, &t), 0);
	CHECK_INT(syslog_parse_rfc3339("+024-12-01T23:59:59Z", 20, &t), -EINVAL);
	CHECK_INT(syslog_parse_rfc3339("2024-12-01T23:59:59+24:00", 25, &t), -EINVAL);
	CHECK_INT(syslog_parse_rfc3339("2024-12-01T23:59:59+23:5-", 25, &t), -EINVAL);
	CHECK_INT(syslog_parse_rfc3339("2024-12-01T23:59:59+23:59", 25, &t), 0);
}

/* PRI: 1..3 digits, no leading zero, at most 191; else the whole record
 * is MSG (SYSLOG_F_NOPRI) */
TEST(pri_bounds)
{
	static const struct {
		const char *rec;
		bool ok;
		int facility, severity;
	} cases[] = {
		{ "<0>1 - h a - - - x", true, 0, 0 },
		{ "<191>1 - h a - - - x", true, 23, 7 },
		{ "<192>1 - h a - - - x", false, 1, 5 },
		{ "<013>1 - h a - - - x", false, 1, 5 },
		{ "<1a>1 - h a - - - x", false, 1, 5 },
		{ "<1911>1 - h a - - - x", false, 1, 5 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct syslog_msg m;

		syslog_parse(cases[i].rec, strlen(cases[i].rec), NOW_US, &m);
		CHECK_INT(!(m.flags & SYSLOG_F_NOPRI), cases[i].ok);
		CHECK_INT(m.facility, cases[i].facility);
		CHECK_INT(m.severity, cases[i].severity);
	}
}

TEST(framing_hostile)
{
	struct slice fr[8];
	int ov, err;
	char big[300];

	/* count 0, a huge count: unrecoverable */
	CHECK_INT(frames("0 <13>x", 7, 100, fr, 8, &ov, &err), 0);
	CHECK_INT(err, 1);
	CHECK_INT(frames("9999999999 <13>x", 16, 100, fr, 8, &ov, &err), 0);
	CHECK_INT(err, 1);
	/* oversize but skippable: skipped, stream resyncs */
	memset(big, 'A', sizeof(big));
	memcpy(big, "200 ", 4);
	memcpy(big + 204, "3 abc\n", 6);
	memcpy(big + 210, "hello\n", 6);
	CHECK_INT(frames(big, 216, 100, fr, 8, &ov, &err), 2);
	CHECK_INT(ov, 1);
	CHECK_INT(err, 0);
	CHECK_STR(S(fr[0]), "abc");
	CHECK_STR(S(fr[1]), "hello");
	/* oversize LF frame: dropped up to the next LF */
	memset(big, 'B', sizeof(big));
	memcpy(big + 250, "\nok\n", 4);
	CHECK_INT(frames(big, 254, 100, fr, 8, &ov, &err), 1);
	CHECK_INT(ov, 1);
	CHECK_STR(S(fr[0]), "ok");
	/* 11 digits then SP is not a count: an LF line */
	CHECK_INT(frames("12345678901 x\n", 14, 100, fr, 8, &ov, &err), 1);
	CHECK_INT(err, 0);
	/* NULs and blank lines between frames, NUL inside a frame */
	CHECK_INT(frames("\0\n\r\n4 a\0b\nc\n", 12, 100, fr, 8, &ov, &err), 2);
	CHECK_INT(fr[0].n, 4);
	CHECK_STR(S(fr[1]), "c");
}

/* Byte by byte must give the same frames as all at once. */
TEST(framing_incremental)
{
	size_t len;
	char *d = test_read_data("syslog-rsyslog-omfwd.txt", &len);
	char buf[1024];
	size_t have = 0;
	struct framer f;
	int n = 0;

	CHECK(d);
	if (!d)
		return;
	framer_init(&f, 1000);
	for (size_t i = 0; i < len; i++) {
		enum frame_kind k;

		buf[have++] = d[i];
		do {
			size_t used;
			struct slice fr;

			k = framer_next(&f, buf, have, &used, &fr);
			if (k == FRAME_MSG)
				n++;
			CHECK(k != FRAME_ERROR && k != FRAME_OVERSIZE);
			memmove(buf, buf + used, have - used);
			have -= used;
		} while (k == FRAME_MSG);
	}
	CHECK_INT(n, 6);
	free(d);
}

TEST(msg_kv)
{
	const char *s = "PEER_ACTIVE peer=abc endpoint=1.2.3.4:5 text=\"x y=z \\\"q\\\"\" tail=\\x41 k=";
	struct slice m = { s, strlen(s) };
	char v[64];

	CHECK_STR(S(msg_type(m)), "PEER_ACTIVE");
	CHECK_INT(msg_kv_get(m, "endpoint", v, sizeof(v)), 0);
	CHECK_STR(v, "1.2.3.4:5");
	CHECK_INT(msg_kv_get(m, "text", v, sizeof(v)), 0);
	CHECK_STR(v, "x y=z \"q\"");
	CHECK_INT(msg_kv_get(m, "y", v, sizeof(v)), -ENOENT);
	CHECK_INT(msg_kv_get(m, "k", v, sizeof(v)), 0);
	CHECK_STR(v, "");
	CHECK_INT(msg_kv_get(m, "peer", v, 3), 0);
	CHECK_STR(v, "ab");
	m.n = 4;
	CHECK_INT(msg_type(m).n, 4);
	m = (struct slice){ "lower case", 10 };
	CHECK_INT(msg_type(m).n, 0);
}

TEST(sd_private_id_any_name)
{
	const char *sd = "[timeQuality tzKnown=\"1\"][example@99999 iface=\"wg0\"][x@1 k=\"v\"]";
	struct slice s = { sd, strlen(sd) };
	char id[64], v[32];

	CHECK_INT(sd_private_id(s, id, sizeof(id)), 0);
	CHECK_STR(id, "example@99999");
	CHECK_INT(sd_get(s, id, "iface", v, sizeof(v)), 0);
	CHECK_STR(v, "wg0");
	s.p = "[timeQuality tzKnown=\"1\"]";
	s.n = strlen(s.p);
	CHECK_INT(sd_private_id(s, id, sizeof(id)), -ENOENT);
	CHECK_STR(id, "");
	s.p = "-";
	s.n = 1;
	CHECK_INT(sd_private_id(s, id, sizeof(id)), -ENOENT);
}

/* The collector's one-pass read of the agent's params gives what
 * sd_private_id + sd_get give, param by param, on awkward SD too. */
TEST(sd_private_get_is_sd_get)
{
	static const char *const sds[] = {
		"[wgaudit@32473 iface=\"wg0\" peer=\"k=\\\"q\\\"\\]x\" event_id=\"ab-1\"]",
		"[timeQuality tzKnown=\"1\"][a@1][a@1 iface=\"one\" iface=\"dup\"][b@2 peer=\"no\"]"
		"[a@1 peer=\"later\"]",
		"[origin ip=\"1.2.3.4\"][x@9 event_id=\"e-1\" iface=\"wg\\1\"][x@9 broken]",
		"[x@9 iface=\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdefXYZ\"]",
		"[timeQuality tzKnown=\"1\"]",
		"[x@9 iface=\"unterminated]",
		"-",
		"",
	};
	static const char *const names[] = { "event_id", "iface", "peer" };

	for (size_t i = 0; i < ARRAY_SIZE(sds); i++) {
		struct slice sd = { sds[i], strlen(sds[i]) };
		char vals[3][64], id[64], v[64];
		struct sd_want w[3];
		bool priv = sd_private_id(sd, id, sizeof(id)) == 0;

		for (size_t k = 0; k < 3; k++)
			w[k] = (struct sd_want){ .name = names[k], .val = vals[k], .vlen = 64 };
		CHECK_INT(sd_private_get(sd, w, 3), priv ? 0 : -ENOENT);
		for (size_t k = 0; k < 3; k++) {
			bool found = priv && sd_get(sd, id, names[k], v, sizeof(v)) == 0;

			if (!found)
				v[0] = '\0';
			CHECK_INT(w[k].found, found);
			CHECK_STR(vals[k], v);
		}
	}
}

/* syslog_parse_want: the record as syslog_parse gives it, and the wants
 * as sd_private_get gives them on its SD, whether the SD is well formed
 * (read by the validating pass), broken (a second pass on what is kept),
 * absent, or the record is RFC 3164. */
TEST(parse_want_is_parse_then_sd_private_get)
{
	static const char *const recs[] = {
		"<14>1 2026-11-25T12:00:00Z gw wireguard-audit - PEER_TRANSFER [wgaudit@32473"
		" iface=\"wg0\" peer=\"k=\\\"q\\\"\\]x\" event_id=\"ab-1\"] PEER_TRANSFER rx=1",
		"<14>1 - h a - - [timeQuality tzKnown=\"1\"][a@1][a@1 iface=\"one\" iface=\"dup\"]"
		"[b@2 peer=\"no\"][a@1 peer=\"later\"] msg",
		"<14>1 - h a - - [x@9 event_id=\"e-1\"][x@9 broken] msg",
		"<14>1 - h a - - [x@1 peer=\"v\"][bad=1] msg",
		"<14>1 - h a - - [x@1 peer=\"v\"]msg",
		"<14>1 - h a - - [x@1 iface=\"0123456789abcdef0123456789abcdef0123456789abcdef"
		"0123456789abcdefXYZ\"]",
		"<14>1 - h a - - [x@1 iface=\"unterminated] msg",
		"<14>1 - h a - - [timeQuality tzKnown=\"1\"] msg",
		"<14>1 - h a - - - msg [x@1 peer=\"not SD\"]",
		"<14>Dec  1 00:00:00 gw wireguard-audit: PEER_ADDED peer=abc",
		"no pri [x@1 peer=\"v\"]",
		"",
	};
	static const char *const names[] = { "event_id", "iface", "peer" };

	for (size_t i = 0; i < ARRAY_SIZE(recs); i++) {
		char vals[3][64], want_vals[3][64];
		struct sd_want w[3], want[3];
		struct syslog_msg m, m1;
		int ret;

		for (size_t k = 0; k < 3; k++) {
			w[k] = (struct sd_want){ .name = names[k], .val = vals[k], .vlen = 64 };
			want[k] = (struct sd_want){ .name = names[k], .val = want_vals[k], .vlen = 64 };
		}
		ret = syslog_parse_want(recs[i], strlen(recs[i]), NOW_US, &m, w, 3);
		syslog_parse(recs[i], strlen(recs[i]), NOW_US, &m1);
		CHECK(!memcmp(&m, &m1, sizeof(m)));
		CHECK_INT(ret, sd_private_get(m1.sd, want, 3));
		for (size_t k = 0; k < 3; k++) {
			CHECK_INT(w[k].found, want[k].found);
			CHECK_STR(vals[k], want_vals[k]);
		}
	}
}

/* Where the SD ends, and whether it is flagged, on well-formed SD (one
 * strict pass) and on broken SD (the lenient span, flagged). */
TEST(sd_span_strict_and_lenient)
{
	static const struct {
		const char *rec, *sd, *msg;
		bool bad;
	} t[] = {
		{ "<14>1 - h a - - [x@1 k=\"a ] b\"][y@2 q=\"\\\"\\]\"] msg", "[x@1 k=\"a ] b\"][y@2 q=\"\\\"\\]\"]", "msg", false },
		{ "<14>1 - h a - - [x@1 k=\"v\"]msg", "[x@1 k=\"v\"]", "msg", false },
		{ "<14>1 - h a - - [x@1][y@2 k=\"v\"]", "[x@1][y@2 k=\"v\"]", "", false },
		{ "<14>1 - h a - - [x@1 k=\"a\\b\"] m", "[x@1 k=\"a\\b\"]", "m", false },
		{ "<14>1 - h a - - [x@1 k] msg", "[x@1 k]", "msg", true },
		{ "<14>1 - h a - - [x@1 k=\"v\"][bad=1] msg", "[x@1 k=\"v\"][bad=1]", "msg", true },
		{ "<14>1 - h a - - [x@1 k=v] msg", "[x@1 k=v]", "msg", true },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct syslog_msg m;

		syslog_parse(t[i].rec, strlen(t[i].rec), NOW_US, &m);
		CHECK_STR(S(m.sd), t[i].sd);
		CHECK_STR(S(m.msg), t[i].msg);
		CHECK_INT(!!(m.flags & SYSLOG_F_BADSD), t[i].bad);
	}
}

TEST_MAIN()
