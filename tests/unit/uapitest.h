// SPDX-License-Identifier: GPL-2.0
/* uapitest.h - what the UAPI reader's tests share: a reproducible
 * generator, a reply fed to the stream in pieces, devices compared. */
#ifndef WGAUDIT_TEST_UAPITEST_H
#define WGAUDIT_TEST_UAPITEST_H
#include <stdint.h>
#include <string.h>
#include "base/wgdev.h"
#include "sources/uapi.h"

static uint32_t rng_state = 12345;

static inline uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* Feed buf to the stream for ifname in pieces: chunk 0 = all at once,
 * 1 = byte by byte, else random sizes 1..chunk; split (if non-zero):
 * exactly two reads, cut there. Returns uapi_stream_end(). */
static inline int stream_pieces(struct uapi *u, const char *ifname, const char *buf,
				size_t len, size_t chunk, size_t split, struct wg_device *dev)
{
	size_t off = 0;

	uapi_stream_begin(u, ifname, dev);
	while (off < len) {
		size_t k = split ? (off < split ? split : len - off) :
			   chunk == 0 ? len - off : chunk == 1 ? 1 : 1 + rng() % chunk;

		if (k > len - off)
			k = len - off;
		if (uapi_stream_feed(u, buf + off, k) != 0)
			break;
		off += k;
	}
	return uapi_stream_end(u);
}

static inline int same_device(const struct wg_device *a, const struct wg_device *b)
{
	return a->has_public_key == b->has_public_key &&
	       !memcmp(a->public_key, b->public_key, WG_KEY_LEN) &&
	       a->listen_port == b->listen_port && a->fwmark == b->fwmark &&
	       a->n_peers == b->n_peers && a->n_aips == b->n_aips &&
	       (!a->n_peers || !memcmp(a->peers, b->peers, a->n_peers * sizeof(*a->peers))) &&
	       (!a->n_aips || !memcmp(a->aips, b->aips, a->n_aips * sizeof(*a->aips)));
}
#endif
