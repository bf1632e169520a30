// SPDX-License-Identifier: GPL-2.0
/* events.c - `wgaudit events [--tail N] [--follow] [--json]`: the local
 * event history, read from the journal the agent writes. Never needs the
 * agent running; with --follow it polls the journal (the agent commits one
 * transaction per loop turn, so polling sees whole turns). */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include "cli/cli.h"
#include "conf/conf.h"
#include "base/event.h"
#include "base/log.h"
#include "outputs/evprint.h"
#include "store/store.h"
#include "base/util.h"
#include "sys/sigfd.h"

#define EVENTS_DEFAULT_TAIL	20
#define EVENTS_POLL_MS		250	/* --follow: how stale a line may be */
#define EVENTS_BATCH		1000	/* rows per read while catching up */

struct printer {
	bool json;
	const char *host;
	int64_t last_id;	/* highest id handed to us */
	size_t count;		/* events in the current read */
	int werr;		/* errno of the first failed write */
};

/* One line per event (evprint.h). A write error stops the read; the
 * caller looks at stdout. */
static int print_event(void *ctx, const struct event *ev)
{
	struct printer *p = ctx;
	int ret;

	if (ev->id > p->last_id)
		p->last_id = ev->id;
	p->count++;
	ret = event_print(stdout, ev, p->host, p->json, true);
	if (ret == -ENOSPC) {
		log_warnx("event %" PRId64 " (%s) is too long to print", ev->id,
			  event_type_name(ev->type));
		return 0;
	}
	if (!ret)
		return 0;
	p->werr = errno;	/* before SQLite's calls can change it */
	return 1;
}

/* 0 if stdout took everything; 1 if its reader went away (EPIPE: `| head`
 * is a normal way to stop, exit 0); -1 on another write error (exit 1). */
static int flush_stdout(struct printer *p)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	if (!p->werr)
		p->werr = errno;
	if (p->werr == EPIPE)
		return 1;
	fprintf(stderr, "wgaudit: writing events: %s\n", strerror(p->werr));
	return -1;
}

static void host_name(const struct conf *c, char *out, size_t len)
{
	if (c->hostname[0])
		snprintf(out, len, "%s", c->hostname);
	else if (gethostname(out, len - 1) < 0)
		snprintf(out, len, "-");
	else
		out[len - 1] = '\0';
}

/* Poll the journal for ids above the last printed until SIGINT/SIGTERM
 * (taken from a signalfd, so a signal between two polls is not lost) or
 * the reader of stdout goes away. */
static int follow(struct store *s, struct printer *p, int sigfd)
{
	struct pollfd pfd = { .fd = sigfd, .events = POLLIN };
	int ret, w;

	for (;;) {
		p->count = 0;
		ret = store_read_after(s, p->last_id, EVENTS_BATCH,
				       print_event, p);
		w = flush_stdout(p);
		if (w)
			return w < 0 ? 1 : 0;
		/* Busy past the store's timeout (a long checkpoint, the
		 * agent recovering): a follower just tries again. */
		if (ret < 0 && ret != -EBUSY) {
			fprintf(stderr, "wgaudit: reading the event journal: "
				"%s\n", strerror(-ret));
			return 1;
		}
		/* Catching up: no sleep, but still look for a signal. */
		ret = poll(&pfd, 1, p->count == EVENTS_BATCH ? 0 :
			   EVENTS_POLL_MS);
		if (ret > 0) {
			/* SIGINT or SIGTERM: a clean stop. Consume it, or
			 * it is delivered when the mask is restored. */
			struct signalfd_siginfo si;

			if (read(sigfd, &si, sizeof(si)) < 0)
				log_warn("signalfd");
			return 0;
		}
		if (ret < 0 && errno != EINTR) {
			log_warn("poll");
			return 1;
		}
	}
}

static int open_journal(const struct conf *c, struct store **s)
{
	char path[512];
	int ret;

	store_db_path(c->state_dir, path, sizeof(path));
	ret = store_open_readonly(path, s);
	if (ret == -ENOENT) {
		fprintf(stderr, "wgaudit: no event journal at %s (has the "
			"agent run?)\n", path);
	} else if (ret < 0) {
		fprintf(stderr, "wgaudit: cannot read the event journal %s: "
			"%s\n", path, strerror(-ret));
	}
	return ret;
}

int cmd_events(struct conf *c, const struct cli_opts *o)
{
	struct printer p = { 0 };
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_pipe;
	struct store *s = NULL;
	sigset_t old_mask;
	char host[256];
	int ret, w, status = 1, sigfd = -1;

	if (o->follow) {
		/* Before anything else, so a ^C during the tail is taken
		 * by the follow loop as a clean stop. */
		sigfd = sigfd_open(false, &old_mask);
		if (sigfd < 0) {
			errno = -sigfd;
			log_warn("signalfd");
			return 1;
		}
	}
	/* A closed pipe is reported as EPIPE by write, not as a signal. */
	sigaction(SIGPIPE, &ign, &old_pipe);
	if (open_journal(c, &s) < 0)
		goto out;
	host_name(c, host, sizeof(host));
	memset(&p, 0, sizeof(p));
	p.json = o->json;
	p.host = host;

	/* Taken before the tail: an event committed between the two calls
	 * is then either in the tail or after last_id, never lost. */
	ret = store_last_id(s, &p.last_id);
	if (ret == 0)
		ret = store_read_tail(s, o->tail < 0 ? EVENTS_DEFAULT_TAIL :
				      (size_t)o->tail, print_event, &p);
	w = flush_stdout(&p);
	if (w) {
		status = w < 0 ? 1 : 0;
		goto out;
	}
	if (ret < 0) {
		fprintf(stderr, "wgaudit: reading the event journal: %s\n",
			strerror(-ret));
		goto out;
	}
	if (!o->follow) {
		status = 0;
		goto out;
	}
	status = follow(s, &p, sigfd);
out:
	if (sigfd >= 0) {
		close(sigfd);
		sigprocmask(SIG_SETMASK, &old_mask, NULL);
	}
	sigaction(SIGPIPE, &old_pipe, NULL);
	store_free(s);
	return status;
}
