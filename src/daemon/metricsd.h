// SPDX-License-Identifier: GPL-2.0
/* metricsd.h - the agent's Prometheus endpoint: net/httpd serving what
 * outputs/metrics renders from the agent's in-memory state. */
#ifndef WGAUDIT_METRICSD_H
#define WGAUDIT_METRICSD_H
#include <stddef.h>
#include <stdint.h>

struct conf;
struct confwatch;
struct event;
struct loop;
struct output;
struct sessions;
struct store;
struct tracker;
struct metricsd;

/* Where the agent keeps what a scrape shows: read at every scrape, so a
 * reload that replaces outputs or checks needs no call here. */
struct metricsd_src {
	const struct conf *conf;
	struct tracker *const *tracker;
	struct confwatch *const *cw;
	struct sessions *const *sessions;
	struct output *const *outputs;
	const size_t *n_outputs;
	struct store *store;
};

/* NULL *out and 0 when [metrics] listen is not set. A message on stderr
 * and -errno when it cannot serve (the agent then exits). */
int metricsd_open(const struct metricsd_src *src, struct loop *l, struct metricsd **out);
void metricsd_free(struct metricsd *m);
/* Counts each journaled event by type. NULL-safe. */
void metricsd_event(struct metricsd *m, const struct event *ev);
#endif
