// SPDX-License-Identifier: GPL-2.0
/* syslogparse.h - syslog records from any sender: RFC 5424, RFC 3164 and
 * the common deviations; the TCP framing decoder (RFC 6587 octet counting
 * and LF, auto-detected per frame). Pure: no I/O, no allocation. */
#ifndef WGAUDIT_SYSLOGPARSE_H
#define WGAUDIT_SYSLOGPARSE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A borrowed byte range; never NUL-terminated, never outlives its buffer. */
struct slice {
	const char *p;
	size_t n;
};

/* Deviations met while parsing: the record is still stored. */
#define SYSLOG_F_NOPRI		0x01	/* no <PRI>: defaults user.notice */
#define SYSLOG_F_BADHDR		0x02	/* header unparsable: all text is MSG */
#define SYSLOG_F_BADTIME	0x04	/* time stamp missing or invalid */
#define SYSLOG_F_NOHOST		0x08	/* RFC 3164 without HOSTNAME */
#define SYSLOG_F_BADSD		0x10	/* RFC 5424 STRUCTURED-DATA malformed */

struct syslog_msg {
	int facility;		/* 0..23 */
	int severity;		/* 0..7 */
	int version;		/* 1 = RFC 5424, 0 = RFC 3164 / legacy */
	int64_t time_us;	/* sender's time, UTC; 0 = unknown */
	unsigned flags;		/* SYSLOG_F_* */
	struct slice host, app, procid, msgid, sd, msg;	/* empty = absent */
};

/* Parse one record (a frame's bytes, trailing CR/LF/NUL ignored). Never
 * fails: whatever is not understood lands in msg with flags set. now_us
 * picks the year of an RFC 3164 time stamp (the one that puts it closest
 * to now). */
void syslog_parse(const char *buf, size_t len, int64_t now_us, struct syslog_msg *out);

/* RFC 3339 time stamp (RFC 5424 profile: 'T', optional fraction, 'Z' or
 * +hh:mm) to UTC microseconds. 0 or -EINVAL. */
int syslog_parse_rfc3339(const char *s, size_t len, int64_t *out_us);

/* STRUCTURED-DATA: iterate the params of sd (as in struct syslog_msg).
 * Each call yields one param; val gets the unescaped value, NUL-terminated,
 * truncated to vlen - 1. 1 = a param, 0 = end, -EINVAL = malformed. */
struct sd_iter {
	struct slice sd;
	size_t pos;
	bool in_element;
	struct slice id;	/* SD-ID of the current element */
	struct slice raw;	/* the last value as sent (escapes kept) */
};
void sd_iter_init(struct sd_iter *it, struct slice sd);
int sd_iter_next(struct sd_iter *it, struct slice *name, char *val, size_t vlen);
/* 0 if sd is well formed (or empty / "-"), -EINVAL otherwise. */
int sd_validate(struct slice sd);
/* The value of param name in element id (NULL = any element). 0 / -ENOENT. */
int sd_get(struct slice sd, const char *id, const char *name, char *val, size_t vlen);
/* The SD-ID of the first element with a param whose SD-ID is private
 * (NAME@NUMBER): the agent's, whatever sd_id it was configured with (an
 * agent sends one element; relays add IANA ones like timeQuality). The
 * ID, NUL-terminated, into id (at least 33 bytes). 0 / -ENOENT. */
int sd_private_id(struct slice sd, char *id, size_t idlen);
/* Several params of that element in one pass over sd: for each of the n
 * wants, what sd_get(sd, <sd_private_id>, name, val, vlen) gives, with
 * found set when it returned 0 (val "" otherwise). 0, or -ENOENT when sd
 * has no private element. */
struct sd_want {
	const char *name;
	char *val;
	size_t vlen;
	bool found;
};
int sd_private_get(struct slice sd, struct sd_want *want, size_t n);
/* syslog_parse, and then sd_private_get(out->sd, want, n), its result
 * and return: from the pass that validates a well-formed SD (the
 * collector's every record), not a second one. */
int syslog_parse_want(const char *buf, size_t len, int64_t now_us, struct syslog_msg *out,
		      struct sd_want *want, size_t n);

/* wgaudit MSG grammar (outputs/format.c): TYPE *(SP key=value), value bare
 * or "quoted" with \" \\ \n \r \t \xHH. The value of key, unescaped and
 * NUL-terminated into val. 0 / -ENOENT. */
int msg_kv_get(struct slice msg, const char *key, char *val, size_t vlen);
/* The leading UPPER_SNAKE token of msg, or an empty slice. */
struct slice msg_type(struct slice msg);

/* TCP framing. A frame that starts with a digit followed, after at most
 * 10 digits, by SP is octet counted (RFC 6587 §3.4.1); anything else runs
 * to the next LF. Empty lines between frames are skipped. */
enum frame_kind {
	FRAME_NEED,		/* no complete frame in the bytes given */
	FRAME_MSG,		/* frame = one record */
	FRAME_OVERSIZE,		/* a record longer than max starts: it is skipped */
	FRAME_ERROR,		/* octet count unusable: stream cannot be resynced */
};

struct framer {
	size_t max;		/* largest record accepted */
	uint64_t skip;		/* bytes of an oversize octet-counted frame left */
	bool skip_to_lf;	/* an oversize LF frame is being discarded */
};

void framer_init(struct framer *f, size_t max);
/* Looks at buf[0..len): returns the kind and sets *consumed (bytes the
 * caller drops from the front, possibly > 0 with FRAME_NEED while
 * discarding). For FRAME_MSG *frame points into buf. Call again until
 * FRAME_NEED. A caller's buffer of max + FRAMER_HDR_MAX bytes suffices. */
#define FRAMER_HDR_MAX	12
enum frame_kind framer_next(struct framer *f, const char *buf, size_t len,
			    size_t *consumed, struct slice *frame);
#endif
