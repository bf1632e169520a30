// SPDX-License-Identifier: GPL-2.0
/* resolve.c - see resolve.h.
 *
 * getaddrinfo() blocks for as long as the DNS server does not answer
 * (resolv.conf timeout x attempts x servers); on the loop that froze
 * observation, and under WatchdogSec systemd killed us. getaddrinfo_a
 * runs the lookup on glibc's own worker thread; with SIGEV_THREAD its
 * completion calls notify() on a helper thread, which only writes the
 * eventfd. Nothing else is shared with those threads: the request is
 * reference counted (ours, and the notification's) so a caller that gave
 * up (a timeout, the output closed) frees nothing the thread still uses.
 * A cancelled request (still queued) is never notified: then we drop the
 * notification's reference too. */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "outputs/resolve.h"

struct resolve_req {
	atomic_int refs;
	int efd;
	int gai_rc;			/* numeric answer: its getaddrinfo code */
	struct addrinfo *numeric;
	struct gaicb cb;
	struct addrinfo hints;
	struct sigevent sev;
	char host[256], port[8];
};

static void req_put(struct resolve_req *r)
{
	if (atomic_fetch_sub(&r->refs, 1) != 1)
		return;
	if (r->cb.ar_result)
		freeaddrinfo(r->cb.ar_result);
	if (r->numeric)
		freeaddrinfo(r->numeric);
	if (r->efd >= 0)
		close(r->efd);
	free(r);
}

static void notify(union sigval v)
{
	struct resolve_req *r = v.sival_ptr;
	uint64_t one = 1;

	if (write(r->efd, &one, sizeof(one)) < 0) {
		/* cannot fail on an eventfd below its maximum */
	}
	req_put(r);
}

int resolve_start(const char *host, uint16_t port, int socktype, struct resolve_req **out)
{
	struct gaicb *list[1];
	struct resolve_req *r;
	int rc;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	atomic_init(&r->refs, 1);
	r->efd = -1;
	snprintf(r->host, sizeof(r->host), "%s", host);
	snprintf(r->port, sizeof(r->port), "%u", port);
	r->hints.ai_socktype = socktype;
	r->hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	rc = getaddrinfo(r->host, r->port, &r->hints, &r->numeric);	/* never blocks */
	if (rc != EAI_NONAME) {
		r->gai_rc = rc;
		*out = r;
		return 1;
	}
	r->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->efd < 0) {
		rc = -errno;
		req_put(r);
		return rc;
	}
	r->hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
	r->cb.ar_name = r->host;
	r->cb.ar_service = r->port;
	r->cb.ar_request = &r->hints;
	r->sev.sigev_notify = SIGEV_THREAD;
	r->sev.sigev_notify_function = notify;
	r->sev.sigev_value.sival_ptr = r;
	list[0] = &r->cb;
	atomic_fetch_add(&r->refs, 1);	/* the notification's */
	rc = getaddrinfo_a(GAI_NOWAIT, list, 1, &r->sev);
	if (rc != 0) {
		atomic_fetch_sub(&r->refs, 1);	/* never queued: never notified */
		req_put(r);
		return rc == EAI_MEMORY ? -ENOMEM : -EAGAIN;
	}
	*out = r;
	return 0;
}

int resolve_fd(const struct resolve_req *r)
{
	return r->efd;
}

int resolve_result(struct resolve_req *r, union endpoint *addrs, socklen_t *lens,
		   size_t max, size_t *n, const char **why)
{
	struct addrinfo *res, *ai;
	uint64_t v;
	int rc;

	*n = 0;
	*why = NULL;
	if (r->efd >= 0) {
		rc = gai_error(&r->cb);
		if (rc == EAI_INPROGRESS)
			return -EINPROGRESS;
		if (read(r->efd, &v, sizeof(v)) < 0) {
			/* not yet notified: fine, the answer is in */
		}
		res = r->cb.ar_result;
	} else {
		rc = r->gai_rc;
		res = r->numeric;
	}
	if (rc != 0) {
		*why = gai_strerror(rc);
		return -EHOSTUNREACH;
	}
	for (ai = res; ai && *n < max; ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof(addrs[0]))
			continue;
		memcpy(&addrs[*n], ai->ai_addr, ai->ai_addrlen);
		lens[(*n)++] = ai->ai_addrlen;
	}
	if (!*n) {
		*why = "no usable address";
		return -EHOSTUNREACH;
	}
	return 0;
}

void resolve_free(struct resolve_req *r)
{
	if (!r)
		return;
	if (r->efd >= 0 && gai_cancel(&r->cb) == EAI_CANCELED)
		atomic_fetch_sub(&r->refs, 1);	/* dequeued: no notification */
	req_put(r);
}
