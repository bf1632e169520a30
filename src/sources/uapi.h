// SPDX-License-Identifier: GPL-2.0
/* uapi.h - userspace WireGuard (wireguard-go, boringtun) over the
 * cross-platform UAPI socket: /var/run/wireguard/IFACE.sock, "get=1". */
#ifndef WGAUDIT_UAPI_H
#define WGAUDIT_UAPI_H
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wg_device;
struct wg_stream;

#define UAPI_DEFAULT_DIR	"/var/run/wireguard"
#define UAPI_MAX_REPLY		(64u << 20)	/* cap on one get=1 reply */
#define UAPI_TIMEOUT_MS		2000
#define UAPI_BUF_LEN		(64u << 10)	/* longest line, '\n' included */

/* A reusable reader: the fixed read buffer and the private -> public key
 * cache (see uapi.c). One per poller; not thread-safe. */
struct uapi;
struct uapi *uapi_new(void);	/* NULL on ENOMEM */
void uapi_free(struct uapi *u);	/* wipes; NULL-safe */

/* Interfaces whose DIR/NAME.sock exists and accepts a connection, sorted.
 * A missing DIR is 0 interfaces. -ENOSPC when more than max exist (the
 * first max found are in names, *n == max). */
int uapi_list(const char *dir, char (*names)[IFNAMSIZ], size_t max, size_t *n);
/* The same without connecting to each (for a poller, which connects to
 * read anyway): a stale socket is listed too, and reading it fails at the
 * connect with uapi_gone() true. No probe connection per poll that the
 * implementation must accept and close. */
int uapi_list_files(const char *dir, char (*names)[IFNAMSIZ], size_t max, size_t *n);
/* Connect, send get=1, parse the reply as it arrives (at most
 * UAPI_MAX_REPLY bytes, UAPI_TIMEOUT_MS in all, no line longer than
 * UAPI_BUF_LEN: -EMSGSIZE, -ETIMEDOUT, -EPROTO). On any error dev is left
 * cleared: never a partial view. */
int uapi_get_device(struct uapi *u, const char *dir, const char *ifname,
		    struct wg_device *dev);
/* The same, handing completed peers to s as they are read (wg_stream in
 * wgdev.h; NULL: whole). What flush took is not in dev at the end; on an
 * error after a flush, the consumer has seen a part of the device (the
 * caller must treat the interface as not observed). Relative handshake
 * times are fixed per chunk: the device counts as relative from the first
 * peer that has one (a reply mixing both kinds, which no implementation
 * writes, keeps the wall-clock times of peers handed on before it). The
 * consumer takes the interface's fields at the first chunk: both
 * implementations print them before any peer (a listen_port line after
 * peers would still reach dev, not what was handed on). */
int uapi_stream_device(struct uapi *u, const char *dir, const char *ifname,
		       struct wg_device *dev, struct wg_stream *s);
/* After uapi_get_device or uapi_stream_device: it failed because no live
 * socket is there (the file is gone, or stale: ECONNREFUSED). The
 * interface no longer exists; it did not fail to be read. */
bool uapi_gone(const struct uapi *u);
/* Pure parser of a complete reply ("key=value\n"... "errno=0\n\n").
 * Hex private key -> public_key, wiped; preshared_key skipped uncopied.
 * 0, -EPROTO (malformed), -EINVAL (bad value), or the reply's -errno. */
int uapi_parse(const char *buf, size_t len, struct wg_device *dev);
/* boringtun writes "seconds since" as last_handshake_time_sec. A non-zero
 * value before 2001-01-01 cannot be wall clock: if any peer has one, the
 * device is relative; its non-zero times become now_sec - value and
 * dev->relative_handshake is set. uapi_get_device calls this. */
void uapi_fix_relative_handshakes(struct wg_device *dev, int64_t now_sec);
/* The same for peers [from, to); *relative is the decision so far (in and
 * out: once set, every later peer's time is converted). */
void uapi_fix_relative_range(struct wg_device *dev, size_t from, size_t to,
			     int64_t now_sec, bool *relative);

/* The incremental parser uapi_get_device runs, fed from memory (tests,
 * fuzzers): begin, feed any chunks (0 = wants more, 1 = complete, < 0 =
 * failed; bytes after the final blank line are ignored), end (the result,
 * as uapi_parse's; -EPROTO if incomplete; dev cleared on error; the buffer
 * wiped). ifname selects the key-cache entry (NULL: no cache). */
void uapi_stream_begin(struct uapi *u, const char *ifname, struct wg_device *dev);
int uapi_stream_feed(struct uapi *u, const char *data, size_t len);
int uapi_stream_end(struct uapi *u);
/* After begin: hand completed peers to s while feeding (NULL: whole). */
void uapi_stream_chunked(struct uapi *u, struct wg_stream *s);
/* For tests: how many X25519 derivations u ran; u's whole memory; slow =
 * every line through the reference line parser (no fast path); how many
 * lines the fast path took. */
unsigned long uapi_key_derivations(const struct uapi *u);
void uapi_debug_mem(const struct uapi *u, const void **p, size_t *len);
void uapi_debug_slow(struct uapi *u, bool slow);
unsigned long uapi_debug_fast_lines(const struct uapi *u);
#endif
