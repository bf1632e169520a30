// SPDX-License-Identifier: GPL-2.0
/* test_output.c - delivery from the journal (outputs/output.c, pump.c,
 * ledger.c): TCP through the loop across a collector restart and a stalled
 * window, UDP datagrams, jsonl files and filters, a cursor per URL and the
 * legacy names taken over, a name resolved off the loop, a refused flush,
 * open errors, TLS files read at open. The URLs are test_url.c's. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>
#include "test.h"
#include "base/event.h"
#include "base/loop.h"
#include "outputs/format.h"
#include "outputs/output.h"
#include "outputs/output_int.h"
#include "store/store.h"
#include "base/util.h"

/* --- fixtures -------------------------------------------------------- */

struct fx {
	char dir[64];
	struct store *store;
	struct loop *loop;
};

static void fx_open(struct fx *f)
{
	char path[128];

	snprintf(f->dir, sizeof(f->dir), "/tmp/wgaudit-test-output-XXXXXX");
	if (!mkdtemp(f->dir))
		abort();
	snprintf(path, sizeof(path), "%s/wgaudit.db", f->dir);
	if (store_open(path, &f->store) < 0 || loop_new(&f->loop) < 0)
		abort();
}

static void fx_close(struct fx *f)
{
	char cmd[128];

	store_free(f->store);
	loop_free(f->loop);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", f->dir);
}

/* Append events seq = from..to-1 and commit; returns the last id. */
static int64_t append(struct fx *f, int from, int to, int severity)
{
	int64_t id = 0;

	store_begin(f->store);
	for (int i = from; i < to; i++) {
		struct event ev;

		event_init(&ev, EV_PEER_HANDSHAKE, SRC_POLL);
		ev.time_us = 1795608000000000LL + i;
		if (severity >= 0)
			ev.severity = severity;
		event_set(&ev, "iface", "wg0");
		event_set_u64(&ev, "seq", (uint64_t)i);
		if (store_append(f->store, &ev) < 0)
			abort();
		id = ev.id;
	}
	store_commit(f->store);
	return id;
}

static int listen_on(int type, uint16_t port, uint16_t *bound)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	socklen_t al = sizeof(a);
	int one = 1, fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 4) < 0))
		abort();
	getsockname(fd, (struct sockaddr *)&a, &al);
	*bound = ntohs(a.sin_port);
	return fd;
}

/* Expected RFC 5424 text of every journal event after `after`. */
struct expect {
	char *buf;
	size_t len, cap;
	bool octet;
};

static int expect_cb(void *ctx, const struct event *ev)
{
	struct expect *e = ctx;
	char rec[8192];
	ssize_t n = format_rfc5424(ev, "testhost", 1, rec, sizeof(rec));

	if (n < 0)
		abort();
	if (e->len + (size_t)n + 16 > e->cap) {
		e->cap = (e->cap + (size_t)n + 16) * 2;
		e->buf = realloc(e->buf, e->cap);
	}
	if (e->octet)
		e->len += (size_t)sprintf(e->buf + e->len, "%zd ", n);
	memcpy(e->buf + e->len, rec, (size_t)n);
	e->len += (size_t)n;
	return 0;
}

/* --- TCP through the loop -------------------------------------------- */

struct rx {
	struct fx *fx;
	int lfd, cfd;
	char *buf[4];		/* bytes per connection */
	size_t len[4];
	int nconn;
	size_t want;		/* stop the loop once conn bytes contain seq want-1 */
	char needle[64];
	struct loop_timer guard;
	bool timed_out;
};

static void rx_data(void *ctx, int fd, uint32_t events)
{
	struct rx *r = ctx;
	char tmp[65536];
	ssize_t n = read(fd, tmp, sizeof(tmp));
	int c = r->nconn - 1;

	if (n <= 0) {
		loop_del_fd(r->fx->loop, fd);
		close(fd);
		r->cfd = -1;
		return;
	}
	r->buf[c] = realloc(r->buf[c], r->len[c] + (size_t)n + 1);
	memcpy(r->buf[c] + r->len[c], tmp, (size_t)n);
	r->len[c] += (size_t)n;
	r->buf[c][r->len[c]] = '\0';
	if (r->needle[0] && strstr(r->buf[c], r->needle))
		loop_stop(r->fx->loop);
}

static void rx_accept(void *ctx, int fd, uint32_t events)
{
	struct rx *r = ctx;
	int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

	if (c < 0 || r->nconn == 4)
		abort();
	r->cfd = c;
	r->nconn++;
	loop_add_fd(r->fx->loop, c, EPOLLIN, rx_data, r);
}

static void rx_guard(void *ctx)
{
	struct rx *r = ctx;

	r->timed_out = true;	/* a hang guard, not a timing assertion */
	loop_stop(r->fx->loop);
}

static void rx_run_until(struct rx *r, int seq)
{
	snprintf(r->needle, sizeof(r->needle), "seq=\"%d\" event_id=", seq);
	r->guard.cb = rx_guard;
	r->guard.ctx = r;
	loop_timer_arm(r->fx->loop, &r->guard, now_monotonic_us() + 30 * 1000000LL);
	loop_run(r->fx->loop);
	loop_timer_cancel(r->fx->loop, &r->guard);
}

/* The collector's side: its sockets closed, what it received freed. */
static void rx_close(struct rx *r)
{
	if (r->cfd >= 0)
		close(r->cfd);
	close(r->lfd);
	for (int c = 0; c < 4; c++)
		free(r->buf[c]);
}

static void after_break(void *ctx)
{
	loop_stop(ctx);
}

/* Parse the seq numbers of an octet-framed stream; -1 on bad framing. */
static int parse_octet(const char *b, size_t len, int *seqs, int max)
{
	size_t off = 0;
	int n = 0;

	while (off < len) {
		size_t l = 0;
		const char *s;

		while (off < len && b[off] >= '0' && b[off] <= '9')
			l = l * 10 + (size_t)(b[off++] - '0');
		if (off >= len || b[off] != ' ' || l == 0 || off + 1 + l > len || n == max)
			return -1;
		off++;
		s = memmem(b + off, l, "seq=\"", 5);
		if (!s)
			return -1;
		seqs[n++] = atoi(s + 5);
		off += l;
	}
	return n;
}

TEST(tcp_octet_exact_and_survives_collector_restart)
{
	struct fx f;
	struct rx r = { .cfd = -1 };
	struct output_opts opts = { .min_severity = LOG_DEBUG, .facility = 1, .hostname = "testhost" };
	struct output *o = NULL;
	struct expect e = { .octet = true };
	struct loop_timer pause = { 0 };
	char url[64], err[256];
	uint16_t port;
	int64_t first, last, cur;
	int seqs[512], n1, n2, next = 0;

	fx_open(&f);
	r.fx = &f;
	append(&f, 1000, 1003, -1);	/* history before the output: not sent */
	store_last_id(f.store, &first);
	r.lfd = listen_on(SOCK_STREAM, 0, &port);
	loop_add_fd(f.loop, r.lfd, EPOLLIN, rx_accept, &r);
	snprintf(url, sizeof(url), "syslog+tcp://127.0.0.1:%u", port);
	CHECK_INT(output_open(url, &opts, f.loop, f.store, &o, err, sizeof(err)), 0);
	if (!o)
		goto out;

	append(&f, 0, 10, -1);
	output_kick(o);
	rx_run_until(&r, 9);
	CHECK(!r.timed_out);
	store_read_after(f.store, first, 1000, expect_cb, &e);
	CHECK_INT(r.len[0], e.len);
	CHECK(r.buf[0] && e.buf && !memcmp(r.buf[0], e.buf, e.len));

	/* The collector goes away: connection and listener closed. */
	loop_del_fd(f.loop, r.cfd);
	close(r.cfd);
	loop_del_fd(f.loop, r.lfd);
	close(r.lfd);
	append(&f, 10, 40, -1);
	output_kick(o);
	pause.cb = after_break;
	pause.ctx = f.loop;
	loop_timer_arm(f.loop, &pause, now_monotonic_us() + 300000);
	loop_run(f.loop);	/* let it notice and fail a reconnect */
	append(&f, 40, 60, -1);
	output_kick(o);
	/* ...and comes back on the same port. */
	r.lfd = listen_on(SOCK_STREAM, port, &port);
	loop_add_fd(f.loop, r.lfd, EPOLLIN, rx_accept, &r);
	rx_run_until(&r, 59);
	CHECK(!r.timed_out);
	CHECK(r.nconn >= 2);

	/* Every event arrives, in order; duplicates only at a break. */
	n1 = parse_octet(r.buf[0], r.len[0], seqs, 512);
	CHECK(n1 >= 10);
	for (int i = 0; i < n1; i++) {
		if (seqs[i] != next)
			test_fail("conn 1: seq %d at %d, expected %d", seqs[i], i, next);
		next = seqs[i] + 1;
	}
	for (int c = 1; c < r.nconn; c++) {
		n2 = parse_octet(r.buf[c], r.len[c], seqs, 512);
		if (n2 < 0) {
			test_fail("conn %d: bad framing", c + 1);
			continue;
		}
		if (n2 > 0 && seqs[0] > next)
			test_fail("gap at the break: %d after %d", seqs[0], next - 1);
		for (int i = 1; i < n2; i++)
			if (seqs[i] != seqs[i - 1] + 1)
				test_fail("conn %d: seq %d after %d", c + 1, seqs[i], seqs[i - 1]);
		if (n2 > 0)
			next = seqs[n2 - 1] + 1;
	}
	CHECK_INT(next, 60);

	store_last_id(f.store, &last);
	store_cursor_get(f.store, url, &cur);
	CHECK_INT(cur, last);
out:
	output_free(o);
	rx_close(&r);
	free(e.buf);
	fx_close(&f);
}

/* A collector that stops reading with more in flight than the window of
 * unacked events (OUT_MARK_CAP) holds: the output fills the window, waits
 * for acks that do not come (backing off, the loop free meanwhile), and
 * once the collector reads again carries on by itself (no kick, no new
 * event): every event once, in order, on one connection, the cursor at
 * the last. */
TEST(tcp_full_window_stalled_collector_resumes)
{
	enum { NEV = OUT_MARK_CAP + OUT_MARK_CAP / 2 };
	struct fx f;
	struct rx r = { .cfd = -1 };
	struct output_opts opts = { .min_severity = LOG_DEBUG, .facility = 1, .hostname = "testhost" };
	struct output *o = NULL;
	struct loop_timer pause = { 0 };
	char url[64], err[256];
	uint16_t port;
	int64_t last, cur;
	int *seqs = calloc(NEV + 16, sizeof(*seqs)), n, c;

	fx_open(&f);
	r.fx = &f;
	r.lfd = listen_on(SOCK_STREAM, 0, &port);
	snprintf(url, sizeof(url), "syslog+tcp://127.0.0.1:%u", port);
	CHECK_INT(output_open(url, &opts, f.loop, f.store, &o, err, sizeof(err)), 0);
	if (!o || !seqs)
		goto out;
	/* connected, accepted, never read (yet) */
	for (int i = 0; i < 200 && r.cfd < 0; i++) {
		struct pollfd p = { .fd = r.lfd, .events = POLLIN };

		pause.cb = after_break;
		pause.ctx = f.loop;
		loop_timer_arm(f.loop, &pause, now_monotonic_us() + 10000);
		loop_run(f.loop);
		if (poll(&p, 1, 0) == 1)
			r.cfd = accept4(r.lfd, NULL, NULL, SOCK_CLOEXEC);
	}
	CHECK(r.cfd >= 0);
	if (r.cfd < 0)
		goto out;
	r.nconn = 1;

	append(&f, 0, NEV, -1);
	store_last_id(f.store, &last);
	output_kick(o);
	loop_timer_arm(f.loop, &pause, now_monotonic_us() + 300000);
	loop_run(f.loop);	/* the collector sleeps: acks stop */
	CHECK(o->state == ST_UP);
	CHECK(o->mcount > OUT_MARK_CAP - OUT_BATCH);	/* the window is full */
	CHECK(o->cursor < last);
	CHECK(o->timer.deadline_us > 0);	/* a look for acks is armed */

	/* It reads again: nothing else happens, delivery must resume. */
	loop_add_fd(f.loop, r.cfd, EPOLLIN, rx_data, &r);
	rx_run_until(&r, NEV - 1);
	CHECK(!r.timed_out);
	/* the last event is read: its ack is the output's to see */
	for (int i = 0; i < 3000 && o->cursor < last; i++) {
		loop_timer_arm(f.loop, &pause, now_monotonic_us() + 10000);
		loop_run(f.loop);
	}
	n = parse_octet(r.buf[0], r.len[0], seqs, NEV + 16);
	CHECK_INT(n, NEV);
	for (c = 0; c < n && seqs[c] == c; c++)
		;
	CHECK_INT(c, NEV);
	CHECK_INT(r.nconn, 1);
	store_cursor_get(f.store, url, &cur);
	CHECK_INT(cur, last);
out:
	output_free(o);
	rx_close(&r);
	free(seqs);
	fx_close(&f);
}

/* --- flush, UDP, jsonl, filter --------------------------------------- */

TEST(udp_flush_datagrams_exact)
{
	struct fx f;
	struct output_opts opts = { .min_severity = LOG_DEBUG, .facility = 1, .hostname = "testhost" };
	struct output *o = NULL;
	struct expect e = { .octet = false };
	char url[64], err[256], dg[9000];
	uint16_t port;
	size_t got = 0;
	int ufd;
	int64_t cur, last;

	fx_open(&f);
	ufd = listen_on(SOCK_DGRAM, 0, &port);
	snprintf(url, sizeof(url), "syslog+udp://127.0.0.1:%u", port);
	CHECK_INT(output_open(url, &opts, NULL, f.store, &o, err, sizeof(err)), 0);
	append(&f, 0, 5, -1);
	CHECK_INT(output_flush(o, 5000), 0);
	store_read_after(f.store, 0, 100, expect_cb, &e);
	for (int i = 0; i < 5; i++) {
		ssize_t n = recv(ufd, dg, sizeof(dg), MSG_DONTWAIT);

		if (n <= 0) {
			test_fail("datagram %d missing", i);
			break;
		}
		if (got + (size_t)n > e.len || memcmp(e.buf + got, dg, (size_t)n))
			test_fail("datagram %d differs", i);
		got += (size_t)n;
	}
	CHECK_INT(got, e.len);
	store_last_id(f.store, &last);
	store_cursor_get(f.store, url, &cur);
	CHECK_INT(cur, last);
	output_free(o);
	close(ufd);
	free(e.buf);
	fx_close(&f);
}

/* What fd holds (one read, NUL-terminated, then closed): its lines. */
static int read_lines(int fd, char *buf, size_t len)
{
	ssize_t n = read(fd, buf, len - 1);
	int lines = 0;

	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	for (char *p = buf; (p = strchr(p, '\n')); p++)
		lines++;
	return lines;
}

TEST(jsonl_file_cursor_start_and_filter)
{
	struct fx f;
	struct output_opts opts = { .min_severity = LOG_NOTICE, .facility = 1, .hostname = "h" };
	struct output *o = NULL;
	struct output_stats st;
	char url[128], err[256], path[96], buf[8192];
	int64_t last, cur;

	fx_open(&f);
	append(&f, 0, 3, LOG_WARNING);	/* before the output existed */
	snprintf(path, sizeof(path), "%s/out.jsonl", f.dir);
	snprintf(url, sizeof(url), "jsonl:%s", path);
	CHECK_INT(output_open(url, &opts, f.loop, f.store, &o, err, sizeof(err)), 0);
	append(&f, 3, 4, LOG_WARNING);
	append(&f, 4, 5, LOG_INFO);	/* filtered */
	append(&f, 5, 6, LOG_NOTICE);
	CHECK_INT(output_flush(o, 5000), 0);
	CHECK_INT(read_lines(open(path, O_RDONLY), buf, sizeof(buf)), 2);
	CHECK(strstr(buf, "\"seq\":\"3\""));
	CHECK(!strstr(buf, "\"seq\":\"4\""));
	CHECK(strstr(buf, "\"seq\":\"5\""));
	CHECK(!strstr(buf, "\"seq\":\"0\""));
	store_last_id(f.store, &last);
	store_cursor_get(f.store, url, &cur);
	CHECK_INT(cur, last);
	output_get_stats(o, &st);
	CHECK_INT(st.sent, 2);
	CHECK_INT(st.filtered, 1);
	output_free(o);

	/* Reopen: the cursor persists, nothing is sent twice. */
	CHECK_INT(output_open(url, &opts, f.loop, f.store, &o, err, sizeof(err)), 0);
	append(&f, 6, 7, LOG_ERR);
	CHECK_INT(output_flush(o, 5000), 0);
	CHECK_INT(read_lines(open(path, O_RDONLY), buf, sizeof(buf)), 3);
	output_free(o);
	fx_close(&f);
}

/* stderr into a file of the fixture's dir while a case runs; the text
 * back (NUL-terminated, at most len - 1 bytes) when it ends. */
static int stderr_to(const struct fx *f, const char *name)
{
	char path[128];
	int fd, saved = dup(STDERR_FILENO);

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || saved < 0 || dup2(fd, STDERR_FILENO) < 0)
		abort();
	close(fd);
	return saved;
}

static void stderr_back(int saved, char *buf, size_t len)
{
	ssize_t n;

	fflush(stderr);
	n = pread(STDERR_FILENO, buf, len - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	dup2(saved, STDERR_FILENO);
	close(saved);
}

/* A FIFO or /dev/null as the jsonl file: the events go through and the
 * cursor follows, and nothing tries to fdatasync them (it fails with
 * EINVAL: before, a warning every turn, for good). */
TEST(jsonl_fifo_and_dev_null_not_synced)
{
	struct fx f;
	struct output_opts opts = { .min_severity = LOG_DEBUG, .facility = 1, .hostname = "h" };
	struct output *o = NULL;
	struct output_stats st;
	char url[128], err[256], fifo[96], buf[8192], log[4096];
	int saved, rfd;
	int64_t last, cur;

	fx_open(&f);
	saved = stderr_to(&f, "stderr-null");
	CHECK_INT(output_open("jsonl:/dev/null", &opts, f.loop, f.store, &o, err, sizeof(err)), 0);
	append(&f, 0, 3, LOG_WARNING);
	for (int turn = 0; turn < 3; turn++) {
		CHECK_INT(output_flush(o, 5000), 0);
		output_sync(o);		/* what the daemon does before each commit */
	}
	output_get_stats(o, &st);
	store_last_id(f.store, &last);
	store_cursor_get(f.store, "jsonl:/dev/null", &cur);
	output_free(o);
	stderr_back(saved, log, sizeof(log));
	CHECK_INT(st.sent, 3);
	CHECK_INT(cur, last);
	CHECK(strstr(log, "/dev/null is not a regular file"));
	CHECK(!strstr(log, "fdatasync"));

	snprintf(fifo, sizeof(fifo), "%s/events.fifo", f.dir);
	CHECK_INT(mkfifo(fifo, 0600), 0);
	rfd = open(fifo, O_RDONLY | O_NONBLOCK);	/* the shipper reading it */
	CHECK(rfd >= 0);
	snprintf(url, sizeof(url), "jsonl:%s", fifo);
	saved = stderr_to(&f, "stderr-fifo");
	CHECK_INT(output_open(url, &opts, f.loop, f.store, &o, err, sizeof(err)), 0);
	append(&f, 3, 5, LOG_WARNING);
	CHECK_INT(output_flush(o, 5000), 0);
	output_sync(o);
	output_sync(o);
	output_free(o);
	stderr_back(saved, log, sizeof(log));
	CHECK_INT(read_lines(rfd, buf, sizeof(buf)), 2);
	CHECK(strstr(buf, "\"seq\":\"3\"") && strstr(buf, "\"seq\":\"4\""));
	CHECK(strstr(log, "events.fifo is not a regular file"));
	CHECK(!strstr(log, "fdatasync"));
	fx_close(&f);
}

/* Datagrams waiting on fd. */
static int drain_count(int fd)
{
	char dg[9000];
	int n = 0;

	while (recv(fd, dg, sizeof(dg), MSG_DONTWAIT) > 0)
		n++;
	return n;
}

/* Two URLs that differ only in ?format= are two outputs: delivering on
 * one does not move the other's cursor (they shared one before). */
TEST(cursor_per_options)
{
	struct fx f;
	struct output_opts opts = { .min_severity = LOG_DEBUG, .facility = 1, .hostname = "h" };
	struct output *a = NULL, *b = NULL;
	char ua[96], ub[96], err[256];
	uint16_t port;
	int fd;

	fx_open(&f);
	fd = listen_on(SOCK_DGRAM, 0, &port);
	snprintf(ua, sizeof(ua), "syslog+udp://127.0.0.1:%u?format=rfc3164", port);
	snprintf(ub, sizeof(ub), "syslog+udp://127.0.0.1:%u?format=rfc5424", port);
	CHECK_INT(output_open(ua, &opts, NULL, f.store, &a, err, sizeof(err)), 0);
	CHECK_INT(output_open(ub, &opts, NULL, f.store, &b, err, sizeof(err)), 0);
	CHECK(strcmp(output_cursor_key(a), output_cursor_key(b)) != 0);
	append(&f, 0, 3, -1);
	CHECK_INT(output_flush(a, 5000), 0);	/* b is not flushed: its events wait */
	CHECK_INT(drain_count(fd), 3);
	output_free(a);
	output_free(b);
	CHECK_INT(output_open(ub, &opts, NULL, f.store, &b, err, sizeof(err)), 0);
	CHECK_INT(output_flush(b, 5000), 0);
	CHECK_INT(drain_count(fd), 3);
	output_free(b);
	close(fd);
	fx_close(&f);
}

/* A cursor kept under the old name (the URL without its query) is taken
 * over at its position by every output of the first configuration, once. */
TEST(cursor_legacy_name_migrated_once)
{
	struct fx f;
	struct output_opts opts = { .min_severity = LOG_DEBUG, .facility = 1, .hostname = "h" };
	struct output *a = NULL, *b = NULL, *c = NULL;
	char err[256];
	int64_t cur, last;

	fx_open(&f);
	append(&f, 0, 5, -1);
	store_last_id(f.store, &last);
	CHECK_INT(store_cursor_set(f.store, "syslog+udp://127.0.0.1", 2), 0);
	CHECK_INT(store_cursor_set(f.store, "syslog+udp://127.0.0.1:10", 3), 0);
	CHECK_INT(output_open("syslog+udp://127.0.0.1?format=rfc3164", &opts, NULL, f.store, &a,
			      err, sizeof(err)), 0);
	CHECK_INT(output_open("syslog+udp://127.0.0.1?format=rfc5424", &opts, NULL, f.store, &b,
			      err, sizeof(err)), 0);
	CHECK_INT(output_open("syslog+udp://127.0.0.1:10?format=rfc3164", &opts, NULL, f.store, &c,
			      err, sizeof(err)), 0);
	CHECK_STR(output_cursor_key(a), "syslog+udp://127.0.0.1:514?format=rfc3164");
	CHECK_STR(output_cursor_key(b), "syslog+udp://127.0.0.1:514");
	store_cursor_get(f.store, output_cursor_key(a), &cur);
	CHECK_INT(cur, 2);
	store_cursor_get(f.store, output_cursor_key(b), &cur);
	CHECK_INT(cur, 2);
	store_cursor_get(f.store, output_cursor_key(c), &cur);
	CHECK_INT(cur, 3);
	CHECK_INT(output_cursor_names_migrated(f.store), 0);
	output_free(a);
	output_free(b);
	output_free(c);
	/* Reopened: each keeps its own; a new output starts at the end. */
	CHECK_INT(output_open("syslog+udp://127.0.0.1:514?format=rfc3164", &opts, NULL, f.store,
			      &a, err, sizeof(err)), 0);
	store_cursor_get(f.store, output_cursor_key(a), &cur);
	CHECK_INT(cur, 2);
	CHECK_INT(output_open("syslog+tcp://127.0.0.1?format=rfc3164", &opts, NULL, f.store, &b,
			      err, sizeof(err)), 0);
	store_cursor_get(f.store, output_cursor_key(b), &cur);
	CHECK_INT(cur, last);
	output_free(a);
	output_free(b);
	fx_close(&f);
}

/* A host name goes through the lookup off the loop; flush waits for it. */
TEST(tcp_by_name_resolved_off_the_loop)
{
	struct fx f;
	struct output_opts opts = { .min_severity = LOG_DEBUG, .facility = 1, .hostname = "h" };
	struct output *o = NULL;
	char url[64], err[256], buf[4096];
	uint16_t port;
	int lfd, cfd;
	ssize_t n;

	fx_open(&f);
	lfd = listen_on(SOCK_STREAM, 0, &port);
	snprintf(url, sizeof(url), "syslog+tcp://localhost:%u", port);
	CHECK_INT(output_open(url, &opts, NULL, f.store, &o, err, sizeof(err)), 0);
	append(&f, 0, 2, -1);
	CHECK_INT(output_flush(o, 10000), 0);
	cfd = accept(lfd, NULL, NULL);
	CHECK(cfd >= 0);
	n = recv(cfd, buf, sizeof(buf) - 1, 0);
	CHECK(n > 0);
	buf[n > 0 ? n : 0] = '\0';
	CHECK(strstr(buf, "PEER_HANDSHAKE") != NULL);
	output_free(o);
	close(cfd);
	close(lfd);
	fx_close(&f);
}

TEST(flush_refused_fails_fast_and_keeps_cursor)
{
	struct fx f;
	struct output_opts opts = { .min_severity = LOG_DEBUG, .facility = 1, .hostname = "h" };
	struct output *o = NULL;
	char url[64], err[256];
	uint16_t port;
	int fd, ret;
	int64_t cur;

	fx_open(&f);
	fd = listen_on(SOCK_STREAM, 0, &port);
	close(fd);	/* a port nobody listens on */
	snprintf(url, sizeof(url), "syslog+tcp://127.0.0.1:%u", port);
	CHECK_INT(output_open(url, &opts, NULL, f.store, &o, err, sizeof(err)), 0);
	append(&f, 0, 3, -1);
	ret = output_flush(o, 20000);
	CHECK_INT(ret, -ECONNREFUSED);
	store_cursor_get(f.store, url, &cur);
	CHECK_INT(cur, 0);
	output_free(o);
	fx_close(&f);
}

TEST(open_errors)
{
	struct fx f;
	struct output *o = (struct output *)1;
	char err[256];

	fx_open(&f);
	CHECK_INT(output_open("bogus", NULL, f.loop, f.store, &o, err, sizeof(err)), -EINVAL);
	CHECK(o == NULL);
	CHECK(strstr(err, "unknown scheme 'bogus'"));
	CHECK(output_open("jsonl:/nonexistent-dir/x", NULL, f.loop, f.store, &o, err, sizeof(err)) < 0);
	CHECK(strstr(err, "cannot open"));
	fx_close(&f);
}

/* --- syslog+tls files ------------------------------------------------ */

/* Files are read at open: a missing, empty or mismatched one is an error
 * naming the path, before any connection. */
TEST(tls_open_file_errors)
{
	struct fx f;
	struct output *o = (struct output *)1;
	char url[512], err[512], cmd[1024];

	fx_open(&f);
	snprintf(url, sizeof(url), "syslog+tls://127.0.0.1:1?ca=%s/missing.pem", f.dir);
	CHECK_INT(output_open(url, NULL, NULL, f.store, &o, err, sizeof(err)), -ENOENT);
	CHECK(o == NULL);
	CHECK(strstr(err, "cannot read CA file") && strstr(err, "missing.pem") &&
	      strstr(err, "No such file"));

	snprintf(cmd, sizeof(cmd), "echo not a certificate > %s/junk.pem", f.dir);
	CHECK_INT(system(cmd), 0);
	snprintf(url, sizeof(url), "syslog+tls://127.0.0.1:1?ca=%s/junk.pem", f.dir);
	CHECK_INT(output_open(url, NULL, NULL, f.store, &o, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "junk.pem: no usable certificate"));

	/* two self-signed pairs; certificate a with key b does not match */
	snprintf(cmd, sizeof(cmd),
		 "cd %s && for n in a b; do openssl req -x509 -newkey ec "
		 "-pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=$n -days 1 "
		 "-keyout $n.key -out $n.pem >/dev/null 2>&1 || exit 1; done", f.dir);
	if (system(cmd) != 0) {
		printf("SKIP tls_open_file_errors: no openssl CLI for key pairs\n");
		goto out;
	}
	snprintf(url, sizeof(url), "syslog+tls://127.0.0.1:1?ca=%s/a.pem&cert=%s/a.pem&key=%s/b.key",
		 f.dir, f.dir, f.dir);
	CHECK_INT(output_open(url, NULL, NULL, f.store, &o, err, sizeof(err)), -EINVAL);
	if (!strstr(err, "b.key does not match client certificate"))
		test_fail("message: %s", err);
	snprintf(url, sizeof(url), "syslog+tls://127.0.0.1:1?ca=%s/a.pem&cert=%s/a.pem&key=%s/nokey",
		 f.dir, f.dir, f.dir);
	CHECK_INT(output_open(url, NULL, NULL, f.store, &o, err, sizeof(err)), -ENOENT);
	CHECK(strstr(err, "cannot read client key") && strstr(err, "nokey"));
	/* a good pair opens (no loop: no connection attempt yet) */
	snprintf(url, sizeof(url), "syslog+tls://127.0.0.1:1?ca=%s/a.pem&cert=%s/a.pem&key=%s/a.key",
		 f.dir, f.dir, f.dir);
	CHECK_INT(output_open(url, NULL, NULL, f.store, &o, err, sizeof(err)), 0);
	output_free(o);
out:
	fx_close(&f);
}

TEST_MAIN()
