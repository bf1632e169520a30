// SPDX-License-Identifier: GPL-2.0
/* fuzz_rtnl.c - libFuzzer target for the rtnetlink link parser: the pure
 * rtnl_parse() and rtnl_feed() through one long-lived ifindex cache, so
 * NEW/DEL sequences across inputs reach the cache paths (growth, eviction,
 * DEL classification). Seeds: tests/fuzz/corpus/rtnl/, the messages of
 * tests/unit/test_rtnl.c (RTM_NEWLINK/DELLINK with and without linkinfo,
 * a dump ending in NLMSG_DONE, NLMSG_ERROR, AF_BRIDGE, over-long names). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sources/rtnl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(void *ctx, const struct rtnl_link *l)
{
	size_t *sum = ctx;

	/* Both strings must be terminated inside their arrays. */
	if (strnlen(l->name, sizeof(l->name)) == sizeof(l->name) ||
	    strnlen(l->kind, sizeof(l->kind)) == sizeof(l->kind) ||
	    (l->change != RTNL_LINK_NEW && l->change != RTNL_LINK_DEL) ||
	    l->ifindex == 0)
		abort();
	if (l->change == RTNL_LINK_NEW && !l->name[0])
		abort();
	*sum += strlen(l->name) + strlen(l->kind) + rtnl_link_maybe_wg(l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rtnl *r;
	size_t sum = 0;
	int a, b;

	if (!r && rtnl_new(&r) < 0)
		abort();
	a = rtnl_parse(data, size, check, &sum);
	b = rtnl_feed(r, data, size, check, &sum);
	/* Same messages, same count, whatever the cache knows. */
	if (a >= 0 && a != b)
		abort();
	return 0;
}
