// SPDX-License-Identifier: GPL-2.0
/* relp.h - the syslog+relp:// output: a RELP session (librelp's protocol,
 * rsyslog imrelp) driven from the loop. output.c hands a RELP URL here;
 * the calls mirror output.h's. */
#ifndef WGAUDIT_RELP_H
#define WGAUDIT_RELP_H
#include <stddef.h>

struct relp_out;
struct loop;
struct store;
struct output_url;
struct output_opts;
struct output_stats;

/* name: the URL (log prefix); cursor_key: where the cursor is kept;
 * opts->hostname set. 0 or -errno with a message in err. */
int relp_out_open(const char *name, const struct output_url *u, const char *cursor_key,
		  const struct output_opts *opts, struct loop *loop, struct store *store,
		  struct relp_out **out, char *err, size_t errlen);
void relp_out_free(struct relp_out *r);
void relp_out_kick(struct relp_out *r);
/* 0 once every committed event is acknowledged (rsp 200), -ETIMEDOUT, or
 * the connect error after two failed rounds. */
int relp_out_flush(struct relp_out *r, int timeout_ms);
void relp_out_get_stats(const struct relp_out *r, struct output_stats *st);
#endif
