// SPDX-License-Identifier: GPL-2.0
/* log.h - wgaudit's own diagnostics (not events). stderr in the
 * foreground, syslog(3) otherwise (OpenBSD ntpd style). */
#ifndef WGAUDIT_LOG_H
#define WGAUDIT_LOG_H
#include <stdnoreturn.h>

void log_init(int foreground, int verbose);
/* log_warn appends strerror(errno); log_warnx does not. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* For errors that travel as -errno: log_errno(ret, ...) appends
 * strerror(-ret) (ret may be negative or positive). */
void log_errno(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Only before the loop runs. */
noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#endif
