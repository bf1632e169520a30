// SPDX-License-Identifier: GPL-2.0
/* output_int.h - private to output.c (the connection state machine),
 * pump.c (the bytes of an up connection) and ledger.c (the journal cursor
 * and what the collector acknowledged): struct output and the calls they
 * make into each other. */
#ifndef WGAUDIT_OUTPUT_INT_H
#define WGAUDIT_OUTPUT_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "base/loop.h"
#include "base/util.h"
#include "outputs/output.h"

#define OUT_BATCH		256		/* events per store read */
#define OUT_MARK_CAP		4096		/* events in flight (unacked) */
#define OUT_ACK_POLL_MS		50		/* re-check SIOCOUTQ while unacked: at most */
#define OUT_ACK_POLL_MIN_MS	1		/* ... and while acks keep coming */
#define OUT_TURN_BATCHES	8		/* batches per loop turn, then yield */
#define OUT_REC_MAX		32768		/* one formatted record (see test_format) */
#define OUT_BUF_HIGH		(128 * 1024)	/* stop filling above this */
#define OUT_BUF_CAP		(OUT_BUF_HIGH + OUT_REC_MAX + 32)
#define OUT_UDP_MAX		8192		/* larger datagrams are truncated */
#define OUT_MAX_ADDRS		8
#define OUT_BACKOFF_MIN_MS	1000
#define OUT_BACKOFF_MAX_MS	60000
#define OUT_DISCARD_MAX		65536		/* bytes read back per wakeup */
#define OUT_HANDSHAKE_MS	15000		/* TLS: TCP up, no handshake: give up */
#define OUT_TLS_ACCEPT_MS	3000		/* TLS 1.3: see tls_acked() */
#define OUT_RESOLVE_MS		10000		/* a name lookup: give up, back off */
#define OUTPUT_CANON_MAX	(3 * 4 * OUTPUT_PATH_LEN + 2 * OUTPUT_HOST_LEN + 64)

enum out_state {
	ST_IDLE,	/* nothing open, nothing armed */
	ST_RESOLVING,	/* a name lookup runs off the loop (o->rq) */
	ST_CONNECTING,
	ST_HANDSHAKE,	/* TLS: TCP connected, handshake under way */
	ST_UP,
	ST_BACKOFF,	/* timer armed to reconnect / retry */
};

struct out_mark {
	uint64_t end;	/* stream offset just past this event's bytes */
	int64_t id;
	bool data;	/* false: filtered, no bytes */
	uint64_t wire;	/* TLS: ciphertext count once `end` was written */
};

struct output {
	char *name;			/* the URL: log prefix */
	char *cursor_key;		/* where the delivery cursor is kept */
	struct output_url url;
	struct output_opts opts;
	char host[256];			/* HOSTNAME we send */
	struct loop *loop;
	struct store *store;

	enum out_state state;
	int fd;
	bool fd_watched, want_out, own_fd;
	struct loop_timer timer;
	int backoff_ms;
	uint64_t rng;
	bool down_logged;		/* "disconnected" said, not yet "connected" */
	int last_err;

	struct resolve_req *rq;		/* the lookup under way, if any */
	int64_t resolve_until;		/* when it is given up */
	union endpoint addrs[OUT_MAX_ADDRS];
	socklen_t addrlens[OUT_MAX_ADDRS];
	size_t naddrs, addr_idx;

	int64_t cursor;			/* confirmed */
	int64_t queued;			/* last id in buf (>= cursor) */
	int64_t limit;			/* last committed id seen at a kick */
	int64_t synced;			/* jsonl: cursor at the last fdatasync */
	bool syncable;			/* jsonl: a regular file (a FIFO, /dev/null: no) */
	char *buf;			/* unwritten bytes only */
	size_t off, len;		/* written, filled */
	uint64_t wbase;			/* stream offset of buf[0] on this connection */
	struct out_mark marks[OUT_MARK_CAP];	/* ring */
	size_t mhead, mcount;
	int ack_poll_ms;		/* next SIOCOUTQ look while unacked */
	int64_t ack_poll_cursor;	/* the cursor at the last look */

	char *rec;			/* scratch record */
	struct output_stats st;

	struct tls_ctx *tls_ctx;	/* syslog+tls: built once at open */
	struct tls_conn *tls;		/* this connection's session */
	size_t mwired;			/* marks from mhead with .wire set */
	int64_t tls_up_us;		/* when the handshake finished */
	bool tls_ok;			/* the collector accepted this session */
	bool tls_read_out;		/* a TLS read waits for EPOLLOUT */
	struct relp_out *relp;		/* syslog+relp: the session is in relp.c */
};

/* --- ledger.c: the cursor and the events in flight ---------------------- */

/* Forget the unconfirmed tail: it is read again from the journal. */
void ledger_reset(struct output *o);
/* Move the cursor past every event the collector has (see ledger.c). */
void ledger_confirm(struct output *o);
/* TLS: give marks SSL_write has finished the ciphertext count now. */
void ledger_wire_marks(struct output *o);
/* Read a batch after the last queued id into buf; *got: any new mark. */
int ledger_fill(struct output *o, bool *got);
/* Take in the last id the store has committed (never past it). */
void ledger_update_limit(struct output *o);
/* Bytes unwritten, marks unconfirmed, or committed events not yet read. */
bool ledger_pending(const struct output *o);
/* Name the cursor (key, else the canonical URL) and load, take over or
 * start it; o->url parsed. 0 or -errno. */
int ledger_open_cursor(struct output *o, const char *url, const char *key);
/* jsonl: open the file (or stdout), cut a torn last line, resume after the
 * last line written; the output is then ST_UP. 0 or -errno with a message
 * in err. */
int ledger_open_jsonl(struct output *o, char *err, size_t errlen);

/* --- output.c: the connection ------------------------------------------ */

/* Has the TLS collector accepted this session (and if it just
 * did, say "connected")? */
bool conn_tls_accepted(struct output *o);
/* Watch the socket for EPOLLIN, and EPOLLOUT too when want_out. */
void conn_set_events(struct output *o, bool want_out);
/* The output's one timer, delay_ms from now (a no-op without a loop). */
void conn_arm(struct output *o, int delay_ms);
/* Count and log a failure (once while down: then at debug). */
void conn_went_down(struct output *o, const char *what, int err);
/* ST_BACKOFF, the timer armed at the next jittered delay. */
void conn_backoff(struct output *o);
/* Close, forget the unconfirmed tail, log, back off. */
void conn_fail(struct output *o, const char *what, int err);
/* The same for a TLS failure: why names the step and the reason. */
void conn_fail_tls(struct output *o, const char *why, int err);

/* --- pump.c: the bytes of an up connection ----------------------------- */

/* Send what the cursor allows. yield: stop after OUT_TURN_BATCHES and come
 * back through a zero timer so observation keeps running. */
void pump_send(struct output *o, bool yield);
/* Read what the collector sent (bounded) and drop it; notice a close. */
void pump_discard_input(struct output *o);
/* The delay of the next look for acks (SIOCOUTQ), in ms. */
int pump_ack_poll_delay(struct output *o);
#endif
