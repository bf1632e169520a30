// SPDX-License-Identifier: GPL-2.0
/* util.h - bounded parsing and formatting of numbers, durations, keys,
 * endpoints. Pure functions, no I/O, no allocation. */
#ifndef WGAUDIT_UTIL_H
#define WGAUDIT_UTIL_H
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <netinet/in.h>

#define WG_KEY_LEN		32
#define WG_KEY_B64_LEN		45	/* 44 chars + NUL */
#define WG_KEY_HEX_LEN		65	/* 64 chars + NUL */
#define ENDPOINT_STR_LEN	72	/* "[ipv6%scope]:port" + NUL */
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

/* Exactly len bytes of decimal digits, value <= max. 0, -EINVAL, -ERANGE. */
int parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out);
/* Signed variant: optional leading '-'. */
int parse_i64(const char *s, size_t len, int64_t *out);
/* "500ms", "10s", "5m", "1h", "2d"; a bare number means seconds.
 * Result in milliseconds, 0 < result <= 30 days. */
int parse_duration_ms(const char *s, size_t len, uint64_t *out_ms);

/* Base64 (44 chars, '=' padded) and hex (64 chars) WireGuard keys. */
int key_from_base64(uint8_t key[static WG_KEY_LEN], const char *s, size_t len);
void key_to_base64(char out[static WG_KEY_B64_LEN], const uint8_t key[static WG_KEY_LEN]);
int key_from_hex(uint8_t key[static WG_KEY_LEN], const char *s, size_t len);
/* The value of hex digit c (either case), or -1. */
int hex_digit(char c);
int key_is_zero(const uint8_t key[static WG_KEY_LEN]);

/* Derive the X25519 public key from a private key (libsodium). The caller
 * wipes the private key; this function wipes its own copies. */
int key_public_from_private(uint8_t pub[static WG_KEY_LEN],
			    const uint8_t priv[static WG_KEY_LEN]);

/* An endpoint: AF_UNSPEC (none), AF_INET or AF_INET6. */
union endpoint {
	struct sockaddr sa;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
};

/* "A.B.C.D:PORT", "[IPV6]:PORT", "[fe80::1%2]:PORT" (numeric scope only);
 * the kernel's "/flowinfo%scope" suffix is accepted and a zero scope
 * dropped. Returns 0 or -EINVAL. */
int endpoint_parse(const char *s, size_t len, union endpoint *out);
/* Strict "A.B.C.D" (exactly what inet_pton(AF_INET) accepts), no NUL needed.
 * 0 or -EINVAL. */
int ipv4_parse(const char *s, size_t len, struct in_addr *out);
/* Canonical text as DESIGN.md says; "" for AF_UNSPEC. */
void endpoint_format(char out[static ENDPOINT_STR_LEN], const union endpoint *ep);
/* An address as inet_ntop() writes it (AF_INET, AF_INET6; "" otherwise),
 * by hand: cheap enough for every allowed IP of every peer. Its length. */
size_t ip_format(char out[static INET6_ADDRSTRLEN], int family, const void *addr);
int endpoint_equal(const union endpoint *a, const union endpoint *b);

/* Length of the valid UTF-8 sequence at s (1..4), 0 if invalid (overlong,
 * surrogate, > U+10FFFF, truncated); ASCII is 1. n >= 1. */
size_t utf8_seq_len(const unsigned char *s, size_t n);
/* Untrusted text for a terminal (TEXT) or the body of a JSON string
 * (JSON): C0, DEL, C1 (U+0080..U+009F) and invalid UTF-8 never pass raw;
 * see util.c. put gets the result in runs (str_put_file: ctx a FILE *). */
enum str_esc { STR_ESC_TEXT, STR_ESC_JSON };
void str_escape(const char *s, size_t n, enum str_esc mode,
		void (*put)(void *ctx, const char *p, size_t n), void *ctx);
void str_put_file(void *ctx, const char *p, size_t n);

/* "1.50 KiB", "3.20 GiB" */
void fmt_bytes(char *out, size_t len, uint64_t bytes);
/* "2 minutes, 3 seconds ago" style, like wg(8); "never" for 0. */
void fmt_ago(char *out, size_t len, int64_t now_sec, int64_t then_sec);
/* RFC 3339 UTC with microseconds: 2026-11-25T12:00:00.123456Z */
void fmt_rfc3339_us(char out[static 32], int64_t time_us);
/* Its inverse, that exact shape only. 0 or -EINVAL. */
int parse_rfc3339_us(const char *s, size_t len, int64_t *out);

/* Wall clock and monotonic clock in microseconds. */
int64_t now_realtime_us(void);
int64_t now_monotonic_us(void);

/* Constant-time-ish wipe that the compiler cannot drop. */
void wipe(void *p, size_t len);
#endif
