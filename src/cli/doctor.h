// SPDX-License-Identifier: GPL-2.0
/* doctor.h - the report `wgaudit doctor` builds (doctor.c) and the output
 * reach checks that add to it (doctor_net.c). */
#ifndef WGAUDIT_DOCTOR_H
#define WGAUDIT_DOCTOR_H
#include <stdbool.h>

struct conf;

enum doctor_status { DOCTOR_OK, DOCTOR_WARN, DOCTOR_FAIL };

struct doctor {
	bool json;
	unsigned lines;
	unsigned count[3];	/* by enum doctor_status */
	char pending[512];	/* text: a group's hint, printed after its last line */
};

/* One line: status, check name, detail (printf), and what to do (shown
 * for warn and fail; NULL = nothing to add). In text, consecutive lines
 * with the same hint share one, printed after the last of them. */
void doctor_report(struct doctor *d, enum doctor_status st, const char *check,
		   const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Each configured output reached: TCP connect, TLS handshake with the
 * agent's verification, 2 s per step; UDP said unverifiable. */
void doctor_check_outputs(struct doctor *d, const struct conf *c);
/* Text: print a pending hint (before the summary). */
void doctor_flush(struct doctor *d);
/* Pure parsers (unit tests). The bracketed word of
 * /sys/kernel/security/lockdown ("none [integrity] confidentiality"), ""
 * if none. One line of the dynamic debug control file: -1 not a wireguard
 * call site, 0 off ("=_"), 1 printing (flags with 'p'). */
void doctor_lockdown_parse(const char *line, char *out, size_t len);
int doctor_dyndbg_line(const char *line);
#endif
