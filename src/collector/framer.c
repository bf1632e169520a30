// SPDX-License-Identifier: GPL-2.0
/* framer.c - the TCP framing decoder of syslogparse.h: RFC 6587 octet
 * counting and LF-terminated frames, auto-detected per frame. Bytes from
 * the network: every count is bounded, a frame never runs past the
 * buffer, and a frame too large is skipped without being buffered. */
#include <string.h>
#include "collector/syslogparse.h"
#include "base/util.h"

#define OCTET_DIGITS	10
/* An oversize octet-counted frame is skipped when its count is at most
 * this; a larger count is taken as a desynchronised or hostile stream. */
#define FRAME_SKIP_MAX	((uint64_t)64 << 20)

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static struct slice sl(const char *p, size_t n)
{
	return (struct slice){ p, n };
}

void framer_init(struct framer *f, size_t max)
{
	memset(f, 0, sizeof(*f));
	f->max = max;
}

enum frame_kind framer_next(struct framer *f, const char *buf, size_t len,
			    size_t *consumed, struct slice *frame)
{
	size_t i = 0, d;
	const char *lf;
	uint64_t count;

	*consumed = 0;
	*frame = sl(buf, 0);
	if (f->skip) {
		d = f->skip < len ? (size_t)f->skip : len;
		f->skip -= d;
		i = d;
		if (f->skip) {
			*consumed = i;
			return FRAME_NEED;
		}
	}
	if (f->skip_to_lf) {
		lf = memchr(buf + i, '\n', len - i);
		if (!lf) {
			*consumed = len;
			return FRAME_NEED;
		}
		f->skip_to_lf = false;
		i = (size_t)(lf - buf) + 1;
	}
	while (i < len && (buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\0'))
		i++;
	*consumed = i;
	if (i == len)
		return FRAME_NEED;
	for (d = 0; i + d < len && d <= OCTET_DIGITS && is_digit(buf[i + d]); d++)
		;
	if (d > 0 && d <= OCTET_DIGITS) {
		if (i + d == len)
			return FRAME_NEED;	/* the count may go on */
		if (buf[i + d] == ' ') {
			if (buf[i] == '0' || parse_u64(buf + i, d, UINT64_MAX, &count) < 0)
				return FRAME_ERROR;
			if (count > f->max) {
				if (count > FRAME_SKIP_MAX)
					return FRAME_ERROR;
				f->skip = count;
				*consumed = i + d + 1;
				return FRAME_OVERSIZE;
			}
			if (len - (i + d + 1) < count)
				return FRAME_NEED;
			*frame = sl(buf + i + d + 1, (size_t)count);
			*consumed = i + d + 1 + (size_t)count;
			return FRAME_MSG;
		}
	}
	lf = memchr(buf + i, '\n', len - i);
	if (lf && (size_t)(lf - (buf + i)) <= f->max) {
		*frame = sl(buf + i, (size_t)(lf - (buf + i)));
		*consumed = (size_t)(lf - buf) + 1;
		return FRAME_MSG;
	}
	if (lf || len - i > f->max) {
		/* Longer than max with no LF in sight: drop to the next LF. */
		if (lf) {
			*consumed = (size_t)(lf - buf) + 1;
		} else {
			f->skip_to_lf = true;
			*consumed = len;
		}
		return FRAME_OVERSIZE;
	}
	return FRAME_NEED;
}
