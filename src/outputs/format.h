// SPDX-License-Identifier: GPL-2.0
/* format.h - events to text: the syslog MSG ("TYPE key=value ..."), RFC 5424
 * and RFC 3164 records, JSON lines. Pure; no I/O. Each returns the length
 * written (excluding NUL) or -ENOSPC when out is too small. */
#ifndef WGAUDIT_FORMAT_H
#define WGAUDIT_FORMAT_H
#include <stddef.h>
#include <sys/types.h>

struct event;

#define SYSLOG_APP_NAME "wireguard-audit"

/* `PEER_ACTIVE peer=<12 chars> endpoint=.. allowed_ips=.. rx=.. tx=.. iface=.. pubkey=<full> ...` */
ssize_t format_msg(const struct event *ev, char *out, size_t len);
ssize_t format_json(const struct event *ev, const char *host, char *out, size_t len);
/* facility is the number (1 = user). */
ssize_t format_rfc5424(const struct event *ev, const char *host, int facility,
		       char *out, size_t len);
/* The same with the SD-ID of the structured data element given (a valid
 * one: sd_id_check() in base/sdid.h; NULL = SD_ID_DEFAULT). */
ssize_t format_rfc5424_sd(const struct event *ev, const char *host, int facility,
			  const char *sd_id, char *out, size_t len);
ssize_t format_rfc3164(const struct event *ev, const char *host, int facility,
		       char *out, size_t len);
#endif
