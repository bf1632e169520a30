// SPDX-License-Identifier: GPL-2.0
/* httpd_lazy.c - net/httpd.h for the binary: calls go to wgaudit-httpd.so
 * (httpd.c with libmicrohttpd), loaded by httpd_start(), i.e. only with
 * --metrics (see outputs/tls_lazy.c). Built only with libmicrohttpd. */
#include <errno.h>
#include <stdio.h>
#include "net/httpd.h"
#include "net/modload.h"

#ifdef HAVE_MICROHTTPD
static struct {
	__typeof__(&httpd_start) start;
	__typeof__(&httpd_free) free;
} ops;

int httpd_start(const struct httpd_opts *o, struct loop *l, httpd_get_fn get,
		void *ctx, struct httpd **out, char *err, size_t errlen)
{
	static const struct modfn fns[] = {
		MODFN(ops.start, "httpd_start"), MODFN(ops.free, "httpd_free"),
	};
	char why[1200];

	*out = NULL;
	if (!ops.start && modload_fns("httpd", fns, 2, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "metrics: %s", why);
		return -ENOTSUP;
	}
	return ops.start(o, l, get, ctx, out, err, errlen);
}

void httpd_free(struct httpd *h)
{
	if (h)
		ops.free(h);
}
#else
typedef int httpd_lazy_unused;
#endif
