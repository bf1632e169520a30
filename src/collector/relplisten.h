// SPDX-License-Identifier: GPL-2.0
/* relplisten.h - the collector's RELP listeners (relp://ADDR:PORT): each
 * syslog record is answered "rsp 200" only once the commit that holds it
 * landed (relpl_committed), so an acknowledged record is on disk. */
#ifndef WGAUDIT_RELPLISTEN_H
#define WGAUDIT_RELPLISTEN_H
#include <stdbool.h>
#include <stddef.h>

struct loop;
struct cstats;
struct listen_opts;
struct rlset;

struct relpl_hooks {
	/* One record: 0 taken into the open batch (stored or a duplicate),
	 * -errno when it could not be (the connection is closed unanswered,
	 * so the sender sends it again). buf is valid during the call only. */
	int (*record)(void *ctx, const char *buf, size_t len, const char *src);
	void *ctx;
	struct cstats *st;
};

int relpl_new(struct loop *l, const struct listen_opts *o, const struct relpl_hooks *h,
	      struct rlset **out);
/* "relp://HOST:PORT" (HOST an address). 0, -EINVAL (logged) or -errno. */
int relpl_add(struct rlset *rs, const char *url);
/* A batch ends (its commit starts): the records taken so far are its. */
void relpl_mark(struct rlset *rs);
/* The batch of the last mark was committed (ok: its records are answered)
 * or lost (!ok: the connections waiting on it are closed unanswered). */
void relpl_committed(struct rlset *rs, bool ok);
/* Records taken but not yet answered (they wait for a commit). */
size_t relpl_held(const struct rlset *rs);
void relpl_describe(const struct rlset *rs, char *out, size_t len);
unsigned relpl_conns(const struct rlset *rs);
void relpl_free(struct rlset *rs);
#endif
