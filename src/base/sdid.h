// SPDX-License-Identifier: GPL-2.0
/* sdid.h - the RFC 5424 SD-ID of the agent's structured data element.
 * Shared by the config (conf/), the output URL parser and the formatter
 * (outputs/). Pure. */
#ifndef WGAUDIT_SDID_H
#define WGAUDIT_SDID_H
#include <stddef.h>

/* RFC 5612 reserves enterprise number 32473 for documentation: a default
 * until the project has a registered number, not a value to ship. */
#define SD_ID_DEFAULT	"wgaudit@32473"
#define SD_ID_MAX	32	/* RFC 5424 SD-NAME: 1*32 characters */

/* NULL if s[0..n) is a private SD-ID, NAME@NUMBER (RFC 5424 §7.2.2: an
 * SD-NAME, printable US-ASCII except '=', SP, ']' and '"', 1-32 chars; a
 * name without '@' belongs to IANA), else why not, as a phrase. */
const char *sd_id_check(const char *s, size_t n);
#endif
