// SPDX-License-Identifier: GPL-2.0
/* collector_opts.c - `wgaudit collector run|status|logs`: the command
 * line, --help, and the hand-over to the run loop (collector.c) or the
 * queries (query.c). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/collector.h"
#include "collector/collector_int.h"
#include "collector/cstore.h"
#include "collector/query.h"
#include "base/log.h"
#include "base/util.h"

/* --- options ------------------------------------------------------------ */

/* "64k", "1G", "500000": bytes, binary multiples. */
static int parse_size(const char *s, uint64_t max, uint64_t *out)
{
	static const struct { char c; unsigned shift; } units[] = {
		{ 'k', 10 }, { 'K', 10 }, { 'm', 20 }, { 'M', 20 }, { 'g', 30 }, { 'G', 30 },
		{ 't', 40 }, { 'T', 40 },
	};
	size_t n = strlen(s);
	unsigned shift = 0;
	uint64_t v;

	if (n && (s[n - 1] == 'b' || s[n - 1] == 'B') && n > 1 && !(s[n - 2] >= '0' && s[n - 2] <= '9'))
		n--;	/* "64kB", "1GB" */
	for (size_t i = 0; n && i < ARRAY_SIZE(units); i++)
		if (s[n - 1] == units[i].c) {
			shift = units[i].shift;
			n--;
			break;
		}
	if (parse_u64(s, n, max >> shift, &v) < 0)
		return -EINVAL;
	*out = v << shift;
	return 0;
}

/* "30d", "12h", "90m", "3600s", "2w"; "0" or "forever" = no limit.
 * (util's parse_duration_ms stops at 30 days: retention goes further.) */
static int parse_retention(const char *s, uint64_t *out_ms)
{
	static const struct { char c; uint64_t ms; } units[] = {
		{ 's', 1000 }, { 'm', 60000 }, { 'h', 3600000 }, { 'd', 86400000 },
		{ 'w', 7 * 86400000ULL },
	};
	size_t n = strlen(s);
	uint64_t mul = 1000, v;

	if (!strcmp(s, "forever") || !strcmp(s, "0")) {
		*out_ms = 0;
		return 0;
	}
	for (size_t i = 0; n && i < ARRAY_SIZE(units); i++)
		if (s[n - 1] == units[i].c) {
			mul = units[i].ms;
			n--;
			break;
		}
	if (parse_u64(s, n, 100 * 366 * 86400000ULL / mul, &v) < 0 || v == 0)
		return -EINVAL;
	*out_ms = v * mul;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: wgaudit collector run [options]\n"
		"       wgaudit collector status [--db PATH] [--json]\n"
		"       wgaudit collector logs [--db PATH] [--source APP] [--host H] [--type T]\n"
		"                              [--since DURATION] [--tail N] [--follow] [--json]\n"
		"\nrun: receive syslog (RFC 5424 / RFC 3164, any sender) and store it.\n"
		"  --listen URL          tcp://ADDR:PORT, udp://ADDR:PORT, tls://ADDR:PORT or\n"
		"                        relp://ADDR:PORT[?tls=1], repeatable (default tcp://127.0.0.1:5514\n"
		"                        and udp://127.0.0.1:5514); TCP and TLS take octet-counted\n"
		"                        and LF-framed records; RELP records are answered only\n"
		"                        once committed\n"
		"  --tls-cert PEM        server certificate chain for tls:// (RFC 5425, TLS 1.2+)\n"
		"  --tls-key PEM         its unencrypted private key (default: in --tls-cert)\n"
		"  --tls-ca PEM          verify client certificates against these CAs\n"
		"  --tls-require-client-cert  refuse TLS clients without a valid certificate\n"
		"  --handshake-timeout DUR  close a TLS connection not through its handshake\n"
		"                        (default 10s)\n"
		"  --db PATH             database (default " CSTORE_DEFAULT_PATH ")\n"
		"  --max-message SIZE    largest record kept (default 64k; larger: dropped, counted)\n"
		"  --retention DURATION  delete records older than this (default 30d; 0 = never)\n"
		"  --max-db-size SIZE    delete the oldest records above this (default 1G; 0 = none)\n"
		"  --max-connections N   TCP connections at once (default 1024)\n"
		"  --idle-timeout DUR    close a silent connection (default 5m)\n"
		"  --frame-timeout DUR   close a connection that leaves a record unfinished (default 30s)\n"
		"logs: --source APP matches APP as a prefix: 'wireguard' finds the agents'\n"
		"  'wireguard-audit' records. --since 10m: received in the last 10 minutes.\n"
		"  --tail N: the last N (default 20, or all with --since).\n"
		"Exit status: 0 ok, 1 runtime failure, 2 usage error.\n");
}

enum { O_LISTEN = 256, O_DB, O_MAXMSG, O_RETENTION, O_MAXDB, O_MAXCONN, O_IDLE, O_FRAME,
       O_TLSCERT, O_TLSKEY, O_TLSCA, O_TLSREQ, O_HANDSHAKE, O_SOURCE, O_HOST, O_TYPE, O_SINCE, O_TAIL, O_FOLLOW, O_JSON };

static const struct option longopts[] = {
	{ "listen", required_argument, NULL, O_LISTEN },
	{ "db", required_argument, NULL, O_DB },
	{ "max-message", required_argument, NULL, O_MAXMSG },
	{ "retention", required_argument, NULL, O_RETENTION },
	{ "max-db-size", required_argument, NULL, O_MAXDB },
	{ "max-connections", required_argument, NULL, O_MAXCONN },
	{ "idle-timeout", required_argument, NULL, O_IDLE },
	{ "frame-timeout", required_argument, NULL, O_FRAME },
	{ "tls-cert", required_argument, NULL, O_TLSCERT },
	{ "tls-key", required_argument, NULL, O_TLSKEY },
	{ "tls-ca", required_argument, NULL, O_TLSCA },
	{ "tls-require-client-cert", no_argument, NULL, O_TLSREQ },
	{ "handshake-timeout", required_argument, NULL, O_HANDSHAKE },
	{ "source", required_argument, NULL, O_SOURCE },
	{ "host", required_argument, NULL, O_HOST },
	{ "type", required_argument, NULL, O_TYPE },
	{ "since", required_argument, NULL, O_SINCE },
	{ "tail", required_argument, NULL, O_TAIL },
	{ "follow", no_argument, NULL, O_FOLLOW },
	{ "json", no_argument, NULL, O_JSON },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Which options each subcommand takes (index: opt - O_LISTEN). */
static const char *const opt_cmds[] = {
	"run", "run status logs", "run", "run", "run", "run", "run", "run",
	"run", "run", "run", "run", "run",
	"logs", "logs", "logs", "logs", "logs", "logs", "status logs",
};

static int bad(const char *opt, const char *arg, const char *want)
{
	fprintf(stderr, "wgaudit: collector: %s: \"%s\" is not %s\n", opt, arg, want);
	return 2;
}

/* The --tls-* options and tls:// listeners go together. 0 or 2. */
static int tls_opts_check(const struct run_opts *o)
{
	bool tls = false;

	for (unsigned i = 0; i < o->nlisten; i++)
		tls |= !strncmp(o->listen[i], "tls://", 6) ||
		       (!strncmp(o->listen[i], "relp://", 7) && strstr(o->listen[i], "?tls=1"));
	if (tls && !o->tls.cert) {
		fprintf(stderr, "wgaudit: collector: --listen tls:// and relp://…?tls=1 need"
			" --tls-cert (and --tls-key)\n");
		return 2;
	}
	if (!tls && (o->tls.cert || o->tls.key || o->tls.ca || o->tls.require_client_cert)) {
		fprintf(stderr, "wgaudit: collector: --tls-* options need a --listen tls://ADDR:PORT"
			" or relp://ADDR:PORT?tls=1\n");
		return 2;
	}
	if (o->tls.require_client_cert && !o->tls.ca) {
		fprintf(stderr, "wgaudit: collector: --tls-require-client-cert needs --tls-ca\n");
		return 2;
	}
	return 0;
}

struct cli_opts {
	struct run_opts *ro;
	struct cquery q;
	bool json, follow;
	int verbose;
};

static void run_defaults(struct run_opts *ro)
{
	memset(ro, 0, sizeof(*ro));
	ro->db = CSTORE_DEFAULT_PATH;
	ro->lo = (struct listen_opts){ .max_msg = 64 * 1024, .max_conns = 1024,
				       .idle_us = 300 * 1000000LL, .frame_us = 30 * 1000000LL,
				       .handshake_us = 10 * 1000000LL };
	ro->retention_ms = 30 * 86400000ULL;
	ro->max_db_bytes = 1ULL << 30;
}

/* One option of cmd into o: -1 to go on, else the exit status. */
static int take_opt(struct cli_opts *o, const char *cmd, int opt, const char *arg)
{
	struct run_opts *ro = o->ro;
	uint64_t v;

	if (opt >= O_LISTEN && opt <= O_JSON && !strstr(opt_cmds[opt - O_LISTEN], cmd)) {
		fprintf(stderr, "wgaudit: collector %s: --%s is not an option of %s\n",
			cmd, longopts[opt - O_LISTEN].name, cmd);
		return 2;
	}
	switch (opt) {
	case 'v': o->verbose++; break;
	case 'h': usage(stdout); return 0;
	case O_LISTEN:
		if (ro->nlisten == LISTEN_URLS_MAX)
			return bad("--listen", arg, "allowed: at most 8 listeners");
		ro->listen[ro->nlisten++] = arg;
		break;
	case O_DB: ro->db = arg; break;
	case O_MAXMSG:
		if (parse_size(arg, 16 << 20, &v) < 0 || v < 480)
			return bad("--max-message", arg, "a size from 480 to 16M (64k)");
		ro->lo.max_msg = (size_t)v;
		break;
	case O_RETENTION:
		if (parse_retention(arg, &ro->retention_ms) < 0)
			return bad("--retention", arg, "a duration (30d, 12h, 0)");
		break;
	case O_MAXDB:
		if (parse_size(arg, 1ULL << 50, &ro->max_db_bytes) < 0)
			return bad("--max-db-size", arg, "a size (1G, 500M, 0)");
		break;
	case O_MAXCONN:
		if (parse_u64(arg, strlen(arg), 100000, &v) < 0 || v == 0)
			return bad("--max-connections", arg, "a count from 1 to 100000");
		ro->lo.max_conns = (unsigned)v;
		break;
	case O_IDLE:
	case O_FRAME:
		if (parse_duration_ms(arg, strlen(arg), &v) < 0)
			return bad(opt == O_IDLE ? "--idle-timeout" : "--frame-timeout",
				   arg, "a duration (500ms, 10s, 5m)");
		*(opt == O_IDLE ? &ro->lo.idle_us : &ro->lo.frame_us) = (int64_t)v * 1000;
		break;
	case O_TLSCERT: ro->tls.cert = arg; break;
	case O_TLSKEY: ro->tls.key = arg; break;
	case O_TLSCA: ro->tls.ca = arg; break;
	case O_TLSREQ: ro->tls.require_client_cert = true; break;
	case O_HANDSHAKE:
		if (parse_duration_ms(arg, strlen(arg), &v) < 0 || v == 0)
			return bad("--handshake-timeout", arg, "a duration (500ms, 10s, 1m)");
		ro->lo.handshake_us = (int64_t)v * 1000;
		break;
	case O_SOURCE: o->q.app = arg; break;
	case O_HOST: o->q.host = arg; break;
	case O_TYPE: o->q.type = arg; break;
	case O_SINCE:
		if (parse_retention(arg, &v) < 0 || v == 0)
			return bad("--since", arg, "a duration (10m, 2h, 7d)");
		o->q.since_us = now_realtime_us() - (int64_t)v * 1000;
		break;
	case O_TAIL:
		if (parse_u64(arg, strlen(arg), 10000000, &v) < 0)
			return bad("--tail", arg, "a count");
		o->q.tail = (long)v;
		break;
	case O_FOLLOW: o->follow = true; break;
	case O_JSON: o->json = true; break;
	default:
		fprintf(stderr, "Try 'wgaudit collector --help'.\n");
		return 2;
	}
	return -1;
}

int collector_main(int argc, char **argv)
{
	static struct run_opts ro;
	struct cli_opts o = { .ro = &ro, .q = { .tail = -1 } };
	const char *cmd = argc > 1 ? argv[1] : NULL;
	char prog[32];
	int opt, ret;

	if (!cmd || !strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		usage(cmd ? stdout : stderr);
		return cmd ? 0 : 2;
	}
	if (strcmp(cmd, "run") && strcmp(cmd, "status") && strcmp(cmd, "logs")) {
		fprintf(stderr, "wgaudit: collector: unknown command '%s' (run, status, logs)\n", cmd);
		return 2;
	}
	/* getopt's own messages ("unrecognized option") name the command. */
	snprintf(prog, sizeof(prog), "wgaudit collector %s", cmd);
	argv[1] = prog;
	run_defaults(&ro);
	optind = 0;	/* glibc: full rescan of the new vector */
	while ((opt = getopt_long(argc - 1, argv + 1, "vh", longopts, NULL)) != -1)
		if ((ret = take_opt(&o, cmd, opt, optarg)) >= 0)
			return ret;
	if (optind < argc - 1) {
		fprintf(stderr, "wgaudit: collector %s: unexpected argument '%s'\n",
			cmd, argv[optind + 1]);
		return 2;
	}
	log_init(1, o.verbose);
	if (!strcmp(cmd, "status"))
		return query_status(ro.db, o.json);
	if (!strcmp(cmd, "logs")) {
		if (o.q.tail < 0)
			o.q.tail = o.q.since_us ? 0 : 20;	/* 0 = all since */
		else if (o.q.tail == 0)
			o.q.tail = -1;	/* --tail 0: nothing old, only --follow */
		return query_logs(ro.db, &o.q, o.follow, o.json);
	}
	if (ro.nlisten == 0) {
		ro.listen[ro.nlisten++] = "tcp://127.0.0.1:5514";
		ro.listen[ro.nlisten++] = "udp://127.0.0.1:5514";
	}
	return tls_opts_check(&ro) ?: collector_run(&ro);
}
