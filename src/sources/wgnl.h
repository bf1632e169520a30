// SPDX-License-Identifier: GPL-2.0
/* wgnl.h - kernel WireGuard over generic netlink (libmnl): interface
 * discovery (RTM_GETLINK, kind "wireguard") and WG_CMD_GET_DEVICE dumps. */
#ifndef WGAUDIT_WGNL_H
#define WGAUDIT_WGNL_H
#include <net/if.h>
#include <stddef.h>

struct wg_device;
struct wg_stream;
struct wgnl;

/* -ENOENT when the kernel has no "wireguard" genl family (no module). */
int wgnl_open(struct wgnl **out);
/* The same for a poller that asks again until the module is there: while
 * the family is missing (-ENOENT) the handle waits in *idle, its sockets
 * open, so each later call is one request, not two sockets opened and
 * closed. On 0 *out holds it and *idle is NULL; on another error *idle
 * was freed. wgnl_free(*idle) when done. */
int wgnl_retry(struct wgnl **idle, struct wgnl **out);
void wgnl_free(struct wgnl *nl);
/* Names of links of kind "wireguard" in this netns. -ENOSPC when more
 * than max exist (first max in names). A link dump interrupted by link
 * changes (NLM_F_DUMP_INTR) is retried; if it stays interrupted the names
 * seen are returned with -EINTR: usable, but not proof that a missing
 * interface is gone. */
int wgnl_list(struct wgnl *nl, char (*names)[IFNAMSIZ], size_t max, size_t *n);
/* Full dump of one device, peers coalesced, retried on NLM_F_DUMP_INTR.
 * On error dev is left cleared and the error returned: never a partial view. */
int wgnl_get_device(struct wgnl *nl, const char *ifname, struct wg_device *dev);
/* The same, handing completed peers to s message by message (wg_stream in
 * wgdev.h; the peer a message ends with stays: the next may continue it).
 * On an error after a chunk was handed on, the consumer has seen part of
 * the device: the caller treats the interface as not observed. */
int wgnl_stream_device(struct wgnl *nl, const char *ifname, struct wg_device *dev,
		       struct wg_stream *s);

/* Pure: parse one WG_CMD_GET_DEVICE reply message (starting at its
 * struct nlmsghdr) into dev, coalescing a peer split across messages.
 * The private key attribute is wiped in dev's copy and turned into
 * public_key; preshared keys are skipped. 0 or -EINVAL/-ENOMEM.
 * buf must be 4-byte aligned like any netlink receive buffer; the caller
 * wipes it (it holds the private key). On error dev may hold part of the
 * dump: the caller clears it (wgnl_get_device does). */
int wgnl_parse_msg(const void *buf, size_t len, struct wg_device *dev);
/* Build the dump request for ifname into buf (4-byte aligned); returns its
 * length, 0 if ifname is not a valid name or buf is too small. */
size_t wgnl_build_get(void *buf, size_t len, unsigned family_id,
		      const char *ifname, unsigned seq);
#endif
