// SPDX-License-Identifier: GPL-2.0
/* failpoint.c - see failpoint.h. The environment is read once; a name that
 * is never passed simply never fires. */
#include "base/failpoint.h"

#ifdef WGAUDIT_FAILPOINTS
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct {
	bool loaded;
	char name[64];
	unsigned long left;	/* hits before the crash */
} fp;

static void failpoint_load(void)
{
	const char *v = getenv("WGAUDIT_FAILPOINT");
	const char *colon;
	size_t n;

	fp.loaded = true;
	if (!v || !*v)
		return;
	colon = strchr(v, ':');
	n = colon ? (size_t)(colon - v) : strlen(v);
	if (n >= sizeof(fp.name))
		return;
	fp.left = 1;
	if (colon) {
		char *end;
		unsigned long k = strtoul(colon + 1, &end, 10);

		if (!colon[1] || *end || k == 0)
			return;	/* malformed: never fires */
		fp.left = k;
	}
	memcpy(fp.name, v, n);
	fp.name[n] = '\0';
}

void failpoint_hit(const char *name)
{
	if (!fp.loaded)
		failpoint_load();
	if (!fp.name[0] || strcmp(name, fp.name) != 0)
		return;
	if (--fp.left > 0)
		return;
	/* One line on stderr so a test can tell the crash was the failpoint. */
	dprintf(2, "wgaudit: failpoint %s: exiting 137\n", name);
	_exit(137);
}
#else
/* ISO C wants a translation unit to declare something. */
typedef int failpoint_unused;
#endif
