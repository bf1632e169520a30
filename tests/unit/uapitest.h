// SPDX-License-Identifier: GPL-2.0
/* uapitest.h - what the UAPI reader's tests share: a reproducible
 * generator, a reply fed to the stream in pieces, devices compared. */
#ifndef WGAUDIT_TEST_UAPITEST_H
#define WGAUDIT_TEST_UAPITEST_H
#include <stdint.h>
#include <stdlib.h>
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

/* Peers [0, n) of from appended to to, with their allowed IPs: what a
 * consumer of wg_stream chunks sees, put back together. */
static inline void copy_peers(struct wg_device *to, const struct wg_device *from, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct wg_peer *o = &from->peers[i];
		struct wg_peer *q = wg_device_new_peer(to);
		uint32_t first;

		if (!q)
			abort();
		first = q->aip_first;
		*q = *o;
		q->aip_first = first;
		q->aip_count = 0;
		for (uint32_t j = 0; j < o->aip_count; j++)
			if (wg_device_add_aip(to, &from->aips[o->aip_first + j]) < 0)
				abort();
	}
}

/* A wg_stream consumer that keeps everything it is handed in all. */
struct collector {
	struct wg_stream s;
	struct wg_device all;
	size_t calls;
};

static inline int collector_flush(void *ctx, struct wg_device *dev, size_t n)
{
	struct collector *c = ctx;

	if (n >= dev->n_peers)
		abort();	/* the peer still being read is never handed on */
	if (c->all.n_peers == 0)	/* the interface's fields come first */
		memcpy(c->all.name, dev->name, sizeof(dev->name));
	copy_peers(&c->all, dev, n);
	c->calls++;
	return 0;
}

static inline void collector_init(struct collector *c, size_t chunk)
{
	wg_device_clear(&c->all);
	c->s.flush = collector_flush;
	c->s.ctx = c;
	c->s.chunk = chunk;
	c->calls = 0;
}

/* After a successful read: the tail and the interface's fields, so all
 * is the device as one whole read would have left it. */
static inline void collector_end(struct collector *c, const struct wg_device *dev)
{
	copy_peers(&c->all, dev, dev->n_peers);
	c->all.has_public_key = dev->has_public_key;
	memcpy(c->all.public_key, dev->public_key, WG_KEY_LEN);
	c->all.listen_port = dev->listen_port;
	c->all.fwmark = dev->fwmark;
}

/* Feed buf to the stream for ifname in pieces: chunk 0 = all at once,
 * 1 = byte by byte, else random sizes 1..chunk; split (if non-zero):
 * exactly two reads, cut there; s (NULL: whole) takes peers as they
 * complete. Returns uapi_stream_end(). */
static inline int stream_pieces_to(struct uapi *u, const char *ifname, const char *buf,
				   size_t len, size_t chunk, size_t split,
				   struct wg_device *dev, struct wg_stream *s)
{
	size_t off = 0;

	uapi_stream_begin(u, ifname, dev);
	uapi_stream_chunked(u, s);
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

static inline int stream_pieces(struct uapi *u, const char *ifname, const char *buf,
				size_t len, size_t chunk, size_t split, struct wg_device *dev)
{
	return stream_pieces_to(u, ifname, buf, len, chunk, split, dev, NULL);
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
