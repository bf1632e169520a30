// SPDX-License-Identifier: GPL-2.0
/* storetest.h - what the store's tests share: a peer row with every field
 * set (a full allowed_ips, a top-bit rx), and a collector of loaded rows. */
#ifndef WGAUDIT_TEST_STORETEST_H
#define WGAUDIT_TEST_STORETEST_H
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "base/util.h"
#include "store/store.h"

static inline void mk_peer(struct peer_row *p, const char *iface, uint8_t k)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->iface, sizeof(p->iface), "%s", iface);
	for (int i = 0; i < WG_KEY_LEN; i++)
		p->public_key[i] = (uint8_t)(k + i);
	snprintf(p->endpoint, sizeof(p->endpoint), "[2001:db8::%u]:51820", k);
	/* A full allowed_ips: 1023 characters. */
	for (size_t i = 0; i < sizeof(p->allowed_ips) - 1; i++)
		p->allowed_ips[i] = "10.0.0.0/24, "[i % 13];
	p->allowed_ips[sizeof(p->allowed_ips) - 1] = '\0';
	snprintf(p->name, sizeof(p->name), "laptop-%u", k);
	p->last_handshake = 1700000000 + k;
	p->rx = UINT64_MAX - k;		/* top bit set: must survive i64 */
	p->tx = 1ULL << 40;
	p->rx_mark = 5;
	p->tx_mark = 6;
	p->mark_us = -7;
	p->state = 3;
	p->keepalive = 65535;
	p->first_seen_us = 11;
	p->updated_us = 12;
}

struct peers_seen {
	struct peer_row rows[4];
	size_t count;
};

static inline int collect_peer(void *ctx, const struct peer_row *p)
{
	struct peers_seen *ps = ctx;

	if (ps->count < ARRAY_SIZE(ps->rows))
		ps->rows[ps->count] = *p;
	ps->count++;
	return 0;
}
#endif
