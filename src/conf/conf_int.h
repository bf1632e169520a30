// SPDX-License-Identifier: GPL-2.0
/* conf_int.h - what the config's files share: conf.c (the key table, the
 * defaults, conf_apply, conf_set), confval.c (what each kind of value
 * accepts and how it is stored) and confread.c (the file reader: lines,
 * section headers, file:line messages). Not for anyone outside conf/; the
 * public API is conf.h. */
#ifndef WGAUDIT_CONF_INT_H
#define WGAUDIT_CONF_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

enum conf_kind {
	K_DURATION,
	K_PATH,
	K_HOSTNAME,
	K_IFACES,
	K_BOOL,
	K_COUNT,
	K_AGE,
	K_URL,
	K_SEVERITY,
	K_FACILITY,
	K_NUMBER,		/* min..max */
	K_FACTOR,		/* decimal > 1 */
	K_BYTES,		/* 1048576, 512KiB, 1MiB, 2GiB */
	K_CIDRS,		/* CIDR list, validated, kept as text */
	K_NAMES,		/* interface names, kept as "a b c" */
	K_AUTO,			/* auto | yes | no (enum conf_tristate) */
	K_LISTEN,		/* "A.B.C.D:PORT" / "[IPV6]:PORT", port > 0 */
	K_SERIES,		/* metrics series names: mdlayher | mindflavor */
	K_SDID,			/* RFC 5424 SD-ID, NAME@NUMBER */
	K_NAMESPACES,		/* "own" or "all" into a bool */
};

/* One settable key. off/size address struct conf, or struct conf_output
 * for SECT_OUTPUT keys. */
struct conf_key {
	enum conf_sect sect;
	const char *name;
	enum conf_kind kind;
	size_t off;
	size_t size;
	uint64_t min;		/* K_DURATION: shortest accepted, ms; K_NUMBER: least */
	uint64_t max;		/* K_NUMBER: most */
};

/* Untrusted text quoted back: printable ASCII, the rest \xNN, cut at
 * CONF_SHOW_LEN bytes; out needs CONF_SHOW_LEN * 4 + 8 bytes. Returns out. */
const char *conf_show(char *out, size_t outlen, const char *s);
/* Linux dev_valid_name() on name[0..len); a "key: ..." message into err,
 * -EINVAL. */
int conf_check_iface(const char *key, const char *name, size_t len,
		     char *err, size_t errlen);
/* "key: "value" message" into err (value NULL: "key: message"); returns
 * -EINVAL for the caller. */
int conf_errf(char *err, size_t errlen, const char *key,
	      const char *value, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* The output URL's light syntax check (scheme, no spaces or control
 * characters, not too long); outputs/url.c parses the rest. */
int conf_check_url(const char *key, const char *v, char *err, size_t errlen);
/* Check v as a value of k's kind and store it at base (the key's place in
 * struct conf, conf_output or conf_allow; c for the interface list). */
int conf_value_set(struct conf *c, const struct conf_key *k, char *base,
		   const char *key, const char *v, char *err, size_t errlen);
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
