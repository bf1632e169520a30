// SPDX-License-Identifier: GPL-2.0
/* loop.c - epoll with a sorted list of one-shot timers; the nearest
 * deadline becomes epoll_wait's timeout, so no timerfd is needed for the
 * handful of timers the agent has (poll tick, reconnect backoffs). */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>
#include "base/loop.h"
#include "base/util.h"

struct loop_fd {
	int fd;
	loop_fd_cb cb;
	void *ctx;
	struct loop_fd *next;
};

struct loop {
	int epfd;
	bool stop;
	struct loop_fd *fds;
	struct loop_fd *dead_fds;	/* deleted this turn, freed at its end */
	struct loop_timer *timers;	/* sorted by deadline */
	void (*before_sleep)(void *ctx);
	void *before_sleep_ctx;
};

int loop_new(struct loop **out)
{
	struct loop *l;

	*out = NULL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int ret = -errno;

		free(l);
		return ret;
	}
	*out = l;
	return 0;
}

void loop_free(struct loop *l)
{
	struct loop_fd *f, *next;

	if (!l)
		return;
	for (f = l->fds; f; f = next) {
		next = f->next;
		free(f);
	}
	for (f = l->dead_fds; f; f = next) {
		next = f->next;
		free(f);
	}
	close(l->epfd);
	free(l);
}

int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *ctx)
{
	struct epoll_event ev = { .events = events };
	struct loop_fd *f = calloc(1, sizeof(*f));

	if (!f)
		return -ENOMEM;
	f->fd = fd;
	f->cb = cb;
	f->ctx = ctx;
	ev.data.ptr = f;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int ret = -errno;

		free(f);
		return ret;
	}
	f->next = l->fds;
	l->fds = f;
	return 0;
}

static struct loop_fd *find_fd(struct loop *l, int fd, struct loop_fd ***link)
{
	struct loop_fd **p;

	for (p = &l->fds; *p; p = &(*p)->next) {
		if ((*p)->fd == fd) {
			if (link)
				*link = p;
			return *p;
		}
	}
	return NULL;
}

int loop_mod_fd(struct loop *l, int fd, uint32_t events)
{
	struct loop_fd *f = find_fd(l, fd, NULL);
	struct epoll_event ev = { .events = events };

	if (!f)
		return -ENOENT;
	ev.data.ptr = f;
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

/* The entry is unlinked and its callback cleared; freeing waits until no
 * epoll batch can still point at it (end of the current turn). */

void loop_del_fd(struct loop *l, int fd)
{
	struct loop_fd **link, *f = find_fd(l, fd, &link);

	if (!f)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	*link = f->next;
	f->cb = NULL;
	f->next = l->dead_fds;
	l->dead_fds = f;
}

void loop_timer_cancel(struct loop *l, struct loop_timer *t)
{
	struct loop_timer **p;

	for (p = &l->timers; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			break;
		}
	}
	t->next = NULL;
	t->deadline_us = 0;
}

void loop_timer_arm(struct loop *l, struct loop_timer *t, int64_t deadline_us)
{
	struct loop_timer **p;

	loop_timer_cancel(l, t);
	if (deadline_us <= 0)
		deadline_us = 1;
	t->deadline_us = deadline_us;
	for (p = &l->timers; *p && (*p)->deadline_us <= deadline_us; p = &(*p)->next)
		;
	t->next = *p;
	*p = t;
}

void loop_set_before_sleep(struct loop *l, void (*fn)(void *ctx), void *ctx)
{
	l->before_sleep = fn;
	l->before_sleep_ctx = ctx;
}

void loop_stop(struct loop *l)
{
	l->stop = true;
}

static void run_timers(struct loop *l)
{
	int64_t now = now_monotonic_us();

	while (l->timers && l->timers->deadline_us <= now) {
		struct loop_timer *t = l->timers;

		l->timers = t->next;
		t->next = NULL;
		t->deadline_us = 0;
		t->cb(t->ctx);	/* may re-arm itself */
	}
}

int loop_run(struct loop *l)
{
	struct epoll_event evs[32];

	l->stop = false;
	while (!l->stop) {
		int timeout = -1, n;

		if (l->before_sleep)
			l->before_sleep(l->before_sleep_ctx);
		if (l->stop)
			break;
		if (l->timers) {
			int64_t d = l->timers->deadline_us - now_monotonic_us();

			timeout = d <= 0 ? 0 : (int)((d + 999) / 1000);
			if (d > 3600000000LL)
				timeout = 3600000;
		}
		n = epoll_wait(l->epfd, evs, (int)ARRAY_SIZE(evs), timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n; i++) {
			struct loop_fd *f = evs[i].data.ptr;

			if (f->cb)
				f->cb(f->ctx, f->fd, evs[i].events);
		}
		while (l->dead_fds) {
			struct loop_fd *f = l->dead_fds;

			l->dead_fds = f->next;
			free(f);
		}
		run_timers(l);
	}
	return 0;
}
