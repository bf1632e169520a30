// SPDX-License-Identifier: GPL-2.0
/* modload.h - the parts of wgaudit that pull in large libraries are
 * shared objects loaded only when configured: wgaudit-tls.so (OpenSSL, for
 * syslog+tls://, RELP over TLS and the collector's TLS listener),
 * wgaudit-httpd.so (libmicrohttpd, for --metrics) and wgaudit-bpf.so
 * (libbpf, libelf, libz: the eBPF source, once the wireguard kernel module
 * is there to attach to). An agent that uses none maps none of them: their
 * pages (relocations, constructors) are ~1.7, ~2.7 and ~0.3 MiB of
 * resident memory otherwise. */
#ifndef WGAUDIT_MODLOAD_H
#define WGAUDIT_MODLOAD_H
#include <stddef.h>

/* The handle of wgaudit-NAME.so, loaded once: from the executable's own
 * directory (a build tree), else WGAUDIT_MODDIR (the installed place).
 * The file must be a regular file owned by root or by us and writable by
 * no one else. NULL with a message naming the paths tried in err. */
void *modload(const char *name, char *err, size_t errlen);
/* A symbol of a loaded module, NULL if it has none. */
void *modsym(void *handle, const char *sym);

/* One function a stand-in (*_lazy.c) wants from its module, and where it
 * goes: a function pointer seen as void * (POSIX dlsym's own idiom). */
struct modfn {
	const char *sym;
	void **slot;
};
#define MODFN(slot, sym)	{ sym, (void **)&(slot) }

/* Load wgaudit-NAME.so and fill every slot of fns, all or none: 0, or
 * -ENOTSUP with err saying why (the module cannot be loaded, or it is not
 * of this build: a symbol is missing). A stand-in calls it until it
 * succeeds, then uses its slots. */
int modload_fns(const char *name, const struct modfn *fns, size_t n, char *err, size_t errlen);
#endif
