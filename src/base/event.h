// SPDX-License-Identifier: GPL-2.0
/* event.h - struct event and the event type table (DESIGN.md "Events"). */
#ifndef WGAUDIT_EVENT_H
#define WGAUDIT_EVENT_H
#include <stddef.h>
#include <stdint.h>
#include <syslog.h>

/* X(name, default syslog severity) - names exactly as DESIGN.md spells them. */
#define EVENT_TYPES(X) \
	X(PEER_ACTIVE, LOG_INFO) \
	X(PEER_INACTIVE, LOG_NOTICE) \
	X(PEER_HANDSHAKE, LOG_INFO) \
	X(PEER_ENDPOINT_CHANGED, LOG_NOTICE) \
	X(PEER_TRANSFER, LOG_INFO) \
	X(PEER_ADDED, LOG_NOTICE) \
	X(PEER_REMOVED, LOG_NOTICE) \
	X(PEER_SESSION, LOG_INFO) \
	X(IFACE_CREATED, LOG_NOTICE) \
	X(IFACE_DESTROYED, LOG_NOTICE) \
	X(IFACE_UP, LOG_NOTICE) \
	X(IFACE_DOWN, LOG_NOTICE) \
	X(IFACE_CHANGED, LOG_NOTICE) \
	X(MODULE_LOADED, LOG_INFO) \
	X(INVALID_IP_PACKET, LOG_DEBUG) \
	X(NO_PEER_FOR_DESTINATION, LOG_DEBUG) \
	X(NO_ENDPOINT_FOR_PEER, LOG_NOTICE) \
	X(NETNS_EXITING, LOG_INFO) \
	X(PEER_CREATED, LOG_INFO) \
	X(PEER_DESTROYED, LOG_INFO) \
	X(KEYPAIR_DESTROYED, LOG_DEBUG) \
	X(KEYPAIR_CREATED, LOG_INFO) \
	X(COOKIE_INVALID, LOG_WARNING) \
	X(COOKIE_RECEIVED, LOG_INFO) \
	X(INVALID_MAC, LOG_WARNING) \
	X(INVALID_HANDSHAKE_INITIATION, LOG_WARNING) \
	X(HANDSHAKE_INITIATION_RECEIVED, LOG_INFO) \
	X(INVALID_HANDSHAKE_RESPONSE, LOG_WARNING) \
	X(HANDSHAKE_RESPONSE_RECEIVED, LOG_INFO) \
	X(KERNEL_WARNING, LOG_ERR) \
	X(KEEPALIVE_RECEIVED, LOG_DEBUG) \
	X(UNALLOWED_SRC_IP, LOG_WARNING) \
	X(MALFORMED_PACKET, LOG_WARNING) \
	X(INVALID_NONCE, LOG_WARNING) \
	X(HANDSHAKE_DROPPED, LOG_WARNING) \
	X(HANDSHAKE_INITIATION_SENT, LOG_INFO) \
	X(HANDSHAKE_RESPONSE_SENT, LOG_INFO) \
	X(COOKIE_SENT, LOG_NOTICE) \
	X(KEEPALIVE_SENT, LOG_DEBUG) \
	X(NO_ROUTE, LOG_WARNING) \
	X(SOCKET_ERROR, LOG_ERR) \
	X(HANDSHAKE_GAVE_UP, LOG_NOTICE) \
	X(HANDSHAKE_RETRY, LOG_INFO) \
	X(KEYS_ZEROED, LOG_INFO) \
	X(KMSG_SUPPRESSED, LOG_NOTICE) \
	X(KERNEL_MESSAGE, LOG_INFO) \
	X(CONFIG_FILE_CHANGED, LOG_NOTICE) \
	X(ALERT_UNKNOWN_ENDPOINT, LOG_WARNING) \
	X(ALERT_TRANSFER_SPIKE, LOG_WARNING) \
	X(ALERT_HANDSHAKE_FLOOD, LOG_WARNING) \
	X(ALERT_CONFIG_CHANGED, LOG_WARNING) \
	X(ALERT_ROGUE_INTERFACE, LOG_WARNING) \
	X(ALERT_ROGUE_PEER, LOG_WARNING) \
	X(ALERT_UNKNOWN_PEER_KEY, LOG_WARNING) \
	X(AGENT_STARTED, LOG_INFO) \
	X(AGENT_STOPPED, LOG_INFO) \
	X(KMSG_GAP, LOG_WARNING) \
	X(EVENTS_DROPPED, LOG_WARNING) \
	X(OBSERVE_FAILED, LOG_WARNING)

enum event_type {
#define EVENT_ENUM(name, sev) EV_##name,
	EVENT_TYPES(EVENT_ENUM)
#undef EVENT_ENUM
	EV__COUNT
};

/* X(enum suffix, text) */
#define EVENT_SOURCES(X) \
	X(POLL, "poll") X(KMSG, "kmsg") X(RTNL, "rtnl") \
	X(INOTIFY, "inotify") X(JOURNAL, "journal") X(AGENT, "agent") \
	X(BPF, "bpf")

enum event_source {
#define EVENT_SRC_ENUM(name, text) SRC_##name,
	EVENT_SOURCES(EVENT_SRC_ENUM)
#undef EVENT_SRC_ENUM
	SRC__COUNT
};

#define EVENT_MAX_FIELDS	32
#define EVENT_BUF_LEN		3072
/* "<instance: 32 hex>-<journal seq>" (DESIGN "Event identity") + NUL. */
#define EVENT_ID_LEN		56

/* Fields are (key, value) pairs kept in buf, addressed by offset so a
 * struct event can be copied by value. Keys are lower_snake; well-known
 * ones: iface, peer (full base64 key), peer_name, peer_id, endpoint. Order
 * of insertion is kept.
 *
 * Values stay as the source had them until an edge needs text: a string
 * (what a kernel line or a config file said), an integer, an endpoint
 * (union endpoint) or a 32-byte key. The checks read them typed
 * (event_get_u64/_addr/_key: no parse of text the source had as binary);
 * the store, the outputs and the printers turn them into text
 * (event_text, event_fields_encode) exactly as event_set of the formatted
 * value would have stored it. An event decoded from the journal has only
 * strings; the typed getters parse those. */
enum event_kind {
	EVK_STR,	/* NUL-terminated text */
	EVK_U64,	/* 8 bytes, decimal */
	EVK_I64,	/* 8 bytes, decimal with '-' */
	EVK_ADDR,	/* union endpoint, as endpoint_format() writes it */
	EVK_KEY,	/* 32 bytes, base64 */
};

struct event_field {
	uint16_t key;		/* offset of the NUL-terminated key */
	uint16_t val;		/* offset of the value's bytes */
	uint8_t kind;		/* enum event_kind */
};

struct event {
	int64_t id;		/* journal id; 0 until stored */
	char event_id[EVENT_ID_LEN];	/* set by the store; "" until stored */
	int64_t time_us;	/* wall clock, µs since the epoch */
	enum event_type type;
	int severity;		/* LOG_EMERG .. LOG_DEBUG */
	enum event_source source;
	unsigned nfields;
	uint16_t used;
	struct event_field f[EVENT_MAX_FIELDS];
	char buf[EVENT_BUF_LEN];
};

/* The longest text a typed value formats to (an IPv6 endpoint with scope,
 * a base64 key, an integer) + NUL. */
#define EVENT_TEXT_LEN		72

union endpoint;

/* Reset ev for a new event of this type, default severity, time 0. */
void event_init(struct event *ev, enum event_type type, enum event_source src);
/* Append or replace a field. Values longer than the room left are
 * truncated (never split mid UTF-8 is not promised); -ENOSPC if no slot. */
int event_set(struct event *ev, const char *key, const char *val);
int event_setf(struct event *ev, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Typed values: kept as given, formatted only at the edges. An unset
 * endpoint (AF_UNSPEC) is not set (it has no text). */
int event_set_u64(struct event *ev, const char *key, uint64_t v);
int event_set_i64(struct event *ev, const char *key, int64_t v);
int event_set_addr(struct event *ev, const char *key, const union endpoint *ep);
int event_set_key(struct event *ev, const char *key, const uint8_t k[32]);
/* Copy src's field key, kind and all, to dst. 0, -ENOENT or -ENOSPC. */
int event_copy(struct event *dst, const struct event *src, const char *key);

/* The field's value as text: a string field's own bytes, else the value
 * formatted into tmp. NULL when absent. */
const char *event_get_text(const struct event *ev, const char *key,
			   char tmp[EVENT_TEXT_LEN]);
/* The same, for callers that keep no buffer: a typed value is formatted
 * into one of 8 static slots, reused round-robin (one thread: valid until
 * 8 more typed values are read this way). NULL when absent. */
const char *event_get(const struct event *ev, const char *key);
/* Typed reads. A string field is parsed (an event read back from the
 * journal). 0, -ENOENT when absent, -EINVAL when it is not such a value
 * (or, for u64, above max). */
int event_get_u64(const struct event *ev, const char *key, uint64_t max, uint64_t *out);
int event_get_addr(const struct event *ev, const char *key, union endpoint *out);
int event_get_key(const struct event *ev, const char *key, uint8_t out[32]);

static inline const char *event_key(const struct event *ev, unsigned i)
{
	return ev->buf + ev->f[i].key;
}
/* Field i's value as text (see event_get_text). */
const char *event_text(const struct event *ev, unsigned i, char tmp[EVENT_TEXT_LEN]);

const char *event_type_name(enum event_type t);
int event_type_from_name(const char *name, enum event_type *out);	/* 0 / -ENOENT */
int event_type_severity(enum event_type t);
const char *event_source_name(enum event_source s);
int event_source_from_name(const char *name, enum event_source *out);
const char *severity_name(int sev);	/* "emerg" .. "debug" */
int severity_from_name(const char *name, int *out);

/* Fields as a compact blob of "key\0val\0" pairs (for the journal). */
size_t event_fields_encode(const struct event *ev, char *out, size_t len);
/* Validates every byte; -EINVAL on a malformed blob. */
int event_fields_decode(struct event *ev, const char *blob, size_t len);

/* Where sources put events. The agent's sink runs checks and appends to
 * the store; `replay` prints; tests collect. */
struct event_sink {
	int (*emit)(void *ctx, struct event *ev);
	void *ctx;
};

static inline int event_emit(const struct event_sink *s, struct event *ev)
{
	return s->emit(s->ctx, ev);
}
#endif
