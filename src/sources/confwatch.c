// SPDX-License-Identifier: GPL-2.0
/* confwatch.c - WireGuard config files: inotify on the directory plus a
 * periodic rehash, SHA-256 of each NAME.conf, and a parse of its public
 * parts for a semantic diff (peers added / removed / changed, listen port,
 * addresses).
 *
 * Secrets: the file bytes are read, hashed, parsed and wiped in confsnap.c;
 * what reaches this file is the public view. Nothing here ever holds a
 * private or preshared key: not the parsed view, not an error message, not
 * the saved state, not an event.
 *
 * Continuity: the last hash and public view of each file go to the state
 * callbacks (the agent's store meta), so a change made while the agent was
 * down is reported once, by the first rescan. The first run over a
 * directory records its files silently (a fresh install is a baseline, not
 * an alert storm); after that, a name without a saved hash is a new file. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>


#include "base/event.h"
#include "base/log.h"
#include "sources/confsnap.h"
#include "sources/confview.h"
#include "sources/confwatch.h"

#define CW_DIR_MAX	200	/* dir + "/" + 15 + ".conf" fits conf_iface.path */
#define CW_STATE_MAX	((size_t)WGCONF_MAX_PEERS * (CW_PV_LEN + 1) + 64)
/* inotify reads per confwatch_read(): the loop is level-triggered. */
#define CW_READ_MAX	64
#define CW_DIRTY_MAX	64

/* ---- the watcher ------------------------------------------------------ */

struct cw_file {
	char name[IFNAMSIZ];
	bool present;		/* ci is the file's current view */
	bool synced;		/* compared with the saved state since start */
	int last_errno;		/* last read failure logged (log once) */
	char ident[CW_IDENT_LEN];
	struct conf_iface ci;
};

struct confwatch {
	char dir[CW_DIR_MAX + 1];
	int ifd, wd;
	bool started;		/* first rescan done */
	bool history;		/* this dir was watched before (conffiles saved) */
	bool full_warned;
	struct confwatch_state st;
	struct cw_file *files;
	size_t nfiles;
	char *saved_files;	/* conffiles:DIR as last written */
};

/* wg-quick's rule: ^[a-zA-Z0-9_=+.-]{1,15}$, and not "." or "..". */
static bool iface_name_ok(const char *s, size_t n)
{
	if (n == 0 || n >= IFNAMSIZ)
		return false;
	if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr("_=+.-", c)))
			return false;
	}
	return true;
}

/* "NAME.conf" -> NAME into name[IFNAMSIZ]. */
static bool conf_file_name(const char *fn, char name[static IFNAMSIZ])
{
	size_t n = strnlen(fn, IFNAMSIZ + 6);

	if (n <= 5 || n > IFNAMSIZ - 1 + 5 || strcmp(fn + n - 5, ".conf"))
		return false;
	if (!iface_name_ok(fn, n - 5))
		return false;
	memcpy(name, fn, n - 5);
	name[n - 5] = '\0';
	return true;
}

static void file_path(const struct confwatch *cw, const char *name, char *out,
		      size_t len)
{
	snprintf(out, len, "%s/%s.conf", cw->dir, name);
}

static struct cw_file *file_find(const struct confwatch *cw, const char *name)
{
	for (size_t i = 0; i < cw->nfiles; i++)
		if (!strcmp(cw->files[i].name, name))
			return &cw->files[i];
	return NULL;
}

static struct cw_file *file_get(struct confwatch *cw, const char *name)
{
	struct cw_file *f = file_find(cw, name), *nf;

	if (f)
		return f;
	if (cw->nfiles >= WGCONF_MAX_FILES) {
		if (!cw->full_warned)
			log_warnx("%s: more than %u config files, %s.conf not watched",
				  cw->dir, WGCONF_MAX_FILES, name);
		cw->full_warned = true;
		return NULL;
	}
	nf = realloc(cw->files, (cw->nfiles + 1) * sizeof(*cw->files));
	if (!nf)
		return NULL;
	cw->files = nf;
	f = &cw->files[cw->nfiles++];
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", name);
	return f;
}

static void rec_take(struct confwatch *cw, struct cw_file *f, struct confsnap *s)
{
	conf_iface_release(&f->ci);
	f->present = s->present;
	snprintf(f->ident, sizeof(f->ident), "%s", s->present ? s->ident : "");
	if (s->present) {
		f->ci = s->ci;
		memset(&s->ci, 0, sizeof(s->ci));
		snprintf(f->ci.name, sizeof(f->ci.name), "%s", f->name);
		file_path(cw, f->name, f->ci.path, sizeof(f->ci.path));
		snprintf(f->ci.sha256, sizeof(f->ci.sha256), "%s", s->sha);
	}
}

/* ---- saved state ------------------------------------------------------ */

static int st_get(const struct confwatch *cw, const char *pfx, const char *path,
		  char *val, size_t len)
{
	char key[CW_DIR_MAX + 64];

	if (!cw->st.get)
		return -ENOENT;
	snprintf(key, sizeof(key), "%s:%s", pfx, path);
	return cw->st.get(cw->st.ctx, key, val, len);
}

static int st_set(const struct confwatch *cw, const char *pfx, const char *path,
		  const char *val)
{
	char key[CW_DIR_MAX + 64];
	int ret;

	if (!cw->st.set)
		return 0;
	snprintf(key, sizeof(key), "%s:%s", pfx, path);
	ret = cw->st.set(cw->st.ctx, key, val);
	if (ret < 0)
		log_warnx("confwatch: saving %s failed (%d)", key, ret);
	return ret;
}

/* The view saved by the last run: -ENOENT when this file has no saved
 * hash (never seen: a baseline). Parts that are missing or unreadable are
 * marked unknown and left out of the diff. */
static int view_from_state(const struct confwatch *cw, const char *path,
			   struct view *v)
{
	char *buf;
	uint64_t port;
	int ret;

	memset(v, 0, sizeof(*v));
	ret = st_get(cw, "confhash", path, v->ident, sizeof(v->ident));
	if (ret < 0)
		return -ENOENT;
	v->present = v->ident[0] != '\0';
	if (!v->present) {
		v->port_known = v->addr_known = v->peers_known = true;
		return 0;
	}
	buf = malloc(CW_STATE_MAX);
	if (!buf)
		return -ENOMEM;
	if (st_get(cw, "confport", path, buf, 16) == 0 &&
	    parse_u64(buf, strlen(buf), 65535, &port) == 0) {
		v->port = (uint16_t)port;
		v->port_known = true;
	}
	if (st_get(cw, "confaddr", path, v->addresses, sizeof(v->addresses)) == 0)
		v->addr_known = true;
	if (st_get(cw, "confpeers", path, buf, CW_STATE_MAX) == 0 &&
	    peers_decode(v, buf) == 0)
		v->peers_known = true;
	free(buf);
	return 0;
}

/* The hash goes last: a crash in between repeats a report, never loses one. */
static void state_save(const struct confwatch *cw, const char *path,
		       const struct view *v)
{
	char port[8], *peers;

	if (!v->present) {
		st_set(cw, "confpeers", path, "");
		st_set(cw, "confport", path, "0");
		st_set(cw, "confaddr", path, "");
		st_set(cw, "confhash", path, "");
		return;
	}
	peers = peers_encode(v);
	if (!peers)
		return;		/* hash not saved: reported again, not lost */
	snprintf(port, sizeof(port), "%u", v->port);
	st_set(cw, "confpeers", path, peers);
	st_set(cw, "confport", path, port);
	st_set(cw, "confaddr", path, v->addresses);
	st_set(cw, "confhash", path, v->ident);
	free(peers);
}

/* ---- events ----------------------------------------------------------- */

static int emit_changed(const struct confwatch *cw, const struct event_sink *sink,
			const char *name, const char *path, const struct view *o,
			const struct view *n, const struct confsnap *s)
{
	static const char *const lists[3][2] = {
		{ "peers_added", "peers_added_count" },
		{ "peers_removed", "peers_removed_count" },
		{ "peers_changed", "peers_changed_count" },
	};
	bool peers_known = o->peers_known && n->peers_known;
	bool port_chg = o->port_known && o->port != n->port;
	bool addr_chg = o->addr_known && strcmp(o->addresses, n->addresses);
	struct event ev;
	struct diff d = { 0 };
	char summary[160], keys[EVENT_BUF_LEN];
	size_t nlists = 0, reserve;
	int ret = 0;

	if (peers_known) {
		ret = diff_views(o, n, &d);
		if (ret < 0)
			return ret;
	}
	make_summary(summary, sizeof(summary), o, n, &d, peers_known, port_chg,
		     addr_chg, s->too_large);

	event_init(&ev, EV_CONFIG_FILE_CHANGED, SRC_INOTIFY);
	event_set(&ev, "iface", name);
	event_set(&ev, "path", path);
	event_set(&ev, "old_sha256", ident_sha(o));
	event_set(&ev, "new_sha256", ident_sha(n));
	if (s->too_large) {
		event_set(&ev, "error", "too_large");
		event_set_u64(&ev, "size", (uint64_t)s->size);
	}
	if (port_chg) {
		event_set_u64(&ev, "listen_port", n->port);
		event_set_u64(&ev, "prev_listen_port", o->port);
	}
	if (addr_chg) {
		event_set(&ev, "addresses", n->addresses);
		event_set(&ev, "prev_addresses", o->addresses);
	}
	/* The key lists share what room is left; a cut list says how many
	 * there were. Room is kept for the counts and the summary. */
	nlists = !!d.na + !!d.nr + !!d.nc;
	reserve = 3 * (sizeof("peers_changed_count") + 12) +
		  sizeof("summary") + strlen(summary) + 1;
	for (int i = 0; i < 3 && nlists; i++) {
		const uint8_t *const *k = i == 0 ? d.added : i == 1 ? d.removed : d.changed;
		size_t nk = i == 0 ? d.na : i == 1 ? d.nr : d.nc;
		size_t left = sizeof(ev.buf) - ev.used, room, listed;

		if (!nk)
			continue;
		room = left > reserve ? (left - reserve) / nlists : 0;
		room = room > strlen(lists[i][0]) + 1 ? room - strlen(lists[i][0]) - 1 : 0;
		if (room > sizeof(keys))
			room = sizeof(keys);
		listed = room ? keys_join(keys, room, k, nk) : 0;
		event_set(&ev, lists[i][0], keys);
		if (listed < nk)
			event_set_u64(&ev, lists[i][1], nk);
		nlists--;
	}
	event_set(&ev, "summary", summary);
	ret = event_emit(sink, &ev);
	diff_release(&d);
	return ret;
}

/* ---- one file ---------------------------------------------------------- */

/* Bring one NAME.conf up to date. load_only: at open, fill the view
 * without a word to the state or the sink. */
static int cw_check(struct confwatch *cw, const char *name,
		    const struct event_sink *sink, bool load_only)
{
	char path[sizeof(((struct conf_iface *)0)->path)];
	struct view o = { 0 }, n = { 0 };
	struct cw_file *f;
	struct confsnap s;
	int ret;

	file_path(cw, name, path, sizeof(path));
	f = file_find(cw, name);
	ret = confsnap_take(path, f && f->synced ? f->ident : NULL,
			f && f->present ? &f->ci : NULL, &s);
	if (ret < 0 && ret != -ENOENT) {
		/* Unreadable is not deleted: keep the last view. */
		if ((!f || f->last_errno != -ret) && ret == -EINVAL) {
			log_warnx("%s: not a regular file, ignored", path);
		} else if (!f || f->last_errno != -ret) {
			errno = -ret;
			log_warn("%s", path);
		}
		if (f)
			f->last_errno = -ret;
		confsnap_release(&s);
		return 0;
	}
	ret = 0;		/* -ENOENT: absent, s.present says so */
	if (s.same) {
		if (f)
			f->last_errno = 0;
		return 0;
	}
	if (!f && !s.present && load_only)
		return 0;
	f = file_get(cw, name);
	if (!f) {
		confsnap_release(&s);
		return 0;
	}
	f->last_errno = 0;
	if (load_only) {
		rec_take(cw, f, &s);
		return 0;
	}
	if (f->synced) {
		if (!f->present && !s.present)
			goto take;
		ret = view_from_iface(&o, &f->ci, f->present, f->ident);
	} else {
		ret = view_from_state(cw, path, &o);
		if (ret == -ENOENT && (cw->history || cw->started)) {
			/* A dir we watched before: a new name is a new file. */
			memset(&o, 0, sizeof(o));
			o.port_known = o.addr_known = o.peers_known = true;
			ret = s.present ? 0 : -ENOENT;
		}
		if (ret == -ENOENT) {
			/* First sight: the baseline, recorded silently. */
			ret = 0;
			if (s.present) {
				ret = view_from_iface(&n, &s.ci, true, s.ident);
				if (!ret)
					state_save(cw, path, &n);
			}
			goto take;
		}
		if (!ret && o.present == s.present &&
		    (!s.present || !strcmp(o.ident, s.ident)))
			goto take;
	}
	if (ret < 0)
		goto out;
	ret = view_from_iface(&n, &s.ci, s.present, s.ident);
	if (ret < 0)
		goto out;
	ret = emit_changed(cw, sink, name, path, &o, &n, &s);
	if (ret < 0)
		goto out;	/* not delivered: stay behind, report it again */
	state_save(cw, path, &n);
take:
	rec_take(cw, f, &s);
	f->synced = true;
out:
	view_release(&o);
	view_release(&n);
	confsnap_release(&s);
	return ret;
}

/* ---- names ------------------------------------------------------------- */

struct names {
	char (*v)[IFNAMSIZ];
	size_t n, cap;
};

static void names_add(struct names *ns, const char *name)
{
	if (ns->n == ns->cap) {
		size_t ncap = ns->cap ? ns->cap * 2 : 16;
		void *nv;

		if (ncap > 4 * WGCONF_MAX_FILES)
			return;
		nv = realloc(ns->v, ncap * sizeof(*ns->v));
		if (!nv)
			return;
		ns->v = nv;
		ns->cap = ncap;
	}
	snprintf(ns->v[ns->n++], IFNAMSIZ, "%s", name);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void names_sort_unique(struct names *ns)
{
	size_t m = 0;

	if (!ns->n)
		return;
	qsort(ns->v, ns->n, sizeof(*ns->v), cmp_name);
	for (size_t i = 0; i < ns->n; i++)
		if (!m || strcmp(ns->v[m - 1], ns->v[i]))
			memmove(ns->v[m++], ns->v[i], IFNAMSIZ);
	ns->n = m;
}

/* Comma-separated names (the saved conffiles list). */
static void names_add_list(struct names *ns, const char *s)
{
	while (*s) {
		size_t l = strcspn(s, ",");
		char name[IFNAMSIZ];

		if (iface_name_ok(s, l)) {
			memcpy(name, s, l);
			name[l] = '\0';
			names_add(ns, name);
		}
		s += l;
		if (*s)
			s++;
	}
}

static void list_dir(const struct confwatch *cw, struct names *ns)
{
	struct dirent *de;
	DIR *d = opendir(cw->dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		char name[IFNAMSIZ];

		if (conf_file_name(de->d_name, name))
			names_add(ns, name);
	}
	closedir(d);
}

/* conffiles:DIR lets the next run see a file deleted while it was down. */
static void save_file_list(struct confwatch *cw)
{
	size_t cap = cw->nfiles * IFNAMSIZ + 1, used = 0;
	struct names ns = { 0 };
	char *s;

	for (size_t i = 0; i < cw->nfiles; i++)
		if (cw->files[i].present)
			names_add(&ns, cw->files[i].name);
	names_sort_unique(&ns);
	s = malloc(cap);
	if (!s)
		goto out;
	s[0] = '\0';
	for (size_t i = 0; i < ns.n; i++)
		used += (size_t)snprintf(s + used, cap - used, "%s%s", i ? "," : "",
					 ns.v[i]);
	if (cw->saved_files && !strcmp(cw->saved_files, s))
		goto out;
	if (st_set(cw, "conffiles", cw->dir, s) == 0) {
		free(cw->saved_files);
		cw->saved_files = s;
		s = NULL;
	}
out:
	free(s);
	free(ns.v);
}

/* ---- public API ------------------------------------------------------- */

static void watch_add(struct confwatch *cw)
{
	const uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE |
			      IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF |
			      IN_MOVE_SELF | IN_ONLYDIR;

	if (cw->ifd < 0 || cw->wd >= 0)
		return;
	cw->wd = inotify_add_watch(cw->ifd, cw->dir, mask);
	if (cw->wd < 0 && errno != ENOENT && errno != ENOTDIR)
		log_warn("inotify_add_watch %s", cw->dir);
}

int confwatch_open(const char *dir, const struct confwatch_state *st,
		   struct confwatch **out)
{
	struct confwatch *cw;
	struct names ns = { 0 };
	size_t dl = strlen(dir);

	*out = NULL;
	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	if (!dl || dl > CW_DIR_MAX)
		return -ENAMETOOLONG;
	cw = calloc(1, sizeof(*cw));
	if (!cw)
		return -ENOMEM;
	memcpy(cw->dir, dir, dl);
	cw->dir[dl] = '\0';
	if (st)
		cw->st = *st;
	cw->wd = -1;
	cw->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (cw->ifd < 0)
		log_warn("inotify_init1: %s is rescanned only", cw->dir);
	watch_add(cw);
	cw->saved_files = malloc(WGCONF_MAX_FILES * IFNAMSIZ + 1);
	if (cw->saved_files && st_get(cw, "conffiles", cw->dir, cw->saved_files,
				      WGCONF_MAX_FILES * IFNAMSIZ + 1) == 0) {
		cw->history = true;
	} else {
		free(cw->saved_files);
		cw->saved_files = NULL;
	}
	/* Known at once for lookups; compared with the saved state later. */
	list_dir(cw, &ns);
	names_sort_unique(&ns);
	for (size_t i = 0; i < ns.n; i++)
		cw_check(cw, ns.v[i], NULL, true);
	free(ns.v);
	*out = cw;
	return 0;
}

void confwatch_free(struct confwatch *cw)
{
	if (!cw)
		return;
	if (cw->ifd >= 0)
		close(cw->ifd);
	for (size_t i = 0; i < cw->nfiles; i++)
		conf_iface_release(&cw->files[i].ci);
	free(cw->files);
	free(cw->saved_files);
	free(cw);
}

int confwatch_fd(const struct confwatch *cw)
{
	return cw->ifd;
}

int confwatch_rescan(struct confwatch *cw, const struct event_sink *sink)
{
	struct names ns = { 0 };
	int ret = 0;

	/* Watch before listing, so nothing slips between the two. */
	watch_add(cw);
	list_dir(cw, &ns);
	for (size_t i = 0; i < cw->nfiles; i++)
		names_add(&ns, cw->files[i].name);
	if (!cw->started && cw->saved_files)
		names_add_list(&ns, cw->saved_files);
	names_sort_unique(&ns);
	for (size_t i = 0; i < ns.n; i++) {
		int r = cw_check(cw, ns.v[i], sink, false);

		if (r < 0 && !ret)
			ret = r;
	}
	free(ns.v);
	cw->started = true;
	save_file_list(cw);
	return ret;
}

/* A created name is read now only when no IN_CLOSE_WRITE will follow: a
 * symlink or a hard link. A new file being written is read on close. */
static bool created_complete(const struct confwatch *cw, const char *name)
{
	char path[sizeof(((struct conf_iface *)0)->path)];
	struct stat st;

	file_path(cw, name, path, sizeof(path));
	if (lstat(path, &st) < 0)
		return false;
	return S_ISLNK(st.st_mode) || (S_ISREG(st.st_mode) && st.st_nlink > 1);
}

int confwatch_read(struct confwatch *cw, const struct event_sink *sink)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct names dirty = { 0 };
	bool full = false;
	int ret = 0;

	if (cw->ifd < 0)
		return 0;
	for (int r = 0; r < CW_READ_MAX; r++) {
		ssize_t n = read(cw->ifd, buf, sizeof(buf));
		size_t off = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0) {
			ret = -errno;
			break;
		}
		while (off + sizeof(struct inotify_event) <= (size_t)n) {
			const struct inotify_event *ie = (const void *)(buf + off);
			char name[IFNAMSIZ];

			if (ie->len > (size_t)n - off - sizeof(*ie))
				break;
			off += sizeof(*ie) + ie->len;
			if (ie->mask & IN_Q_OVERFLOW) {
				full = true;
				continue;
			}
			if (ie->wd != cw->wd)
				continue;
			if (ie->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
				/* The directory went away: rescan re-adds it. */
				if (!(ie->mask & IN_IGNORED))
					inotify_rm_watch(cw->ifd, cw->wd);
				cw->wd = -1;
				full = true;
				continue;
			}
			if (!ie->len || (ie->mask & IN_ISDIR))
				continue;
			if (strnlen(ie->name, ie->len) == ie->len ||
			    !conf_file_name(ie->name, name))
				continue;
			if ((ie->mask & IN_CREATE) &&
			    !(ie->mask & ~(uint32_t)IN_CREATE & ~(uint32_t)IN_ISDIR) &&
			    !created_complete(cw, name))
				continue;
			if (dirty.n >= CW_DIRTY_MAX)
				full = true;
			else
				names_add(&dirty, name);
		}
	}
	if (full) {
		free(dirty.v);
		ret = confwatch_rescan(cw, sink);
		return ret;
	}
	names_sort_unique(&dirty);
	for (size_t i = 0; i < dirty.n; i++) {
		int r = cw_check(cw, dirty.v[i], sink, false);

		if (r < 0 && !ret)
			ret = r;
	}
	free(dirty.v);
	if (dirty.n)
		save_file_list(cw);
	return ret;
}

const struct conf_iface *confwatch_iface(const struct confwatch *cw, const char *iface)
{
	const struct cw_file *f = cw && iface ? file_find(cw, iface) : NULL;

	return f && f->present ? &f->ci : NULL;
}


const char *confwatch_peer_name(const struct confwatch *cw, const char *iface,
				const uint8_t key[static WG_KEY_LEN])
{
	const struct conf_peer *pe = conf_iface_peer(confwatch_iface(cw, iface), key);

	return pe && pe->name[0] ? pe->name : NULL;
}
