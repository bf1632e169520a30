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
};

/* Parse an output URL (DESIGN.md): syslog+tcp://H:P, syslog+tls://H:P,
 * syslog+udp://H:P with ?format=rfc5424|rfc3164&framing=octet|lf,
 * jsonl:- , jsonl:/path. On a bad URL returns -EINVAL and a message in err. */
int output_open(const char *url, const struct output_opts *opts,
		struct loop *loop, struct store *store,
		struct output **out, char *err, size_t errlen);
void output_free(struct output *o);
const char *output_name(const struct output *o);
/* New events were committed: send what the cursor allows, now if possible. */
void output_kick(struct output *o);
/* Try to deliver everything pending within timeout_ms (shutdown, `check`). */
int output_flush(struct output *o, int timeout_ms);
#endif
