// SPDX-License-Identifier: GPL-2.0
/* relp_int.h - private to relp.c (the RELP session on its connection) and
 * relpledger.c (the txnrs in flight and the cursor): struct relp_out and
 * the calls relp.c makes into the ledger. */
#ifndef WGAUDIT_RELP_INT_H
#define WGAUDIT_RELP_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "base/loop.h"
#include "base/relpframe.h"
#include "base/util.h"
#include "outputs/output.h"

#define RELP_RING_CAP		4096		/* events read, not yet confirmed */
#define RELP_WINDOW		1024		/* syslog frames unanswered at once */
#define RELP_BATCH		256		/* events per journal read */
#define RELP_TURN_BATCHES	8
#define RELP_REC_MAX		32768		/* one formatted record */
#define RELP_SBUF_HIGH		(128 * 1024)
#define RELP_SBUF_CAP		(RELP_SBUF_HIGH + RELP_REC_MAX + RELP_HDR_MAX + 2)
#define RELP_RBUF_CAP		8192		/* answers are short; offers < 4 KiB */
#define RELP_RSP_MAX		4096
#define RELP_MAX_ADDRS		8
#define RELP_BACKOFF_MIN_MS	1000
#define RELP_BACKOFF_MAX_MS	60000
#define RELP_OPEN_MS		15000		/* connect + open answered */
#define RELP_ACK_TIMEOUT_MS	30000		/* events wait, receiver silent */
#define RELP_ACK_POLL_MS	1000
#define RELP_GAI_POLL_MS	20
#define RELP_RESOLVE_MS		10000	/* as output.c: a lookup unanswered, backoff */
#define RELP_OFFERS		"relp_version=0\nrelp_software=wgaudit," WGAUDIT_VERSION \
				",https://github.com/wgaudit\ncommands=syslog"

enum relp_state {
	R_IDLE,
	R_RESOLVING,	/* getaddrinfo_a under way */
	R_CONNECTING,
	R_HANDSHAKE,	/* TLS: TCP up, handshake under way */
	R_OPENING,	/* "open" sent, its rsp not yet in */
	R_UP,
	R_BACKOFF,
};

struct rmark {
	int64_t id;
	uint32_t txnr;	/* 0: filtered, no frame */
	bool acked;
};

struct relp_out {
	char *name, *cursor_key;
	struct output_url url;
	struct output_opts opts;
	char host[256];
	struct loop *loop;
	struct store *store;

	enum relp_state state;
	int fd;
	bool watched, want_out;
	struct tls_ctx *tls_ctx;	/* ?tls=1: built once at open */
	struct tls_conn *tls;		/* this connection's session */
	struct loop_timer timer;
	int64_t deadline_us;	/* open / ack timeout; 0 = none */
	int backoff_ms;
	uint64_t rng;
	bool down_logged;
	int last_err;

	struct resolve_req *rq;	/* a name lookup under way (resolve.c) */
	int64_t resolve_until;	/* given up then, like a connect */
	char port[8];
	union endpoint addrs[RELP_MAX_ADDRS];
	socklen_t addrlens[RELP_MAX_ADDRS];
	size_t naddrs, addr_idx;

	int64_t cursor, queued, limit;
	uint32_t next_txnr;
	struct rmark ring[RELP_RING_CAP];
	size_t rhead, rcount, inflight;
	size_t ack_hint;	/* ring offset (from rhead) where the next answer is likely */
	char *sbuf, *rec;
	size_t soff, slen;
	char rbuf[RELP_RBUF_CAP];
	size_t rlen;
	struct output_stats st;
};

/* --- relpledger.c: the ring, the txnrs, the cursor ---------------------- */

/* Forget what is unconfirmed (and the session's buffers): it is read
 * again from the journal; txnrs start at 1 again. */
void relp_ledger_reset(struct relp_out *r);
/* The next txnr, wrapping after RELP_TXNR_MAX. */
uint32_t relp_ledger_txnr(struct relp_out *r);
/* Move the cursor past the answered events at the ring's head. */
void relp_ledger_confirm(struct relp_out *r);
/* The receiver's rsp 200 for txnr: 0, or -ENOENT if none is in flight. */
int relp_ledger_ack(struct relp_out *r, uint32_t txnr);
/* Frame a batch of events after the last queued id into sbuf, within the
 * window and the ring; *got: any new slot. 0 or -errno. */
int relp_ledger_fill(struct relp_out *r, bool *got);
/* Events read and not yet answered, or committed and not yet read. */
bool relp_ledger_pending(const struct relp_out *r);
#endif
