// SPDX-License-Identifier: GPL-2.0
/* netns.c - find every network namespace and work inside one. See netns.h.
 *
 * Cost: a scan is one readdir of /run/netns and of /proc plus one stat per
 * entry; nothing is opened for a namespace already known. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "base/log.h"
#include "base/thread.h"
#include "sources/netns.h"

int netns_scan_init(struct netns_scan *s, size_t max)
{
	memset(s, 0, sizeof(*s));
	s->max = max ? max : NETNS_MAX_DEFAULT;
	for (s->nslots = 16; s->nslots < 2 * s->max; s->nslots *= 2)
		;
	s->v = calloc(s->max, sizeof(*s->v));
	s->slots = calloc(s->nslots, sizeof(*s->slots));
	if (!s->v || !s->slots) {
		netns_scan_release(s);
		return -ENOMEM;
	}
	return 0;
}

void netns_scan_release(struct netns_scan *s)
{
	free(s->v);
	free(s->slots);
	s->v = NULL;
	s->slots = NULL;
	s->n = 0;
}

/* Every process of a container shares one inode: a lookup per process,
 * so a hash rather than a walk of up to max entries. */
static uint32_t *slot_of(const struct netns_scan *s, uint64_t ino)
{
	size_t i = (size_t)(ino * 0x9e3779b97f4a7c15ULL >> 32) & (s->nslots - 1);

	while (s->slots[i] && s->v[s->slots[i] - 1].ino != ino)
		i = (i + 1) & (s->nslots - 1);
	return &s->slots[i];
}

int netns_scan_add(struct netns_scan *s, uint64_t ino, const char *name,
		   const char *path)
{
	struct netns_entry *e = NULL;
	uint32_t *slot;

	if (ino == s->self_ino)
		return 0;
	if (strlen(path) >= NETNS_PATH_LEN)
		return -EINVAL;
	slot = slot_of(s, ino);
	if (*slot)
		e = &s->v[*slot - 1];
	if (e) {
		char label[NETNS_LABEL_LEN];

		if (!name)
			return 0;	/* known already; a process adds nothing */
		netns_label(label, name, ino);
		/* A usable name beats "ino:"; among names, the smallest. */
		if (e->named && (!netns_name_ok(name) ||
				 (netns_name_ok(e->label) && strcmp(label, e->label) >= 0)))
			return 0;
	} else {
		if (s->n >= s->max) {
			s->over++;
			return -ENOSPC;
		}
		e = &s->v[s->n++];
		*slot = (uint32_t)s->n;
	}
	e->ino = ino;
	e->named = name != NULL;
	netns_label(e->label, name, ino);
	snprintf(e->path, sizeof(e->path), "%s", path);
	return 0;
}

static int stat_ns(const struct netns_scan *s, const char *path, uint64_t *ino)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	/* "ip netns add" makes the file before it bind-mounts the namespace
	 * on it: a plain file is not (yet) a namespace. */
	if (s->nsfs_dev && (uint64_t)st.st_dev != s->nsfs_dev)
		return -ENOENT;
	*ino = (uint64_t)st.st_ino;
	return 0;
}

static void scan_named(struct netns_scan *s, const char *run_dir)
{
	DIR *d = opendir(run_dir);
	struct dirent *de;
	char path[NETNS_PATH_LEN];
	uint64_t ino = 0;

	if (!d)
		return;		/* no named namespace yet */
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", run_dir, de->d_name) >= sizeof(path))
			continue;
		if (stat_ns(s, path, &ino) == 0)
			netns_scan_add(s, ino, de->d_name, path);
	}
	closedir(d);
}

int netns_scan_run(struct netns_scan *s, const char *run_dir, const char *proc_dir)
{
	DIR *d;
	struct dirent *de;
	char path[NETNS_PATH_LEN];
	uint64_t ino = 0;

	s->n = 0;
	s->over = s->unreadable = 0;
	memset(s->slots, 0, s->nslots * sizeof(*s->slots));
	/* Processes first, names after: a name upgrades an entry a process
	 * made (netns_scan_add). The other order labels a namespace "ino:"
	 * when the scan reads /run/netns just before "ip netns add" mounts
	 * it and /proc just after "ip netns exec" started in it - inotify
	 * starts a scan at exactly that moment. */
	d = opendir(proc_dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		int ret;

		if (de->d_name[0] < '1' || de->d_name[0] > '9' ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s/ns/net", proc_dir,
				     de->d_name) >= sizeof(path))
			continue;
		ret = stat_ns(s, path, &ino);
		if (ret == -EACCES || ret == -EPERM)
			s->unreadable++;	/* another user's, without CAP_SYS_PTRACE */
		else if (ret == 0)
			netns_scan_add(s, ino, NULL, path);
	}
	closedir(d);
	scan_named(s, run_dir);
	return 0;
}

int netns_self_ino(uint64_t *ino, uint64_t *dev)
{
	struct stat st;

	if (stat("/proc/thread-self/ns/net", &st) < 0)
		return -errno;
	*ino = (uint64_t)st.st_ino;
	if (dev)
		*dev = (uint64_t)st.st_dev;
	return 0;
}

struct run_req {
	const char *path;
	uint64_t ino;
	int (*fn)(void *ctx);
	void *ctx;
	int ret;
};

/* A thread of its own: setns() changes only the calling thread's
 * namespace, so the loop thread (and /proc/PID/ns/net) never leaves ours
 * and nothing has to find its way back. The thread shares the fd table:
 * what fn creates is the caller's once the thread is joined. */
static void *run_thread(void *arg)
{
	struct run_req *q = arg;
	struct stat st;
	int fd;

	fd = open(q->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		q->ret = -errno;
		return NULL;
	}
	/* A process may have exited and its pid been reused since the scan. */
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_ino != q->ino)
		q->ret = -ESTALE;
	else if (setns(fd, CLONE_NEWNET) < 0)
		q->ret = -errno;
	else
		q->ret = q->fn(q->ctx);
	close(fd);
	return NULL;
}

int netns_run_in(const char *path, uint64_t ino, int (*fn)(void *ctx), void *ctx)
{
	struct run_req q = { path, ino, fn, ctx, 0 };
	pthread_t t;
	int err;

	err = thread_start(&t, run_thread, &q, "wga-setns");
	if (err < 0)
		return err;
	err = pthread_join(t, NULL);
	if (err) {
		/* Not joined: q may still be written; never return past it. */
		log_warnx("netns: cannot join the thread for %s: %s", path, strerror(err));
		abort();
	}
	return q.ret;
}
