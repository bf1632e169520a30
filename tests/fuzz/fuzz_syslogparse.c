// SPDX-License-Identifier: GPL-2.0
/* fuzz_syslogparse.c - libFuzzer target: the collector's TCP framing and
 * record parser over untrusted bytes. The input is fed to the framer in
 * chunks whose sizes come from the input itself, through a buffer of
 * exactly the size the collector uses, and every frame is parsed from an
 * exact-size copy, so any over-read trips ASan. Invariants: every slice
 * lies inside its record, facility/severity are in range, the framer never
 * consumes more than it was given, the one-pass sd_private_get agrees
 * with sd_private_id + sd_get, and syslog_parse_want with syslog_parse
 * then sd_private_get. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "collector/syslogparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXMSG	512

static void inside(struct slice s, const char *p, size_t n)
{
	if (s.n && (s.p < p || s.p + s.n > p + n))
		abort();
}

static void parse_one(const char *src, size_t n)
{
	char *r = malloc(n ? n : 1);
	struct syslog_msg m;
	struct sd_iter it;
	struct slice k;
	char v[64];

	if (!r)
		return;
	memcpy(r, src, n);
	syslog_parse(r, n, INT64_C(1795610400) * 1000000, &m);
	if (m.facility < 0 || m.facility > 23 || m.severity < 0 || m.severity > 7)
		abort();
	inside(m.host, r, n);
	inside(m.app, r, n);
	inside(m.procid, r, n);
	inside(m.msgid, r, n);
	inside(m.sd, r, n);
	inside(m.msg, r, n);
	sd_iter_init(&it, m.sd);
	for (int i = 0; i < 64 && sd_iter_next(&it, &k, v, sizeof(v)) > 0; i++)
		if (strlen(v) >= sizeof(v))
			abort();
	msg_kv_get(m.msg, "peer", v, sizeof(v));
	msg_type(m.msg);
	{
		char id[33];	/* what the collector uses: an SD-ID is <= 32 */

		if (sd_private_id(m.sd, id, sizeof(id)) == 0 &&
		    (strlen(id) >= sizeof(id) || !strchr(id, '@')))
			abort();
		else if (id[0])
			sd_get(m.sd, id, "iface", v, sizeof(v));
	}
	{
		/* the collector's one pass gives what sd_get gives */
		static const char *const names[] = { "event_id", "iface", "peer" };
		char id[64], vals[3][64], one[64];
		struct sd_want w[3];
		bool priv = sd_private_id(m.sd, id, sizeof(id)) == 0;

		for (int i = 0; i < 3; i++)
			w[i] = (struct sd_want){ .name = names[i], .val = vals[i], .vlen = 64 };
		if ((sd_private_get(m.sd, w, 3) == 0) != priv)
			abort();
		for (int i = 0; i < 3; i++) {
			bool found = priv && sd_get(m.sd, id, names[i], one, sizeof(one)) == 0;

			if (w[i].found != found || (found && strcmp(one, vals[i])) ||
			    (!found && vals[i][0]))
				abort();
		}
		{
			/* the parser's own pass over the SD gives the same */
			char pvals[3][64];
			struct sd_want pw[3];
			struct syslog_msg m2;
			int ret;

			for (int i = 0; i < 3; i++)
				pw[i] = (struct sd_want){ .name = names[i], .val = pvals[i],
							  .vlen = 64 };
			ret = syslog_parse_want(r, n, INT64_C(1795610400) * 1000000, &m2, pw, 3);
			if (memcmp(&m, &m2, sizeof(m)) || (ret == 0) != priv)
				abort();
			for (int i = 0; i < 3; i++)
				if (pw[i].found != w[i].found || strcmp(pvals[i], vals[i]))
					abort();
		}
	}
	free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(MAXMSG + FRAMER_HDR_MAX);
	size_t have = 0, pos = 0, step = size ? (size_t)(data[0] % 17) + 1 : 1;
	struct framer f;

	if (!buf)
		return 0;
	parse_one((const char *)data, size);
	framer_init(&f, MAXMSG);
	while (pos < size) {
		size_t n = size - pos, room = MAXMSG + FRAMER_HDR_MAX - have;
		enum frame_kind k;

		if (n > step)
			n = step;
		if (n > room)
			n = room;
		memcpy(buf + have, data + pos, n);
		have += n;
		pos += n;
		do {
			size_t used;
			struct slice fr;

			k = framer_next(&f, buf, have, &used, &fr);
			if (used > have)
				abort();
			if (k == FRAME_MSG) {
				inside(fr, buf, have);
				if (fr.n > MAXMSG)
					abort();
				parse_one(fr.p, fr.n);
			}
			memmove(buf, buf + used, have - used);
			have -= used;
		} while (k == FRAME_MSG || k == FRAME_OVERSIZE);
		if (k == FRAME_ERROR)
			break;
		/* the collector's buffer never fills without a frame */
		if (have == MAXMSG + FRAMER_HDR_MAX)
			abort();
	}
	free(buf);
	return 0;
}
