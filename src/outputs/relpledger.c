// SPDX-License-Identifier: GPL-2.0
/* relpledger.c - what a syslog+relp:// output has delivered: the ring of
 * events read from the journal, the txnr each was sent with, the answers,
 * and the cursor. The session and its connection are relp.c's; both share
 * struct relp_out (relp_int.h).
 *
 * An event is delivered when the receiver answered its txnr with "rsp 200":
 * only then may the cursor pass it, and the cursor moves in journal order
 * (an answer for a later txnr waits for the earlier ones). Events the
 * severity filter skips take a slot in the ring but no txnr, already
 * answered, so a run of them never holds the cursor back.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "base/event.h"
#include "base/log.h"
#include "base/relpframe.h"
#include "outputs/format.h"
#include "outputs/output.h"
#include "outputs/relp.h"
#include "outputs/relp_int.h"
#include "store/store.h"

/* Forget what is unconfirmed: it is read again from the journal. */
void relp_ledger_reset(struct relp_out *r)
{
	r->rhead = r->rcount = r->inflight = r->ack_hint = 0;
	r->soff = r->slen = r->rlen = 0;
	r->queued = r->cursor;
	r->next_txnr = 1;
}

uint32_t relp_ledger_txnr(struct relp_out *r)
{
	uint32_t t = r->next_txnr;

	r->next_txnr = t >= RELP_TXNR_MAX ? 1 : t + 1;
	return t;
}

/* --- the cursor --------------------------------------------------------- */

/* Pop answered events off the ring's head; the cursor follows. */
void relp_ledger_confirm(struct relp_out *r)
{
	int64_t before = r->cursor;
	int ret;

	while (r->rcount && r->ring[r->rhead].acked) {
		r->cursor = r->ring[r->rhead].id;
		r->rhead = (r->rhead + 1) % RELP_RING_CAP;
		r->rcount--;
		if (r->ack_hint)
			r->ack_hint--;
	}
	if (r->cursor == before)
		return;
	ret = store_cursor_set(r->store, r->cursor_key, r->cursor);
	if (ret < 0)
		log_warnx("output %s: cannot save cursor %lld: %s", r->name,
			  (long long)r->cursor, strerror(-ret));
}

/* rsp for txnr: mark its event. Receivers answer in order in practice,
 * so the search starts just after the last answered slot (a window of
 * answers read at once costs O(window), not O(window^2)) and wraps. */
int relp_ledger_ack(struct relp_out *r, uint32_t txnr)
{
	for (size_t k = 0; k < r->rcount; k++) {
		size_t i = (r->ack_hint + k) % r->rcount;
		struct rmark *m = &r->ring[(r->rhead + i) % RELP_RING_CAP];

		if (m->txnr != txnr || m->acked)
			continue;
		m->acked = true;
		r->inflight--;
		r->st.sent++;
		r->ack_hint = i + 1;
		return 0;
	}
	return -ENOENT;
}

/* --- filling ------------------------------------------------------------ */

static int fill_cb(void *ctx, const struct event *ev)
{
	struct relp_out *r = ctx;
	struct rmark *m;
	ssize_t n = 0, f;

	if (ev->id > r->limit)
		return 1;	/* not known to be committed */
	if (r->rcount >= RELP_RING_CAP || r->inflight >= RELP_WINDOW ||
	    r->slen >= RELP_SBUF_HIGH)
		return 1;
	m = &r->ring[(r->rhead + r->rcount) % RELP_RING_CAP];
	*m = (struct rmark){ .id = ev->id, .acked = true };
	if (ev->severity > r->opts.min_severity) {
		r->st.filtered++;
	} else {
		if (r->url.format == OUTPUT_RFC3164)
			n = format_rfc3164(ev, r->host, r->opts.facility, r->rec, RELP_REC_MAX);
		else
			n = format_rfc5424_sd(ev, r->host, r->opts.facility, r->url.sd_id,
					      r->rec, RELP_REC_MAX);
		if (n < 0) {
			log_warnx("output %s: event %lld does not fit a record, skipped",
				  r->name, (long long)ev->id);
			r->st.failed++;
		} else {
			m->txnr = relp_ledger_txnr(r);
			f = relp_frame_put(r->sbuf + r->slen, RELP_SBUF_CAP - r->slen,
					   m->txnr, "syslog", r->rec, (size_t)n);
			if (f < 0)
				return -EOVERFLOW;	/* cannot happen: sized for it */
			r->slen += (size_t)f;
			m->acked = false;
			r->inflight++;
		}
	}
	r->rcount++;
	r->queued = ev->id;
	return 0;
}

int relp_ledger_fill(struct relp_out *r, bool *got)
{
	size_t before = r->rcount;
	int ret;

	*got = false;
	if (r->soff != r->slen || r->inflight >= RELP_WINDOW ||
	    RELP_RING_CAP - r->rcount < RELP_BATCH || r->queued >= r->limit)
		return 0;
	ret = store_read_after(r->store, r->queued, RELP_BATCH, fill_cb, r);
	if (ret < 0) {
		log_warnx("output %s: reading the journal: %s", r->name, strerror(-ret));
		return ret;
	}
	*got = r->rcount > before;
	return 0;
}

bool relp_ledger_pending(const struct relp_out *r)
{
	return r->rcount || r->queued < r->limit;
}

void relp_out_get_stats(const struct relp_out *r, struct output_stats *st)
{
	*st = r->st;
	st->cursor = r->cursor;
	st->connected = r->state == R_UP;
}
