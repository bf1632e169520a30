// SPDX-License-Identifier: GPL-2.0
/* readfile.h - one bounded whole-file read for every small file the
 * program takes in: its configuration, WireGuard's config files (private
 * keys: wiped), the metrics server's password and TLS files. */
#ifndef WGAUDIT_READFILE_H
#define WGAUDIT_READFILE_H
#include <stdbool.h>
#include <stddef.h>

/* Everything fd has left, at most max bytes, NUL-terminated in *out
 * (malloc'd; the caller frees it, wiping it first when secret). The
 * buffer starts at hint + 1 bytes (an fstat size; 0: 4 KiB) and doubles,
 * so a small file costs a small buffer; with secret every buffer given up
 * on the way is wiped. 0, -EFBIG past max (nothing returned), -ENOMEM, or
 * read()'s -errno. fd is left open. */
int read_bounded(int fd, size_t max, size_t hint, bool secret, char **out, size_t *len);
#endif
