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
	static const struct modfn fns[] = {
		MODFN(ops.open, "wgbpf_open"), MODFN(ops.free, "wgbpf_free"),
		MODFN(ops.fd, "wgbpf_fd"), MODFN(ops.read, "wgbpf_read"),
		MODFN(ops.deadline_us, "wgbpf_deadline_us"),
		MODFN(ops.prog_loaded, "wgbpf_prog_loaded"),
	};
	int ret;

	*out = NULL;
	/* Waiting for the module (-ESRCH) loads nothing. */
	ret = wgbpf_preflight(why, len);
	if (ret < 0)
		return ret;
	if (!ops.open && modload_fns("bpf", fns, sizeof(fns) / sizeof(fns[0]), why, len) < 0)
		return -ENOTSUP;
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
