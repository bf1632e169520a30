// SPDX-License-Identifier: GPL-2.0
/* pktcount.h - the flood check's packet counters, owned by the daemon:
 * one hscount socket per observed interface whose listen port the checks
 * want counted (checks_count_port), read once per tick and pushed in with
 * checks_packets(). The checks open nothing; CAP_NET_RAW stays here. */
#ifndef WGAUDIT_PKTCOUNT_H
#define WGAUDIT_PKTCOUNT_H
#include <stdint.h>

struct checks;
struct pktcount;

int pktcount_new(struct pktcount **out);
void pktcount_free(struct pktcount *pc);
/* iface was observed this pass (bounded table; the oldest entry makes room). */
void pktcount_seen(struct pktcount *pc, const char *iface);
/* Open, reopen on a port change, read and push each counter. */
void pktcount_tick(struct pktcount *pc, struct checks *ck, int64_t now_us);
#endif
