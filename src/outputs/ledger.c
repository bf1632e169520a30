// SPDX-License-Identifier: GPL-2.0
/* ledger.c - what an output has delivered: its journal cursor, the events
 * in flight and what the collector acknowledged of them. The connection
 * that carries them (connect, TLS, backoff) is output.c's, its writes
 * pump.c's; the three share struct output (output_int.h).
 *
 * The journal is the queue. Each output keeps a cursor in the store (named
 * by its canonical URL or its [output] name, see output_opts.cursor_key)
 * and reads events after it into one bounded send buffer,
 * formatted and framed, with a marker (end offset, journal id) per event.
 * The cursor moves past an event only when every byte of it has been
 * written to the socket/file and, on TCP, acknowledged by the collector's
 * kernel (SIOCOUTQ, see ledger_confirm(), looked at on every write and,
 * while acks are awaited, 1-50 ms later: pump_ack_poll_delay() in pump.c);
 * anything unconfirmed at a disconnect is dropped from memory and read
 * again from the journal after the reconnect. That is at-least-once: a
 * collector may see duplicates around a break, never a gap. UDP cannot
 * know: its cursor moves once send() succeeded.
 *
 * First use: a URL with no cursor in the store starts at the journal's last
 * id at open time (only events appended from then on), so adding an output
 * to a host with a long history does not replay it. The cursor is written
 * at once, so a crash before the first delivery does not lose that point.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/sockios.h>
#include <unistd.h>

#include "base/event.h"
#include "base/log.h"
#include "outputs/format.h"
#include "outputs/jsonl.h"
#include "outputs/output.h"
#include "outputs/output_int.h"
#include "outputs/relp.h"
#include "outputs/tls.h"
#include "store/store.h"

/* --- cursor ---------------------------------------------------------- */

/* Forget the unconfirmed tail: it is read again from the journal. */
void ledger_reset(struct output *o)
{
	o->off = o->len = 0;
	o->wbase = 0;
	o->mhead = o->mcount = 0;
	o->mwired = 0;
	o->queued = o->cursor;
}

/* Bytes written but not yet acknowledged by the collector's TCP. */
static uint64_t unacked(struct output *o)
{
	int q = 0;

	if ((o->url.kind != OUTPUT_TCP && o->url.kind != OUTPUT_TLS) || o->fd < 0)
		return 0;
	if (ioctl(o->fd, SIOCOUTQ, &q) < 0 || q < 0)
		return 0;
	return (uint64_t)q;
}

/* TLS: SIOCOUTQ counts ciphertext, records carry overhead, and the
 * session sends bytes of its own (handshake, tickets, alerts). So each mark
 * gets, once SSL_write has taken its last byte (and with it, handed every
 * ciphertext byte of it to the socket), the connection's ciphertext count
 * at that moment (mark.wire). The kernel sends in order, so when
 * wire_written - SIOCOUTQ >= mark.wire every record up to and including
 * the message's last one was acked. One more gate for TLS 1.3: a server
 * that rejects our client certificate says so only after our handshake
 * finished, while its kernel acks the records we already sent; so nothing
 * is confirmed on a TLS 1.3 session until the server has sent a record of
 * its own after the handshake (OpenSSL and GnuTLS servers send session
 * tickets at once) or OUT_TLS_ACCEPT_MS passed without an alert. Returns
 * how far the acked ciphertext reaches; 0 while gated. */
static uint64_t tls_acked(struct output *o)
{
	uint64_t w, q;

	if (!o->tls || o->state != ST_UP || !conn_tls_accepted(o))
		return 0;
	w = tls_wire_written(o->tls);
	q = unacked(o);
	return q > w ? 0 : w - q;
}

static bool head_acked(const struct output *o, uint64_t acked, uint64_t wacked)
{
	if (!o->mcount)
		return false;
	if (o->url.kind == OUTPUT_TLS)
		return o->mwired && o->marks[o->mhead].wire <= wacked;
	return o->marks[o->mhead].end <= acked;
}

/* Give every mark whose last byte SSL_write has taken the ciphertext
 * count now: all of its records are in the socket (see tls_acked()). */
void ledger_wire_marks(struct output *o)
{
	uint64_t written = o->wbase + o->off, wire = tls_wire_written(o->tls);

	while (o->mwired < o->mcount) {
		struct out_mark *m = &o->marks[(o->mhead + o->mwired) % OUT_MARK_CAP];

		if (m->end > written)
			break;
		m->wire = wire;
		o->mwired++;
	}
}

/* An event is confirmed when its last byte is written and, on TCP, also
 * acknowledged by the collector's kernel (SIOCOUTQ = write_seq - snd_una):
 * bytes written into a connection the collector already closed are never
 * acked, so they are sent again after the reconnect instead of being lost.
 * (A collector that dies after its kernel acked but before it read is
 * beyond what syslog over TCP can tell; RELP would be.) Only this function
 * decides what is confirmed. */
void ledger_confirm(struct output *o)
{
	uint64_t written = o->wbase + o->off, q = unacked(o);
	uint64_t acked = q > written ? 0 : written - q;
	uint64_t wacked;
	int64_t before = o->cursor;

	/* TLS: a filtered event has no bytes, so no SSL_write ever takes its
	 * last byte; give it (and every mark written so far) the ciphertext
	 * count now, or a run of filtered events longer than the ring stalls
	 * the output for good (nothing written, nothing confirmed, no room
	 * to read further). In order: it is confirmed once everything
	 * before it was acked. */
	if (o->tls)
		ledger_wire_marks(o);
	wacked = o->url.kind == OUTPUT_TLS ? tls_acked(o) : 0;

	while (head_acked(o, acked, wacked)) {
		o->cursor = o->marks[o->mhead].id;
		if (o->marks[o->mhead].data)
			o->st.sent++;
		o->mhead = (o->mhead + 1) % OUT_MARK_CAP;
		o->mcount--;
		if (o->mwired)
			o->mwired--;
	}
	if (o->off == o->len) {	/* all written: the buffer starts afresh */
		o->wbase += o->len;
		o->off = o->len = 0;
	}
	if (o->cursor != before) {
		int ret = store_cursor_set(o->store, o->cursor_key, o->cursor);

		if (ret < 0)
			log_warnx("output %s: cannot save cursor %lld: %s", o->name,
				  (long long)o->cursor, strerror(-ret));
	}
}

/* --- filling the buffer from the journal ------------------------------ */

static ssize_t format_record(struct output *o, const struct event *ev)
{
	ssize_t n;

	if (o->url.kind == OUTPUT_JSONL) {
		n = format_json(ev, o->host, o->rec, OUT_REC_MAX - 1);
		if (n >= 0)
			o->rec[n++] = '\n';
		return n;
	}
	if (o->url.format == OUTPUT_RFC3164)
		n = format_rfc3164(ev, o->host, o->opts.facility, o->rec, OUT_REC_MAX - 1);
	else
		n = format_rfc5424_sd(ev, o->host, o->opts.facility, o->url.sd_id,
				      o->rec, OUT_REC_MAX - 1);
	if (n < 0)
		return n;
	if (o->url.framing == OUTPUT_LF)
		o->rec[n++] = '\n';
	if (o->url.kind == OUTPUT_UDP && n > OUT_UDP_MAX) {
		log_warnx("output %s: event %lld is %zd bytes, truncated to %d",
			  o->name, (long long)ev->id, n, OUT_UDP_MAX);
		n = OUT_UDP_MAX;
	}
	return n;
}

static int fill_cb(void *ctx, const struct event *ev)
{
	struct output *o = ctx;
	size_t slot;
	ssize_t n = 0;

	if (ev->id > o->limit)
		return 1;	/* not known to be committed yet */
	if (o->mcount >= OUT_MARK_CAP || o->len >= OUT_BUF_HIGH)
		return 1;	/* full: stop, this event stays unqueued */
	if (ev->severity > o->opts.min_severity) {
		o->st.filtered++;
	} else if ((n = format_record(o, ev)) < 0) {
		/* Cannot happen with OUT_REC_MAX sized for the worst case;
		 * say so rather than stall the output forever. */
		log_warnx("output %s: event %lld does not fit a record, skipped",
			  o->name, (long long)ev->id);
		o->st.failed++;
		n = 0;
	} else {
		if (o->url.framing == OUTPUT_OCTET)	/* RFC 6587 3.4.1 */
			o->len += (size_t)snprintf(o->buf + o->len, 16, "%zd ", n);
		memcpy(o->buf + o->len, o->rec, (size_t)n);
		o->len += (size_t)n;
	}
	slot = (o->mhead + o->mcount++) % OUT_MARK_CAP;
	o->marks[slot].end = o->wbase + o->len;
	o->marks[slot].id = ev->id;
	o->marks[slot].data = n > 0;
	o->queued = ev->id;
	return 0;
}

/* Read more once the buffer is written out and the ring has room for a
 * batch; unacked events stay in the ring meanwhile. */
int ledger_fill(struct output *o, bool *got)
{
	size_t before = o->mcount;
	int ret;

	*got = false;
	if (o->off != o->len || OUT_MARK_CAP - o->mcount < OUT_BATCH)
		return 0;
	ret = store_read_after(o->store, o->queued, OUT_BATCH, fill_cb, o);
	if (ret < 0) {
		log_warnx("output %s: reading the journal: %s", o->name, strerror(-ret));
		return ret;
	}
	*got = o->mcount > before;
	return 0;
}

void ledger_update_limit(struct output *o)
{
	int64_t last;

	if (store_last_id(o->store, &last) == 0 && last > o->limit)
		o->limit = last;
}

bool ledger_pending(const struct output *o)
{
	return o->off != o->len || o->mcount || o->queued < o->limit;
}

/* --- jsonl: the file read back --------------------------------------- */

/* The file is the record of what was written: the cursor follows it. */
int ledger_open_jsonl(struct output *o, char *err, size_t errlen)
{
	if (!strcmp(o->url.path, "-")) {
		o->fd = STDOUT_FILENO;
		o->own_fd = false;
	} else {
		struct stat sb;
		int64_t seq;
		uint64_t cut;
		int ret;

		o->fd = open(o->url.path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		if (o->fd < 0) {
			ret = -errno;
			snprintf(err, errlen, "output \"%s\": cannot open %s: %s",
				 o->name, o->url.path, strerror(errno));
			return ret;
		}
		o->own_fd = true;
		/* Only a regular file has a copy on disk to make durable:
		 * fdatasync of a FIFO or a device fails (EINVAL), every turn. */
		o->syncable = fstat(o->fd, &sb) == 0 && S_ISREG(sb.st_mode);
		if (!o->syncable)
			log_info("output %s: %s is not a regular file: not synced, not read back",
				 o->name, o->url.path);
		/* After a crash: cut a torn line; resume after the last line
		 * written, which the cursor (committed a turn later) may lag. */
		ret = jsonl_repair(o->fd, store_instance(o->store), &seq, &cut);
		if (ret < 0) {
			snprintf(err, errlen, "output \"%s\": cannot read back %s: %s",
				 o->name, o->url.path, strerror(-ret));
			return ret;
		}
		if (cut)
			log_warnx("output %s: cut a torn last line (%llu bytes) left by a crash",
				  o->name, (unsigned long long)cut);
		if (seq > o->cursor) {
			o->cursor = o->queued = o->st.cursor = seq;
			ret = store_cursor_set(o->store, o->cursor_key, seq);
			if (ret < 0) {
				snprintf(err, errlen, "output \"%s\": cannot save its cursor: %s",
					 o->name, strerror(-ret));
				return ret;
			}
		}
		o->synced = o->cursor;
	}
	o->state = ST_UP;
	return 0;
}

void output_sync(struct output *o)
{
	if (o->url.kind != OUTPUT_JSONL || !o->own_fd || !o->syncable ||
	    o->synced == o->cursor)
		return;
	if (fdatasync(o->fd) == 0) {
		o->synced = o->cursor;
	} else if (errno == EINVAL || errno == EROFS) {
		/* a file system without sync: said once, not every turn */
		log_warn("output %s: fdatasync (not tried again)", o->name);
		o->syncable = false;
	} else {
		log_warn("output %s: fdatasync", o->name);
	}
}

/* --- the cursor's name ------------------------------------------------ */

/* The cursor under the output's canonical name. Older versions named it
 * by the URL as given without its query (so two URLs that differed in
 * ?format= shared one). Until output_cursor_names_migrated() marks the
 * store, an output without a cursor of its own takes over the one of its
 * old name at its position; every output of the first configuration to
 * run does, then never again (an output added later starts at the end). */
#define CURSOR_NAMES_META	"output_cursor_names"

int ledger_open_cursor(struct output *o, const char *url, const char *key)
{
	char canon[OUTPUT_CANON_MAX], v[16];
	int64_t old = -1;
	char *legacy = NULL;
	int ret;

	if (key && key[0]) {
		o->cursor_key = strdup(key);
	} else {
		ret = output_url_canonical(&o->url, canon, sizeof(canon));
		if (ret < 0)
			return ret;
		o->cursor_key = strdup(canon);
	}
	if (!o->cursor_key)
		return -ENOMEM;
	ret = store_cursor_get(o->store, o->cursor_key, &o->cursor);
	if (ret < 0 || o->cursor >= 0)
		return ret;
	if (!(key && key[0]) &&
	    store_meta_get(o->store, CURSOR_NAMES_META, v, sizeof(v)) == -ENOENT) {
		legacy = strndup(url, strcspn(url, "?"));
		if (!legacy)
			return -ENOMEM;
		ret = store_cursor_get(o->store, legacy, &old);
		if (ret < 0)
			goto out;
	}
	if (old >= 0) {
		o->cursor = old;
		log_info("output %s: cursor \"%s\" (id %lld) now kept as \"%s\"",
			 o->name, legacy, (long long)old, o->cursor_key);
	} else {
		ret = store_last_id(o->store, &o->cursor);
		if (ret < 0)
			goto out;
	}
	ret = store_cursor_set(o->store, o->cursor_key, o->cursor);
out:
	free(legacy);
	return ret;
}

int output_cursor_names_migrated(struct store *s)
{
	int ret = store_meta_set(s, CURSOR_NAMES_META, "canonical");

	if (ret < 0)
		log_warnx("cannot record the output cursor migration: %s", strerror(-ret));
	return ret;
}

const char *output_cursor_key(const struct output *o)
{
	return o->cursor_key;
}

void output_get_stats(const struct output *o, struct output_stats *st)
{
	if (o->relp) {
		relp_out_get_stats(o->relp, st);
		return;
	}
	*st = o->st;
	st->cursor = o->cursor;
	st->connected = o->state == ST_UP;
}
