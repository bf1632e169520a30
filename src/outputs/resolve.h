// SPDX-License-Identifier: GPL-2.0
/* resolve.h - name resolution off the loop: glibc getaddrinfo_a, its
 * completion signalled on an eventfd the loop watches. One request per
 * caller; a numeric address is answered at once. */
#ifndef WGAUDIT_RESOLVE_H
#define WGAUDIT_RESOLVE_H
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include "base/util.h"

struct resolve_req;

/* 1: done at once (a numeric address: call resolve_result now), 0:
 * pending (wait for resolve_fd() to be readable), -errno. */
int resolve_start(const char *host, uint16_t port, int socktype, struct resolve_req **out);
int resolve_fd(const struct resolve_req *r);
/* -EINPROGRESS while pending; 0 with up to max addresses (*n of them);
 * -EHOSTUNREACH with the resolver's reason in *why. */
int resolve_result(struct resolve_req *r, union endpoint *addrs, socklen_t *lens,
		   size_t max, size_t *n, const char **why);
/* Done with r, whatever its state; a lookup still running is left to
 * finish on its own thread, which frees it. NULL-safe. */
void resolve_free(struct resolve_req *r);
#endif
