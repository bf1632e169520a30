// SPDX-License-Identifier: GPL-2.0
/* relpframe.h - RELP frames (librelp's protocol, rsyslog imrelp/omrelp):
 * TXNR SP COMMAND SP DATALEN [SP DATA] LF. Pure and bounded: no I/O, no
 * allocation; shared by the agent's RELP output and the collector. */
#ifndef WGAUDIT_RELPFRAME_H
#define WGAUDIT_RELPFRAME_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define RELP_TXNR_MAX	999999999u	/* 9 digits; wraps to 1 */
#define RELP_CMD_MAX	32		/* command: 1..32 letters */
/* The longest header: 9 digits SP 32 letters SP 9 digits SP. */
#define RELP_HDR_MAX	(9 + 1 + RELP_CMD_MAX + 1 + 9 + 1)

struct relp_frame {
	uint32_t txnr;			/* 0 only for serverclose */
	char cmd[RELP_CMD_MAX + 1];	/* NUL-terminated */
	const char *data;		/* into the caller's buffer */
	size_t datalen;
};

/* One frame at the start of buf[0..len). Returns the bytes it takes (> 0),
 * 0 when more bytes are needed, -EINVAL when the bytes are not RELP
 * (the stream cannot be resynced), -EMSGSIZE when DATALEN > max_data. */
ssize_t relp_frame_parse(const char *buf, size_t len, size_t max_data,
			 struct relp_frame *f);
/* Write a frame into out[0..cap). Its length, or -ENOSPC / -EINVAL
 * (txnr or cmd out of range). */
ssize_t relp_frame_put(char *out, size_t cap, uint32_t txnr, const char *cmd,
		       const char *data, size_t datalen);
/* A rsp's DATA: "200 OK[\n offers]". *code 100..999. 0 or -EINVAL. An
 * empty DATA (librelp answers "close" with "rsp 0") is code 200. */
int relp_rsp_code(const char *data, size_t len, int *code);
/* The value of an offer line "name=value" in an open / rsp DATA (lines
 * after the status line of a rsp). 0 and *val, *vlen into data; -ENOENT. */
int relp_offer_get(const char *data, size_t len, const char *name,
		   const char **val, size_t *vlen);
/* Does a "commands=" value list cmd ("syslog,foo")? */
int relp_commands_have(const char *val, size_t vlen, const char *cmd);
#endif
