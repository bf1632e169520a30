// SPDX-License-Identifier: GPL-2.0
/* checks.h - stateful detections over the event stream. Checks are
 * functions of (event, learned state) -> alerts: no socket I/O, no SQL
 * (baselines persist through the callbacks the agent gives). Every alert
 * is an event (ALERT_*) with severity warning or higher, its evidence in
 * fields, and a suppression window so one incident is one alert. */
#ifndef WGAUDIT_CHECKS_H
#define WGAUDIT_CHECKS_H
#include <stdbool.h>
#include <stdint.h>

struct conf;
struct event;
struct event_sink;
struct conf_iface;
struct checks;

/* Key/value persistence for baselines (the agent maps it to store meta). */
struct checks_state {
	int (*get)(void *ctx, const char *key, char *val, size_t len);
	int (*set)(void *ctx, const char *key, const char *val);
	void *ctx;
};

/* What the checks are handed instead of opening it: the config file's
 * public view of an interface (NULL when it has none). Absent (iface NULL)
 * when the agent watches no config directory. */
struct checks_views {
	const struct conf_iface *(*iface)(void *ctx, const char *iface);
	void *ctx;
};

int checks_new(const struct conf *c, const struct checks_state *st,
	       const struct checks_views *views, const struct event_sink *alerts,
	       struct checks **out);
void checks_free(struct checks *ck);
/* Every journaled event passes here after it was appended (alerts too:
 * they are ignored). May emit alerts through the sink given to new. */
void checks_event(struct checks *ck, const struct event *ev);
/* After each complete observation of an interface (every poll, cheap):
 * the rogue-interface check sees interfaces that existed before the agent
 * started (the tracker's first pass is quiet), the flood check learns the
 * listen port whose handshake packets it counts. */
void checks_iface(struct checks *ck, const char *iface, uint16_t listen_port);
/* Once per poll tick (wall-clock µs): windows expire. */
void checks_tick(struct checks *ck, int64_t now_us);
/* The daemon's packet counter for iface (handshake initiations seen on
 * its listen port since the last call), pushed in once per tick. */
void checks_packets(struct checks *ck, const char *iface, uint64_t initiations,
		    int64_t now_us);
/* The listen port the flood check wants counted for iface (0: none known
 * yet, or packet counting is off). Falls back to the config file's. */
uint16_t checks_count_port(struct checks *ck, const char *iface);
#endif
