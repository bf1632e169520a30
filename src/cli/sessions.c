// SPDX-License-Identifier: GPL-2.0
/* sessions.c - `wgaudit sessions [--peer KEY] [--since DUR] [--json]`:
 * closed sessions from the journal's PEER_SESSION events, then the open
 * ones from the sessions the agent keeps in the journal's meta table
 * (marked open; their bytes are as of their last handshake the agent
 * saw). Reads only; never needs the agent running. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "base/event.h"
#include "base/util.h"
#include "cli/cli.h"
#include "conf/conf.h"
#include "engine/session.h"
#include "outputs/format.h"
#include "store/store.h"

struct lister {
	const struct cli_opts *o;
	int64_t now_us;
	size_t shown;
	char line[16384];
};

static bool peer_matches(const struct cli_opts *o, const char *peer, const char *name)
{
	return !o->peer || (peer && !strcmp(o->peer, peer)) || (name && !strcmp(o->peer, name));
}

static void print_row(const char *start, const char *end, const char *dur,
		      const char *iface, const char *peer, const char *name,
		      const char *rx, const char *tx, const char *hs, const char *eps)
{
	char row[4096];
	int n = snprintf(row, sizeof(row),
			 "%-27s %-27s %8s  %-8s %.12s  %-16s rx=%s tx=%s handshakes=%s endpoints=%s",
			 start, end, dur, iface, peer, name && name[0] ? name : "-", rx, tx, hs,
			 eps && eps[0] ? eps : "-");

	/* names come from config files, interface names from sockets: the
	 * one escaper, so a terminal gets no control character */
	if (n < 0)
		return;
	str_escape(row, (size_t)n < sizeof(row) ? (size_t)n : sizeof(row) - 1, STR_ESC_TEXT,
		   str_put_file, stdout);
	putchar('\n');
}

static int print_json(struct lister *l, const struct event *ev)
{
	ssize_t n = format_json(ev, "-", l->line, sizeof(l->line));

	if (n < 0)
		return 0;
	puts(l->line);
	return 0;
}

static int on_closed(void *ctx, const struct event *ev)
{
	struct lister *l = ctx;
	const char *peer = event_get(ev, "peer"), *name = event_get(ev, "peer_name");
	char dur[24];

	if (!peer_matches(l->o, peer, name))
		return 0;
	l->shown++;
	if (l->o->json) {
		struct event e = *ev;

		event_set(&e, "state", "closed");
		return print_json(l, &e);
	}
	snprintf(dur, sizeof(dur), "%ss", event_get(ev, "duration") ? event_get(ev, "duration") : "?");
#define F(k) (event_get(ev, k) ? event_get(ev, k) : "")
	print_row(F("session_start"), F("session_end"), dur, F("iface"), peer ? peer : "", name,
		  F("rx_bytes"), F("tx_bytes"), F("handshakes"), F("endpoints"));
#undef F
	return 0;
}

static int on_open(void *ctx, const char *key, const char *val)
{
	struct lister *l = ctx;
	struct session_rec r;
	char b64[WG_KEY_B64_LEN], start[32], dur[24], rx[24], tx[24], hs[24];
	int64_t secs;

	if (session_rec_parse(key, val, &r) < 0)
		return 0;
	key_to_base64(b64, r.key);
	if (!peer_matches(l->o, b64, r.name))
		return 0;
	l->shown++;
	fmt_rfc3339_us(start, r.start_us);
	secs = l->now_us > r.start_us ? (l->now_us - r.start_us) / 1000000 : 0;
	snprintf(rx, sizeof(rx), "%llu", (unsigned long long)(r.rx >= r.rx0 ? r.rx - r.rx0 : r.rx));
	snprintf(tx, sizeof(tx), "%llu", (unsigned long long)(r.tx >= r.tx0 ? r.tx - r.tx0 : r.tx));
	snprintf(hs, sizeof(hs), "%llu", (unsigned long long)r.handshakes);
	if (l->o->json) {
		struct event ev;

		event_init(&ev, EV_PEER_SESSION, SRC_AGENT);
		ev.time_us = l->now_us;
		event_set(&ev, "iface", r.iface);
		event_set(&ev, "peer", b64);
		if (r.name[0])
			event_set(&ev, "peer_name", r.name);
		event_set(&ev, "session_start", start);
		event_set_u64(&ev, "duration", (uint64_t)secs);
		event_set(&ev, "rx_bytes", rx);
		event_set(&ev, "tx_bytes", tx);
		event_set(&ev, "endpoints", r.endpoints);
		event_set(&ev, "handshakes", hs);
		event_set(&ev, "state", "open");
		return print_json(l, &ev);
	}
	snprintf(dur, sizeof(dur), "%llds", (long long)secs);
	print_row(start, "open", dur, r.iface, b64, r.name, rx, tx, hs, r.endpoints);
	return 0;
}

int cmd_sessions(struct conf *c, const struct cli_opts *o)
{
	static struct lister l;		/* the JSON line: not on the stack */
	struct store *s = NULL;
	char path[512];
	int ret;

	store_db_path(c->state_dir, path, sizeof(path));
	ret = store_open_readonly(path, &s);
	if (ret < 0) {
		fprintf(stderr, "wgaudit: %s %s%s\n", ret == -ENOENT ? "no event journal at" :
			"cannot read the event journal", path,
			ret == -ENOENT ? " (has the agent run?)" : "");
		return 1;
	}
	memset(&l, 0, sizeof(l));
	l.o = o;
	l.now_us = now_realtime_us();
	if (!o->json)
		printf("%-27s %-27s %8s  %-8s %-12s  %-16s %s\n", "START", "END", "DURATION",
		       "IFACE", "PEER", "NAME", "TRAFFIC");
	/* One read transaction: closed and open ones from the same moment,
	 * so a session that closed meanwhile is not shown twice or missed. */
	ret = store_begin(s);
	if (ret == 0)
		ret = store_read_type(s, EV_PEER_SESSION,
				      o->since_ms ? l.now_us - (int64_t)o->since_ms * 1000 : 0,
				      on_closed, &l);
	if (ret == 0)
		ret = store_meta_scan(s, SESSION_KEY_PREFIX, on_open, &l);
	store_rollback(s);
	store_free(s);
	if (fflush(stdout) != 0 && errno != EPIPE) {
		fprintf(stderr, "wgaudit: writing sessions: %s\n", strerror(errno));
		return 1;
	}
	if (ret < 0) {
		fprintf(stderr, "wgaudit: reading the journal: %s\n", strerror(-ret));
		return 1;
	}
	return 0;
}
