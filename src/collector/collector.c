// SPDX-License-Identifier: GPL-2.0
/* collector.c - `wgaudit collector run`: the run loop (listeners ->
 * parser -> database), heartbeat and retention timers. The command line
 * is collector_opts.c's.
 *
 * One loop thread, one epoll loop (base/loop.c): records are taken as they
 * are read and committed in one transaction from the loop's before-sleep
 * hook, so no sender waits for another and a burst costs one WAL commit
 * per turn, not per record. Under a flood a turn is short (a few reads of
 * 64 KiB), and a commit per turn rewrote the same index pages hundreds of
 * times a second; so a batch is held open across turns for at most
 * COMMIT_WINDOW_US or COMMIT_MAX_ROWS records, whichever comes first. It
 * is committed sooner once records stop coming for COMMIT_IDLE_US (agents
 * send in bursts: a burst's records need not wait out the window), but
 * not sooner than COMMIT_GAP_US after the previous commit, so a trickle
 * costs at most 1 s / COMMIT_GAP_US commits a second. A record is durable
 * (in the WAL) at most COMMIT_WINDOW_US after it was read, plus its
 * commit's run. The inserts and the commit run on cstore's insert thread:
 * the loop reads on meanwhile and answers a batch's RELP senders when its
 * commit has landed (on_landed). One batch commits at a time.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "collector/collector_int.h"
#include "collector/cstore.h"
#include "collector/ctls.h"
#include "collector/listen.h"
#include "collector/relplisten.h"
#include "collector/syslogparse.h"
#include "base/failpoint.h"
#include "base/log.h"
#include "base/loop.h"
#include "base/util.h"
#include "sys/sigfd.h"

#define WGAUDIT_APP		"wireguard-audit"
#define HEARTBEAT_US		(5 * 1000 * 1000)
/* Cheap when there is nothing to do: the age check reads one row, the size
 * check three pragmas. */
#define RETENTION_US		(5 * 1000 * 1000)
#define RETENTION_AGAIN_US	(100 * 1000)
#define RETENTION_BUDGET	20000
#define COMMIT_WINDOW_US	(50 * 1000)
#define COMMIT_IDLE_US		(2 * 1000)
#define COMMIT_GAP_US		(10 * 1000)
#define COMMIT_MAX_ROWS		20000
#define COMMIT_RELP_HELD	512	/* half the agent's RELP window */
#define RATELOG_US		(10 * 1000 * 1000)
#define MALFORMED_FLAGS		(SYSLOG_F_NOPRI | SYSLOG_F_BADHDR | SYSLOG_F_BADSD | SYSLOG_F_BADTIME)

struct collector {
	struct run_opts *o;
	struct loop *loop;
	struct cstore *db;
	struct lset *ls;
	struct rlset *rls;
	struct cstats st;
	struct loop_timer heartbeat, retention, commit;
	int64_t batch_start_us;	/* monotonic; 0 = no open batch */
	int64_t last_rec_us, last_commit_us;	/* monotonic */
	uint64_t hb_stored;	/* st.stored when the last idle sync was asked */
	int sigfd;
	int64_t malformed_log_us;
	unsigned malformed_suppressed;
	bool db_failed;
	bool committing;	/* a batch's commit is on the insert thread */
	bool commit_batch;	/* ... and it has records */
};

/* --- records ------------------------------------------------------------ */

static bool slice_is(struct slice s, const char *v)
{
	return s.n == strlen(v) && !memcmp(s.p, v, s.n);
}

static void copy_slice(char *out, size_t len, struct slice s)
{
	size_t n = s.n < len - 1 ? s.n : len - 1;

	memcpy(out, s.p, n);
	out[n] = '\0';
}

/* An event_id as the agent makes it (DESIGN "Event identity": hex
 * instance, '-', journal sequence); anything else is not used as a key. */
static bool event_id_ok(const char *v)
{
	size_t n = strlen(v), dash = strcspn(v, "-");

	if (n < 3 || n > 80 || dash == 0 || dash >= n - 1)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = v[i];

		if (i == dash)
			continue;
		if (!((ch >= '0' && ch <= '9') || (i < dash && ch >= 'a' && ch <= 'f') ||
		      (i < dash && ch >= 'A' && ch <= 'F')))
			return false;
	}
	return true;
}

/* Event type, interface and peer of a wgaudit record: from the SD when
 * the agent sent RFC 5424, else from its MSG key=values (RFC 3164). The
 * full key is preferred; the MSG's short "peer=" is the fallback. So is
 * event_id (SD param, else " event_id=" in MSG); "" if absent or odd.
 * The agent's element is the first private one: its SD-ID is set per
 * output (sd_id), so no one name is expected here. w: the SD's three
 * (WANT_*), read by the parser's pass over the SD (syslog_parse_want). */
enum { WANT_EVENT_ID, WANT_IFACE, WANT_PEER, WANT_N };

static void wgaudit_fields(const struct syslog_msg *m, const struct sd_want *w, char *type,
			   char *iface, char *peer, char *event_id, bool *peer_in_sd)
{
	if (!w[WANT_EVENT_ID].found && msg_kv_get(m->msg, "event_id", event_id, 96) < 0)
		event_id[0] = '\0';
	if (!event_id_ok(event_id))
		event_id[0] = '\0';
	copy_slice(type, 64, m->msgid.n ? m->msgid : msg_type(m->msg));
	if (!w[WANT_IFACE].found)
		msg_kv_get(m->msg, "iface", iface, 64);
	*peer_in_sd = w[WANT_PEER].found;
	if (!w[WANT_PEER].found && msg_kv_get(m->msg, "pubkey", peer, 64) < 0)
		msg_kv_get(m->msg, "peer", peer, 64);
}

static void log_malformed(struct collector *c, const char *src, unsigned flags)
{
	int64_t now = now_monotonic_us();

	if (c->malformed_log_us && now - c->malformed_log_us < RATELOG_US) {
		c->malformed_suppressed++;
		return;
	}
	log_warnx("collector: %s: malformed record stored as received (%s%s%s%s)"
		  " (%u more suppressed)", src,
		  flags & SYSLOG_F_NOPRI ? "no PRI " : "",
		  flags & SYSLOG_F_BADHDR ? "bad header " : "",
		  flags & SYSLOG_F_BADSD ? "bad structured data " : "",
		  flags & SYSLOG_F_BADTIME ? "bad time stamp" : "",
		  c->malformed_suppressed);
	c->malformed_log_us = now;
	c->malformed_suppressed = 0;
}

/* 0 taken (stored, or a duplicate of a stored event_id), -EIO. */
static int store_record(struct collector *c, const char *buf, size_t len, const char *src,
			const char *proto)
{
	char type[64], iface[64], peer[64], event_id[96];	/* "" until set */
	struct crec r = { .src = src, .proto = proto };
	struct sd_want w[WANT_N] = {
		[WANT_EVENT_ID] = { .name = "event_id", .val = event_id, .vlen = 96 },
		[WANT_IFACE] = { .name = "iface", .val = iface, .vlen = 64 },
		[WANT_PEER] = { .name = "peer", .val = peer, .vlen = 64 },
	};
	struct syslog_msg m;
	int ret;

	type[0] = iface[0] = peer[0] = event_id[0] = '\0';
	c->st.received++;
	r.recv_us = now_realtime_us();
	/* any sender's SD: the agent's fields are wanted only of its records */
	syslog_parse_want(buf, len, r.recv_us, &m, w, WANT_N);
	if (m.flags & MALFORMED_FLAGS) {
		c->st.malformed++;
		log_malformed(c, src, m.flags);
	}
	if (slice_is(m.app, WGAUDIT_APP)) {
		wgaudit_fields(&m, w, type, iface, peer, event_id, &r.peer_in_sd);
		r.type = type;
		r.iface = iface;
		r.peer = peer;
		r.event_id = event_id;
	}
	r.m = &m;
	c->last_rec_us = now_monotonic_us();
	if (!c->batch_start_us)
		c->batch_start_us = c->last_rec_us;
	ret = cstore_add(c->db, &r);
	if (ret < 0) {
		c->st.rejected++;
		if (!c->db_failed)
			log_warnx("collector: records are being lost: the database refuses them");
		c->db_failed = true;
		return -EIO;
	}
	c->db_failed = false;
	return 0;
}

static void on_record(void *ctx, const char *buf, size_t len, const char *src, const char *proto)
{
	store_record(ctx, buf, len, src, proto);
}

static int on_relp_record(void *ctx, const char *buf, size_t len, const char *src)
{
	return store_record(ctx, buf, len, src, "relp");
}

/* --- loop hooks --------------------------------------------------------- */

/* The batch committing has ended (rc 0 kept, else lost): counted, and
 * its RELP senders answered. */
static void done(struct collector *c, int rc)
{
	uint64_t stored, dups, lost;

	c->committing = false;
	if (c->commit_batch)
		FAILPOINT("collector_after_commit");	/* kept, not yet answered */
	cstore_take_counts(c->db, &stored, &dups, &lost);
	c->st.stored += stored;
	c->st.duplicates += dups;
	c->st.rejected += lost;
	if (rc)
		log_warnx("collector: commit failed; this batch's %llu records are lost"
			  " (RELP senders will send theirs again)", (unsigned long long)lost);
	/* only now may RELP senders hear that their records are kept */
	if (c->rls)
		relpl_committed(c->rls, rc == 0);
}

/* The batch committing, if it has ended (wait: once it has). */
static void land(struct collector *c, bool wait)
{
	int rc;

	if (!c->committing)
		return;
	rc = cstore_commit_land(c->db, wait);
	if (rc == -EAGAIN)
		return;
	done(c, rc == 1 ? 0 : rc);
}

/* Ends the open batch: its commit runs on the insert thread while the
 * loop reads on; on_landed hears the end. One commits at a time. */
static void commit_begin(struct collector *c)
{
	bool batch = cstore_pending(c->db) > 0;
	int ret;

	loop_timer_cancel(c->loop, &c->commit);
	land(c, true);
	c->batch_start_us = 0;
	c->last_commit_us = now_monotonic_us();
	/* failpoints count batches with records, not heartbeats */
	if (batch)
		FAILPOINT("collector_before_commit");
	if (c->rls)
		relpl_mark(c->rls);
	c->commit_batch = batch;
	ret = cstore_commit_start(c->db);
	if (ret != 0) {
		done(c, ret == 1 ? 0 : ret);	/* nothing, or cannot start */
		return;
	}
	c->committing = true;
	land(c, false);
}

/* Everything taken so far is committed (or lost) when it returns. */
static void commit(struct collector *c)
{
	commit_begin(c);
	land(c, true);
}

static void on_landed(void *ctx, int fd, uint32_t events)
{
	struct collector *c = ctx;

	if (c->committing)
		land(c, true);	/* the thread is past its write: at once */
	else
		cstore_commit_land(c->db, false);	/* nothing: drains the fd */
}

/* When the open batch is to be committed (see the top of the file). */
static int64_t commit_due(const struct collector *c)
{
	int64_t window = c->batch_start_us + COMMIT_WINDOW_US;
	int64_t idle = c->last_rec_us + COMMIT_IDLE_US;

	if (idle < c->last_commit_us + COMMIT_GAP_US)
		idle = c->last_commit_us + COMMIT_GAP_US;
	return idle < window ? idle : window;
}

static void before_sleep(void *ctx)
{
	struct collector *c = ctx;
	int64_t due;

	/* One commits at a time; the turn that lands it (on_landed) ends
	 * here, and looks again. */
	if (!c->batch_start_us || c->committing)
		return;
	due = commit_due(c);
	/* RELP senders stop at their window until answered, and answers wait
	 * for the commit: with that many waiting, a longer batch only idles */
	if (now_monotonic_us() < due && cstore_pending(c->db) < COMMIT_MAX_ROWS &&
	    relpl_held(c->rls) < COMMIT_RELP_HELD) {
		if (c->commit.deadline_us != due)
			loop_timer_arm(c->loop, &c->commit, due);
		return;
	}
	commit_begin(c);
}

/* The loop went quiet with a batch open, or its window ended. */
static void on_commit_timer(void *ctx)
{
	struct collector *c = ctx;
	int64_t due;

	if (!c->batch_start_us || c->committing)
		return;	/* before_sleep looks again once it has landed */
	due = commit_due(c);
	if (now_monotonic_us() < due) {
		loop_timer_arm(c->loop, &c->commit, due);
		return;
	}
	commit_begin(c);
}

static void describe(struct collector *c, char *out, size_t len)
{
	size_t n;

	listen_describe(c->ls, out, len);
	n = strlen(out);
	if (c->rls && n + 2 < len) {
		if (n)
			out[n++] = ' ';
		relpl_describe(c->rls, out + n, len - n);
		if (n && !out[n])
			out[n - 1] = '\0';
	}
}

static void put_stats(struct collector *c, bool stopping)
{
	c->st.heartbeat_us = now_realtime_us();
	c->st.pid = stopping ? 0 : (long)getpid();
	describe(c, c->st.listeners, sizeof(c->st.listeners));
	commit(c);
	if (cstore_put_stats(c->db, &c->st) < 0)
		log_warnx("collector: cannot write the heartbeat");
}

static void on_heartbeat(void *ctx)
{
	struct collector *c = ctx;

	put_stats(c, false);
	/* Records came since the last heartbeat, none in the last one: what
	 * they left unsynced (less than a checkpoint's worth) is synced now,
	 * not at the next 4 MB, and the WAL may restart. */
	if (c->st.stored != c->hb_stored && now_monotonic_us() - c->last_rec_us >= HEARTBEAT_US / 2) {
		cstore_idle(c->db);
		c->hb_stored = c->st.stored;
	}
	loop_timer_arm(c->loop, &c->heartbeat, now_monotonic_us() + HEARTBEAT_US);
}

static void on_retention(void *ctx)
{
	struct collector *c = ctx;
	int64_t cutoff = 0, period;
	bool more = false;
	long n;

	commit(c);
	if (c->o->retention_ms)
		cutoff = now_realtime_us() - (int64_t)c->o->retention_ms * 1000;
	n = cstore_retention(c->db, cutoff, c->o->max_db_bytes, RETENTION_BUDGET, &more);
	if (n > 0) {
		c->st.retention_deleted += (uint64_t)n;
		log_debug("collector: retention deleted %ld records", n);
	}
	/* Big backlog: continue soon, in slices, so senders are served
	 * between. A short retention is checked at least twice per period. */
	period = RETENTION_US;
	if (c->o->retention_ms && (int64_t)c->o->retention_ms * 500 < period)
		period = (int64_t)c->o->retention_ms * 500;
	if (period < 1000000)
		period = 1000000;
	loop_timer_arm(c->loop, &c->retention,
		       now_monotonic_us() + (more ? RETENTION_AGAIN_US : period));
}

static void on_signal(void *ctx, int fd, uint32_t events)
{
	struct collector *c = ctx;
	struct signalfd_siginfo si;

	if (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		log_info("collector: signal %u: stopping", si.ssi_signo);
	loop_stop(c->loop);
}

static int signals_setup(struct collector *c)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };

	sigaction(SIGPIPE, &ign, NULL);
	c->sigfd = sigfd_open(false, NULL);
	if (c->sigfd < 0)
		return c->sigfd;
	return loop_add_fd(c->loop, c->sigfd, EPOLLIN, on_signal, c);
}

int collector_run(struct run_opts *o)
{
	struct collector c = { .o = o, .sigfd = -1 };
	struct listen_hooks h = { .record = on_record, .ctx = &c, .st = &c.st };
	struct relpl_hooks rh = { .record = on_relp_record, .ctx = &c, .st = &c.st };
	char desc[512];
	int ret, status = 1;

	if (o->tls.cert) {
		char err[512];

		/* Read once, before any socket: a bad file fails the start. */
		ret = ctls_ctx_new(&o->tls, &o->lo.tls, err, sizeof(err));
		if (ret < 0) {
			fprintf(stderr, "wgaudit: collector: %s\n", err);
			return 1;
		}
	}
	ret = cstore_open(o->db, false, &c.db);
	if (ret < 0) {
		fprintf(stderr, "wgaudit: collector: cannot open %s: %s\n", o->db, strerror(-ret));
		ctls_ctx_free(o->lo.tls);
		return 1;
	}
	if ((ret = loop_new(&c.loop)) < 0 || (ret = signals_setup(&c)) < 0 ||
	    (ret = loop_add_fd(c.loop, cstore_commit_fd(c.db), EPOLLIN, on_landed, &c)) < 0 ||
	    (ret = listen_new(c.loop, &o->lo, &h, &c.ls)) < 0 ||
	    (ret = relpl_new(c.loop, &o->lo, &rh, &c.rls)) < 0) {
		fprintf(stderr, "wgaudit: collector: %s\n", strerror(-ret));
		goto out;
	}
	for (unsigned i = 0; i < o->nlisten; i++) {
		if (!strncmp(o->listen[i], "relp://", 7))
			ret = relpl_add(c.rls, o->listen[i]);
		else
			ret = listen_add(c.ls, o->listen[i]);
		if (ret == -EINVAL) {
			status = 2;
			goto out;
		}
		if (ret < 0)
			goto out;
	}
	c.st.started_us = now_realtime_us();
	loop_set_before_sleep(c.loop, before_sleep, &c);
	c.heartbeat = (struct loop_timer){ .cb = on_heartbeat, .ctx = &c };
	c.retention = (struct loop_timer){ .cb = on_retention, .ctx = &c };
	c.commit = (struct loop_timer){ .cb = on_commit_timer, .ctx = &c };
	on_heartbeat(&c);
	if (o->retention_ms || o->max_db_bytes)
		on_retention(&c);
	describe(&c, desc, sizeof(desc));
	log_info("collector: listening on %s, database %s", desc, o->db);
	ret = loop_run(c.loop);
	if (ret < 0) {
		errno = -ret;
		log_warn("collector: loop");
		goto out;
	}
	status = 0;
out:
	if (c.db && c.ls && c.rls)
		put_stats(&c, true);
	relpl_free(c.rls);
	listen_free(c.ls);
	if (c.sigfd >= 0)
		close(c.sigfd);
	loop_free(c.loop);
	cstore_free(c.db);
	ctls_ctx_free(o->lo.tls);
	o->lo.tls = NULL;
	return status;
}
