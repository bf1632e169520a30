// SPDX-License-Identifier: GPL-2.0
/* wgconf.c - the public parts of a wg-quick / wg(8) config file: interface
 * ListenPort and Address, peers by public key with friendly names, allowed
 * IPs and endpoints. Pure and in place: PrivateKey and PresharedKey lines
 * are recognised by their key name only, the value is never copied. The
 * watcher (confwatch.c) owns the I/O. */
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/wgconf.h"

enum section { SEC_NONE, SEC_INTERFACE, SEC_PEER, SEC_OTHER };

struct parser {
	struct conf_iface *out;
	size_t cap;
	enum section sec;
	bool have_peer;		/* out->peers[n_peers - 1] is the open section */
	bool peer_keyed;	/* ... and it has a valid PublicKey */
	bool peer_named;	/* ... and a name given inside the section */
	unsigned peer_line;
	bool full_warned;
	char pending[WGCONF_NAME_LEN];	/* a name comment awaiting its peer */
	unsigned line;
	unsigned nerr;
	int fatal;
	char *err;
	size_t errlen;
};

static void __attribute__((format(printf, 2, 3)))
perr(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	if (p->nerr++ || !p->err || !p->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static void trim(const char **s, size_t *n)
{
	while (*n && is_ws(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && is_ws((*s)[*n - 1]))
		(*n)--;
}

static bool ieq(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && !strncasecmp(s, lit, n);
}

/* s starts with lit (any case); *rest is what follows. */
static bool iprefix(const char *s, size_t n, const char *lit, const char **rest,
		    size_t *rn)
{
	size_t l = strlen(lit);

	if (n < l || strncasecmp(s, lit, l))
		return false;
	*rest = s + l;
	*rn = n - l;
	return true;
}

/* A list item or endpoint: printable ASCII, no space, no comma. */
static bool token_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] >= 0x7f || s[i] == ',')
			return false;
	return n > 0;
}

/* Append the comma-separated items of v to the comma-joined dst[cap]:
 * 0, -EINVAL for a bad item (the rest is dropped), -ENOSPC when full (the
 * list is cut at an item boundary). */
static int list_append(char *dst, size_t cap, const char *v, size_t n)
{
	size_t used = strnlen(dst, cap);

	while (n) {
		const char *c = memchr(v, ',', n);
		size_t il = c ? (size_t)(c - v) : n;
		const char *item = v;
		size_t in = il;

		v += il;
		n -= il;
		if (c) {
			v++;
			n--;
		}
		trim(&item, &in);
		if (!in)
			continue;
		if (!token_ok(item, in))
			return -EINVAL;
		if (used + (used ? 1 : 0) + in >= cap)
			return -ENOSPC;
		if (used)
			dst[used++] = ',';
		memcpy(dst + used, item, in);
		used += in;
		dst[used] = '\0';
	}
	return 0;
}

/* A friendly name goes into events: control bytes become '?', and it is
 * cut to fit without splitting a UTF-8 sequence. */
static void name_set(char dst[static WGCONF_NAME_LEN], const char *v, size_t n)
{
	trim(&v, &n);
	if (n >= WGCONF_NAME_LEN) {
		n = WGCONF_NAME_LEN - 1;
		while (n && ((unsigned char)v[n] & 0xc0) == 0x80)
			n--;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		dst[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	dst[n] = '\0';
}

static struct conf_peer *cur_peer(struct parser *p)
{
	return p->have_peer ? &p->out->peers[p->out->n_peers - 1] : NULL;
}

/* Close the open [Peer] section. A name comment still pending belongs to
 * it unless a new [Peer] header follows (then it was written above that). */
static void end_peer(struct parser *p, bool take_pending)
{
	struct conf_peer *pe = cur_peer(p);

	if (pe) {
		if (take_pending && p->pending[0] && !pe->name[0])
			memcpy(pe->name, p->pending, sizeof(pe->name));
		if (!p->peer_keyed) {
			perr(p, "%u: [Peer] without a valid PublicKey, skipped",
			     p->peer_line);
			memset(pe, 0, sizeof(*pe));
			p->out->n_peers--;
		}
	}
	p->have_peer = p->peer_keyed = p->peer_named = false;
	if (take_pending)
		p->pending[0] = '\0';
}

static void begin_peer(struct parser *p)
{
	struct conf_iface *o = p->out;
	struct conf_peer *pe;

	if (o->n_peers >= WGCONF_MAX_PEERS) {
		if (!p->full_warned)
			perr(p, "%u: more than %u peers, the rest skipped",
			     p->line, WGCONF_MAX_PEERS);
		p->full_warned = true;
		p->sec = SEC_OTHER;
		return;
	}
	if (o->n_peers == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 8;
		void *np;

		if (ncap > WGCONF_MAX_PEERS)
			ncap = WGCONF_MAX_PEERS;
		np = realloc(o->peers, ncap * sizeof(*o->peers));
		if (!np) {
			p->fatal = -ENOMEM;
			return;
		}
		o->peers = np;
		p->cap = ncap;
	}
	pe = &o->peers[o->n_peers++];
	memset(pe, 0, sizeof(*pe));
	memcpy(pe->name, p->pending, sizeof(pe->name));
	p->pending[0] = '\0';
	p->have_peer = true;
	p->peer_line = p->line;
}

static void parse_header(struct parser *p, const char *s, size_t n)
{
	const char *end = memchr(s, ']', n);
	const char *in = s + 1;
	size_t inl;

	if (!end) {
		perr(p, "%u: section header without ']'", p->line);
		return;
	}
	inl = (size_t)(end - in);
	trim(&in, &inl);
	end_peer(p, !ieq(in, inl, "Peer"));
	if (ieq(in, inl, "Interface")) {
		p->sec = SEC_INTERFACE;
	} else if (ieq(in, inl, "Peer")) {
		p->sec = SEC_PEER;
		begin_peer(p);
	} else {
		/* Someone else's section: its keys are not ours to judge. */
		p->sec = SEC_OTHER;
	}
}

/* "key = value" or "key: value" (any case) at s; the value trimmed. */
static bool comment_kv(const char *s, size_t n, const char *key,
		       const char **v, size_t *vn)
{
	const char *r;
	size_t rn;

	if (!iprefix(s, n, key, &r, &rn))
		return false;
	trim(&r, &rn);
	if (!rn || (r[0] != '=' && r[0] != ':'))
		return false;
	*v = r + 1;
	*vn = rn - 1;
	trim(v, vn);
	return true;
}

/* "WORD rest" (any case), rest not empty. */
static bool comment_word(const char *s, size_t n, const char *word,
			 const char **v, size_t *vn)
{
	if (!iprefix(s, n, word, v, vn) || !*vn || !is_ws(**v))
		return false;
	trim(v, vn);
	return *vn > 0;
}

static void set_pending(struct parser *p, const char *v, size_t n)
{
	name_set(p->pending, v, n);
}

static void parse_comment(struct parser *p, const char *s, size_t n)
{
	unsigned hashes = 0;
	const char *v;
	size_t vn;

	while (n && *s == '#') {
		s++;
		n--;
		hashes++;
	}
	trim(&s, &n);
	if (comment_kv(s, n, "friendly_name", &v, &vn)) {
		/* prometheus_wireguard_exporter: names the section it is in. */
		struct conf_peer *pe = cur_peer(p);

		if (pe && p->sec == SEC_PEER) {
			name_set(pe->name, v, vn);
			p->peer_named = true;
		} else {
			set_pending(p, v, vn);
		}
	} else if (comment_kv(s, n, "friendly_json", &v, &vn)) {
		return;		/* the exporter's JSON labels: not a name */
	} else if (comment_kv(s, n, "name", &v, &vn)) {
		set_pending(p, v, vn);
	} else if (hashes >= 3 && comment_word(s, n, "Client", &v, &vn)) {
		set_pending(p, v, vn);			/* angristan/wireguard-install */
	} else if (comment_word(s, n, "BEGIN_PEER", &v, &vn)) {
		set_pending(p, v, vn);			/* Nyr/wireguard-install */
	} else if (hashes >= 3 && comment_word(s, n, "begin", &v, &vn)) {
		while (vn && (v[vn - 1] == '#' || is_ws(v[vn - 1])))
			vn--;				/* PiVPN "### begin x ###" */
		if (vn)
			set_pending(p, v, vn);
	}
}

static void kv_listen_port(struct parser *p, const char *v, size_t n)
{
	uint64_t port;

	if (parse_u64(v, n, 65535, &port) < 0) {
		perr(p, "%u: ListenPort: not a port number", p->line);
		return;
	}
	p->out->listen_port = (uint16_t)port;
}

static void kv_list(struct parser *p, const char *what, char *dst, size_t cap,
		    const char *v, size_t n)
{
	int ret = list_append(dst, cap, v, n);

	if (ret == -EINVAL)
		perr(p, "%u: %s: malformed item", p->line, what);
	else if (ret == -ENOSPC)
		perr(p, "%u: %s: list longer than %zu bytes, cut", p->line,
		     what, cap - 1);
}

static void kv_address(struct parser *p, const char *v, size_t n)
{
	kv_list(p, "Address", p->out->addresses, sizeof(p->out->addresses), v, n);
}

static void kv_public_key(struct parser *p, const char *v, size_t n)
{
	struct conf_peer *pe = cur_peer(p);

	if (!pe)
		return;
	if (p->peer_keyed) {
		perr(p, "%u: PublicKey: given twice in one [Peer], first kept",
		     p->line);
		return;
	}
	if (key_from_base64(pe->public_key, v, n) < 0) {
		perr(p, "%u: PublicKey: not a base64 WireGuard key", p->line);
		return;
	}
	p->peer_keyed = true;
}

static void kv_allowed_ips(struct parser *p, const char *v, size_t n)
{
	struct conf_peer *pe = cur_peer(p);

	if (pe)
		kv_list(p, "AllowedIPs", pe->allowed_ips, sizeof(pe->allowed_ips), v, n);
}

static void kv_endpoint(struct parser *p, const char *v, size_t n)
{
	struct conf_peer *pe = cur_peer(p);

	if (!pe)
		return;
	if (!token_ok(v, n) || n >= sizeof(pe->endpoint)) {
		perr(p, "%u: Endpoint: malformed", p->line);
		return;
	}
	memcpy(pe->endpoint, v, n);
	pe->endpoint[n] = '\0';
}

/* fn NULL: a secret, skipped with its value unread. */
static const struct {
	enum section sec;
	const char *key;
	void (*fn)(struct parser *p, const char *v, size_t n);
} conf_keys[] = {
	{ SEC_INTERFACE, "ListenPort", kv_listen_port },
	{ SEC_INTERFACE, "Address", kv_address },
	{ SEC_PEER, "PublicKey", kv_public_key },
	{ SEC_PEER, "AllowedIPs", kv_allowed_ips },
	{ SEC_PEER, "Endpoint", kv_endpoint },
};

static const char *const secret_keys[] = { "PrivateKey", "PresharedKey" };

static void parse_kv(struct parser *p, const char *s, size_t n)
{
	const char *eq = memchr(s, '=', n);
	const char *k = s, *v, *hash;
	size_t kn, vn;

	if (!eq || memchr(s, '#', (size_t)(eq - s))) {
		perr(p, "%u: expected key = value", p->line);
		return;
	}
	kn = (size_t)(eq - s);
	trim(&k, &kn);
	/* Secrets first: nothing past the '=' is looked at. */
	for (size_t i = 0; i < ARRAY_SIZE(secret_keys); i++)
		if (ieq(k, kn, secret_keys[i]))
			return;
	if (p->sec == SEC_PEER) {
		struct conf_peer *pe = cur_peer(p);

		if (pe && p->pending[0] && !pe->name[0])
			memcpy(pe->name, p->pending, sizeof(pe->name));
	}
	p->pending[0] = '\0';
	v = eq + 1;
	vn = n - (size_t)(v - s);
	hash = memchr(v, '#', vn);	/* as wg(8): '#' starts a comment anywhere */
	if (hash)
		vn = (size_t)(hash - v);
	trim(&v, &vn);
	for (size_t i = 0; i < ARRAY_SIZE(conf_keys); i++)
		if (conf_keys[i].sec == p->sec && ieq(k, kn, conf_keys[i].key)) {
			conf_keys[i].fn(p, v, vn);
			return;
		}
	/* Anything else (PostUp, DNS, MTU, Table, PersistentKeepalive, ...)
	 * changes the hash but is not part of the diff. */
}

static void parse_line(struct parser *p, const char *s, size_t n)
{
	trim(&s, &n);
	if (!n || s[0] == ';')
		return;
	if (s[0] == '#')
		parse_comment(p, s, n);
	else if (s[0] == '[')
		parse_header(p, s, n);
	else
		parse_kv(p, s, n);
}

static int cmp_idx(const void *a, const void *b, void *ctx)
{
	const struct conf_peer *peers = ctx;
	uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
	int c = memcmp(peers[i].public_key, peers[j].public_key, WG_KEY_LEN);

	if (c)
		return c;
	return i < j ? -1 : i > j;
}

/* Sort by public key (stable) and merge repeated keys as wg setconf does. */
static int finish_peers(struct parser *p)
{
	struct conf_iface *o = p->out;
	struct conf_peer *np;
	uint32_t *idx;
	size_t m = 0;

	if (o->n_peers < 2)
		return 0;
	idx = malloc(o->n_peers * sizeof(*idx));
	np = malloc(o->n_peers * sizeof(*np));
	if (!idx || !np) {
		free(idx);
		free(np);
		return -ENOMEM;
	}
	for (size_t i = 0; i < o->n_peers; i++)
		idx[i] = (uint32_t)i;
	qsort_r(idx, o->n_peers, sizeof(*idx), cmp_idx, o->peers);
	for (size_t i = 0; i < o->n_peers; i++) {
		const struct conf_peer *src = &o->peers[idx[i]];
		struct conf_peer *d = m ? &np[m - 1] : NULL;

		if (!d || memcmp(d->public_key, src->public_key, WG_KEY_LEN)) {
			np[m++] = *src;
			continue;
		}
		if (list_append(d->allowed_ips, sizeof(d->allowed_ips), src->allowed_ips,
				strlen(src->allowed_ips)) < 0)
			perr(p, "%u: AllowedIPs: list of a repeated peer too long, cut",
			     p->line);
		if (src->endpoint[0])
			memcpy(d->endpoint, src->endpoint, sizeof(d->endpoint));
		if (!d->name[0])
			memcpy(d->name, src->name, sizeof(d->name));
	}
	free(idx);
	free(o->peers);
	o->peers = np;
	o->n_peers = m;
	return 0;
}

int wgconf_parse(const char *buf, size_t len, struct conf_iface *out,
		    char *err, size_t errlen)
{
	struct parser p = { .out = out, .err = err, .errlen = errlen };
	size_t pos = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	if (len > WGCONF_FILE_MAX) {
		perr(&p, "0: file larger than %u bytes", WGCONF_FILE_MAX);
		return -EINVAL;
	}
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		pos = 3;	/* UTF-8 BOM from a Windows editor */
	while (pos < len && !p.fatal) {
		const char *s = buf + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;

		p.line++;
		if (n > WGCONF_LINE_MAX)
			perr(&p, "%u: longer than %u bytes, skipped", p.line,
			     WGCONF_LINE_MAX);
		else if (memchr(s, '\0', n))
			perr(&p, "%u: NUL byte, skipped", p.line);
		else
			parse_line(&p, s, n);
		pos += n + 1;
	}
	if (!p.fatal) {
		p.line++;
		end_peer(&p, true);
		p.fatal = finish_peers(&p);
	}
	if (p.fatal) {
		conf_iface_release(out);
		return p.fatal;
	}
	if (p.nerr > 1 && err && errlen) {
		size_t l = strnlen(err, errlen);

		snprintf(err + l, errlen - l, " (and %u more)", p.nerr - 1);
	}
	ret = p.nerr ? -EINVAL : 0;
	return ret;
}

void conf_iface_release(struct conf_iface *ci)
{
	if (!ci)
		return;
	free(ci->peers);
	memset(ci, 0, sizeof(*ci));
}


static int cmp_peer_key(const void *key, const void *elem)
{
	return memcmp(key, ((const struct conf_peer *)elem)->public_key, WG_KEY_LEN);
}

const struct conf_peer *conf_iface_peer(const struct conf_iface *ci,
					const uint8_t key[static WG_KEY_LEN])
{
	if (!ci || !ci->n_peers)
		return NULL;
	return bsearch(key, ci->peers, ci->n_peers, sizeof(*ci->peers), cmp_peer_key);
}
