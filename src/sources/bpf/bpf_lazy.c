// SPDX-License-Identifier: GPL-2.0
/* bpf_lazy.c - sources/bpf/bpf.h for the binary: calls go to
 * wgaudit-bpf.so (bpf.c and bpffold.c with libbpf), loaded by the first
 * wgbpf_open that finds the wireguard module there to attach to (see
 * outputs/tls_lazy.c). An agent with [bpf] enabled = no, or on a host
 * without the module, maps neither libbpf nor libelf. Built only with
 * libbpf (HAVE_BPF); without it, bpf.c's own stubs are linked. */
#include <errno.h>
#include <stdio.h>
#include "net/modload.h"
#include "sources/bpf/bpf.h"

#ifdef HAVE_BPF
static struct {
	__typeof__(&wgbpf_open) open;
	__typeof__(&wgbpf_free) free;
	__typeof__(&wgbpf_fd) fd;
	__typeof__(&wgbpf_read) read;
	__typeof__(&wgbpf_deadline_us) deadline_us;
	__typeof__(&wgbpf_prog_loaded) prog_loaded;
} ops;

int wgbpf_open(bool drops, struct wgbpf **out, char *why, size_t len)
{
	char err[1200];
	void *h;
	int ret;

	*out = NULL;
	/* Waiting for the module (-ESRCH) loads nothing. */
	ret = wgbpf_preflight(why, len);
	if (ret < 0)
		return ret;
	if (!ops.open) {
		h = modload("bpf", err, sizeof(err));
		if (!h) {
			snprintf(why, len, "%s", err);
			return -ENOTSUP;
		}
		ops.open = (__typeof__(ops.open))modsym(h, "wgbpf_open");
		ops.free = (__typeof__(ops.free))modsym(h, "wgbpf_free");
		ops.fd = (__typeof__(ops.fd))modsym(h, "wgbpf_fd");
		ops.read = (__typeof__(ops.read))modsym(h, "wgbpf_read");
		ops.deadline_us = (__typeof__(ops.deadline_us))modsym(h, "wgbpf_deadline_us");
		ops.prog_loaded = (__typeof__(ops.prog_loaded))modsym(h, "wgbpf_prog_loaded");
		if (!ops.open || !ops.free || !ops.fd || !ops.read || !ops.deadline_us ||
		    !ops.prog_loaded) {
			ops.open = NULL;
			snprintf(why, len, "wgaudit-bpf.so does not match this wgaudit");
			return -ENOTSUP;
		}
	}
	return ops.open(drops, out, why, len);
}

/* The others are only ever called with what a successful open returned. */
void wgbpf_free(struct wgbpf *b)
{
	if (b)
		ops.free(b);
}

int wgbpf_fd(const struct wgbpf *b)
{
	return ops.fd(b);
}

int wgbpf_read(struct wgbpf *b, const struct event_sink *sink)
{
	return ops.read(b, sink);
}

int64_t wgbpf_deadline_us(const struct wgbpf *b)
{
	return ops.deadline_us(b);
}

bool wgbpf_prog_loaded(const struct wgbpf *b, const char *name)
{
	return ops.prog_loaded(b, name);
}
#else
typedef int bpf_lazy_unused;
#endif
