// SPDX-License-Identifier: GPL-2.0
/* metrics.h - the agent's state as Prometheus text (exposition format
 * 0.0.4). Pure: renders a view the daemon hands it into reusable buffers;
 * no I/O, no allocation but buffer growth (bounded by the peer count, not
 * by history). Series names: docs/metrics.md. */
#ifndef WGAUDIT_METRICS_H
#define WGAUDIT_METRICS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/event.h"
#include "base/util.h"

enum metrics_names { METRICS_MDLAYHER, METRICS_MINDFLAVOR };
enum metrics_peer_state { METRICS_NEVER, METRICS_ACTIVE, METRICS_INACTIVE };

struct metrics_iface {
	const char *name;
	const uint8_t *public_key;	/* NULL when unknown */
	uint16_t listen_port;
	bool up;
};

struct metrics_peer {
	const char *iface;
	const uint8_t *public_key;
	const union endpoint *endpoint;	/* AF_UNSPEC when none */
	const char *allowed_ips;	/* "10.0.0.2/32,fd00::2/128" or "" */
	const char *name;		/* friendly name or "" */
	int64_t last_handshake;		/* wall clock s, 0 = never */
	uint64_t rx, tx;
	enum metrics_peer_state state;
};

struct metrics_output {
	const char *name;
	uint64_t backlog;		/* journaled, not yet confirmed */
	uint64_t sent, failed;
	bool connected;
};

/* What one scrape shows. The walks call emit once per interface / peer;
 * emit returns 0 (a non-zero value stops the walk). */
typedef int (*metrics_iface_fn)(void *rctx, const struct metrics_iface *i);
typedef int (*metrics_peer_fn)(void *rctx, const struct metrics_peer *p);
struct metrics_view {
	int (*for_each_iface)(void *ctx, metrics_iface_fn emit, void *rctx);
	int (*for_each_peer)(void *ctx, metrics_peer_fn emit, void *rctx);
	void *ctx;
	const uint64_t *events;		/* [EV__COUNT], journaled since start */
	const struct metrics_output *outputs;
	size_t n_outputs;
	uint64_t sessions_open;
	int64_t start_us;		/* agent start, wall clock */
};

/* A growable text buffer; one per family so one walk fills them all.
 * Kept between scrapes: after the first, a scrape allocates nothing. */
struct metrics_buf {
	char *p;
	size_t len, cap;
	bool failed;			/* growth refused: the text is cut */
	bool fixed;			/* caller's memory: never grown */
};

#define METRICS_FAMILIES	12
#define METRICS_BUF_MAX		(256u << 20)	/* one family, 256 MiB */

struct metrics_text {
	struct metrics_buf fam[METRICS_FAMILIES];
	size_t n;			/* families in use */
	unsigned char order[METRICS_FAMILIES];	/* fam[] in output order */
};

/* Render v into t (reset first). -ENOMEM when a buffer could not grow
 * (the text is then incomplete and must not be served). */
int metrics_render(const struct metrics_view *v, enum metrics_names names,
		   struct metrics_text *t);
size_t metrics_text_len(const struct metrics_text *t);
/* Copy up to len bytes of the text from offset pos; bytes copied. */
size_t metrics_text_read(const struct metrics_text *t, size_t pos, char *out, size_t len);
void metrics_text_free(struct metrics_text *t);
#endif
