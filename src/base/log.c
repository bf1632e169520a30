// SPDX-License-Identifier: GPL-2.0
/* log.c - diagnostics: stderr in the foreground, syslog(3) otherwise.
 * Modelled on OpenBSD usr.sbin/ntpd/log.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include "base/log.h"

static int log_foreground = 1;
static int log_verbose;

void log_init(int foreground, int verbose)
{
	log_foreground = foreground;
	log_verbose = verbose;
	if (!foreground)
		openlog("wgaudit", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static void vlog(int pri, const char *fmt, va_list ap, const char *err)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_foreground) {
		if (err)
			fprintf(stderr, "wgaudit: %s: %s\n", msg, err);
		else
			fprintf(stderr, "wgaudit: %s\n", msg);
		fflush(stderr);
	} else if (err) {
		syslog(pri, "%s: %s", msg, err);
	} else {
		syslog(pri, "%s", msg);
	}
}

void log_warn(const char *fmt, ...)
{
	char buf[128];
	const char *err = strerror_r(errno, buf, sizeof(buf));	/* GNU: may not use buf */
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, err);
	va_end(ap);
}

void log_errno(int err, const char *fmt, ...)
{
	char buf[128];
	const char *e = strerror_r(err < 0 ? -err : err, buf, sizeof(buf));
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, e);
	va_end(ap);
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, NULL);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap, NULL);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap, NULL);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	char buf[128];
	const char *err = strerror_r(errno, buf, sizeof(buf));
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, err);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}
