// SPDX-License-Identifier: GPL-2.0
/* failpoint.h - named crash points for the test build. With
 * WGAUDIT_FAILPOINT=name[:n] in the environment, the n-th time (default 1)
 * the process passes FAILPOINT("name") it calls _exit(137), as a kill -9
 * would end it there: no atexit, no flush, no commit. Compiled in only with
 * -DWGAUDIT_FAILPOINTS (the sanitizer build tests/run uses); a release
 * build has none. The names are listed in docs/ARCHITECTURE.md. */
#ifndef WGAUDIT_FAILPOINT_H
#define WGAUDIT_FAILPOINT_H

#ifdef WGAUDIT_FAILPOINTS
void failpoint_hit(const char *name);
#define FAILPOINT(name) failpoint_hit(name)
#else
#define FAILPOINT(name) ((void)0)
#endif
#endif
