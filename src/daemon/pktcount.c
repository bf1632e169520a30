// SPDX-License-Identifier: GPL-2.0
/* pktcount.c - see pktcount.h. */
#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/log.h"
#include "daemon/pktcount.h"
#include "engine/checks/checks.h"
#include "sources/hscount.h"

#define PKTCOUNT_MAX	256			/* interfaces counted at once */
#define PKTCOUNT_RETRY_US (60 * 1000000ll)	/* after a failed open */

struct pkt_iface {
	char name[IFNAMSIZ];		/* "" = free slot */
	struct hscount *hs;
	int64_t retry_us;
	uint64_t seen;			/* pass stamp, for eviction */
};

struct pktcount {
	struct pkt_iface ifs[PKTCOUNT_MAX];
	uint64_t pass;
	bool warned;			/* an open failure is logged once */
};

int pktcount_new(struct pktcount **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void pktcount_free(struct pktcount *pc)
{
	if (!pc)
		return;
	for (size_t i = 0; i < PKTCOUNT_MAX; i++)
		hscount_free(pc->ifs[i].hs);
	free(pc);
}

void pktcount_seen(struct pktcount *pc, const char *iface)
{
	struct pkt_iface *slot = NULL, *oldest;

	/* NULL when the flood check counts no packets: nothing to do (and
	 * &pc->ifs[0] of NULL is undefined, which UBSan aborts on). */
	if (!pc || strlen(iface) >= IFNAMSIZ)
		return;
	oldest = &pc->ifs[0];
	pc->pass++;
	for (size_t i = 0; i < PKTCOUNT_MAX; i++) {
		struct pkt_iface *p = &pc->ifs[i];

		if (!strcmp(p->name, iface)) {
			p->seen = pc->pass;
			return;
		}
		if (!slot && !p->name[0])
			slot = p;
		if (p->seen < oldest->seen)
			oldest = p;
	}
	if (!slot) {
		slot = oldest;
		hscount_free(slot->hs);
		memset(slot, 0, sizeof(*slot));
	}
	snprintf(slot->name, sizeof(slot->name), "%s", iface);
	slot->seen = pc->pass;
}

static void pkt_one(struct pktcount *pc, struct pkt_iface *p, struct checks *ck,
		    int64_t now_us)
{
	uint16_t port = checks_count_port(ck, p->name);
	uint64_t n;
	int ret;

	if (p->hs && hscount_port(p->hs) != port) {
		hscount_free(p->hs);	/* port changed or counting stopped */
		p->hs = NULL;
		p->retry_us = 0;
	}
	if (!port)
		return;
	if (!p->hs) {
		if (p->retry_us > now_us)
			return;
		ret = hscount_open(port, &p->hs);
		if (ret < 0) {
			if (!pc->warned)
				log_warnx("%s: cannot count handshake packets on port %u: %s "
					  "(the flood check keeps the kernel-log signal)",
					  p->name, port, strerror(-ret));
			pc->warned = true;
			p->retry_us = now_us + PKTCOUNT_RETRY_US;
		}
		return;		/* counts start now */
	}
	if (hscount_read(p->hs, &n) < 0)
		return;
	checks_packets(ck, p->name, n, now_us);
}

void pktcount_tick(struct pktcount *pc, struct checks *ck, int64_t now_us)
{
	if (!pc || !ck)
		return;
	for (size_t i = 0; i < PKTCOUNT_MAX; i++)
		if (pc->ifs[i].name[0])
			pkt_one(pc, &pc->ifs[i], ck, now_us);
}
