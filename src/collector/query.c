// SPDX-License-Identifier: GPL-2.0
/* query.c - `collector status` and `collector logs`.
 *
 * Stored text is whatever senders sent: any byte, invalid UTF-8, NULs.
 * Every string goes out through str_escape (base/util.c): plain output
 * writes C0/DEL bytes and invalid UTF-8 as \xHH and C1 controls as \u00HH,
 * so one record is one terminal line and cannot drive the terminal; JSON
 * writes \u00XX for C0, DEL and C1 and U+FFFD for invalid UTF-8.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "collector/cstore.h"
#include "collector/query.h"
#include "collector/syslogparse.h"
#include "base/event.h"
#include "base/log.h"
#include "base/util.h"
#include "sys/sigfd.h"

#define FOLLOW_POLL_MS	250

static const char *const facilities[24] = {
	"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
	"uucp", "cron", "authpriv", "ftp", "ntp", "audit", "alert", "clock",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
};

static const char *facility_name(int f)
{
	return f >= 0 && f < 24 ? facilities[f] : "?";
}

static void put_text(const char *s, size_t n)
{
	str_escape(s, n, STR_ESC_TEXT, str_put_file, stdout);
}

static void put_json_str(const char *s, size_t n)
{
	putchar('"');
	str_escape(s, n, STR_ESC_JSON, str_put_file, stdout);
	putchar('"');
}

static void json_member(const char *k, const char *v)
{
	if (!v)
		return;
	printf(",\"%s\":", k);
	put_json_str(v, strlen(v));
}

static void json_time(const char *k, int64_t us)
{
	char ts[32];

	if (us <= 0)
		return;
	fmt_rfc3339_us(ts, us);
	printf(",\"%s\":\"%s\"", k, ts);
}

/* The agent's structured data as an object: every event field. */
static void json_fields(const struct crow *r)
{
	struct slice sd = { r->sd, r->sd_len }, k;
	struct sd_iter it;
	char v[1024], id[64];
	bool first = true;

	if (!r->sd || !r->app || strcmp(r->app, "wireguard-audit"))
		return;
	/* The agent's element, whatever its configured SD-ID. */
	if (sd_private_id(sd, id, sizeof(id)) < 0)
		return;
	sd_iter_init(&it, sd);
	while (sd_iter_next(&it, &k, v, sizeof(v)) > 0) {
		if (it.id.n != strlen(id) || memcmp(it.id.p, id, it.id.n))
			continue;
		fputs(first ? ",\"fields\":{" : ",", stdout);
		put_json_str(k.p, k.n);
		putchar(':');
		put_json_str(v, strlen(v));
		first = false;
	}
	if (!first)
		putchar('}');
}

static int print_row(void *ctx, const struct crow *r)
{
	bool json = *(const bool *)ctx;
	char ts[32];

	if (json) {
		printf("{\"id\":%lld", (long long)r->id);
		json_time("time", r->time_us ? r->time_us : r->recv_us);
		json_time("received", r->recv_us);
		json_member("src", r->src);
		json_member("proto", r->proto);
		json_member("host", r->host);
		json_member("app", r->app);
		json_member("procid", r->procid);
		json_member("facility", facility_name(r->facility));
		json_member("severity", severity_name(r->severity));
		json_member("msgid", r->msgid);
		json_member("type", r->type);
		json_member("iface", r->iface);
		json_member("peer", r->peer);
		json_member("event_id", r->event_id);
		if (r->sd) {
			fputs(",\"sd\":", stdout);
			put_json_str(r->sd, r->sd_len);
		}
		json_fields(r);
		fputs(",\"msg\":", stdout);
		put_json_str(r->msg ? r->msg : "", r->msg_len);
		fputs("}\n", stdout);
		return 0;
	}
	fmt_rfc3339_us(ts, r->time_us ? r->time_us : r->recv_us);
	printf("%s ", ts);
	put_text(r->host, strlen(r->host ? r->host : ""));
	putchar(' ');
	put_text(r->app ? r->app : "-", strlen(r->app ? r->app : "-"));
	if (r->procid) {
		putchar('[');
		put_text(r->procid, strlen(r->procid));
		putchar(']');
	}
	printf(" %s.%s: ", facility_name(r->facility), severity_name(r->severity));
	put_text(r->msg, r->msg_len);
	putchar('\n');
	return 0;
}

/* 0 ok, 1 if stdout went away (EPIPE: the reader is done), -1 error. */
static int flush_stdout(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	return errno == EPIPE ? 1 : -1;
}

static int open_db(const char *db, struct cstore **s)
{
	int ret = cstore_open(db, true, s);

	if (ret == -ENOENT)
		fprintf(stderr, "wgaudit: no collector database at %s (has `wgaudit collector run"
			" --db %s` run?)\n", db, db);
	else if (ret < 0)
		fprintf(stderr, "wgaudit: cannot read %s: %s\n", db, strerror(-ret));
	return ret;
}

int query_logs(const char *db, const struct cquery *q, bool follow, bool json)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	struct cquery fq = *q;
	struct cstore *s = NULL;
	struct pollfd pfd = { .fd = -1, .events = POLLIN };
	int64_t last = 0, max;
	sigset_t old;
	int status = 1, w;

	sigaction(SIGPIPE, &ign, NULL);
	if (follow && (pfd.fd = sigfd_open(false, &old)) < 0) {
		log_errno(pfd.fd, "cannot take the stop signals");
		return 1;
	}
	if (open_db(db, &s) < 0)
		goto out;
	/* Taken before the tail: a record committed in between is in the
	 * tail or after max, never lost. */
	max = cstore_max_id(s);
	if (cstore_query(s, q, print_row, &json, &last) < 0)
		goto out;
	fq.tail = 0;
	fq.after_id = last > max ? last : max;
	for (;;) {
		w = flush_stdout();
		if (w) {
			status = w > 0 ? 0 : 1;
			goto out;
		}
		if (!follow)
			break;
		if (poll(&pfd, 1, FOLLOW_POLL_MS) > 0) {
			/* SIGINT / SIGTERM: a clean stop. Consume it, or it is
			 * delivered when the mask is restored. */
			struct signalfd_siginfo si;

			if (read(pfd.fd, &si, sizeof(si)) < 0)
				log_warn("signalfd");
			break;
		}
		/* busy (a checkpoint): try again on the next tick */
		cstore_query(s, &fq, print_row, &json, &fq.after_id);
	}
	status = 0;
out:
	if (pfd.fd >= 0) {
		close(pfd.fd);
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	cstore_free(s);
	return status;
}

struct src_ctx {
	bool json, first;
	int64_t now;
};

static int print_source(void *ctx, const struct csource *r)
{
	struct src_ctx *c = ctx;
	char ts[32], ago[64];

	fmt_rfc3339_us(ts, r->last_us);
	if (c->json) {
		fputs(c->first ? "" : ",", stdout);
		fputs("{\"host\":", stdout);
		put_json_str(r->host, strlen(r->host));
		printf(",\"last\":\"%s\",\"count\":%llu", ts, (unsigned long long)r->count);
		json_member("last_src", r->last_src);
		putchar('}');
	} else {
		fmt_ago(ago, sizeof(ago), c->now / 1000000, r->last_us / 1000000);
		fputs("  ", stdout);
		put_text(r->host, strlen(r->host));
		printf("  from %s  %llu messages, last %s (%s)\n", r->last_src ? r->last_src : "-",
		       (unsigned long long)r->count, ts, ago);
	}
	c->first = false;
	return 0;
}

int query_status(const char *db, bool json)
{
	struct src_ctx sc = { json, true, now_realtime_us() };
	struct cstore *s = NULL;
	struct cstats st;
	int64_t rows = 0, bytes = 0;
	char up[64], hb[64];
	bool running;
	int ret, status = 1;

	if (open_db(db, &s) < 0)
		return 1;
	ret = cstore_get_stats(s, &st);
	if (ret < 0 && ret != -ENOENT)
		goto out;
	cstore_size(s, &rows, &bytes);
	/* The collector writes a heartbeat every few seconds and a last one
	 * with pid 0 on a clean stop; a stale heartbeat means it died. */
	running = ret == 0 && st.pid > 0 && sc.now - st.heartbeat_us < 30 * 1000000 &&
		  kill((pid_t)st.pid, 0) == 0;
	fmt_ago(up, sizeof(up), sc.now / 1000000, st.started_us / 1000000);
	fmt_ago(hb, sizeof(hb), sc.now / 1000000, st.heartbeat_us / 1000000);
	if (json) {
		printf("{\"running\":%s,\"pid\":%ld", running ? "true" : "false", st.pid);
		json_time("started", st.started_us);
		json_time("heartbeat", st.heartbeat_us);
		printf(",\"uptime_s\":%lld", running ? (long long)((sc.now - st.started_us) / 1000000) : 0LL);
		json_member("listeners", st.listeners);
		printf(",\"received\":%llu,\"stored\":%llu,\"rejected\":%llu,\"oversize\":%llu,"
		       "\"malformed\":%llu,\"framing_errors\":%llu,\"conns_accepted\":%llu,"
		       "\"conns_refused\":%llu,\"conns_timed_out\":%llu,\"retention_deleted\":%llu,"
		       "\"tls_failed\":%llu,\"duplicates\":%llu,\"rows\":%lld,\"db_bytes\":%lld,\"sources\":[",
		       (unsigned long long)st.received, (unsigned long long)st.stored,
		       (unsigned long long)st.rejected, (unsigned long long)st.oversize,
		       (unsigned long long)st.malformed, (unsigned long long)st.framing_errors,
		       (unsigned long long)st.conns_accepted, (unsigned long long)st.conns_refused,
		       (unsigned long long)st.conns_timed_out,
		       (unsigned long long)st.retention_deleted, (unsigned long long)st.tls_failed,
		       (unsigned long long)st.duplicates, (long long)rows, (long long)bytes);
		cstore_sources(s, print_source, &sc);
		fputs("]}\n", stdout);
	} else {
		if (ret == -ENOENT)
			printf("collector: never ran on %s\n", db);
		else if (running)
			printf("collector: running, pid %ld, up since %s\n", st.pid, up);
		else
			printf("collector: not running (last seen %s)\n", hb);
		printf("listeners: %s\n", st.listeners[0] ? st.listeners : "-");
		printf("messages: %llu received, %llu stored, %llu duplicates (event_id already"
		       " stored), %llu rejected (%llu oversize, %llu framing errors),"
		       " %llu malformed but stored\n",
		       (unsigned long long)st.received, (unsigned long long)st.stored,
		       (unsigned long long)st.duplicates,
		       (unsigned long long)st.rejected, (unsigned long long)st.oversize,
		       (unsigned long long)st.framing_errors, (unsigned long long)st.malformed);
		printf("connections: %llu accepted, %llu refused, %llu timed out,"
		       " %llu TLS failures\n",
		       (unsigned long long)st.conns_accepted, (unsigned long long)st.conns_refused,
		       (unsigned long long)st.conns_timed_out, (unsigned long long)st.tls_failed);
		printf("database: %s, %lld records, %lld bytes, %llu deleted by retention\n",
		       db, (long long)rows, (long long)bytes,
		       (unsigned long long)st.retention_deleted);
		printf("sources:\n");
		cstore_sources(s, print_source, &sc);
	}
	status = flush_stdout() < 0 ? 1 : 0;
out:
	cstore_free(s);
	return status;
}
