// SPDX-License-Identifier: GPL-2.0
/* kmsg.c - WireGuard kernel log lines to typed events. Pure: (buf, len)
 * in, struct out, no allocation, no NUL termination assumed, every scan
 * bounded by len. The /dev/kmsg reader is kmsgread.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/event.h"
#include "sources/kmsg.h"
#include "base/util.h"

#define WG_PREFIX	"wireguard: "
#define WG_PREFIX_LEN	(sizeof(WG_PREFIX) - 1)
#define IFNAME_MAX	15	/* IFNAMSIZ - 1 */
#define TEXT_MAX	1024	/* KERNEL_MESSAGE / KERNEL_WARNING text */
#define DD_PREFIX_MAX	128	/* lib/dynamic_debug.c PREFIX_SIZE (64 before 5.x) */
#define MAX_HOLES	4

/* ---------------------------------------------------------------- records */

static int split_u64(const char **p, const char *end, char sep, uint64_t max,
		     uint64_t *out)
{
	const char *s = *p, *q = s;

	while (q < end && *q != sep)
		q++;
	if (q == end || q - s > 20)
		return -EINVAL;
	if (parse_u64(s, (size_t)(q - s), max, out) < 0)
		return -EINVAL;
	*p = q + 1;
	return 0;
}

int kmsg_parse_record(const char *buf, size_t len, struct kmsg_record *out)
{
	const char *p = buf, *end, *semi, *nl;
	uint64_t prio, seq, usec;

	memset(out, 0, sizeof(*out));
	/* The header is short; look for ';' only within it and never past
	 * the first newline (a continuation line is not a header). */
	end = buf + (len < 256 ? len : 256);
	nl = memchr(buf, '\n', (size_t)(end - buf));
	if (nl)
		end = nl;
	semi = memchr(buf, ';', (size_t)(end - buf));
	if (!semi)
		return -EINVAL;
	if (split_u64(&p, semi, ',', 1023, &prio) < 0 ||
	    split_u64(&p, semi, ',', UINT64_MAX, &seq) < 0)
		return -EINVAL;
	/* usec ends at ',' (flags follow) or at ';' (very old kernels). */
	{
		const char *q = p;

		while (q < semi && *q != ',')
			q++;
		if (q - p > 20 || parse_u64(p, (size_t)(q - p), UINT64_MAX, &usec) < 0)
			return -EINVAL;
		p = q;
	}
	for (; p < semi; p++)	/* flags and later fields: printable, no spaces */
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return -EINVAL;
	out->facility = (int)(prio >> 3);
	out->level = (int)(prio & 7);
	out->seq = seq;
	out->usec = usec;
	out->text = semi + 1;
	nl = memchr(out->text, '\n', len - (size_t)(out->text - buf));
	out->text_len = nl ? (size_t)(nl - out->text) : len - (size_t)(out->text - buf);
	return 0;
}

/* --------------------------------------------------------------- helpers */

static int has_prefix(const char *p, size_t n, const char *lit, size_t litlen)
{
	return n >= litlen && memcmp(p, lit, litlen) == 0;
}
#define HAS(p, n, lit) has_prefix(p, n, lit, sizeof(lit) - 1)

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static size_t digits_run(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && is_digit(p[i]))
		i++;
	return i;
}

/* Kernel-style escaping (printk's devkmsg output): bytes < 0x20 and
 * >= 0x7f become \xNN, so text is printable ASCII whatever came in. */
static void copy_text(char *dst, size_t cap, const char *src, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (size_t i = 0; i < n && o + 4 < cap; i++) {
		unsigned char c = (unsigned char)src[i];

		if (c < 0x20 || c >= 0x7f) {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		} else {
			dst[o++] = (char)c;
		}
	}
	dst[o] = '\0';
}

static void set_text(struct event *ev, const char *key, const char *p, size_t n)
{
	char text[TEXT_MAX + 1];

	copy_text(text, sizeof(text), p, n);
	event_set(ev, key, text);
}

/* dev_valid_name(): 1..15 bytes, no '/', ':' or whitespace; we also
 * refuse control and non-ASCII bytes so the name prints safely. */
static int iface_valid(const char *p, size_t n)
{
	if (n == 0 || n > IFNAME_MAX)
		return 0;
	if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c <= ' ' || c >= 0x7f || c == '/' || c == ':')
			return 0;
	}
	return 1;
}

/* ------------------------------------------------------------- patterns */

/* Kernel format strings from drivers/net/wireguard (WIREGUARD-FACTS.md §1),
 * verbatim after the leading "%s: " (the interface). Holes: %llu, %d,
 * %pISpfsc (endpoint), %pISc / %pI4 / %pI6 (address), %s (token). Each hole
 * fills the field named at the same position in names[]; a NULL name
 * matches but stores nothing. */
struct kmsg_pattern {
	const char *fmt;
	enum event_type type;
	const char *names[MAX_HOLES];
	const char *fixed_key, *fixed_val;
	int no_iface;		/* printed without "%s: " */
};

#define P(f, t, ...) { .fmt = f, .type = t, .names = { __VA_ARGS__ } }
#define PX(f, t, k, v, ...) \
	{ .fmt = f, .type = t, .fixed_key = k, .fixed_val = v, .names = { __VA_ARGS__ } }

static const struct kmsg_pattern patterns[] = {
	/* 1 */ { .fmt = "WireGuard %s loaded. See www.wireguard.com for information.",
		  .type = EV_MODULE_LOADED, .names = { "version" }, .no_iface = 1 },
	/* 3 */ P("Invalid IP packet", EV_INVALID_IP_PACKET, NULL),
	/* 4, 5 */ P("No peer has allowed IPs matching %pI4", EV_NO_PEER_FOR_DESTINATION, "dst"),
	/* 6 */ P("No valid endpoint has been configured or discovered for peer %llu",
		  EV_NO_ENDPOINT_FOR_PEER, "peer_id"),
	/* 7 */ P("Interface destroyed", EV_IFACE_DESTROYED, NULL),
	/* 8 */ P("Interface created", EV_IFACE_CREATED, NULL),
	/* 9 */ P("Creating namespace exiting", EV_NETNS_EXITING, NULL),
	/* 10 */ P("Peer %llu created", EV_PEER_CREATED, "peer_id"),
	/* 11 */ P("Peer %llu (%pISpfsc) destroyed", EV_PEER_DESTROYED, "peer_id", "endpoint"),
	/* 12 */ P("Keypair %llu destroyed for peer %llu", EV_KEYPAIR_DESTROYED,
		   "keypair_id", "peer_id"),
	/* 13 */ P("Keypair %llu created for peer %llu", EV_KEYPAIR_CREATED,
		   "keypair_id", "peer_id"),
	/* 14 */ P("Could not decrypt invalid cookie response", EV_COOKIE_INVALID, NULL),
	/* 15 */ P("Receiving cookie response from %pISpfsc", EV_COOKIE_RECEIVED, "endpoint"),
	/* 16 */ P("Invalid MAC of handshake, dropping packet from %pISpfsc", EV_INVALID_MAC,
		   "endpoint"),
	/* 17 */ P("Invalid handshake initiation from %pISpfsc", EV_INVALID_HANDSHAKE_INITIATION,
		   "endpoint"),
	/* 18 */ P("Receiving handshake initiation from peer %llu (%pISpfsc)",
		   EV_HANDSHAKE_INITIATION_RECEIVED, "peer_id", "endpoint"),
	/* 19 */ P("Invalid handshake response from %pISpfsc", EV_INVALID_HANDSHAKE_RESPONSE,
		   "endpoint"),
	/* 20 */ P("Receiving handshake response from peer %llu (%pISpfsc)",
		   EV_HANDSHAKE_RESPONSE_RECEIVED, "peer_id", "endpoint"),
	/* 22 */ P("Receiving keepalive packet from peer %llu (%pISpfsc)", EV_KEEPALIVE_RECEIVED,
		   "peer_id", "endpoint"),
	/* 23 */ P("Packet has unallowed src IP (%pISc) from peer %llu (%pISpfsc)",
		   EV_UNALLOWED_SRC_IP, "src_ip", "peer_id", "endpoint"),
	/* 24 */ PX("Packet is neither ipv4 nor ipv6 from peer %llu (%pISpfsc)",
		    EV_MALFORMED_PACKET, "reason", "not_ip", "peer_id", "endpoint"),
	/* 25 */ PX("Packet has incorrect size from peer %llu (%pISpfsc)",
		    EV_MALFORMED_PACKET, "reason", "bad_size", "peer_id", "endpoint"),
	/* 26 */ P("Packet has invalid nonce %llu (max %llu)", EV_INVALID_NONCE, "nonce", "max"),
	/* 27 */ P("Dropping handshake packet from %pISpfsc", EV_HANDSHAKE_DROPPED, "endpoint"),
	/* 29 */ P("Sending handshake initiation to peer %llu (%pISpfsc)",
		   EV_HANDSHAKE_INITIATION_SENT, "peer_id", "endpoint"),
	/* 30 */ P("Sending handshake response to peer %llu (%pISpfsc)", EV_HANDSHAKE_RESPONSE_SENT,
		   "peer_id", "endpoint"),
	/* 31 */ P("Sending cookie response for denied handshake message for %pISpfsc",
		   EV_COOKIE_SENT, "endpoint"),
	/* 32 */ P("Sending keepalive packet to peer %llu (%pISpfsc)", EV_KEEPALIVE_SENT,
		   "peer_id", "endpoint"),
	/* 33, 34 */ P("No route to %pISpfsc, error %d", EV_NO_ROUTE, "endpoint", "error"),
	/* 35 */ PX("Could not create IPv4 socket", EV_SOCKET_ERROR, "family", "ipv4", NULL),
	/* 36 */ PX("Could not create IPv6 socket", EV_SOCKET_ERROR, "family", "ipv6", NULL),
	/* 37 */ P("Handshake for peer %llu (%pISpfsc) did not complete after %d attempts, giving up",
		   EV_HANDSHAKE_GAVE_UP, "peer_id", "endpoint", "attempts"),
	/* 38 */ PX("Handshake for peer %llu (%pISpfsc) did not complete after %d seconds, retrying (try %d)",
		    EV_HANDSHAKE_RETRY, "reason", "timeout", "peer_id", "endpoint", "seconds", "try"),
	/* 39 */ PX("Retrying handshake with peer %llu (%pISpfsc) because we stopped hearing back after %d seconds",
		    EV_HANDSHAKE_RETRY, "reason", "no_reply", "peer_id", "endpoint", "seconds"),
	/* 40 */ P("Zeroing out all keys for peer %llu (%pISpfsc), since we haven't received a new one in %d seconds",
		   EV_KEYS_ZEROED, "peer_id", "endpoint", "seconds"),
	/* Removed with the GRO_DROP removal (5.x); still in old logs. No
	 * type of its own: a KERNEL_MESSAGE that keeps what it names. */
	P("Failed to give packet to userspace from peer %llu (%pISpfsc)", EV_KERNEL_MESSAGE,
	  "peer_id", "endpoint"),
};
#undef P
#undef PX

enum hole_kind { H_U64, H_INT, H_ENDPOINT, H_ADDR, H_TOKEN };

struct hole {
	enum hole_kind kind;
	int omit;		/* "(einval)": no endpoint */
	uint64_t u;
	int64_t i;
	char s[ENDPOINT_STR_LEN];
};

/* The conversion at fmt (just after '%'): its kind and length. Only the
 * table above's conversions; by hand because it runs for every hole of
 * every candidate pattern. */
static size_t conv(const char *fmt, enum hole_kind *kind)
{
	switch (fmt[0]) {
	case 'l':
		if (fmt[1] == 'l' && fmt[2] == 'u') {
			*kind = H_U64;
			return 3;
		}
		return 0;
	case 'd':
		*kind = H_INT;
		return 1;
	case 's':
		*kind = H_TOKEN;
		return 1;
	case 'p':
		if (!strncmp(fmt, "pISpfsc", 7)) {
			*kind = H_ENDPOINT;
			return 7;
		}
		if (!strncmp(fmt, "pISc", 4) || !strncmp(fmt, "pI4", 3) || !strncmp(fmt, "pI6", 3)) {
			*kind = H_ADDR;
			return fmt[2] == 'S' ? 4 : 3;
		}
		return 0;
	}
	return 0;
}

static int addr_char(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
	       c == '.' || c == ':';
}

/* A decimal 0..max with no leading zero, ending at p + n or at stop;
 * returns the bytes used, 0 if not. */
static size_t canonical_dec(const char *p, size_t n, unsigned max, char stop)
{
	unsigned v = 0;
	size_t i = 0;

	while (i < n && i < 5 && is_digit(p[i]))
		v = v * 10 + (unsigned)(p[i++] - '0');
	if (i == 0 || (i > 1 && p[0] == '0') || v > max || (i < n && p[i] != stop))
		return 0;
	return i;
}

/* "A.B.C.D:PORT" exactly as endpoint_format() writes it. */
static bool ipv4_endpoint_canonical(const char *p, size_t n)
{
	size_t o = 0, d;

	for (int i = 0; i < 4; i++) {
		d = canonical_dec(p + o, n - o, 255, i < 3 ? '.' : ':');
		if (d == 0 || o + d >= n)
			return false;
		o += d + 1;
	}
	d = canonical_dec(p + o, n - o, 65535, '\0');
	return d > 0 && o + d == n;
}

/* One hole at p: how many bytes it takes (0 = no match). */
static size_t scan_hole(const char *p, size_t n, struct hole *h)
{
	size_t k = 0;
	char tmp[INET6_ADDRSTRLEN + 1];

	switch (h->kind) {
	case H_U64:
		k = digits_run(p, n);
		if (k == 0 || k > 20 || parse_u64(p, k, UINT64_MAX, &h->u) < 0)
			return 0;
		return k;
	case H_INT: {
		uint64_t v;
		int neg = n > 0 && p[0] == '-';

		k = digits_run(p + neg, n - (size_t)neg);
		if (k == 0 || k > 10 || parse_u64(p + neg, k, neg ? 2147483648ULL : 2147483647ULL, &v) < 0)
			return 0;
		h->i = neg ? -(int64_t)v : (int64_t)v;
		return k + (size_t)neg;
	}
	case H_ENDPOINT: {
		union endpoint ep;

		/* AF_UNSPEC prints "(einval)"; the lab saw it doubled. */
		if (HAS(p, n, "((einval))") || HAS(p, n, "(einval)")) {
			h->omit = 1;
			return p[1] == '(' ? 10 : 8;
		}
		while (k < n && k < ENDPOINT_STR_LEN + 16 &&
		       (addr_char(p[k]) || p[k] == '[' || p[k] == ']' ||
			p[k] == '/' || p[k] == '%'))
			k++;
		if (k == 0 || k >= ENDPOINT_STR_LEN + 16)
			return 0;
		/* An IPv4 endpoint as the kernel prints it is already in the
		 * form endpoint_format() gives: copy it (most flood lines). */
		if (ipv4_endpoint_canonical(p, k)) {
			memcpy(h->s, p, k);
			h->s[k] = '\0';
			return k;
		}
		/* An IPv4 endpoint is followed by ", error" in #33: the ','
		 * is not an address char so the scan already stopped. */
		if (endpoint_parse(p, k, &ep) < 0 || ep.sa.sa_family == AF_UNSPEC)
			return 0;
		endpoint_format(h->s, &ep);
		return k;
	}
	case H_ADDR: {
		struct in6_addr a6;
		struct in_addr a4;

		while (k < n && k <= INET6_ADDRSTRLEN && addr_char(p[k]))
			k++;
		if (k == 0 || k > INET6_ADDRSTRLEN)
			return 0;
		memcpy(tmp, p, k);
		tmp[k] = '\0';
		/* Normalised, so "fd00:aaaa:0:0:0:0:0:1" (%pI6 is not
		 * compressed) compares equal to "fd00:aaaa::1". */
		if (inet_pton(AF_INET, tmp, &a4) == 1)
			inet_ntop(AF_INET, &a4, h->s, sizeof(h->s));
		else if (inet_pton(AF_INET6, tmp, &a6) == 1)
			inet_ntop(AF_INET6, &a6, h->s, sizeof(h->s));
		else
			return 0;
		return k;
	}
	case H_TOKEN:
		while (k < n && k < sizeof(h->s) - 1 &&
		       (unsigned char)p[k] > ' ' && (unsigned char)p[k] < 0x7f)
			k++;
		if (k == 0 || k >= sizeof(h->s) - 1)
			return 0;
		memcpy(h->s, p, k);
		h->s[k] = '\0';
		return k;
	}
	return 0;
}

/* The whole of p[0..n) against fmt. 0 and holes filled, or -ENOENT. */
static int match_fmt(const char *fmt, const char *p, size_t n,
		     struct hole holes[MAX_HOLES], unsigned *nholes)
{
	size_t j = 0;

	*nholes = 0;
	while (*fmt) {
		if (*fmt != '%') {
			/* The literal up to the next hole in one compare. */
			size_t lit = (size_t)(strchrnul(fmt, '%') - fmt);

			if (lit > n - j || memcmp(p + j, fmt, lit) != 0)
				return -ENOENT;
			fmt += lit;
			j += lit;
			continue;
		}
		struct hole *h;
		size_t cl, k;

		if (*nholes == MAX_HOLES)
			return -ENOENT;	/* table bug; unit tests catch it */
		h = &holes[*nholes];
		cl = conv(fmt + 1, &h->kind);
		if (cl == 0)
			return -ENOENT;
		h->omit = 0;
		k = scan_hole(p + j, n - j, h);
		if (k == 0)
			return -ENOENT;
		j += k;
		fmt += 1 + cl;
		(*nholes)++;
	}
	return j == n ? 0 : -ENOENT;
}

static void fill(struct event *ev, const struct kmsg_pattern *pat,
		 const struct hole *holes, unsigned nholes)
{
	if (pat->fixed_key)
		event_set(ev, pat->fixed_key, pat->fixed_val);
	for (unsigned i = 0; i < nholes; i++) {
		const struct hole *h = &holes[i];
		const char *name = pat->names[i];

		if (!name || h->omit)
			continue;
		switch (h->kind) {
		case H_U64:
			event_set_u64(ev, name, h->u);
			break;
		case H_INT:
			event_set_i64(ev, name, h->i);
			break;
		default:
			event_set(ev, name, h->s);
			break;
		}
	}
}

/* Try the table on the message after the interface (or after
 * "wireguard: " when iface is NULL). Cheap rejection: first byte. */
static int match_table(const char *p, size_t n, const char *iface, size_t iflen,
		       struct event *ev)
{
	struct hole holes[MAX_HOLES];
	unsigned nholes;

	if (n == 0)
		return -ENOENT;
	for (size_t i = 0; i < ARRAY_SIZE(patterns); i++) {
		const struct kmsg_pattern *pat = &patterns[i];
		char name[IFNAME_MAX + 1];

		if (pat->fmt[0] != p[0] || (iface && pat->no_iface))
			continue;
		if (match_fmt(pat->fmt, p, n, holes, &nholes) < 0)
			continue;
		event_init(ev, pat->type, SRC_KMSG);
		if (iface) {
			memcpy(name, iface, iflen);
			name[iflen] = '\0';
			event_set(ev, "iface", name);
		}
		fill(ev, pat, holes, nholes);
		return 0;
	}
	return -ENOENT;
}

/* p..n starts with "wireguard: ". 0, KMSG_IGNORED or -ENOENT (no
 * pattern: the caller makes a KERNEL_MESSAGE of it). */
static int match_wg(const char *p, size_t n, bool need_iface, struct event *ev)
{
	const char *m = p + WG_PREFIX_LEN;
	size_t mn = n - WG_PREFIX_LEN, i;

	if (HAS(m, mn, "Copyright (C) "))
		return KMSG_IGNORED;
	/* "IFACE: " */
	for (i = 0; i < mn && i <= IFNAME_MAX; i++)
		if (m[i] == ':')
			break;
	if (i < mn && m[i] == ':' && i + 1 < mn && m[i + 1] == ' ' &&
	    iface_valid(m, i) &&
	    match_table(m + i + 2, mn - i - 2, m, i, ev) == 0)
		return 0;
	/* Pre-5.x lines carry no interface; line 1 never does. */
	if (need_iface)
		return -ENOENT;
	return match_table(m, mn, NULL, 0, ev);
}

/* Iface of an unmatched "wireguard: IFACE: ..." line, for KERNEL_MESSAGE. */
static void set_iface_if_any(struct event *ev, const char *m, size_t mn)
{
	char name[IFNAME_MAX + 1];
	size_t i;

	for (i = 0; i < mn && i <= IFNAME_MAX; i++)
		if (m[i] == ':')
			break;
	if (i < mn && i + 1 < mn && m[i] == ':' && m[i + 1] == ' ' && iface_valid(m, i)) {
		memcpy(name, m, i);
		name[i] = '\0';
		event_set(ev, "iface", name);
	}
}

/* ------------------------------------------------------- dyndbg prefix */

/* lib/dynamic_debug.c __dynamic_emit_prefix(): "[tid] " or "<intr> "
 * (flag t), then "module:" "function:" "file:" "line:" (flags m f s l, no
 * spaces) and one space if any of those, all before pr_fmt's
 * "wireguard: ". The prefix buffer is PREFIX_SIZE (64, later 128) bytes:
 * a longer prefix is cut at PREFIX_SIZE - 1 with no trailing space.
 * Fills up to 4 candidate offsets where "wireguard: " may start, most
 * stripped first. */
static int dd_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
	       c == '_' || c == '.' || c == '/' || c == '-' || c == ':';
}

static unsigned wg_candidates(const char *p, size_t n, size_t cand[4])
{
	unsigned nc = 0;
	size_t t = 0, k;

	if (n > 0 && p[0] == '[') {
		k = digits_run(p + 1, n - 1);
		if (k > 0 && k <= 10 && 1 + k + 1 < n && p[1 + k] == ']' && p[2 + k] == ' ')
			t = k + 3;
	} else if (HAS(p, n, "<intr> ")) {
		t = 7;
	}
	for (k = t; k < n && k < DD_PREFIX_MAX + 1 && dd_char(p[k]); k++)
		;
	if (k > t && k < n && p[k] == ' ' && p[k - 1] == ':' &&
	    HAS(p + k + 1, n - k - 1, WG_PREFIX))
		cand[nc++] = k + 1;
	/* Cut prefixes: "wireguard: " right at PREFIX_SIZE - 1, reached by
	 * an unbroken run of prefix characters. */
	if (nc == 0 && t < 63 && k > 63 && HAS(p + 63, n - 63, WG_PREFIX))
		cand[nc++] = 63;
	if (nc == 0 && t < 127 && k > 127 && HAS(p + 127, n - 127, WG_PREFIX))
		cand[nc++] = 127;
	if (HAS(p + t, n - t, WG_PREFIX))
		cand[nc++] = t;
	return nc;
}

/* ------------------------------------------------------ other kernel lines */

/* ___ratelimit(): "%s: %d callbacks suppressed" (func name), e.g.
 * "net_ratelimit: 12 callbacks suppressed". */
static int match_suppressed(const char *p, size_t n, struct event *ev)
{
	static const char tail[] = " callbacks suppressed";
	size_t i = 0, k;
	uint64_t count;
	char name[64];

	while (i < n && i < sizeof(name) - 1 &&
	       ((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') ||
		is_digit(p[i]) || p[i] == '_' || p[i] == '.'))
		i++;
	if (i == 0 || i + 2 > n || p[i] != ':' || p[i + 1] != ' ')
		return -ENOENT;
	k = digits_run(p + i + 2, n - i - 2);
	if (k == 0 || k > 20 || n - i - 2 - k != sizeof(tail) - 1 ||
	    memcmp(p + i + 2 + k, tail, sizeof(tail) - 1) != 0)
		return -ENOENT;
	if (parse_u64(p + i + 2, k, UINT64_MAX, &count) < 0)
		return -EINVAL;
	event_init(ev, EV_KMSG_SUPPRESSED, SRC_KMSG);
	event_set_u64(ev, "count", count);
	if (!(i == 13 && memcmp(p, "net_ratelimit", 13) == 0)) {
		memcpy(name, p, i);
		name[i] = '\0';
		event_set(ev, "limiter", name);
	}
	return 0;
}

/* WARN(1, ...) texts (#21, #28) print bare, without pr_fmt; the
 * "WARNING: CPU: N PID: N at drivers/net/wireguard/..." header of any
 * other WARN_ON in the module is worth a KERNEL_WARNING too. */
static int match_warning(const char *p, size_t n, struct event *ev)
{
	static const char *const texts[] = {
		"Somehow a wrong type of packet wound up in the handshake queue!",
		"Non-exhaustive parsing of packet header lead to unknown packet type!",
	};

	for (size_t i = 0; i < ARRAY_SIZE(texts); i++)
		if (n == strlen(texts[i]) && memcmp(p, texts[i], n) == 0)
			goto hit;
	if (HAS(p, n, "WARNING: ") && n < 4096 &&
	    (memmem(p, n, " at drivers/net/wireguard/", 26) ||
	     memmem(p, n, "[wireguard]", 11)))
		goto hit;
	return -ENOENT;
hit:
	event_init(ev, EV_KERNEL_WARNING, SRC_KMSG);
	set_text(ev, "text", p, n);
	return 0;
}

int kmsg_parse(const char *buf, size_t len, struct event *out)
{
	size_t cand[4];
	unsigned nc;
	int ret;

	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' ||
			   buf[len - 1] == ' ' || buf[len - 1] == '\t'))
		len--;
	if (len == 0)
		return -ENOENT;
	nc = wg_candidates(buf, len, cand);
	/* A line with an interface beats one without at any candidate:
	 * "wireguard: wireguard: Peer 1 created" is interface "wireguard",
	 * not dyndbg "m" on a pre-5.x line. */
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < nc; i++) {
			ret = match_wg(buf + cand[i], len - cand[i], pass == 0, out);
			if (ret == 0 && out->type == EV_KERNEL_MESSAGE)
				set_text(out, "text", buf + cand[i], len - cand[i]);
			if (ret >= 0)
				return ret;
		}
	}
	if (nc > 0) {
		const char *m = buf + cand[0];
		size_t mn = len - cand[0];

		event_init(out, EV_KERNEL_MESSAGE, SRC_KMSG);
		set_iface_if_any(out, m + WG_PREFIX_LEN, mn - WG_PREFIX_LEN);
		set_text(out, "text", m, mn);
		return 0;
	}
	ret = match_suppressed(buf, len, out);
	if (ret != -ENOENT)
		return ret;
	return match_warning(buf, len, out);
}
