// SPDX-License-Identifier: GPL-2.0
/* cstore.h - the collector's database: received records, per-host
 * summary, the running collector's heartbeat and counters. A separate
 * SQLite file from the agent's journal; all of the collector's SQL. */
#ifndef WGAUDIT_CSTORE_H
#define WGAUDIT_CSTORE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cstore;
struct syslog_msg;

#define CSTORE_DEFAULT_PATH	"/var/lib/wgaudit/collector.db"

/* One received record. Strings are NUL-terminated, NULL = absent. */
struct crec {
	int64_t recv_us;
	const char *src;	/* sender address, "1.2.3.4" / "::1" */
	const char *proto;	/* "tcp" "udp" "tls" */
	const struct syslog_msg *m;
	const char *type, *iface, *peer;	/* wgaudit records only */
	const char *event_id;	/* wgaudit records: unique key, NULL = none */
	bool peer_in_sd;	/* peer is the SD's (private element) peer param */
};

/* Counters the collector keeps; written with the heartbeat. */
struct cstats {
	int64_t started_us, heartbeat_us;
	long pid;
	uint64_t received, stored, rejected, oversize, malformed, framing_errors;
	uint64_t conns_accepted, conns_refused, conns_timed_out, retention_deleted;
	uint64_t tls_failed;	/* TLS handshakes refused, broken or too slow */
	uint64_t duplicates;	/* records whose event_id was stored already */
	char listeners[512];
};

/* A row read back. Text pointers are valid only inside the callback;
 * msg and sd may hold any bytes (their lengths are given). */
struct crow {
	int64_t id, recv_us, time_us;
	int facility, severity;
	const char *src, *proto, *host, *app, *procid, *msgid, *type, *iface, *peer;
	const char *sd, *msg, *event_id;
	size_t sd_len, msg_len;
};

struct cquery {
	const char *app;	/* prefix: "wireguard" matches "wireguard-audit" */
	const char *host, *type;
	int64_t since_us;	/* received at or after; 0 = any */
	long tail;		/* > 0 the last N matching, 0 all, < 0 none */
	int64_t after_id;	/* only id > after_id (follow) */
};

struct csource {
	const char *host, *last_src;
	int64_t last_us;
	uint64_t count;
};

/* 0 or -errno. readonly opens an existing file for the CLI. */
int cstore_open(const char *path, bool readonly, struct cstore **out);
void cstore_free(struct cstore *s);
/* Takes r (its bytes are copied) into the open batch, started on demand;
 * cstore_commit or cstore_commit_start ends it. 0 taken, -errno not taken.
 * A failed insert fails the whole batch, which its commit reports. A
 * record whose event_id is stored, or taken earlier in the batch, is
 * counted as a duplicate at commit and not stored again. */
int cstore_add(struct cstore *s, const struct crec *r);
/* Ends the open batch and commits it on the insert thread, while the
 * loop takes the next batch's records: 0 started, 1 nothing to commit,
 * -EBUSY the one before has not been landed (cstore_commit_land). A
 * batch that added an instance row (a new sender) lands here at once:
 * the next batch's records name it. */
int cstore_commit_start(struct cstore *s);
/* The batch committing: 0 landed (every record of it is in the file, or
 * was a duplicate), -EIO lost (none is: rolled back), -EAGAIN not yet
 * (wait: waits instead), 1 none committing. Counts go to
 * cstore_take_counts. */
int cstore_commit_land(struct cstore *s, bool wait);
/* Readable once a commit started has ended (cstore_commit_land drains it). */
int cstore_commit_fd(const struct cstore *s);
/* Starts and lands: 0 every record taken since the last commit is in
 * the file (or was a duplicate); -EIO none of them is (rolled back). A
 * commit in flight lands first (its counts to cstore_take_counts). */
int cstore_commit(struct cstore *s);
/* Records taken since the last commit. */
unsigned long cstore_pending(const struct cstore *s);
/* Records have stopped for a while: sync what is committed (a checkpoint
 * on the checkpoint thread, soon). */
void cstore_idle(struct cstore *s);
/* Of the batches ended since the last call: records stored, duplicates
 * not stored again, records lost with a batch that failed. */
void cstore_take_counts(struct cstore *s, uint64_t *stored, uint64_t *duplicates,
			uint64_t *lost);
int cstore_put_stats(struct cstore *s, const struct cstats *st);
/* Deletes records received before min_recv_us (0 = no age limit) and,
 * while the live data is larger than max_bytes (0 = none), the oldest
 * ones; at most budget rows per call so the loop is never held long.
 * *more says another call has work. Returns rows deleted or -errno. */
long cstore_retention(struct cstore *s, int64_t min_recv_us, uint64_t max_bytes,
		      long budget, bool *more);

/* Rows in id order; cb returning non-zero stops. Sets *last_id. */
int cstore_query(struct cstore *s, const struct cquery *q,
		 int (*cb)(void *ctx, const struct crow *r), void *ctx, int64_t *last_id);
/* 0, -ENOENT (no collector ever ran on this file) or -errno. */
int cstore_get_stats(struct cstore *s, struct cstats *st);
int cstore_sources(struct cstore *s, int (*cb)(void *ctx, const struct csource *r), void *ctx);
/* The highest record id, 0 if none. */
int64_t cstore_max_id(struct cstore *s);
/* Rows, and the file's size in bytes. */
int cstore_size(struct cstore *s, int64_t *rows, int64_t *bytes);
#endif
