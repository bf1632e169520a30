// SPDX-License-Identifier: GPL-2.0
/* uapifix.h - what test_uapi.c (the parser, the stream) and
 * test_uapisock.c (the socket client) share: the RFC 7748 key the
 * fixtures carry, the checks that no copy of it is left anywhere, a
 * generated many-peer reply. */
#ifndef WGAUDIT_TEST_UAPIFIX_H
#define WGAUDIT_TEST_UAPIFIX_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "test.h"
#include "base/util.h"
#include "base/wgdev.h"
#include "sources/uapi.h"

/* The fixtures carry RFC 7748 section 5.2's first input scalar in place of
 * the captured interface's real private key. Its X25519 public key (scalar
 * times base point 9) is 1c9fd88f...: checked with `wg pubkey`, Python
 * cryptography and `openssl pkey`. (e6db6867... in the same RFC vector is
 * the input u-coordinate, not this scalar's public key.) */
#define RFC_PRIV_HEX "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"
#define RFC_PUB_HEX "1c9fd88f45606d932a80c71824ae151d15d73e77de38e8e000852e614fae7019"

/* A peer's first line, for replies written out in a test. */
#define PK "public_key=0f2fc0b5639290bb41a7e54015ae789d57f3d0ccf39dfafa16691a57c799351c\n"

static inline int has_bytes(const void *hay, size_t hlen, const void *needle, size_t nlen)
{
	return hlen >= nlen && memmem(hay, hlen, needle, nlen) != NULL;
}

/* No copy of the private key anywhere in what the parser produced. */
static inline int holds_key(const struct wg_device *dev, const uint8_t key[WG_KEY_LEN])
{
	return has_bytes(dev, sizeof(*dev), key, WG_KEY_LEN) ||
	       has_bytes(dev->peers, dev->cap_peers * sizeof(*dev->peers), key, WG_KEY_LEN) ||
	       has_bytes(dev->aips, dev->cap_aips * sizeof(*dev->aips), key, WG_KEY_LEN);
}

/* No byte of the private key, binary or hex, anywhere in the handle. */
static inline int handle_holds(const struct uapi *u, const char *hex)
{
	const void *mem;
	size_t mlen;
	uint8_t key[WG_KEY_LEN];
	int ret;

	uapi_debug_mem(u, &mem, &mlen);
	key_from_hex(key, hex, 64);
	ret = has_bytes(mem, mlen, key, WG_KEY_LEN) || has_bytes(mem, mlen, hex, 64) ||
	      has_bytes(mem, mlen, hex, 16);
	wipe(key, sizeof(key));
	return ret;
}

static inline void check_cleared(const struct wg_device *dev)
{
	CHECK_INT(dev->n_peers, 0);
	CHECK_INT(dev->n_aips, 0);
	CHECK(!dev->has_public_key);
	CHECK_INT(dev->listen_port, 0);
}

static inline char *many_peers_reply(size_t n, size_t *len)
{
	char *buf = malloc(n * 400 + 32), *p = buf;

	for (size_t i = 0; i < n; i++) {
		p += sprintf(p, "public_key=%064zx\npreshared_key=%064x\nprotocol_version=1\n"
			     "endpoint=%zu.%zu.%zu.%zu:%zu\nlast_handshake_time_sec=%zu\n"
			     "last_handshake_time_nsec=0\ntx_bytes=%zu\nrx_bytes=%zu\n"
			     "persistent_keepalive_interval=0\n"
			     "allowed_ip=10.%zu.%zu.0/24\nallowed_ip=fd01::%zx/128\n",
			     i + 1, 0, 10 + i % 200, i / 256 % 256, i % 256,
			     i % 3, 1000 + i, 1795608453 + i, i * 7, i * 9,
			     i / 256 % 256, i % 256, i);
	}
	p += sprintf(p, "errno=0\n\n");
	*len = (size_t)(p - buf);
	return buf;
}
#endif
