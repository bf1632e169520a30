// SPDX-License-Identifier: GPL-2.0
/* notify.h - systemd service notifications (the sd_notify(3) protocol, a
 * datagram to $NOTIFY_SOCKET). No-ops when not started by systemd
 * ($NOTIFY_SOCKET unset). */
#ifndef WGAUDIT_NOTIFY_H
#define WGAUDIT_NOTIFY_H
#include <stdint.h>

/* One "KEY=VALUE\n..." message: 1 sent, 0 when $NOTIFY_SOCKET is unset,
 * -errno otherwise. The functions below ignore the result. */
int notify_send(const char *state);
/* READY=1: call once every source and output is open. */
void notify_ready(void);
/* STATUS=...: one line shown by `systemctl status`. */
void notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* STOPPING=1: call when the stop signal arrives, before the final flush. */
void notify_stopping(void);
/* WATCHDOG=1: call from the loop, every notify_watchdog_interval_us() / 2. */
void notify_watchdog(void);
/* WatchdogSec= in µs when the watchdog is on for this process, else 0. */
int64_t notify_watchdog_interval_us(void);
#endif
