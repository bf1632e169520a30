// SPDX-License-Identifier: GPL-2.0
/* sdid.c - validate a configured SD-ID (see sdid.h). */
#include <stddef.h>
#include "base/sdid.h"

const char *sd_id_check(const char *s, size_t n)
{
	size_t at = n, i;

	if (n == 0)
		return "is empty";
	if (n > SD_ID_MAX)
		return "is longer than 32 characters (RFC 5424 SD-NAME)";
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 33 || ch > 126 || ch == '=' || ch == ']' || ch == '"')
			return "may hold printable US-ASCII only, without space, '=', ']' or '\"'";
		if (ch == '@') {
			if (at != n)
				return "has more than one '@'";
			at = i;
		}
	}
	if (at == n)
		return "must be NAME@NUMBER (your enterprise number; names without '@' are IANA's)";
	if (at == 0)
		return "has no name before '@'";
	if (at + 1 == n)
		return "has no enterprise number after '@'";
	for (i = at + 1; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return "must end in '@' and the enterprise number's digits";
	if (s[at + 1] == '0')
		return "has an enterprise number with a leading zero";
	return NULL;
}
