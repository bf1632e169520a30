// SPDX-License-Identifier: GPL-2.0
/* hscount.c - handshake-initiation packet counter (see hscount.h).
 *
 * Why a packet socket and not the log: the kernel's "Invalid handshake
 * initiation" lines pass the host-wide net_ratelimit() (about 10 lines per
 * 5 s for all networking code), so a flood shows as a handful of lines and
 * a "callbacks suppressed" count without an interface. The packet socket
 * sees every datagram, including those wireguard-go drops silently.
 *
 * Why PACKET_STATISTICS and no reads: af_packet counts a packet the filter
 * accepted in tp_packets when it is queued, and in tp_drops when the
 * receive buffer is full; the getsockopt returns tp_packets + tp_drops and
 * zeroes both. With a 1-byte snap length and a minimal receive buffer, a
 * few packets sit in the queue and the rest are "dropped" - counted either
 * way, at no copy cost. The queue is drained at each read anyway so the
 * socket stays cheap.
 *
 * Inbound only: SKF_AD_PKTTYPE rejects PACKET_OUTGOING, so the server's own
 * initiations to a peer that also listens on this port are not counted,
 * and loopback traffic is counted once. IPv4 fragments (offset or MF set)
 * and IPv6 extension headers are not matched: a genuine initiation is one
 * 176- or 196-byte datagram. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sources/hscount.h"

struct hscount {
	int fd;
	uint16_t port;
};

#define ST(c, k)	((struct sock_filter)BPF_STMT(c, k))
#define JEQ(k, t, f)	((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, k, t, f))
#define JSET(k, t, f)	((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, k, t, f))

int hscount_filter(uint16_t port, struct sock_filter *prog, size_t max)
{
	/* Jump offsets count from the next instruction; every reject
	 * lands on 29. tests/unit/test_hscount.c runs the program. */
	struct sock_filter q[] = {
		/* 0 */ ST(BPF_LD | BPF_W | BPF_ABS, (uint32_t)(SKF_AD_OFF + SKF_AD_PKTTYPE)),
		/* 1 */ JEQ(PACKET_OUTGOING, 27, 0),		/* -> 29 reject */
		/* 2 */ ST(BPF_LD | BPF_B | BPF_ABS, 0),
		/* 3 */ ST(BPF_ALU | BPF_RSH | BPF_K, 4),
		/* 4 */ JEQ(4, 0, 13),				/* not v4 -> 18 */
		/* 5 */ ST(BPF_LD | BPF_B | BPF_ABS, 9),	/* protocol */
		/* 6 */ JEQ(17, 0, 22),				/* -> 29 */
		/* 7 */ ST(BPF_LD | BPF_H | BPF_ABS, 6),	/* flags + frag offset */
		/* 8 */ JSET(0x3fff, 20, 0),			/* MF or offset -> 29 */
		/* 9 */ ST(BPF_LDX | BPF_B | BPF_MSH, 0),	/* X = 4 * IHL */
		/* 10 */ ST(BPF_LD | BPF_H | BPF_IND, 2),	/* dst port */
		/* 11 */ JEQ(port, 0, 17),
		/* 12 */ ST(BPF_LD | BPF_H | BPF_IND, 4),	/* UDP length */
		/* 13 */ JEQ(8 + WG_INITIATION_LEN, 0, 15),
		/* 14 */ ST(BPF_LD | BPF_W | BPF_IND, 8),	/* type + reserved */
		/* 15 */ JEQ(0x01000000, 0, 13),
		/* 16 */ ST(BPF_RET | BPF_K, 1),
		/* 17 */ ST(BPF_RET | BPF_K, 0),
		/* 18 */ JEQ(6, 0, 10),				/* not v6 -> 29 */
		/* 19 */ ST(BPF_LD | BPF_B | BPF_ABS, 6),	/* next header */
		/* 20 */ JEQ(17, 0, 8),				/* -> 29 */
		/* 21 */ ST(BPF_LD | BPF_H | BPF_ABS, 40 + 2),
		/* 22 */ JEQ(port, 0, 6),
		/* 23 */ ST(BPF_LD | BPF_H | BPF_ABS, 40 + 4),
		/* 24 */ JEQ(8 + WG_INITIATION_LEN, 0, 4),
		/* 25 */ ST(BPF_LD | BPF_W | BPF_ABS, 40 + 8),
		/* 26 */ JEQ(0x01000000, 0, 2),
		/* 27 */ ST(BPF_RET | BPF_K, 1),
		/* 28 */ ST(BPF_RET | BPF_K, 0),
		/* 29 */ ST(BPF_RET | BPF_K, 0),
	};

	if ((sizeof(q) / sizeof(q[0])) > max)
		return -ENOSPC;
	memcpy(prog, q, sizeof(q));
	return (int)(sizeof(q) / sizeof(q[0]));
}

int hscount_open(uint16_t port, struct hscount **out)
{
	struct sock_filter prog[HSCOUNT_PROG_MAX];
	struct sock_fprog fprog = { 0 };
	struct sockaddr_ll sll = { 0 };
	struct tpacket_stats st;
	socklen_t sl = sizeof(st);
	struct hscount *h;
	int n, one = 1, ret;

	*out = NULL;
	n = hscount_filter(port, prog, HSCOUNT_PROG_MAX);
	if (n < 0)
		return n;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->port = port;
	/* Protocol 0: receives nothing until bound, so no packet gets past
	 * before the filter is in place. */
	h->fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (h->fd < 0) {
		ret = -errno;
		goto out;
	}
	fprog.len = (unsigned short)n;
	fprog.filter = prog;
	if (setsockopt(h->fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog)) < 0 ||
	    setsockopt(h->fd, SOL_SOCKET, SO_LOCK_FILTER, &one, sizeof(one)) < 0 ||
	    setsockopt(h->fd, SOL_SOCKET, SO_RCVBUF, &one, sizeof(one)) < 0) {
		ret = -errno;
		goto out;
	}
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	if (bind(h->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		ret = -errno;
		goto out;
	}
	/* Start from zero. */
	getsockopt(h->fd, SOL_PACKET, PACKET_STATISTICS, &st, &sl);
	*out = h;
	h = NULL;
	ret = 0;
out:
	hscount_free(h);
	return ret;
}

int hscount_read(struct hscount *h, uint64_t *count)
{
	struct tpacket_stats st;
	socklen_t sl = sizeof(st);
	char b[1];

	*count = 0;
	/* Bounded drain of the 1-byte snaps queued since the last read. */
	for (int i = 0; i < 256; i++)
		if (recv(h->fd, b, sizeof(b), MSG_DONTWAIT | MSG_TRUNC) < 0)
			break;
	if (getsockopt(h->fd, SOL_PACKET, PACKET_STATISTICS, &st, &sl) < 0)
		return -errno;
	/* tp_packets already includes tp_drops (af_packet adds them). */
	*count = st.tp_packets;
	return 0;
}

uint16_t hscount_port(const struct hscount *h)
{
	return h->port;
}

void hscount_free(struct hscount *h)
{
	if (!h)
		return;
	if (h->fd >= 0)
		close(h->fd);
	free(h);
}
