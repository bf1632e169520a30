// SPDX-License-Identifier: GPL-2.0
/* confsnap.c - one WireGuard config file as it is on disk now: opened
 * without blocking (a FIFO or device is refused), read bounded, hashed
 * (SHA-256), parsed for its public parts (base/wgconf.c), wiped.
 *
 * Secrets: the file bytes are read into one heap buffer that is wiped
 * before it is freed; the parser works in place and, for PrivateKey and
 * PresharedKey lines, looks at the key name only. Nothing else ever holds
 * those values: not the parsed view, not an error message. confwatch.c
 * gets the snapshot, public parts only. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "base/readfile.h"
#include "base/util.h"
#include "sources/confsnap.h"
#include "sources/confview.h"


/* Read at most WGCONF_FILE_MAX + 1 bytes: 0, -ENOENT, -EFBIG (st set),
 * or another -errno. The caller wipes and frees *out. */
static int file_read(const char *path, char **out, size_t *outlen, struct stat *st)
{
	int fd, ret;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0) {
		ret = -errno;
		goto out;
	}
	ret = -EINVAL;		/* a FIFO or device must not block the loop */
	if (!S_ISREG(st->st_mode))
		goto out;
	ret = -EFBIG;
	if (st->st_size > (off_t)WGCONF_FILE_MAX)
		goto out;
	/* It may still grow past the bound since fstat: read_bounded says. */
	ret = read_bounded(fd, WGCONF_FILE_MAX, (size_t)st->st_size, true, out, outlen);
out:
	close(fd);
	return ret;
}

static int iface_copy(struct conf_iface *dst, const struct conf_iface *src)
{
	*dst = *src;
	dst->peers = NULL;
	if (!src->n_peers)
		return 0;
	dst->peers = malloc(src->n_peers * sizeof(*dst->peers));
	if (!dst->peers) {
		dst->n_peers = 0;
		return -ENOMEM;
	}
	memcpy(dst->peers, src->peers, src->n_peers * sizeof(*dst->peers));
	return 0;
}

/* See confsnap.h. */
int confsnap_take(const char *path, const char *known,
		  const struct conf_iface *prev, struct confsnap *s)
{
	char err[160], *buf = NULL;
	struct stat st;
	uint8_t md[32];
	size_t len = 0;
	int ret;

	memset(s, 0, sizeof(*s));
	ret = file_read(path, &buf, &len, &st);
	if (ret == -ENOTDIR)
		ret = -ENOENT;
	if (ret == -EFBIG) {
		s->present = s->too_large = true;
		s->size = st.st_size;
		snprintf(s->ident, sizeof(s->ident), "!%lld:%lld.%09ld:%llu",
			 (long long)st.st_size, (long long)st.st_mtim.tv_sec,
			 st.st_mtim.tv_nsec, (unsigned long long)st.st_ino);
		s->same = known && !strcmp(known, s->ident);
		if (!s->same && prev)
			return iface_copy(&s->ci, prev);
		return 0;
	}
	if (ret < 0)
		return ret;
	s->present = true;
	s->size = (off_t)len;
	ret = confview_sha256(buf, len, md);
	if (ret < 0)
		goto out;
	confview_hex(s->sha, md, sizeof(md));
	snprintf(s->ident, sizeof(s->ident), "%s", s->sha);
	s->same = known && !strcmp(known, s->ident);
	if (s->same)
		goto out;
	ret = wgconf_parse(buf, len, &s->ci, err, sizeof(err));
	if (ret == -EINVAL) {
		log_warnx("%s:%s", path, err);
		ret = 0;
	}
out:
	wipe(buf, len);
	free(buf);
	return ret;
}

void confsnap_release(struct confsnap *s)
{
	conf_iface_release(&s->ci);
}
