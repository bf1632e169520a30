// SPDX-License-Identifier: GPL-2.0
/* query.h - `collector status` and `collector logs`: read the collector's
 * database (never the running collector's memory). Return exit status. */
#ifndef WGAUDIT_QUERY_H
#define WGAUDIT_QUERY_H
#include <stdbool.h>

struct cquery;

int query_status(const char *db, bool json);
int query_logs(const char *db, const struct cquery *q, bool follow, bool json);
#endif
