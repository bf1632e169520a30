// SPDX-License-Identifier: GPL-2.0
/* wgdev.h - one observation of a WireGuard interface, from netlink or UAPI.
 * Holds public parts only: the private key is turned into public_key by the
 * source and wiped there; preshared keys are never copied in.
 * Arrays are reused across polls (clear, don't free) so a steady-state poll
 * allocates nothing. */
#ifndef WGAUDIT_WGDEV_H
#define WGAUDIT_WGDEV_H
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include "base/util.h"

struct wg_allowedip {
	uint16_t family;	/* AF_INET / AF_INET6 */
	uint8_t cidr;
	union {
		struct in_addr ip4;
		struct in6_addr ip6;
	};
};

/* Ordered for no padding (96 bytes): one per peer in every poll. */
struct wg_peer {
	uint8_t public_key[WG_KEY_LEN];
	union endpoint endpoint;	/* sa_family AF_UNSPEC when unset */
	uint16_t keepalive;		/* seconds, 0 = off */
	int64_t last_handshake_sec;	/* wall clock; 0 = never */
	uint64_t rx_bytes, tx_bytes;
	uint32_t aip_first, aip_count;	/* slice of wg_device.aips */
};

enum wg_impl { WG_IMPL_KERNEL, WG_IMPL_UAPI };

struct wg_device {
	char name[IFNAMSIZ];
	uint32_t ifindex;		/* 0 for UAPI */
	enum wg_impl impl;
	bool has_public_key;
	uint8_t public_key[WG_KEY_LEN];
	uint16_t listen_port;
	uint32_t fwmark;
	bool relative_handshake;	/* boringtun: last_handshake is "seconds ago" */

	struct wg_peer *peers;
	size_t n_peers, cap_peers;
	struct wg_allowedip *aips;
	size_t n_aips, cap_aips;
};

/* Forget contents, keep capacity. */
void wg_device_clear(struct wg_device *dev);
/* Free the arrays (not dev itself). NULL-safe. */
void wg_device_release(struct wg_device *dev);
/* A zeroed peer appended at the end; NULL on ENOMEM. */
struct wg_peer *wg_device_new_peer(struct wg_device *dev);
/* Appended to the last peer's slice; -ENOMEM / -EINVAL (no peer). */
int wg_device_add_aip(struct wg_device *dev, const struct wg_allowedip *aip);
/* Forget peers[0..n) and their allowed IPs; the rest (and their slices)
 * move to the front. n <= n_peers. */
void wg_device_drop_peers(struct wg_device *dev, size_t n);

/* A reader that hands completed peers on as it goes (the daemon's polls:
 * memory bounded by the chunk, not the peer count). When at least chunk
 * peers are complete (every peer but the last, whose allowed IPs may still
 * come), the reader calls flush(ctx, dev, n) with dev holding the
 * interface's fields and n complete peers first. flush returns 0: taken,
 * the reader drops them; 1: keep them and every later one, no more calls
 * this read (the consumer wants the device whole); < 0: the read fails
 * with that error. The peers left at the end are the caller's as usual. */
struct wg_stream {
	int (*flush)(void *ctx, struct wg_device *dev, size_t n);
	void *ctx;
	size_t chunk;		/* >= 1 */
	bool keep;		/* flush said 1: the reader resets it per read */
};
/* The reader's step: flush when due, then drop what was taken.
 * 0 or flush's error. NULL s: nothing to do. */
int wg_stream_offer(struct wg_stream *s, struct wg_device *dev);

/* "10.0.0.2/32,fd00::2/128" into out (truncated at len). */
void wg_peer_format_aips(const struct wg_device *dev, const struct wg_peer *p,
			 char *out, size_t len);
#endif
