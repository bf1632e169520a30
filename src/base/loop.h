// SPDX-License-Identifier: GPL-2.0
/* loop.h - one epoll loop: fds, one-shot timers, a before-sleep hook.
 * Knows nothing of WireGuard (redis ae.h in spirit). */
#ifndef WGAUDIT_LOOP_H
#define WGAUDIT_LOOP_H
#include <stdbool.h>
#include <stdint.h>

struct loop;
typedef void (*loop_fd_cb)(void *ctx, int fd, uint32_t events);

/* Embedded in its owner; armed at most once at a time. */
struct loop_timer {
	void (*cb)(void *ctx);
	void *ctx;
	int64_t deadline_us;	/* monotonic; 0 = not armed */
	struct loop_timer *next;
};

int loop_new(struct loop **out);
void loop_free(struct loop *l);
int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *ctx);
int loop_mod_fd(struct loop *l, int fd, uint32_t events);
void loop_del_fd(struct loop *l, int fd);
/* Arm (or re-arm) t to fire once at deadline (now_monotonic_us() based). */
void loop_timer_arm(struct loop *l, struct loop_timer *t, int64_t deadline_us);
void loop_timer_cancel(struct loop *l, struct loop_timer *t);
/* Runs after each batch of callbacks, before epoll_wait: the commit point. */
void loop_set_before_sleep(struct loop *l, void (*fn)(void *ctx), void *ctx);
/* 0 after loop_stop(), -errno on failure. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);
#endif
