// SPDX-License-Identifier: GPL-2.0
/* hscount.h - count WireGuard handshake initiations arriving on a UDP
 * port, in the kernel, without reading packets and without the
 * rate-limited log: an AF_PACKET socket whose classic BPF filter accepts
 * only inbound UDP datagrams to the port carrying exactly a type-1
 * message (148 bytes), with a snap length of 1 byte; the socket's
 * PACKET_STATISTICS count every accepted packet (queued or dropped for a
 * full buffer), so nothing is ever read. Needs CAP_NET_RAW. Counts the
 * agent's own network namespace only. */
#ifndef WGAUDIT_HSCOUNT_H
#define WGAUDIT_HSCOUNT_H
#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>

#define HSCOUNT_PROG_MAX	40	/* instructions hscount_filter() may write */
#define WG_INITIATION_LEN	148	/* message_handshake_initiation */

struct hscount;

/* The filter program for port, into prog (max entries). Returns the
 * number of instructions or -ENOSPC. Pure. The program sees the packet
 * from the network header (SOCK_DGRAM) and returns 1 (keep one byte) for
 * a match, 0 otherwise. */
int hscount_filter(uint16_t port, struct sock_filter *prog, size_t max);
/* 0 or -errno (-EPERM without CAP_NET_RAW). */
int hscount_open(uint16_t port, struct hscount **out);
/* Initiations counted since the previous read (or open). 0 or -errno. */
int hscount_read(struct hscount *h, uint64_t *count);
uint16_t hscount_port(const struct hscount *h);
void hscount_free(struct hscount *h);
#endif
