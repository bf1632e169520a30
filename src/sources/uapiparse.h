// SPDX-License-Identifier: GPL-2.0
/* uapiparse.h - the pure UAPI reply parser and its key cache (uapiparse.c),
 * for the streaming reader (uapi.c), tests and fuzzers. */
#ifndef WGAUDIT_UAPIPARSE_H
#define WGAUDIT_UAPIPARSE_H
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/util.h"

struct wg_device;
struct wg_peer;

#define UAPI_KEYCACHE_SLOTS	64

/* The private key -> public key cache, per interface name. An X25519
 * derivation per interface per poll is wasted work (it was ~5 % of a
 * 10k-peer poll); the key almost never changes between polls.
 *
 * What is kept to recognise "same key as last poll" is tag =
 * BLAKE2b-256(key = hash_key, msg = private key) (libsodium's
 * crypto_generichash), never the key itself.
 * This is acceptable because:
 *  - BLAKE2b is preimage resistant (256-bit output), and the private key has 256
 *    bits of entropy: the tag cannot be turned back into the key, nor
 *    brute-forced;
 *  - hash_key is 32 random bytes drawn per process (getrandom) and never
 *    leaves it, so a tag means nothing outside this process: it cannot be
 *    matched against a tag of a candidate key computed elsewhere;
 *  - tags live in this heap block only: never written to disk, the state
 *    store, a log line or an event; uapi_free() wipes the whole block.
 * A keyed hash makes accidental equality with anything else meaningless.
 * A tag collision (2^-256) would at worst report a stale public key. */
struct uapi_keycache {
	char ifname[IFNAMSIZ];		/* "" = free slot */
	uint8_t tag[32];
	uint8_t pub[WG_KEY_LEN];
};

struct uapi_keys {
	bool cache_ok;		/* hash_key drawn: caching possible */
	unsigned cache_next;	/* round-robin eviction */
	unsigned long derivations;
	uint8_t hash_key[32];
	struct uapi_keycache cache[UAPI_KEYCACHE_SLOTS];
};

/* Draws the per-process hash key (getrandom); without it, no caching. */
void uapi_keys_init(struct uapi_keys *k);

struct uapi_ctx {
	struct wg_device *dev;
	struct wg_peer *peer;	/* the peer lines now apply to, NULL before */
	struct uapi_keys *keys;	/* key cache; NULL = derive every time */
	const char *ifname;	/* cache key; NULL = no caching */
	int err;		/* the errno= line's value */
	bool have_errno;
	bool secret_line;	/* the line just parsed held the private key */
};

/* dev cleared and marked userspace; keys/ifname select the cache entry. */
void uapi_ctx_begin(struct uapi_ctx *c, struct wg_device *dev,
		    struct uapi_keys *keys, const char *ifname);
/* One line without its '\n'. 0 = go on, 1 = the final blank line (the
 * reply's result is c->err), < 0 = error. c->secret_line says the line
 * held the private key (the caller wipes its copy). */
int uapi_ctx_line(struct uapi_ctx *c, const char *line, size_t llen);
/* The fast path for the common peer lines (see uapifast.c): buf holds
 * len bytes from a line's first byte. Takes as many whole lines as it can,
 * doing to c exactly what uapi_ctx_line would have done with them (and
 * wiping a preshared key's line in buf, as the stream does after
 * uapi_ctx_line); returns the bytes taken, *lines += their number. 0 =
 * the first line is not for it, c unchanged: hand it to uapi_ctx_line. */
size_t uapi_ctx_fast(struct uapi_ctx *c, char *buf, size_t len, unsigned long *lines);
/* After a failure: dev cleared (never a partial view). */
void uapi_ctx_fail(struct uapi_ctx *c);
#endif
