// SPDX-License-Identifier: GPL-2.0
/* test_relp.c - the syslog+relp:// output against a RELP server played by
 * the test on 127.0.0.1 (bytes as rsyslog imrelp answers, see
 * tests/data/relp/): the cursor moves only on rsp 200 and in journal order,
 * a serverclose or a refusal makes it send the unanswered events again
 * (same bytes), filtered events never hold it back. The output is driven
 * by output_flush() in short slices, the server in between. */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>
#include "test.h"
#include "base/event.h"
#include "base/relpframe.h"
#include "outputs/output.h"
#include "store/store.h"

struct fx {
	char dir[64];
	struct store *store;
};

static void fx_open(struct fx *f)
{
	char path[128];

	snprintf(f->dir, sizeof(f->dir), "/tmp/wgaudit-test-relp-XXXXXX");
	if (!mkdtemp(f->dir))
		abort();
	snprintf(path, sizeof(path), "%s/wgaudit.db", f->dir);
	if (store_open(path, &f->store) < 0)
		abort();
}

static void fx_close(struct fx *f)
{
	char cmd[128];

	store_free(f->store);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", f->dir);
}

static int64_t append(struct fx *f, int from, int to, int severity)
{
	int64_t id = 0;

	store_begin(f->store);
	for (int i = from; i < to; i++) {
		struct event ev;

		event_init(&ev, EV_PEER_HANDSHAKE, SRC_POLL);
		ev.time_us = 1795608000000000LL + i;
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

static int listen_lo(uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 4) < 0)
		abort();
	getsockname(fd, (struct sockaddr *)&a, &al);
	*port = ntohs(a.sin_port);
	return fd;
}

/* The server side of one session. */
struct srv {
	int fd;
	char buf[65536];
	size_t len;
	struct {
		uint32_t txnr;
		char cmd[16];
		char data[1024];
		size_t dlen;
	} f[64];
	int n;
};

/* Drive the output for a slice, then take the frames that came. */
static void step(struct output *o, struct srv *s)
{
	output_flush(o, 40);
	if (s->fd < 0)
		return;
	for (;;) {
		struct pollfd p = { .fd = s->fd, .events = POLLIN };
		ssize_t r;
		size_t off = 0;

		if (poll(&p, 1, 0) <= 0)
			break;
		r = read(s->fd, s->buf + s->len, sizeof(s->buf) - s->len);
		if (r <= 0)
			break;
		s->len += (size_t)r;
		for (;;) {
			struct relp_frame fr;
			ssize_t u = relp_frame_parse(s->buf + off, s->len - off, 1000, &fr);

			if (u <= 0 || s->n == 64)
				break;
			s->f[s->n].txnr = fr.txnr;
			snprintf(s->f[s->n].cmd, sizeof(s->f[0].cmd), "%s", fr.cmd);
			memcpy(s->f[s->n].data, fr.data, fr.datalen);
			s->f[s->n].dlen = fr.datalen;
			s->n++;
			off += (size_t)u;
		}
		memmove(s->buf, s->buf + off, s->len - off);
		s->len -= off;
	}
}

static void say(struct srv *s, const char *text)
{
	if (write(s->fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
}

/* Accept the output's connection and answer its open like imrelp. */
static void srv_open(struct output *o, struct srv *s, int lfd)
{
	static const char rsp[] = "200 OK\nrelp_version=0\n"
		"relp_software=librelp,1.11.0,http://librelp.adiscon.com\ncommands=syslog";
	char fr[256];
	ssize_t n;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	output_flush(o, 40);	/* connect */
	s->fd = accept(lfd, NULL, NULL);
	for (int i = 0; i < 50 && s->n == 0; i++)
		step(o, s);
	CHECK(s->n == 1 && !strcmp(s->f[0].cmd, "open"));
	n = relp_frame_put(fr, sizeof(fr), s->f[0].txnr, "rsp", rsp, strlen(rsp));
	if (write(s->fd, fr, (size_t)n) != n)
		abort();
	s->n = 0;
}

static void frames_wait(struct output *o, struct srv *s, int want)
{
	for (int i = 0; i < 100 && s->n < want; i++)
		step(o, s);
	CHECK_INT(s->n, want);
}

static int64_t cursor(struct output *o)
{
	struct output_stats st;

	output_get_stats(o, &st);
	return st.cursor;
}

TEST(cursor_on_rsp_200_in_order_and_resend_after_serverclose)
{
	struct output_opts opts = { .min_severity = LOG_DEBUG, .facility = 1, .hostname = "h" };
	struct output *o = NULL;
	struct srv s;
	char url[64], err[256], rec4[1024], rec5[1024], fr[64];
	size_t l4, l5;
	uint16_t port;
	int lfd = listen_lo(&port);
	struct fx f;

	fx_open(&f);
	snprintf(url, sizeof(url), "syslog+relp://127.0.0.1:%u", port);
	CHECK_INT(output_open(url, &opts, NULL, f.store, &o, err, sizeof(err)), 0);
	srv_open(o, &s, lfd);
	append(&f, 0, 5, LOG_INFO);
	frames_wait(o, &s, 5);
	for (int i = 0; i < s.n; i++) {
		CHECK_STR(s.f[i].cmd, "syslog");
		CHECK_INT(s.f[i].txnr, i + 2);	/* 1 was the open */
	}
	CHECK(s.n == 5 && !memcmp(s.f[0].data, "<14>1 ", 6));
	memcpy(rec4, s.f[3].data, l4 = s.f[3].dlen);
	memcpy(rec5, s.f[4].data, l5 = s.f[4].dlen);
	/* answers for txnr 3 and 4 first: the cursor waits for 2 */
	say(&s, "3 rsp 6 200 OK\n4 rsp 6 200 OK\n");
	step(o, &s);
	step(o, &s);
	CHECK_INT(cursor(o), 0);
	say(&s, "2 rsp 6 200 OK\n");
	for (int i = 0; i < 20 && cursor(o) != 3; i++)
		step(o, &s);
	CHECK_INT(cursor(o), 3);
	/* the receiver ends the session: events 4 and 5 come again */
	say(&s, "0 serverclose 0\n");
	close(s.fd);
	srv_open(o, &s, lfd);
	frames_wait(o, &s, 2);
	CHECK(s.n == 2 && s.f[0].dlen == l4 && !memcmp(s.f[0].data, rec4, l4));
	CHECK(s.n == 2 && s.f[1].dlen == l5 && !memcmp(s.f[1].data, rec5, l5));
	CHECK_INT(s.f[0].txnr, 2);	/* a new session numbers afresh */
	snprintf(fr, sizeof(fr), "%u rsp 6 200 OK\n%u rsp 6 200 OK\n", s.f[0].txnr, s.f[1].txnr);
	say(&s, fr);
	CHECK_INT(output_flush(o, 2000), 0);
	CHECK_INT(cursor(o), 5);
	output_free(o);
	close(s.fd);
	close(lfd);
	fx_close(&f);
}

TEST(filtered_never_stall_and_refusal_resends)
{
	struct output_opts opts = { .min_severity = LOG_WARNING, .facility = 1, .hostname = "h" };
	struct output *o = NULL;
	struct srv s;
	char url[64], err[256], fr[64];
	uint16_t port;
	int lfd = listen_lo(&port);
	int64_t last;
	struct fx f;

	fx_open(&f);
	snprintf(url, sizeof(url), "syslog+relp://127.0.0.1:%u", port);
	CHECK_INT(output_open(url, &opts, NULL, f.store, &o, err, sizeof(err)), 0);
	srv_open(o, &s, lfd);
	/* 5000 filtered events (more than the window and the ring), then one
	 * that passes: one frame, and the cursor reaches the end */
	append(&f, 0, 5000, LOG_DEBUG);
	last = append(&f, 5000, 5001, LOG_WARNING);
	frames_wait(o, &s, 1);
	/* refused: the session ends, the event is sent again */
	snprintf(fr, sizeof(fr), "%u rsp 13 500 try later\n", s.f[0].txnr);
	say(&s, fr);
	step(o, &s);
	close(s.fd);
	srv_open(o, &s, lfd);
	frames_wait(o, &s, 1);
	CHECK(s.n == 1 && strstr(s.f[0].data, "seq=\"5000\"") != NULL);
	snprintf(fr, sizeof(fr), "%u rsp 6 200 OK\n", s.f[0].txnr);
	say(&s, fr);
	CHECK_INT(output_flush(o, 2000), 0);
	CHECK_INT(cursor(o), last);
	output_free(o);
	close(s.fd);
	close(lfd);
	fx_close(&f);
}

/* A host name goes through resolve.c (off the loop, polled here by the
 * flush) and then connects and delivers as an address does. */
TEST(host_name_resolved_off_the_loop)
{
	struct output_opts opts = { .min_severity = LOG_DEBUG, .facility = 1, .hostname = "h" };
	struct output *o = NULL;
	struct srv s;
	char url[64], err[256], fr[64];
	uint16_t port;
	int lfd = listen_lo(&port);
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	struct fx f;
	int i;

	fx_open(&f);
	snprintf(url, sizeof(url), "syslog+relp://localhost:%u", port);
	CHECK_INT(output_open(url, &opts, NULL, f.store, &o, err, sizeof(err)), 0);
	for (i = 0; i < 100 && poll(&p, 1, 0) == 0; i++)
		output_flush(o, 40);
	CHECK(i < 100);	/* resolved and connecting */
	srv_open(o, &s, lfd);
	append(&f, 0, 1, LOG_INFO);
	frames_wait(o, &s, 1);
	snprintf(fr, sizeof(fr), "%u rsp 6 200 OK\n", s.f[0].txnr);
	say(&s, fr);
	CHECK_INT(output_flush(o, 2000), 0);
	CHECK_INT(cursor(o), 1);
	output_free(o);
	close(s.fd);
	close(lfd);
	fx_close(&f);
}

TEST(url_tls_options)
{
	static const char url[] = "syslog+relp://h:20514?tls=1&ca=/etc/ca.pem&name=collector";
	struct output_url u;
	char err[256];

	CHECK_INT(output_url_parse(url, strlen(url), &u, err, sizeof(err)), 0);
	CHECK(u.tls);
	CHECK_STR(u.ca, "/etc/ca.pem");
	CHECK_STR(u.name, "collector");
	CHECK_INT(u.port, 20514);
}
TEST_MAIN()
