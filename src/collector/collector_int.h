// SPDX-License-Identifier: GPL-2.0
/* collector_int.h - between collector_opts.c (the command line) and
 * collector.c (the run loop). */
#ifndef WGAUDIT_COLLECTOR_INT_H
#define WGAUDIT_COLLECTOR_INT_H
#include <stdint.h>

#include "collector/ctls.h"
#include "collector/listen.h"

#define LISTEN_URLS_MAX		8

struct run_opts {
	const char *db;
	const char *listen[LISTEN_URLS_MAX];
	unsigned nlisten;
	struct listen_opts lo;
	struct ctls_opts tls;	/* cert == NULL: no TLS listener */
	uint64_t retention_ms;	/* 0 = keep forever */
	uint64_t max_db_bytes;	/* 0 = no limit */
};

/* `collector run` with its options checked: the exit status. */
int collector_run(struct run_opts *o);
#endif
