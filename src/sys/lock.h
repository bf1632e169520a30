// SPDX-License-Identifier: GPL-2.0
/* lock.h - one writer per state dir (DESIGN "One writer per state dir"):
 * the dir is checked (ours, nobody else can write it), then locked with an
 * flock(2) on DIR/wgaudit.lock held until the process exits. */
#ifndef WGAUDIT_LOCK_H
#define WGAUDIT_LOCK_H
#include <stddef.h>
#include <sys/types.h>

#define LOCK_FILE "wgaudit.lock"

/* Creates dir 0700 when missing; then 0, or -errno with why filled
 * ("... is writable by group/others", "... is owned by uid N", "... is a
 * symbolic link") when it must not be trusted. */
int lock_dir_check(const char *dir, char *why, size_t len);
/* 0 and *fd holding the lock; -EWOULDBLOCK when another process holds it
 * (*holder = its PID, 0 if it did not say); other -errno on error. */
int lock_acquire(const char *dir, int *fd, pid_t *holder);
void lock_release(int fd);
#endif
