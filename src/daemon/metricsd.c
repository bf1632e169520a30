// SPDX-License-Identifier: GPL-2.0
/* metricsd.c - GET /metrics: the tracker's peers, the event counts and
 * the outputs' delivery state, rendered at the scrape from memory (no
 * store query but the journal's last id). Two render slots: a scrape
 * served while another is still being sent gets the second; a third at
 * once is told 503 rather than growing memory with the scrapers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/event.h"
#include "base/util.h"
#include "conf/conf.h"
#include "daemon/metricsd.h"
#include "engine/session.h"
#include "engine/tracker.h"
#include "net/httpd.h"
#include "outputs/metrics.h"
#include "outputs/output.h"
#include "sources/confwatch.h"
#include "store/store.h"

#define SLOTS		2
#define MAX_OUTPUTS	16

struct slot {
	struct metrics_text text;
	bool busy;
};

struct metricsd {
	struct metricsd_src src;
	struct httpd *http;
	uint64_t events[EV__COUNT];
	int64_t start_us;
	struct slot slot[SLOTS];
};

static const char index_html[] =
	"<html><head><title>wgaudit</title></head><body>"
	"<h1>wgaudit</h1><p><a href=\"/metrics\">Metrics</a></p></body></html>\n";

struct walk {
	struct metricsd *m;
	metrics_peer_fn emit_peer;
	metrics_iface_fn emit_iface;
	void *rctx;
};

static int on_tracker_iface(void *ctx, const struct tracker_iface_info *i)
{
	struct walk *w = ctx;
	struct metrics_iface mi = {
		.name = i->name, .public_key = i->public_key,
		.listen_port = i->listen_port, .up = i->up,
	};

	return w->emit_iface(w->rctx, &mi);
}

static int on_tracker_peer(void *ctx, const struct tracker_peer_info *p)
{
	struct walk *w = ctx;
	struct confwatch *cw = *w->m->src.cw;
	const char *name = cw ? confwatch_peer_name(cw, p->iface, p->public_key) : NULL;
	struct metrics_peer mp = {
		.iface = p->iface, .public_key = p->public_key, .endpoint = p->endpoint,
		.allowed_ips = p->allowed_ips, .name = name ? name : "",
		.last_handshake = p->last_handshake, .rx = p->rx, .tx = p->tx,
		.state = p->state == TRACKER_PEER_ACTIVE ? METRICS_ACTIVE
		       : p->state == TRACKER_PEER_INACTIVE ? METRICS_INACTIVE : METRICS_NEVER,
	};

	return w->emit_peer(w->rctx, &mp);
}

static int walk_ifaces(void *ctx, metrics_iface_fn emit, void *rctx)
{
	struct walk *w = ctx;

	w->emit_iface = emit;
	w->rctx = rctx;
	return *w->m->src.tracker ? tracker_for_each_iface(*w->m->src.tracker, on_tracker_iface, w) : 0;
}

static int walk_peers(void *ctx, metrics_peer_fn emit, void *rctx)
{
	struct walk *w = ctx;

	w->emit_peer = emit;
	w->rctx = rctx;
	return *w->m->src.tracker ? tracker_for_each_peer(*w->m->src.tracker, on_tracker_peer, w) : 0;
}

static int render(struct metricsd *m, struct metrics_text *t)
{
	struct metrics_output outs[MAX_OUTPUTS];
	struct walk w = { .m = m };
	struct metrics_view v = {
		.for_each_iface = walk_ifaces, .for_each_peer = walk_peers, .ctx = &w,
		.events = m->events, .outputs = outs, .start_us = m->start_us,
	};
	int64_t last = 0;
	size_t n = *m->src.n_outputs < MAX_OUTPUTS ? *m->src.n_outputs : MAX_OUTPUTS;

	store_last_id(m->src.store, &last);
	for (size_t i = 0; i < n; i++) {
		struct output_stats st;

		output_get_stats(m->src.outputs[i], &st);
		outs[i] = (struct metrics_output){
			.name = output_name(m->src.outputs[i]),
			.backlog = last > st.cursor && st.cursor >= 0 ? (uint64_t)(last - st.cursor) : 0,
			.sent = st.sent, .failed = st.failed, .connected = st.connected,
		};
	}
	v.n_outputs = n;
	v.sessions_open = *m->src.sessions ? sessions_open_count(*m->src.sessions) : 0;
	return metrics_render(&v, strcmp(m->src.conf->metrics_names, "mindflavor") ?
			      METRICS_MDLAYHER : METRICS_MINDFLAVOR, t);
}

static void release_slot(void *bctx)
{
	struct slot *s = bctx;

	s->busy = false;
}

static size_t read_index(void *bctx, size_t pos, char *out, size_t max)
{
	size_t n = sizeof(index_html) - 1 - pos;

	n = n < max ? n : max;
	memcpy(out, index_html + pos, n);
	return n;
}

static int on_get(void *ctx, const char *path, struct httpd_body *b)
{
	struct metricsd *m = ctx;
	struct slot *s = NULL;

	if (!strcmp(path, "/")) {
		*b = (struct httpd_body){ .content_type = "text/html; charset=utf-8",
			.len = sizeof(index_html) - 1, .read = read_index };
		return 200;
	}
	if (strcmp(path, "/metrics"))
		return 404;
	for (size_t i = 0; i < SLOTS && !s; i++)
		if (!m->slot[i].busy)
			s = &m->slot[i];
	if (!s || render(m, &s->text) < 0)
		return 503;
	s->busy = true;
	*b = (struct httpd_body){
		.content_type = "text/plain; version=0.0.4; charset=utf-8",
		.release = release_slot, .bctx = s,
	};
	/* Sent from the render buffers themselves: no copy of the text. */
	for (size_t i = 0; i < s->text.n && b->iovcnt < HTTPD_MAX_IOV; i++) {
		const struct metrics_buf *f = &s->text.fam[s->text.order[i]];

		if (f->len)
			b->iov[b->iovcnt++] = (struct httpd_iov){ f->p, f->len };
	}
	return 200;
}

int metricsd_open(const struct metricsd_src *src, struct loop *l, struct metricsd **out)
{
	const struct conf *c = src->conf;
	struct httpd_opts ho = {
		.listen = c->metrics_listen,
		.tls_cert = c->metrics_tls_cert, .tls_key = c->metrics_tls_key,
		.user = c->metrics_user, .password_file = c->metrics_password_file,
	};
	struct metricsd *m;
	char err[512];
	int ret;

	*out = NULL;
	if (!c->metrics_listen[0])
		return 0;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->src = *src;
	m->start_us = now_realtime_us();
	ret = httpd_start(&ho, l, on_get, m, &m->http, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "wgaudit: %s\n", err);
		free(m);
		return ret;
	}
	*out = m;
	return 0;
}

void metricsd_free(struct metricsd *m)
{
	if (!m)
		return;
	httpd_free(m->http);	/* drops connections: every slot is released */
	for (size_t i = 0; i < SLOTS; i++)
		metrics_text_free(&m->slot[i].text);
	free(m);
}

void metricsd_event(struct metricsd *m, const struct event *ev)
{
	if (m && ev->type < EV__COUNT)
		m->events[ev->type]++;
}
