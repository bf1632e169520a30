// SPDX-License-Identifier: GPL-2.0
/* metrics.c - Prometheus text of the agent's state. See metrics.h.
 *
 * The peer series keep the names, types, HELP texts and label sets of the
 * exporters operators already run, so their dashboards and alerts work
 * unchanged: mdlayher/wireguard_exporter (default) or, with
 * names = mindflavor, MindFlavor/prometheus_wireguard_exporter. One walk
 * over the peers fills one buffer per family (a family's samples must be
 * contiguous); the buffers are kept, so a scrape after the first
 * allocates nothing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "outputs/metrics.h"

#define MAX_DEV	256	/* interfaces counted per state; more are summed in the last */

enum seg {
	/* mdlayher */
	S_DEVICE_INFO, S_PEER_INFO, S_AIPS_INFO, S_RX, S_TX, S_HANDSHAKE,
	/* wgaudit */
	S_PEERS, S_EVENTS, S_ALERTS, S_OUTPUTS, S_AGENT,
};

struct dev_count {
	const char *name;
	uint64_t n[3];		/* by enum metrics_peer_state */
};

struct render {
	struct metrics_text *t;
	enum metrics_names names;
	struct dev_count dev[MAX_DEV];
	size_t ndev;
	const char *mname[METRICS_FAMILIES];	/* per-peer sample names by seg */
	size_t mlen[METRICS_FAMILIES];
	char prefix[1536];	/* device="..",public_key=".." of the peer at hand */
	size_t prefix_len;
};

/* ---- bounded buffer writers ---- */

/* Out of line: after the first scrape it is never called. */
static __attribute__((noinline)) bool buf_grow(struct metrics_buf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->failed)
		return false;
	if (b->fixed) {
		b->failed = true;
		return false;
	}
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + n)
		cap *= 2;
	if (cap > METRICS_BUF_MAX || !(p = realloc(b->p, cap))) {
		b->failed = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

/* A render that failed to grow is not served (metrics_render says so),
 * so the fast path need not look at failed. */
static inline bool buf_room(struct metrics_buf *b, size_t n)
{
	return b->len + n <= b->cap || buf_grow(b, n);
}

static inline void put(struct metrics_buf *b, const char *s, size_t n)
{
	if (!buf_room(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void puts_(struct metrics_buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void put_u64(struct metrics_buf *b, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(b, tmp + i, sizeof(tmp) - i);
}

/* A label value: \ " and newline escaped (the exposition format's rules);
 * bytes that are not UTF-8 and other control bytes (a friendly name is
 * untrusted text) as '?'. */
static void put_value(struct metrics_buf *b, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n;) {
		size_t run = i, l;
		unsigned char c;

		/* Plain ASCII goes in one copy: keys, endpoints, CIDRs are all of it. */
		while (run < n && (c = (unsigned char)s[run]) >= 0x20 && c < 0x80 &&
		       c != '\\' && c != '"')
			run++;
		if (run > i) {
			put(b, s + i, run - i);
			i = run;
			continue;
		}
		c = (unsigned char)s[i];
		l = c < 0x80 ? 1 : utf8_seq_len((const unsigned char *)s + i, n - i);
		if (c == '\\' || c == '"') {
			char e[2] = { '\\', (char)c };

			put(b, e, 2);
		} else if (c == '\n') {
			put(b, "\\n", 2);
		} else if (l == 0 || c < 0x20) {
			put(b, "?", 1);	/* not UTF-8, or a control byte */
			l = l ? l : 1;
		} else {
			put(b, s + i, l);
		}
		i += l;
	}
}

static void put_label_n(struct metrics_buf *b, bool first, const char *k, size_t kl,
			const char *v)
{
	if (!buf_room(b, kl + 3))
		return;
	if (!first)
		b->p[b->len++] = ',';
	memcpy(b->p + b->len, k, kl);
	b->len += kl;
	b->p[b->len++] = '=';
	b->p[b->len++] = '"';
	put_value(b, v);
	put(b, "\"", 1);
}
/* k is a string literal: its length is known at compile time. */
#define put_label(b, first, k, v) put_label_n(b, first, k, sizeof(k) - 1, v)

/* A value this file made itself from a closed alphabet (base64 key,
 * endpoint, CIDR, IPv4/IPv6): nothing to escape, so no scan. */
static void put_label_safe(struct metrics_buf *b, const char *k, size_t kl, const char *v)
{
	size_t vl = strlen(v);

	if (!buf_room(b, kl + vl + 4))
		return;
	b->p[b->len++] = ',';
	memcpy(b->p + b->len, k, kl);
	b->len += kl;
	b->p[b->len++] = '=';
	b->p[b->len++] = '"';
	memcpy(b->p + b->len, v, vl);
	b->len += vl;
	b->p[b->len++] = '"';
}
#define put_safe(b, k, v) put_label_safe(b, k, sizeof(k) - 1, v)

static void put_family(struct metrics_buf *b, const char *name, const char *type,
		       const char *help)
{
	puts_(b, "# HELP ");
	puts_(b, name);
	put(b, " ", 1);
	puts_(b, help);
	puts_(b, "\n# TYPE ");
	puts_(b, name);
	put(b, " ", 1);
	puts_(b, type);
	put(b, "\n", 1);
}

/* metric{prefix} value: the line of every per-peer sample, written with
 * one bounds check (this is most of a scrape's bytes). */
static void put_sample(struct render *r, enum seg s, uint64_t v)
{
	struct metrics_buf *b = &r->t->fam[s];
	size_t ml = r->mlen[s], pl = r->prefix_len;
	char *o;

	if (!buf_room(b, ml + pl + 4 + 20))
		return;
	o = b->p + b->len;
	memcpy(o, r->mname[s], ml);
	o[ml] = '{';
	memcpy(o + ml + 1, r->prefix, pl);
	o[ml + 1 + pl] = '}';
	o[ml + 2 + pl] = ' ';
	b->len += ml + pl + 3;
	put_u64(b, v);
	b->p[b->len++] = '\n';
}

/* ---- the families ---- */

struct family {
	const char *name, *type, *help;
};

/* mdlayher/wireguard_exporter collector.go, verbatim. */
static const struct family mdlayher[] = {
	[S_DEVICE_INFO] = { "wireguard_device_info", "gauge", "Metadata about a device." },
	[S_PEER_INFO] = { "wireguard_peer_info", "gauge",
		"Metadata about a peer. The public_key label on peer metrics refers to "
		"the peer's public key; not the device's public key." },
	[S_AIPS_INFO] = { "wireguard_peer_allowed_ips_info", "gauge",
		"Metadata about each of a peer's allowed IP subnets for a given device." },
	[S_RX] = { "wireguard_peer_receive_bytes_total", "counter",
		"Number of bytes received from a given peer." },
	[S_TX] = { "wireguard_peer_transmit_bytes_total", "counter",
		"Number of bytes transmitted to a given peer." },
	[S_HANDSHAKE] = { "wireguard_peer_last_handshake_seconds", "gauge",
		"UNIX timestamp for the last handshake with a given peer." },
};

/* MindFlavor/prometheus_wireguard_exporter src/wireguard.rs, verbatim;
 * in its order: sent, received, handshake. */
static const struct family mindflavor[] = {
	[S_TX] = { "wireguard_sent_bytes_total", "counter", "Bytes sent to the peer" },
	[S_RX] = { "wireguard_received_bytes_total", "counter", "Bytes received from the peer" },
	[S_HANDSHAKE] = { "wireguard_latest_handshake_seconds", "gauge",
		"UNIX timestamp seconds of the last handshake" },
};

static const struct family wgaudit_peers = { "wgaudit_peers", "gauge",
	"Peers of a device by state: active (last handshake within active_after), "
	"inactive, never (no handshake seen)." };

static const char *const state_names[] = { "never", "active", "inactive" };

static struct dev_count *dev_for(struct render *r, const char *name)
{
	if (r->ndev && (r->dev[r->ndev - 1].name == name || !strcmp(r->dev[r->ndev - 1].name, name)))
		return &r->dev[r->ndev - 1];	/* peers come grouped by device */
	for (size_t i = 0; i < r->ndev; i++)
		if (!strcmp(r->dev[i].name, name))
			return &r->dev[i];
	if (r->ndev == MAX_DEV)
		return &r->dev[MAX_DEV - 1];
	r->dev[r->ndev].name = name;
	memset(r->dev[r->ndev].n, 0, sizeof(r->dev[0].n));
	return &r->dev[r->ndev++];
}

static int emit_iface(void *rctx, const struct metrics_iface *i)
{
	struct render *r = rctx;
	struct metrics_buf *b = &r->t->fam[S_DEVICE_INFO];
	char b64[WG_KEY_B64_LEN] = "";

	dev_for(r, i->name);	/* a device with no peer still shows 0s */
	if (r->names != METRICS_MDLAYHER)
		return 0;
	if (i->public_key)
		key_to_base64(b64, i->public_key);
	puts_(b, "wireguard_device_info{");
	put_label(b, true, "device", i->name);
	put_label(b, false, "public_key", b64);
	puts_(b, "} 1\n");
	return 0;
}

/* wireguard_peer_allowed_ips_info: one sample per subnet, as the exporter. */
static void emit_aips(struct render *r, const char *aips)
{
	struct metrics_buf *b = &r->t->fam[S_AIPS_INFO];
	char one[64];

	while (*aips) {
		size_t n = strcspn(aips, ",");

		if (n && n < sizeof(one)) {
			memcpy(one, aips, n);
			one[n] = '\0';
			puts_(b, "wireguard_peer_allowed_ips_info{");
			put(b, r->prefix, r->prefix_len);
			put_safe(b, "allowed_ips", one);
			put_safe(b, "family", memchr(one, ':', n) ? "IPv6" : "IPv4");
			puts_(b, "} 1\n");
		}
		aips += n;
		aips += *aips == ',';
	}
}

static void set_prefix(struct render *r, const struct metrics_peer *p)
{
	struct metrics_buf pb = { 0 };
	char b64[WG_KEY_B64_LEN];

	/* A stack-sized writer: the prefix is rebuilt per peer, in place. */
	pb.p = r->prefix;
	pb.cap = sizeof(r->prefix);
	pb.fixed = true;
	key_to_base64(b64, p->public_key);
	if (r->names == METRICS_MDLAYHER) {
		put_label(&pb, true, "device", p->iface);
		put_safe(&pb, "public_key", b64);
	} else {
		/* The exporter's label set, friendly_name only when there is one. */
		put_label(&pb, true, "interface", p->iface);
		put_safe(&pb, "public_key", b64);
		put_safe(&pb, "allowed_ips", p->allowed_ips);
		if (p->name[0])
			put_label(&pb, false, "friendly_name", p->name);
	}
	r->prefix_len = pb.failed ? 0 : pb.len;
}

static int emit_peer(void *rctx, const struct metrics_peer *p)
{
	struct render *r = rctx;
	bool md = r->names == METRICS_MDLAYHER;
	uint64_t hs = p->last_handshake > 0 ? (uint64_t)p->last_handshake : 0;

	dev_for(r, p->iface)->n[p->state <= METRICS_INACTIVE ? p->state : 0]++;
	set_prefix(r, p);
	if (!r->prefix_len)
		return 0;	/* an interface name too long to be one: skip */
	if (md) {
		struct metrics_buf *b = &r->t->fam[S_PEER_INFO];
		char ep[ENDPOINT_STR_LEN];

		endpoint_format(ep, p->endpoint);
		puts_(b, "wireguard_peer_info{");
		put(b, r->prefix, r->prefix_len);
		put_safe(b, "endpoint", ep);
		put_label(b, false, "name", p->name);
		puts_(b, "} 1\n");
		emit_aips(r, p->allowed_ips);
	}
	put_sample(r, S_RX, p->rx);
	put_sample(r, S_TX, p->tx);
	put_sample(r, S_HANDSHAKE, hs);
	return 0;
}

static void render_peers_by_state(struct render *r)
{
	struct metrics_buf *b = &r->t->fam[S_PEERS];

	put_family(b, wgaudit_peers.name, wgaudit_peers.type, wgaudit_peers.help);
	for (size_t i = 0; i < r->ndev; i++) {
		for (int s = 0; s < 3; s++) {
			puts_(b, "wgaudit_peers{");
			if (r->names == METRICS_MDLAYHER)
				put_label(b, true, "device", r->dev[i].name);
			else
				put_label(b, true, "interface", r->dev[i].name);
			put_label(b, false, "state", state_names[s]);
			puts_(b, "} ");
			put_u64(b, r->dev[i].n[s]);
			put(b, "\n", 1);
		}
	}
}

static void render_events(struct render *r, const struct metrics_view *v)
{
	struct metrics_buf *e = &r->t->fam[S_EVENTS], *a = &r->t->fam[S_ALERTS];

	put_family(e, "wgaudit_events_total", "counter",
		   "Events journaled since the agent started, by type.");
	put_family(a, "wgaudit_alerts_total", "counter",
		   "Alerts (ALERT_* events) raised since the agent started, by type.");
	for (int t = 0; t < EV__COUNT; t++) {
		const char *name = event_type_name((enum event_type)t);
		uint64_t n = v->events ? v->events[t] : 0;

		puts_(e, "wgaudit_events_total{");
		put_label(e, true, "type", name);
		puts_(e, "} ");
		put_u64(e, n);
		put(e, "\n", 1);
		if (strncmp(name, "ALERT_", 6))
			continue;
		puts_(a, "wgaudit_alerts_total{");
		put_label(a, true, "type", name);
		puts_(a, "} ");
		put_u64(a, n);
		put(a, "\n", 1);
	}
}

static void output_family(struct metrics_buf *b, const struct metrics_view *v,
			  const struct family *f, int which)
{
	put_family(b, f->name, f->type, f->help);
	for (size_t i = 0; i < v->n_outputs; i++) {
		const struct metrics_output *o = &v->outputs[i];
		uint64_t val = which == 0 ? o->backlog : which == 1 ? o->sent
			     : which == 2 ? o->failed : o->connected;

		puts_(b, f->name);
		put(b, "{", 1);
		put_label(b, true, "output", o->name);
		puts_(b, "} ");
		put_u64(b, val);
		put(b, "\n", 1);
	}
}

static void render_outputs(struct render *r, const struct metrics_view *v)
{
	static const struct family fams[] = {
		{ "wgaudit_journal_backlog_events", "gauge",
		  "Journaled events this output has not confirmed yet." },
		{ "wgaudit_output_delivered_events_total", "counter",
		  "Events whose delivery this output confirmed since the agent started." },
		{ "wgaudit_output_errors_total", "counter",
		  "Connection failures, write errors and unformattable events since the agent started." },
		{ "wgaudit_output_connected", "gauge",
		  "1 while the output's connection is up (a file output: while writes succeed)." },
	};

	for (int i = 0; i < (int)ARRAY_SIZE(fams); i++)
		output_family(&r->t->fam[S_OUTPUTS], v, &fams[i], i);
}

static void put_scalar(struct metrics_buf *b, const char *name, const char *type,
		       const char *help, uint64_t v)
{
	put_family(b, name, type, help);
	puts_(b, name);
	put(b, " ", 1);
	put_u64(b, v);
	put(b, "\n", 1);
}

static void render_agent(struct render *r, const struct metrics_view *v)
{
	struct metrics_buf *b = &r->t->fam[S_AGENT];

	put_scalar(b, "wgaudit_sessions_open", "gauge",
		   "Peer sessions open now (PEER_ACTIVE seen, no PEER_SESSION yet).",
		   v->sessions_open);
	put_scalar(b, "wgaudit_start_time_seconds", "gauge", "When the agent started, UNIX time.",
		   v->start_us > 0 ? (uint64_t)(v->start_us / 1000000) : 0);
	put_family(b, "wgaudit_build_info", "gauge", "The agent's version, as a label.");
	puts_(b, "wgaudit_build_info{version=\"" WGAUDIT_VERSION "\"} 1\n");
}

int metrics_render(const struct metrics_view *v, enum metrics_names names,
		   struct metrics_text *t)
{
	struct render *r = calloc(1, sizeof(*r));	/* ~6 KiB: not on the loop's stack */
	const struct family *f = names == METRICS_MDLAYHER ? mdlayher : mindflavor;
	int ret = 0;

	if (!r)
		return -ENOMEM;
	r->t = t;
	r->names = names;
	for (int s = S_RX; s <= S_HANDSHAKE; s++)
		r->mname[s] = f[s].name;
	for (int s = S_RX; s <= S_HANDSHAKE; s++)
		r->mlen[s] = strlen(r->mname[s]);
	for (size_t i = 0; i < METRICS_FAMILIES; i++) {
		t->fam[i].len = 0;
		t->fam[i].failed = false;
	}
	t->n = METRICS_FAMILIES;
	for (size_t i = 0; i < METRICS_FAMILIES; i++)
		t->order[i] = (unsigned char)i;
	if (names == METRICS_MINDFLAVOR) {	/* its order: sent, received */
		t->order[S_RX] = S_TX;
		t->order[S_TX] = S_RX;
	}
	for (int s = S_DEVICE_INFO; s <= S_HANDSHAKE; s++)
		if (f[s].name)
			put_family(&t->fam[s], f[s].name, f[s].type, f[s].help);
	if (v->for_each_iface)
		v->for_each_iface(v->ctx, emit_iface, r);
	if (v->for_each_peer)
		v->for_each_peer(v->ctx, emit_peer, r);
	render_peers_by_state(r);
	render_events(r, v);
	render_outputs(r, v);
	render_agent(r, v);
	for (size_t i = 0; i < METRICS_FAMILIES; i++)
		if (t->fam[i].failed)
			ret = -ENOMEM;
	free(r);
	return ret;
}

size_t metrics_text_len(const struct metrics_text *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n; i++)
		n += t->fam[t->order[i]].len;
	return n;
}

size_t metrics_text_read(const struct metrics_text *t, size_t pos, char *out, size_t len)
{
	size_t done = 0;

	for (size_t i = 0; i < t->n && done < len; i++) {
		const struct metrics_buf *b = &t->fam[t->order[i]];
		size_t n;

		if (pos >= b->len) {
			pos -= b->len;
			continue;
		}
		n = b->len - pos < len - done ? b->len - pos : len - done;
		memcpy(out + done, b->p + pos, n);
		done += n;
		pos = 0;
	}
	return done;
}

void metrics_text_free(struct metrics_text *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < METRICS_FAMILIES; i++) {
		free(t->fam[i].p);
		t->fam[i] = (struct metrics_buf){ 0 };
	}
	t->n = 0;
}
