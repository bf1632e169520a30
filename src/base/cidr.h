// SPDX-License-Identifier: GPL-2.0
/* cidr.h - sets of IPv4/IPv6 prefixes ("10.0.0.0/8 2001:db8::/32") and
 * matching addresses against them. Pure, bounded; IPv4-mapped IPv6
 * (::ffff:a.b.c.d) is treated as the IPv4 address it carries. */
#ifndef WGAUDIT_CIDR_H
#define WGAUDIT_CIDR_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CIDR_SET_MAX	256	/* prefixes in one list */
#define CIDR_TEXT_LEN	64	/* longest token accepted */

struct cidr {
	uint8_t family;		/* AF_INET / AF_INET6 */
	uint8_t bits;
	uint8_t addr[16];	/* network order; host bits cleared */
};

struct cidr_set {
	size_t n;
	struct cidr *v;
};

/* One prefix: "A.B.C.D", "A.B.C.D/N", "IPV6", "IPV6/N" (no host = /32,
 * /128). Host bits set below the mask are cleared, not refused (an
 * operator writing 10.1.2.3/8 means 10.0.0.0/8). 0 or -EINVAL. */
int cidr_parse(const char *s, size_t len, struct cidr *out);
/* A list separated by blanks or commas; "" is a valid empty list. On
 * -EINVAL, bad (if not NULL, CIDR_TEXT_LEN + 4 bytes) gets the offending
 * token. out is allocated; free with cidr_set_free(). out may be NULL to
 * validate only. */
int cidr_set_parse(const char *list, struct cidr_set *out, char *bad);
void cidr_set_free(struct cidr_set *s);
/* addr is 4 bytes (AF_INET) or 16 (AF_INET6). */
bool cidr_match(const struct cidr *c, int family, const uint8_t *addr);
bool cidr_set_match(const struct cidr_set *s, int family, const uint8_t *addr);
/* An endpoint as events carry it ("1.2.3.4:5", "[v6]:5", "[fe80::1%2]:5",
 * or a bare address) to (family, addr); mapped v6 becomes v4. 0 / -EINVAL. */
int cidr_addr_from_endpoint(const char *ep, int *family, uint8_t addr[16]);
/* The same from an endpoint as the sources have it (base/util.h). */
union endpoint;
int cidr_addr_from_ep(const union endpoint *e, int *family, uint8_t addr[16]);
#endif
