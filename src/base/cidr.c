// SPDX-License-Identifier: GPL-2.0
/* cidr.c - prefix sets for the endpoint allow-lists. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/cidr.h"
#include "base/util.h"

static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* ::ffff:a.b.c.d is a.b.c.d: dual-stack sockets report IPv4 peers so. */
static void unmap(int *family, uint8_t addr[16])
{
	if (*family == AF_INET6 && !memcmp(addr, v4mapped, 12)) {
		memmove(addr, addr + 12, 4);
		*family = AF_INET;
	}
}

int cidr_parse(const char *s, size_t len, struct cidr *out)
{
	char buf[CIDR_TEXT_LEN];
	const char *slash;
	uint64_t bits = 0;
	size_t alen;
	int family, max;
	uint8_t addr[16] = { 0 };

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	slash = memchr(s, '/', len);
	alen = slash ? (size_t)(slash - s) : len;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (memchr(buf, ':', alen)) {
		if (inet_pton(AF_INET6, buf, addr) != 1)
			return -EINVAL;
		family = AF_INET6;
		max = 128;
	} else {
		if (inet_pton(AF_INET, buf, addr) != 1)
			return -EINVAL;
		family = AF_INET;
		max = 32;
	}
	bits = (uint64_t)max;
	if (slash && parse_u64(slash + 1, len - alen - 1, (uint64_t)max, &bits) < 0)
		return -EINVAL;
	if (family == AF_INET6 && bits >= 96 && !memcmp(addr, v4mapped, 12)) {
		unmap(&family, addr);
		bits -= 96;
	}
	memset(out, 0, sizeof(*out));
	out->family = (uint8_t)family;
	out->bits = (uint8_t)bits;
	for (unsigned i = 0; i < (family == AF_INET ? 4u : 16u); i++) {
		unsigned keep = bits >= 8 * (i + 1) ? 8 : bits > 8 * i ? (unsigned)bits - 8 * i : 0;

		out->addr[i] = addr[i] & (uint8_t)(0xff00u >> keep);
	}
	return 0;
}

int cidr_set_parse(const char *list, struct cidr_set *out, char *bad)
{
	static const char sep[] = " \t,";
	struct cidr tmp[CIDR_SET_MAX];
	size_t n = 0;

	if (out) {
		out->n = 0;
		out->v = NULL;
	}
	while (*list) {
		size_t len;

		list += strspn(list, sep);
		len = strcspn(list, sep);
		if (!len)
			break;
		if (n >= CIDR_SET_MAX || cidr_parse(list, len, &tmp[n]) < 0) {
			if (bad) {
				size_t l = len < CIDR_TEXT_LEN ? len : CIDR_TEXT_LEN;

				memcpy(bad, list, l);
				memcpy(bad + l, len > l ? "..." : "", len > l ? 4 : 1);
			}
			return n >= CIDR_SET_MAX ? -E2BIG : -EINVAL;
		}
		n++;
		list += len;
	}
	if (out && n) {
		out->v = malloc(n * sizeof(*out->v));
		if (!out->v)
			return -ENOMEM;
		memcpy(out->v, tmp, n * sizeof(*out->v));
		out->n = n;
	}
	return 0;
}

void cidr_set_free(struct cidr_set *s)
{
	if (!s)
		return;
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

bool cidr_match(const struct cidr *c, int family, const uint8_t *addr)
{
	unsigned full = c->bits / 8, rest = c->bits % 8;

	if (c->family != family)
		return false;
	if (memcmp(c->addr, addr, full))
		return false;
	return !rest || ((addr[full] ^ c->addr[full]) & (uint8_t)(0xff00u >> rest)) == 0;
}

bool cidr_set_match(const struct cidr_set *s, int family, const uint8_t *addr)
{
	for (size_t i = 0; i < s->n; i++)
		if (cidr_match(&s->v[i], family, addr))
			return true;
	return false;
}

int cidr_addr_from_ep(const union endpoint *e, int *family, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (e->sa.sa_family == AF_INET) {
		*family = AF_INET;
		memcpy(addr, &e->sin.sin_addr, 4);
	} else if (e->sa.sa_family == AF_INET6) {
		*family = AF_INET6;
		memcpy(addr, &e->sin6.sin6_addr, 16);
	} else {
		return -EINVAL;
	}
	unmap(family, addr);
	return 0;
}

int cidr_addr_from_endpoint(const char *ep, int *family, uint8_t addr[16])
{
	union endpoint e;
	size_t len = strlen(ep);

	memset(addr, 0, 16);
	if (endpoint_parse(ep, len, &e) == 0) {
		return cidr_addr_from_ep(&e, family, addr);
	} else {
		struct cidr c;

		/* A bare address (tests, hand-written events). */
		if (cidr_parse(ep, len, &c) < 0 || c.bits != (c.family == AF_INET ? 32 : 128))
			return -EINVAL;
		*family = c.family;
		memcpy(addr, c.addr, c.family == AF_INET ? 4 : 16);
	}
	unmap(family, addr);
	return 0;
}
