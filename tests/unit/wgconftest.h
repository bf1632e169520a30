// SPDX-License-Identifier: GPL-2.0
/* wgconftest.h - what the config parser's and the config watcher's tests
 * share: fresh key pairs and a search of a parsed view for bytes that must
 * not be there (secrets). */
#ifndef WGAUDIT_TEST_WGCONFTEST_H
#define WGAUDIT_TEST_WGCONFTEST_H
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <openssl/rand.h>
#include "base/util.h"
#include "base/wgconf.h"

/* A fresh key pair as `wg genkey | wg pubkey` would give. */
static inline void genkey(char priv[WG_KEY_B64_LEN], char pub[WG_KEY_B64_LEN],
			  uint8_t raw[WG_KEY_LEN])
{
	uint8_t p[WG_KEY_LEN], q[WG_KEY_LEN];

	RAND_bytes(p, sizeof(p));
	p[0] &= 248;
	p[31] = (p[31] & 127) | 64;
	key_public_from_private(q, p);
	key_to_base64(priv, p);
	key_to_base64(pub, q);
	if (raw)
		memcpy(raw, p, WG_KEY_LEN);
}

static inline void pubkey(char out[WG_KEY_B64_LEN])
{
	char priv[WG_KEY_B64_LEN];

	genkey(priv, out, NULL);
}

/* Does needle appear anywhere in the parsed view (struct and peers)? */
static inline bool iface_holds(const struct conf_iface *ci, const void *needle,
			       size_t n)
{
	if (memmem(ci, sizeof(*ci), needle, n))
		return true;
	return ci->n_peers &&
	       memmem(ci->peers, ci->n_peers * sizeof(*ci->peers), needle, n);
}
#endif
