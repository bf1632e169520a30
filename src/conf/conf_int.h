// SPDX-License-Identifier: GPL-2.0
/* conf_int.h - what the config's two files share: conf.c (the key table,
 * the setters, the defaults, conf_set) and confread.c (the file reader:
 * lines, section headers, file:line messages). Not for anyone outside
 * conf/; the public API is conf.h. */
#ifndef WGAUDIT_CONF_INT_H
#define WGAUDIT_CONF_INT_H
#include <stdbool.h>
#include <stddef.h>

#include "conf/conf.h"

#define CONF_SHOW_LEN		64	/* bytes of a bad value quoted back */

enum conf_sect {
	SECT_NONE,		/* before the first header */
	SECT_AGENT,
	SECT_KMSG,
	SECT_JOURNAL,
	SECT_OUTPUT,
	SECT_CHECKS,
	SECT_ALLOW,		/* [allow "IFACE"] / [allow "IFACE PUBKEY"] */
	SECT_BPF,
	SECT_METRICS,		/* [metrics]: the Prometheus endpoint */
	SECT_BAD,		/* unknown header: already reported, keys skipped */
};

/* Untrusted text quoted back: printable ASCII, the rest \xNN, cut at
 * CONF_SHOW_LEN bytes; out needs CONF_SHOW_LEN * 4 + 8 bytes. Returns out. */
const char *conf_show(char *out, size_t outlen, const char *s);
/* Linux dev_valid_name() on name[0..len); a "key: ..." message into err,
 * -EINVAL. */
int conf_check_iface(const char *key, const char *name, size_t len,
		     char *err, size_t errlen);
/* Key names compare case-insensitively, '-' matching '_'. */
bool conf_key_eq(const char *a, const char *b);
/* Set key in section sect to v; out is the [output] or [allow] index for
 * SECT_OUTPUT / SECT_ALLOW. A "key: ..." message into err, -EINVAL. */
int conf_apply(struct conf *c, enum conf_sect sect, int out, const char *key,
	       const char *v, char *err, size_t errlen);
/* A new output with the defaults; its index, or -ENOSPC. */
int conf_output_add(struct conf *c, const char *name);
/* "agent", "output", ... (any case) -> the section, SECT_BAD if none. */
enum conf_sect conf_sect_from_name(const char *s);
#endif
