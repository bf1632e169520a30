// SPDX-License-Identifier: GPL-2.0
/* pump.c - the bytes of an up connection: write the send buffer (TCP and
 * UDP with send(2), jsonl with write(2), TLS through tls.c), pace the
 * looks for the collector's acks, and read back (and drop) what the
 * collector sends. What goes into the buffer and when the cursor moves is
 * ledger.c's; connecting, failing and backing off is output.c's; struct
 * output, shared by the three, is in output_int.h.
 *
 * One turn sends at most OUT_TURN_BATCHES batches, then yields through a
 * zero timer so observation keeps running; a full socket waits for
 * EPOLLOUT; nothing here blocks the loop.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <unistd.h>

#include "outputs/output.h"
#include "outputs/output_int.h"
#include "outputs/tls.h"

/* The collector has nothing to tell us; read it (bounded) so its data
 * cannot fill our receive buffer, and notice an orderly close. */
static void discard_input_tls(struct output *o)
{
	char why[512];
	bool want_write;
	int ret = tls_drain(o->tls, OUT_DISCARD_MAX, &want_write, why, sizeof(why));

	if (ret < 0) {
		conn_fail_tls(o, why, -ret);
		return;
	}
	o->tls_read_out = want_write;
	if (want_write)
		conn_set_events(o, true);
	conn_tls_accepted(o);	/* a ticket may just have come */
}

void pump_discard_input(struct output *o)
{
	char tmp[4096];
	size_t total = 0;

	if (o->tls) {
		discard_input_tls(o);
		return;
	}
	while (o->state == ST_UP && total < OUT_DISCARD_MAX) {
		ssize_t n = recv(o->fd, tmp, sizeof(tmp), MSG_DONTWAIT);

		if (n > 0) {
			total += (size_t)n;
			continue;
		}
		if (n == 0 && o->url.kind != OUTPUT_UDP) {
			conn_fail(o, "connection closed by collector", ECONNRESET);
			return;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0 && o->url.kind == OUTPUT_UDP) {
			/* ICMP unreachable for an earlier datagram: that one is
			 * lost, as UDP allows; note it and carry on. */
			conn_went_down(o, "collector unreachable (ICMP)", errno);
			continue;
		}
		if (n < 0) {
			conn_fail(o, "receive", errno);
			return;
		}
		return;
	}
}

/* --- writing ------------------------------------------------------------ */

/* SSL_write from off; after WANT_WRITE it is retried with the same bytes
 * (buf does not change until everything in it is written). */
static int write_step_tls(struct output *o)
{
	char why[512];
	bool want_write;
	ssize_t n;

	ledger_wire_marks(o);	/* filtered events at the head carry no bytes */
	if (o->off == o->len) {
		ledger_confirm(o);
		return 1;
	}
	n = tls_write(o->tls, o->buf + o->off, o->len - o->off, &want_write,
		      why, sizeof(why));
	if (n > 0) {
		o->off += (size_t)n;
		ledger_wire_marks(o);
		ledger_confirm(o);
		return 1;
	}
	if (n == -EAGAIN) {
		/* a write that must read first (rare: TLS 1.3 post-handshake)
		 * still waits on EPOLLIN, which is always watched */
		return 0;
	}
	conn_fail_tls(o, why, (int)-n);
	return -1;
}

/* One write step. 1 progress, 0 must wait (EAGAIN), -1 failed (handled). */
static int write_step(struct output *o)
{
	size_t end = o->len;
	ssize_t n;

	if (o->url.kind == OUTPUT_UDP) {
		/* one datagram = the bytes up to the next marker */
		ledger_confirm(o);	/* filtered (empty) ones first */
		if (!o->mcount)
			return 1;
		end = (size_t)(o->marks[o->mhead].end - o->wbase);
	}
	if (o->tls)
		return write_step_tls(o);
	if (o->url.kind == OUTPUT_JSONL)
		n = write(o->fd, o->buf + o->off, end - o->off);
	else
		n = send(o->fd, o->buf + o->off, end - o->off, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n >= 0) {
		o->off += (size_t)n;
		if (o->url.kind == OUTPUT_UDP)
			o->off = end;	/* a datagram goes whole or not at all */
		ledger_confirm(o);
		return 1;
	}
	if (errno == EINTR)
		return 1;
	if (errno == EAGAIN)
		return 0;
	if (o->url.kind == OUTPUT_UDP && errno == ECONNREFUSED) {
		conn_went_down(o, "collector unreachable (ICMP)", errno);
		return 1;	/* the error was for an earlier datagram: retry */
	}
	if (o->url.kind == OUTPUT_JSONL) {
		/* Keep the half-written line: resume exactly there. */
		conn_went_down(o, "write", errno);
		o->state = ST_BACKOFF;
		conn_backoff(o);
		return -1;
	}
	conn_fail(o, "send", errno);
	return -1;
}

/* Waiting for the collector's TCP acks (SIOCOUTQ): no event says they
 * came (EPOLLOUT only says the socket has room, and with a full window of
 * marks nothing is waiting to be written), so look again after a delay:
 * OUT_ACK_POLL_MIN_MS while the last look confirmed something (the
 * collector is reading; a window that fills faster than it is confirmed
 * must not sit idle for OUT_ACK_POLL_MS each time: bench/README.md
 * "Ack-paced delivery"), doubling up to OUT_ACK_POLL_MS while nothing
 * moves (a stalled or distant collector costs ~20 looks a second). */
int pump_ack_poll_delay(struct output *o)
{
	if (o->cursor != o->ack_poll_cursor || o->ack_poll_ms <= 0) {
		o->ack_poll_cursor = o->cursor;
		o->ack_poll_ms = OUT_ACK_POLL_MIN_MS;
	} else if (o->ack_poll_ms < OUT_ACK_POLL_MS) {
		o->ack_poll_ms = o->ack_poll_ms * 2 > OUT_ACK_POLL_MS ?
				 OUT_ACK_POLL_MS : o->ack_poll_ms * 2;
	}
	return o->ack_poll_ms;
}

/* Send what the cursor allows. yield: stop after OUT_TURN_BATCHES and come
 * back through a zero timer so observation keeps running. */
void pump_send(struct output *o, bool yield)
{
	int batches = 0;

	while (o->state == ST_UP) {
		if (o->off == o->len) {
			bool got;

			ledger_confirm(o);
			if (yield && batches++ >= OUT_TURN_BATCHES) {
				conn_arm(o, 0);
				return;
			}
			if (ledger_fill(o, &got) < 0 || !got)
				break;
			continue;
		}
		switch (write_step(o)) {
		case 0:
			conn_set_events(o, true);
			if (o->url.kind == OUTPUT_JSONL)
				conn_arm(o, 50);	/* a non-blocking stdout pipe */
			return;
		case -1:
			return;
		}
	}
	if (o->state != ST_UP)
		return;
	if (o->want_out)
		conn_set_events(o, false);
	if (o->mcount)	/* written, waiting for the collector's acks */
		conn_arm(o, pump_ack_poll_delay(o));
}
