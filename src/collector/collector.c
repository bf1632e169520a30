// SPDX-License-Identifier: GPL-2.0
/* collector.c - `wgaudit collector run|status|logs`: options, the run
 * loop (listeners -> parser -> database), heartbeat and retention timers.
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
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "collector/collector.h"
#include "collector/cstore.h"
#include "collector/ctls.h"
#include "collector/listen.h"
#include "collector/query.h"
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
#define LISTEN_URLS_MAX		8
#define COMMIT_WINDOW_US	(50 * 1000)
#define COMMIT_IDLE_US		(2 * 1000)
#define COMMIT_GAP_US		(10 * 1000)
#define COMMIT_MAX_ROWS		20000
#define COMMIT_RELP_HELD	512	/* half the agent's RELP window */
#define RATELOG_US		(10 * 1000 * 1000)
#define MALFORMED_FLAGS		(SYSLOG_F_NOPRI | SYSLOG_F_BADHDR | SYSLOG_F_BADSD | SYSLOG_F_BADTIME)

struct run_opts {
	const char *db;
	const char *listen[LISTEN_URLS_MAX];
	unsigned nlisten;
	struct listen_opts lo;
	struct ctls_opts tls;	/* cert == NULL: no TLS listener */
	uint64_t retention_ms;	/* 0 = keep forever */
	uint64_t max_db_bytes;	/* 0 = no limit */
};

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

static int collector_run(struct run_opts *o)
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

/* --- options ------------------------------------------------------------ */

/* "64k", "1G", "500000": bytes, binary multiples. */
static int parse_size(const char *s, uint64_t max, uint64_t *out)
{
	static const struct { char c; unsigned shift; } units[] = {
		{ 'k', 10 }, { 'K', 10 }, { 'm', 20 }, { 'M', 20 }, { 'g', 30 }, { 'G', 30 },
		{ 't', 40 }, { 'T', 40 },
	};
	size_t n = strlen(s);
	unsigned shift = 0;
	uint64_t v;

	if (n && (s[n - 1] == 'b' || s[n - 1] == 'B') && n > 1 && !(s[n - 2] >= '0' && s[n - 2] <= '9'))
		n--;	/* "64kB", "1GB" */
	for (size_t i = 0; n && i < ARRAY_SIZE(units); i++)
		if (s[n - 1] == units[i].c) {
			shift = units[i].shift;
			n--;
			break;
		}
	if (parse_u64(s, n, max >> shift, &v) < 0)
		return -EINVAL;
	*out = v << shift;
	return 0;
}

/* "30d", "12h", "90m", "3600s", "2w"; "0" or "forever" = no limit.
 * (util's parse_duration_ms stops at 30 days: retention goes further.) */
static int parse_retention(const char *s, uint64_t *out_ms)
{
	static const struct { char c; uint64_t ms; } units[] = {
		{ 's', 1000 }, { 'm', 60000 }, { 'h', 3600000 }, { 'd', 86400000 },
		{ 'w', 7 * 86400000ULL },
	};
	size_t n = strlen(s);
	uint64_t mul = 1000, v;

	if (!strcmp(s, "forever") || !strcmp(s, "0")) {
		*out_ms = 0;
		return 0;
	}
	for (size_t i = 0; n && i < ARRAY_SIZE(units); i++)
		if (s[n - 1] == units[i].c) {
			mul = units[i].ms;
			n--;
			break;
		}
	if (parse_u64(s, n, 100 * 366 * 86400000ULL / mul, &v) < 0 || v == 0)
		return -EINVAL;
	*out_ms = v * mul;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: wgaudit collector run [options]\n"
		"       wgaudit collector status [--db PATH] [--json]\n"
		"       wgaudit collector logs [--db PATH] [--source APP] [--host H] [--type T]\n"
		"                              [--since DURATION] [--tail N] [--follow] [--json]\n"
		"\nrun: receive syslog (RFC 5424 / RFC 3164, any sender) and store it.\n"
		"  --listen URL          tcp://ADDR:PORT, udp://ADDR:PORT, tls://ADDR:PORT or\n"
		"                        relp://ADDR:PORT[?tls=1], repeatable (default tcp://127.0.0.1:5514\n"
		"                        and udp://127.0.0.1:5514); TCP and TLS take octet-counted\n"
		"                        and LF-framed records; RELP records are answered only\n"
		"                        once committed\n"
		"  --tls-cert PEM        server certificate chain for tls:// (RFC 5425, TLS 1.2+)\n"
		"  --tls-key PEM         its unencrypted private key (default: in --tls-cert)\n"
		"  --tls-ca PEM          verify client certificates against these CAs\n"
		"  --tls-require-client-cert  refuse TLS clients without a valid certificate\n"
		"  --handshake-timeout DUR  close a TLS connection not through its handshake\n"
		"                        (default 10s)\n"
		"  --db PATH             database (default " CSTORE_DEFAULT_PATH ")\n"
		"  --max-message SIZE    largest record kept (default 64k; larger: dropped, counted)\n"
		"  --retention DURATION  delete records older than this (default 30d; 0 = never)\n"
		"  --max-db-size SIZE    delete the oldest records above this (default 1G; 0 = none)\n"
		"  --max-connections N   TCP connections at once (default 1024)\n"
		"  --idle-timeout DUR    close a silent connection (default 5m)\n"
		"  --frame-timeout DUR   close a connection that leaves a record unfinished (default 30s)\n"
		"logs: --source APP matches APP as a prefix: 'wireguard' finds the agents'\n"
		"  'wireguard-audit' records. --since 10m: received in the last 10 minutes.\n"
		"  --tail N: the last N (default 20, or all with --since).\n"
		"Exit status: 0 ok, 1 runtime failure, 2 usage error.\n");
}

enum { O_LISTEN = 256, O_DB, O_MAXMSG, O_RETENTION, O_MAXDB, O_MAXCONN, O_IDLE, O_FRAME,
       O_TLSCERT, O_TLSKEY, O_TLSCA, O_TLSREQ, O_HANDSHAKE, O_SOURCE, O_HOST, O_TYPE, O_SINCE, O_TAIL, O_FOLLOW, O_JSON };

static const struct option longopts[] = {
	{ "listen", required_argument, NULL, O_LISTEN },
	{ "db", required_argument, NULL, O_DB },
	{ "max-message", required_argument, NULL, O_MAXMSG },
	{ "retention", required_argument, NULL, O_RETENTION },
	{ "max-db-size", required_argument, NULL, O_MAXDB },
	{ "max-connections", required_argument, NULL, O_MAXCONN },
	{ "idle-timeout", required_argument, NULL, O_IDLE },
	{ "frame-timeout", required_argument, NULL, O_FRAME },
	{ "tls-cert", required_argument, NULL, O_TLSCERT },
	{ "tls-key", required_argument, NULL, O_TLSKEY },
	{ "tls-ca", required_argument, NULL, O_TLSCA },
	{ "tls-require-client-cert", no_argument, NULL, O_TLSREQ },
	{ "handshake-timeout", required_argument, NULL, O_HANDSHAKE },
	{ "source", required_argument, NULL, O_SOURCE },
	{ "host", required_argument, NULL, O_HOST },
	{ "type", required_argument, NULL, O_TYPE },
	{ "since", required_argument, NULL, O_SINCE },
	{ "tail", required_argument, NULL, O_TAIL },
	{ "follow", no_argument, NULL, O_FOLLOW },
	{ "json", no_argument, NULL, O_JSON },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Which options each subcommand takes (index: opt - O_LISTEN). */
static const char *const opt_cmds[] = {
	"run", "run status logs", "run", "run", "run", "run", "run", "run",
	"run", "run", "run", "run", "run",
	"logs", "logs", "logs", "logs", "logs", "logs", "status logs",
};

static int bad(const char *opt, const char *arg, const char *want)
{
	fprintf(stderr, "wgaudit: collector: %s: \"%s\" is not %s\n", opt, arg, want);
	return 2;
}

/* The --tls-* options and tls:// listeners go together. 0 or 2. */
static int tls_opts_check(const struct run_opts *o)
{
	bool tls = false;

	for (unsigned i = 0; i < o->nlisten; i++)
		tls |= !strncmp(o->listen[i], "tls://", 6) ||
		       (!strncmp(o->listen[i], "relp://", 7) && strstr(o->listen[i], "?tls=1"));
	if (tls && !o->tls.cert) {
		fprintf(stderr, "wgaudit: collector: --listen tls:// and relp://…?tls=1 need"
			" --tls-cert (and --tls-key)\n");
		return 2;
	}
	if (!tls && (o->tls.cert || o->tls.key || o->tls.ca || o->tls.require_client_cert)) {
		fprintf(stderr, "wgaudit: collector: --tls-* options need a --listen tls://ADDR:PORT"
			" or relp://ADDR:PORT?tls=1\n");
		return 2;
	}
	if (o->tls.require_client_cert && !o->tls.ca) {
		fprintf(stderr, "wgaudit: collector: --tls-require-client-cert needs --tls-ca\n");
		return 2;
	}
	return 0;
}

struct cli_opts {
	struct run_opts *ro;
	struct cquery q;
	bool json, follow;
	int verbose;
};

static void run_defaults(struct run_opts *ro)
{
	memset(ro, 0, sizeof(*ro));
	ro->db = CSTORE_DEFAULT_PATH;
	ro->lo = (struct listen_opts){ .max_msg = 64 * 1024, .max_conns = 1024,
				       .idle_us = 300 * 1000000LL, .frame_us = 30 * 1000000LL,
				       .handshake_us = 10 * 1000000LL };
	ro->retention_ms = 30 * 86400000ULL;
	ro->max_db_bytes = 1ULL << 30;
}

/* One option of cmd into o: -1 to go on, else the exit status. */
static int take_opt(struct cli_opts *o, const char *cmd, int opt, const char *arg)
{
	struct run_opts *ro = o->ro;
	uint64_t v;

	if (opt >= O_LISTEN && opt <= O_JSON && !strstr(opt_cmds[opt - O_LISTEN], cmd)) {
		fprintf(stderr, "wgaudit: collector %s: --%s is not an option of %s\n",
			cmd, longopts[opt - O_LISTEN].name, cmd);
		return 2;
	}
	switch (opt) {
	case 'v': o->verbose++; break;
	case 'h': usage(stdout); return 0;
	case O_LISTEN:
		if (ro->nlisten == LISTEN_URLS_MAX)
			return bad("--listen", arg, "allowed: at most 8 listeners");
		ro->listen[ro->nlisten++] = arg;
		break;
	case O_DB: ro->db = arg; break;
	case O_MAXMSG:
		if (parse_size(arg, 16 << 20, &v) < 0 || v < 480)
			return bad("--max-message", arg, "a size from 480 to 16M (64k)");
		ro->lo.max_msg = (size_t)v;
		break;
	case O_RETENTION:
		if (parse_retention(arg, &ro->retention_ms) < 0)
			return bad("--retention", arg, "a duration (30d, 12h, 0)");
		break;
	case O_MAXDB:
		if (parse_size(arg, 1ULL << 50, &ro->max_db_bytes) < 0)
			return bad("--max-db-size", arg, "a size (1G, 500M, 0)");
		break;
	case O_MAXCONN:
		if (parse_u64(arg, strlen(arg), 100000, &v) < 0 || v == 0)
			return bad("--max-connections", arg, "a count from 1 to 100000");
		ro->lo.max_conns = (unsigned)v;
		break;
	case O_IDLE:
	case O_FRAME:
		if (parse_duration_ms(arg, strlen(arg), &v) < 0)
			return bad(opt == O_IDLE ? "--idle-timeout" : "--frame-timeout",
				   arg, "a duration (500ms, 10s, 5m)");
		*(opt == O_IDLE ? &ro->lo.idle_us : &ro->lo.frame_us) = (int64_t)v * 1000;
		break;
	case O_TLSCERT: ro->tls.cert = arg; break;
	case O_TLSKEY: ro->tls.key = arg; break;
	case O_TLSCA: ro->tls.ca = arg; break;
	case O_TLSREQ: ro->tls.require_client_cert = true; break;
	case O_HANDSHAKE:
		if (parse_duration_ms(arg, strlen(arg), &v) < 0 || v == 0)
			return bad("--handshake-timeout", arg, "a duration (500ms, 10s, 1m)");
		ro->lo.handshake_us = (int64_t)v * 1000;
		break;
	case O_SOURCE: o->q.app = arg; break;
	case O_HOST: o->q.host = arg; break;
	case O_TYPE: o->q.type = arg; break;
	case O_SINCE:
		if (parse_retention(arg, &v) < 0 || v == 0)
			return bad("--since", arg, "a duration (10m, 2h, 7d)");
		o->q.since_us = now_realtime_us() - (int64_t)v * 1000;
		break;
	case O_TAIL:
		if (parse_u64(arg, strlen(arg), 10000000, &v) < 0)
			return bad("--tail", arg, "a count");
		o->q.tail = (long)v;
		break;
	case O_FOLLOW: o->follow = true; break;
	case O_JSON: o->json = true; break;
	default:
		fprintf(stderr, "Try 'wgaudit collector --help'.\n");
		return 2;
	}
	return -1;
}

int collector_main(int argc, char **argv)
{
	static struct run_opts ro;
	struct cli_opts o = { .ro = &ro, .q = { .tail = -1 } };
	const char *cmd = argc > 1 ? argv[1] : NULL;
	char prog[32];
	int opt, ret;

	if (!cmd || !strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		usage(cmd ? stdout : stderr);
		return cmd ? 0 : 2;
	}
	if (strcmp(cmd, "run") && strcmp(cmd, "status") && strcmp(cmd, "logs")) {
		fprintf(stderr, "wgaudit: collector: unknown command '%s' (run, status, logs)\n", cmd);
		return 2;
	}
	/* getopt's own messages ("unrecognized option") name the command. */
	snprintf(prog, sizeof(prog), "wgaudit collector %s", cmd);
	argv[1] = prog;
	run_defaults(&ro);
	optind = 0;	/* glibc: full rescan of the new vector */
	while ((opt = getopt_long(argc - 1, argv + 1, "vh", longopts, NULL)) != -1)
		if ((ret = take_opt(&o, cmd, opt, optarg)) >= 0)
			return ret;
	if (optind < argc - 1) {
		fprintf(stderr, "wgaudit: collector %s: unexpected argument '%s'\n",
			cmd, argv[optind + 1]);
		return 2;
	}
	log_init(1, o.verbose);
	if (!strcmp(cmd, "status"))
		return query_status(ro.db, o.json);
	if (!strcmp(cmd, "logs")) {
		if (o.q.tail < 0)
			o.q.tail = o.q.since_us ? 0 : 20;	/* 0 = all since */
		else if (o.q.tail == 0)
			o.q.tail = -1;	/* --tail 0: nothing old, only --follow */
		return query_logs(ro.db, &o.q, o.follow, o.json);
	}
	if (ro.nlisten == 0) {
		ro.listen[ro.nlisten++] = "tcp://127.0.0.1:5514";
		ro.listen[ro.nlisten++] = "udp://127.0.0.1:5514";
	}
	return tls_opts_check(&ro) ?: collector_run(&ro);
}
