// SPDX-License-Identifier: GPL-2.0
/* modload.c - see modload.h. */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "net/modload.h"

#ifndef WGAUDIT_MODDIR
#define WGAUDIT_MODDIR "/usr/local/lib/wgaudit"
#endif
#define MODLOAD_MAX	4

/* Loaded modules live as long as the process: a process-wide cache by
 * nature (dlopen's own table is one too). */
static struct {
	char name[16];
	void *handle;
} mods[MODLOAD_MAX];

/* Refuse a module anyone but root or us could have replaced. */
static int mod_trusted(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return -EPERM;
	return 0;
}

static void *mod_open(const char *dir, const char *name, char *why, size_t whylen)
{
	char path[PATH_MAX];
	void *h;
	int ret;

	if ((size_t)snprintf(path, sizeof(path), "%s/wgaudit-%s.so", dir, name) >= sizeof(path))
		return NULL;
	ret = mod_trusted(path);
	if (ret < 0) {
		size_t l = strlen(why);

		snprintf(why + l, whylen - l, "%s%s: %s", l ? "; " : "", path,
			 ret == -EPERM ? "writable by others or not ours" : strerror(-ret));
		return NULL;
	}
	/* RTLD_LOCAL: its symbols serve only our dlsym; RTLD_NOW: a missing
	 * library fails here, not at the first call on the loop. */
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		size_t l = strlen(why);

		snprintf(why + l, whylen - l, "%s%s", l ? "; " : "", dlerror());
	}
	return h;
}

void *modload(const char *name, char *err, size_t errlen)
{
	char exe[PATH_MAX], why[1024] = "";
	ssize_t n;
	size_t i;
	void *h = NULL;

	for (i = 0; i < MODLOAD_MAX && mods[i].handle; i++)
		if (!strcmp(mods[i].name, name))
			return mods[i].handle;
	if (i == MODLOAD_MAX || strlen(name) >= sizeof(mods[i].name)) {
		snprintf(err, errlen, "module %s: too many modules", name);
		return NULL;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			h = mod_open(exe, name, why, sizeof(why));
		}
	}
	if (!h && strcmp(n > 0 ? exe : "", WGAUDIT_MODDIR) != 0)
		h = mod_open(WGAUDIT_MODDIR, name, why, sizeof(why));
	if (!h) {
		snprintf(err, errlen, "cannot load wgaudit-%s.so (%s)", name, why);
		return NULL;
	}
	snprintf(mods[i].name, sizeof(mods[i].name), "%s", name);
	mods[i].handle = h;
	return h;
}

void *modsym(void *handle, const char *sym)
{
	return handle ? dlsym(handle, sym) : NULL;
}

int modload_fns(const char *name, const struct modfn *fns, size_t n, char *err, size_t errlen)
{
	void *h = modload(name, err, errlen);

	if (!h)
		return -ENOTSUP;
	for (size_t i = 0; i < n; i++) {
		*fns[i].slot = modsym(h, fns[i].sym);
		if (!*fns[i].slot) {
			for (size_t j = 0; j < n; j++)
				*fns[j].slot = NULL;
			snprintf(err, errlen, "wgaudit-%s.so does not match this wgaudit", name);
			return -ENOTSUP;
		}
	}
	return 0;
}
