// SPDX-License-Identifier: GPL-2.0
/* checks_int.h - what the check files share inside src/checks: a small
 * string-keyed hash map, the suppression table, the alert helper, and the
 * per-check entry points checks.c dispatches to. Not for other modules
 * (tests include it to reach the pure maths). */
#ifndef WGAUDIT_CHECKS_INT_H
#define WGAUDIT_CHECKS_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/checks/checks.h"
#include "base/cidr.h"
#include "base/event.h"

/* String-keyed chained hash map; each value is a zeroed block of the size
 * given at put, allocated with its entry (freed by del/sweep/free). */
struct ckmap_ent;
struct ckmap {
	size_t n, nb, max;	/* max: refuse puts beyond (memory bound) */
	struct ckmap_ent **b;
};

void ckmap_init(struct ckmap *m, size_t max);
void ckmap_release(struct ckmap *m);
void *ckmap_get(const struct ckmap *m, const char *key);
/* The existing value or a new zeroed one; NULL when full or out of memory. */
void *ckmap_put(struct ckmap *m, const char *key, size_t valsize, bool *created);
void ckmap_del(struct ckmap *m, const char *key);
/* Calls fn for each value; drops it when fn returns true. */
void ckmap_sweep(struct ckmap *m, bool (*fn)(const char *key, void *val, void *arg), void *arg);

struct ck_endpoint;
struct ck_spike;
struct ck_flood;
struct ck_rogue;

struct checks {
	const struct conf *conf;
	struct checks_state st;
	bool have_st;
	struct checks_views views;	/* .iface NULL: no config dir watched */
	struct event_sink sink;
	int64_t now_us;			/* latest wall-clock time seen */
	struct ckmap suppress;		/* key -> expiry (int64_t, µs) */
	struct ck_endpoint *endpoint;
	struct ck_spike *spike;
	struct ck_flood *flood;
	struct ck_rogue *rogue;
};

/* True when key alerted less than window_us ago; otherwise records now and
 * returns false (the caller alerts). */
bool ck_suppressed(struct checks *ck, const char *key, int64_t window_us);
/* Start an alert: type, severity, source of the cause, iface if any. */
void ck_alert_init(struct event *ev, enum event_type t, int severity,
		   const struct event *cause);
void ck_alert_emit(struct checks *ck, struct event *ev);
/* Persistence through the agent's callbacks (no-ops without them). */
int ck_state_get(struct checks *ck, const char *key, char *val, size_t len);
void ck_state_set(struct checks *ck, const char *key, const char *val);
/* Field as u64 (decimal, <= max); -EINVAL when absent or malformed. */
/* The config file's view of iface, or NULL (none, or no dir watched). */
const struct conf_iface *ck_conf_iface(const struct checks *ck, const char *iface);
int ck_get_u64(const struct event *ev, const char *key, uint64_t max, uint64_t *out);
/* An endpoint field's address (mapped v6 as v4), typed or text. 0/-EINVAL. */
int ck_get_ip(const struct event *ev, const char *key, int *family, uint8_t addr[16]);

/* Per check: new (0 / -errno; *out NULL when the check is off), event,
 * tick, free. */
int endpoint_new(struct checks *ck, struct ck_endpoint **out);
void endpoint_event(struct checks *ck, const struct event *ev);
void endpoint_free(struct ck_endpoint *e);

int spike_new(struct checks *ck, struct ck_spike **out);
void spike_event(struct checks *ck, const struct event *ev);
void spike_free(struct ck_spike *s);

int flood_new(struct checks *ck, struct ck_flood **out);
void flood_event(struct checks *ck, const struct event *ev);
void flood_tick(struct checks *ck, int64_t now_us);
void flood_free(struct ck_flood *f);
/* The packet signal, one reading: initiations counted on iface since the
 * previous sample (what checks_tick gets from hscount; tests call it). */
void flood_packets_sample(struct checks *ck, const char *iface, uint64_t initiations,
			  int64_t now_us);
void flood_iface_port(struct checks *ck, const char *iface, uint16_t port);
uint16_t flood_count_port(struct checks *ck, const char *iface);

/* ALERT_CONFIG_CHANGED for each CONFIG_FILE_CHANGED (stateless). */
void config_event(struct checks *ck, const struct event *ev);

int rogue_new(struct checks *ck, struct ck_rogue **out);
void rogue_event(struct checks *ck, const struct event *ev);
void rogue_iface_seen(struct checks *ck, const char *iface, const struct event *cause);
void rogue_free(struct ck_rogue *r);

/* ALERT_UNKNOWN_PEER_KEY (unknownkey.c): stateless but for suppression. */
void unknownkey_event(struct checks *ck, const struct event *ev);

/* The baseline maths of the spike check, pure (tests/unit/test_spike.c). */
struct spike_params {
	double factor;
	uint64_t warmup;
	uint64_t min_bytes;
};
struct spike_base {
	uint32_t n;		/* samples learned, capped */
	double mean;		/* bytes per second, keepalive noise removed */
};
#define SPIKE_HORIZON	16	/* EWMA weight 1/16 once past it */
#define SPIKE_MAX_RATE	(50ull << 30)	/* B/s; above: a bogus delta, ignored */
/* Keepalives (32 B per 10 s at most) and handshakes (~ 1 per 2 min) a
 * quiet peer moves in interval seconds: not traffic. */
uint64_t spike_noise(uint64_t interval);
/* Learn one interval of delta bytes. Returns true when it is a spike;
 * *rate gets the rate (B/s) used. */
bool spike_step(struct spike_base *b, uint64_t delta, uint64_t interval,
		const struct spike_params *p, double *rate);
#endif
