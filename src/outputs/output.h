// SPDX-License-Identifier: GPL-2.0
/* output.h - deliver journaled events. Each output reads the store from
 * its own cursor and advances it only on confirmed delivery; it never sees
 * a source. Network outputs are non-blocking and reconnect with backoff. */
#ifndef WGAUDIT_OUTPUT_H
#define WGAUDIT_OUTPUT_H
#include <stddef.h>

struct output;
struct loop;
struct store;

struct output_opts {
	int min_severity;	/* deliver events with severity <= this (LOG_DEBUG = all) */
	int facility;		/* syslog facility number (LOG_USER >> 3 = 1 by default) */
	const char *hostname;	/* HOSTNAME / "host" field */
	/* Where the delivery cursor is kept. NULL/"": the URL in its
	 * canonical form (output_url_canonical): two URLs that differ in
	 * an option are two outputs with two cursors. A cursor kept under
	 * the name older versions used (the URL as given, without its
	 * query) is taken over once; see output_cursor_names_migrated(). */
	const char *cursor_key;
	/* RFC 5424 SD-ID ([output] sd_id); NULL/"": the URL's ?sd_id=, else
	 * SD_ID_DEFAULT. Validated by the caller (sd_id_check). */
	const char *sd_id;
};

/* Parse an output URL (DESIGN.md): syslog+tcp://H:P, syslog+tls://H:P,
 * syslog+udp://H:P with ?format=rfc5424|rfc3164&framing=octet|lf,
 * syslog+relp://H[:P] (?format=; delivered = the receiver's rsp 200),
 * jsonl:- , jsonl:/path. On a bad URL returns -EINVAL and a message in err. */
int output_open(const char *url, const struct output_opts *opts,
		struct loop *loop, struct store *store,
		struct output **out, char *err, size_t errlen);
void output_free(struct output *o);
const char *output_name(const struct output *o);
/* New events were committed: send what the cursor allows, now if possible.
 * Call it after store_commit(): an output never reads past the last id it
 * saw at a kick (or at open / flush), so it never sends uncommitted events.
 * A URL with no cursor yet starts at the journal's last id at open (events
 * appended from then on): open outputs before emitting the events they
 * should carry (e.g. `check`'s AGENT_STARTED). */
void output_kick(struct output *o);
/* Try to deliver everything pending within timeout_ms (shutdown, `check`),
 * with poll(2), not the loop. 0 when all committed events are written,
 * -ETIMEDOUT, or the connect error after two failed attempts. */
int output_flush(struct output *o, int timeout_ms);
/* jsonl: fdatasync what was written since the last call; the daemon calls
 * it before each commit, so a committed cursor never runs ahead of the
 * file on disk. Other kinds: nothing. */
void output_sync(struct output *o);
/* --- additions (outputs engineer) ------------------------------------ */
#include <stdbool.h>
#include <stdint.h>

enum output_kind { OUTPUT_TCP, OUTPUT_TLS, OUTPUT_UDP, OUTPUT_JSONL, OUTPUT_RELP };
enum output_format { OUTPUT_RFC5424, OUTPUT_RFC3164 };
enum output_framing { OUTPUT_OCTET, OUTPUT_LF, OUTPUT_DATAGRAM };

#define OUTPUT_HOST_LEN	256
#define OUTPUT_PATH_LEN	512

struct output_url {
	enum output_kind kind;
	enum output_format format;	/* syslog kinds */
	enum output_framing framing;	/* octet (tcp/tls default), lf; datagram for udp */
	char host[OUTPUT_HOST_LEN];	/* without the [] of an IPv6 literal */
	uint16_t port;			/* default 514, 6514 for tls, 2514 for relp */
	char path[OUTPUT_PATH_LEN];	/* jsonl: "-" (stdout) or an absolute path */
	/* syslog+tls only, from ?ca=&cert=&key=&name= (percent-decoded):
	 * absolute paths, "" = not given (ca: the system store; key: in cert) */
	char ca[OUTPUT_PATH_LEN];
	char cert[OUTPUT_PATH_LEN];
	char key[OUTPUT_PATH_LEN];
	char name[OUTPUT_HOST_LEN];	/* expected collector name; "" = host */
	bool tls;			/* syslog+relp ?tls=1: RELP inside TLS */
	char sd_id[33];			/* ?sd_id= (syslog kinds); "" = not given */
};

/* Pure URL parser behind output_open (fuzzed). 0 or -EINVAL with a
 * message "output \"URL\": why" in err. */
int output_url_parse(const char *url, size_t len, struct output_url *out,
		     char *err, size_t errlen);

/* The name an output is known by (its cursor's): scheme, host in lower
 * case (an IPv6 literal in brackets), the port always, then the options
 * that differ from the default sorted by key and %-escaped:
 * "syslog+tcp://h:514?format=rfc3164&framing=lf", "jsonl:/path".
 * 0 or -ENOSPC. */
int output_url_canonical(const struct output_url *u, char *buf, size_t len);
/* The store key of this output's cursor. */
const char *output_cursor_key(const struct output *o);
/* Call once every output of the first configuration is open: from now on
 * no output takes over a cursor of the name older versions used (the URL
 * without its query), so one added later starts at the journal's end.
 * 0 or -errno from the store. */
int output_cursor_names_migrated(struct store *s);

struct output_stats {
	uint64_t sent;		/* events confirmed (cursor advanced past them) */
	uint64_t filtered;	/* skipped by min_severity (cursor advanced) */
	uint64_t failed;	/* connection failures, write errors, unformattable events */
	int64_t cursor;		/* last confirmed journal id */
	bool connected;		/* jsonl: always true unless a write failed */
};
void output_get_stats(const struct output *o, struct output_stats *st);
#endif
