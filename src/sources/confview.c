// SPDX-License-Identifier: GPL-2.0
/* confview.c - see confview.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "sources/confview.h"

void view_release(struct view *v)
{
	free(v->pv);
	v->pv = NULL;
	v->n = 0;
}

int confview_sha256(const void *buf, size_t len, uint8_t md[32])
{
	/* libsodium's SHA-256: no provider fetch, no library init per call. */
	if (sodium_init() < 0 || crypto_hash_sha256(md, buf, len) != 0)
		return -EIO;
	return 0;
}

void confview_hex(char *out, const uint8_t *b, size_t n)
{
	static const char h[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = h[b[i] >> 4];
		out[2 * i + 1] = h[b[i] & 15];
	}
	out[2 * n] = '\0';
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "10.0.0.2/32, fd00::2/128" and "fd00::2/128,10.0.0.2/32" are the same
 * AllowedIPs: blanks dropped, entries sorted, so a reordered list is not a
 * change. */
static void canon_list(const char *in, char *out, size_t len)
{
	char tmp[sizeof(((struct conf_peer *)0)->allowed_ips)];
	char *items[sizeof(tmp) / 2 + 1];
	size_t n = 0, o = 0;

	snprintf(tmp, sizeof(tmp), "%s", in);
	for (char *save = NULL, *t = strtok_r(tmp, ", \t", &save); t;
	     t = strtok_r(NULL, ", \t", &save))
		items[n++] = t;
	qsort(items, n, sizeof(*items), cmp_str);
	out[0] = '\0';
	for (size_t i = 0; i < n && o < len; i++) {
		int w = snprintf(out + o, len - o, "%s%s", i ? "," : "", items[i]);

		if (w < 0)
			break;
		o += (size_t)w;
	}
}

static uint32_t peer_digest(const struct conf_peer *pe)
{
	char buf[sizeof(pe->allowed_ips) + sizeof(pe->endpoint) + 1];
	char aips[sizeof(pe->allowed_ips)];
	uint8_t md[32];
	int n;

	canon_list(pe->allowed_ips, aips, sizeof(aips));
	n = snprintf(buf, sizeof(buf), "%s\n%s", aips, pe->endpoint);

	if (n < 0 || confview_sha256(buf, (size_t)n, md) < 0)
		return 0;
	return (uint32_t)md[0] << 24 | (uint32_t)md[1] << 16 | (uint32_t)md[2] << 8 | md[3];
}

int view_from_iface(struct view *v, const struct conf_iface *ci,
			   bool present, const char *ident)
{
	memset(v, 0, sizeof(*v));
	v->present = present;
	v->port_known = v->addr_known = v->peers_known = true;
	if (!present)
		return 0;
	snprintf(v->ident, sizeof(v->ident), "%s", ident);
	v->port = ci->listen_port;
	snprintf(v->addresses, sizeof(v->addresses), "%s", ci->addresses);
	if (!ci->n_peers)
		return 0;
	v->pv = calloc(ci->n_peers, sizeof(*v->pv));
	if (!v->pv)
		return -ENOMEM;
	for (size_t i = 0; i < ci->n_peers; i++) {
		memcpy(v->pv[i].key, ci->peers[i].public_key, WG_KEY_LEN);
		v->pv[i].dig = peer_digest(&ci->peers[i]);
	}
	v->n = ci->n_peers;
	return 0;
}

char *peers_encode(const struct view *v)
{
	char *s = malloc(v->n * (CW_PV_LEN + 1) + 1), *o = s;

	if (!s)
		return NULL;
	*o = '\0';
	for (size_t i = 0; i < v->n; i++) {
		char b64[WG_KEY_B64_LEN];

		key_to_base64(b64, v->pv[i].key);
		o += sprintf(o, "%s%s:%08x", i ? "," : "", b64, v->pv[i].dig);
	}
	return s;
}

/* The saved "KEY:8hex,..." list; anything malformed makes it unknown. */
int peers_decode(struct view *v, const char *s)
{
	size_t len = strlen(s), n = 0;

	if (!len)
		return 0;
	if ((len + 1) % (CW_PV_LEN + 1))
		return -EINVAL;
	n = (len + 1) / (CW_PV_LEN + 1);
	v->pv = calloc(n, sizeof(*v->pv));
	if (!v->pv)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *e = s + i * (CW_PV_LEN + 1);
		uint64_t d = 0;

		if (key_from_base64(v->pv[i].key, e, WG_KEY_B64_LEN - 1) < 0 ||
		    e[WG_KEY_B64_LEN - 1] != ':' ||
		    (i + 1 < n && e[CW_PV_LEN] != ','))
			goto bad;
		for (int j = 0; j < 8; j++) {
			char c = e[WG_KEY_B64_LEN + j];
			int x = c >= '0' && c <= '9' ? c - '0' :
				c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

			if (x < 0)
				goto bad;
			d = d << 4 | (uint64_t)x;
		}
		v->pv[i].dig = (uint32_t)d;
		if (i && memcmp(v->pv[i - 1].key, v->pv[i].key, WG_KEY_LEN) >= 0)
			goto bad;
	}
	v->n = n;
	return 0;
bad:
	view_release(v);
	return -EINVAL;
}


void diff_release(struct diff *d)
{
	free(d->added);
	free(d->removed);
	free(d->changed);
	memset(d, 0, sizeof(*d));
}

/* Both lists are sorted by key: one merge walk. */
int diff_views(const struct view *o, const struct view *n, struct diff *d)
{
	size_t i = 0, j = 0;

	memset(d, 0, sizeof(*d));
	d->added = calloc(n->n + 1, sizeof(*d->added));
	d->removed = calloc(o->n + 1, sizeof(*d->removed));
	d->changed = calloc(n->n + 1, sizeof(*d->changed));
	if (!d->added || !d->removed || !d->changed) {
		diff_release(d);
		return -ENOMEM;
	}
	while (i < o->n || j < n->n) {
		int c = i == o->n ? 1 : j == n->n ? -1 :
			memcmp(o->pv[i].key, n->pv[j].key, WG_KEY_LEN);

		if (c < 0) {
			d->removed[d->nr++] = o->pv[i++].key;
		} else if (c > 0) {
			d->added[d->na++] = n->pv[j++].key;
		} else {
			if (o->pv[i].dig != n->pv[j].dig)
				d->changed[d->nc++] = n->pv[j].key;
			i++;
			j++;
		}
	}
	return 0;
}



const char *ident_sha(const struct view *v)
{
	return v->present && v->ident[0] != '!' ? v->ident : "";
}

/* Join as many keys as fit in room bytes; returns how many. */
size_t keys_join(char *out, size_t room, const uint8_t *const *keys, size_t n)
{
	size_t used = 0, i;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		size_t need = (used ? 1 : 0) + WG_KEY_B64_LEN - 1;

		if (used + need + 1 > room)
			break;
		if (used)
			out[used++] = ',';
		key_to_base64(out + used, keys[i]);
		used += WG_KEY_B64_LEN - 1;
	}
	return i;
}

static void sum_add(char *s, size_t len, const char *text)
{
	size_t l = strnlen(s, len);

	snprintf(s + l, len - l, "%s%s", l ? ", " : "", text);
}

/* "2 peers added, 1 removed, listen port changed" */
static void sum_count(char *s, size_t len, size_t n, bool *noun, const char *what)
{
	char t[48];

	if (!n)
		return;
	snprintf(t, sizeof(t), "%zu%s %s", n, !*noun ? "" : n == 1 ? " peer" : " peers",
		 what);
	sum_add(s, len, t);
	*noun = false;
}

void make_summary(char *s, size_t len, const struct view *o,
			 const struct view *n, const struct diff *d,
			 bool peers_known, bool port_chg, bool addr_chg, bool too_large)
{
	bool noun = true;

	s[0] = '\0';
	if (!o->present)
		sum_add(s, len, "file created");
	else if (!n->present)
		sum_add(s, len, "file deleted");
	if (too_large)
		sum_add(s, len, "file too large to parse");
	sum_count(s, len, d->na, &noun, "added");
	sum_count(s, len, d->nr, &noun, "removed");
	sum_count(s, len, d->nc, &noun, "changed");
	if (port_chg)
		sum_add(s, len, "listen port changed");
	if (addr_chg)
		sum_add(s, len, "addresses changed");
	if (!peers_known)
		sum_add(s, len, "previous peer list unknown");
	if (!s[0])
		sum_add(s, len, "no peer or interface change");
}
