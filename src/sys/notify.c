// SPDX-License-Identifier: GPL-2.0
/* notify.c - see notify.h. sd_notify() itself returns 0 when
 * $NOTIFY_SOCKET is unset, so outside systemd every call is cheap and
 * silent; errors are ignored on purpose: a lost notification must never
 * stop the agent (systemd's own timeouts are the backstop). */
#include <stdarg.h>
#include <stdio.h>
#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif
#include "sys/notify.h"

#ifdef HAVE_SYSTEMD
void notify_ready(void)
{
	sd_notify(0, "READY=1");
}

void notify_status(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "STATUS=");
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	/* One line: a newline would start a new assignment. */
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	sd_notify(0, buf);
}

void notify_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}

void notify_watchdog(void)
{
	sd_notify(0, "WATCHDOG=1");
}

int64_t notify_watchdog_interval_us(void)
{
	uint64_t us = 0;

	/* 0 keeps $WATCHDOG_USEC for a child we never start; > 0 means on,
	 * and checks $WATCHDOG_PID is us. */
	if (sd_watchdog_enabled(0, &us) <= 0 || us > INT64_MAX)
		return 0;
	return (int64_t)us;
}
#else
void notify_ready(void)
{
}

void notify_status(const char *fmt, ...)
{
}

void notify_stopping(void)
{
}

void notify_watchdog(void)
{
}

int64_t notify_watchdog_interval_us(void)
{
	return 0;
}
#endif
