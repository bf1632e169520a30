// SPDX-License-Identifier: GPL-2.0
/* wglog.h - wireguard-go verbose log lines to typed events. Pure. */
#ifndef WGAUDIT_WGLOG_H
#define WGAUDIT_WGLOG_H
#include <stddef.h>
struct event;

/* One line as wireguard-go's logger writes it (device/logger.go):
 *   "DEBUG: (wg0) 2025/05/22 01:45:02 peer(AbCd…WxYz) - Received handshake initiation"
 * Fills type, severity, source=journal, iface, the abbreviated peer as
 * `peer_abbrev` ("AbCd…WxYz", for resolution against full keys), the
 * fields of DESIGN.md's kernel table where wireguard-go says the same
 * thing, and time from the line's stamp (local time, TZ of this host).
 * A wireguard-go line with no mapping is a KERNEL_MESSAGE (text).
 * 0, -ENOENT (not a wireguard-go line) or -EINVAL. */
int wglog_parse(const char *buf, size_t len, struct event *out);
#endif
