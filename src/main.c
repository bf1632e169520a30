// SPDX-License-Identifier: GPL-2.0
/* main.c - wgaudit: WireGuard security telemetry. Subcommand table,
 * option parsing, config loading with command-line overrides. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "collector/collector.h"
#include "conf/conf.h"
#include "daemon/agent.h"
#include "base/log.h"
#include "base/util.h"

/* `wgaudit run` and `wgaudit check`: thin wrappers over the agent. */
static int cmd_run(struct conf *c, const struct cli_opts *o)
{
	struct agent_opts ao = { .mode = AGENT_RUN, .reload = o->reload };
	char err[64];

	/* With no output configured, the foreground agent writes JSON lines
	 * to stdout: useful at once, and what a systemd journal captures. */
	if (!c->n_outputs && conf_set(c, "output", "url", "jsonl:-", err, sizeof(err)) < 0)
		return 2;
	return agent_main(c, &ao);
}

static int cmd_check(struct conf *c, const struct cli_opts *o)
{
	struct agent_opts ao = { .mode = AGENT_CHECK, .print = true, .json = o->json,
				 .dry_run = o->dry_run };

	return agent_main(c, &ao);
}

static const struct {
	const char *name;
	int (*fn)(struct conf *c, const struct cli_opts *o);
	const char *usage;
	const char *description;
} commands[] = {
	{ "run", cmd_run, "run [-c FILE] [options]",
	  "run the agent in the foreground (systemd Type=notify friendly)" },
	{ "check", cmd_check, "check [-c FILE] [options] [--json] [--dry-run]",
	  "one observation pass: print new events, persist state, deliver, exit" },
	{ "status", cmd_status, "status [--json] [--interface NAME] [--all-namespaces]",
	  "interfaces and peers: endpoint, last handshake, transfer, state" },
	{ "events", cmd_events, "events [--tail N] [--follow] [--json]",
	  "the local event history" },
	{ "sessions", cmd_sessions, "sessions [--peer KEY] [--since DUR] [--json]",
	  "peer sessions: closed ones from the journal, open ones marked open" },
	{ "replay", cmd_replay, "replay --kmsg FILE [--json]",
	  "parse a saved kernel log (/dev/kmsg records, dmesg or syslog lines)" },
	{ "doctor", cmd_doctor, "doctor [-c FILE] [--json]",
	  "check this host and the config: ok/warn/fail and what to do; exit 1 on a fail" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: wgaudit COMMAND [options]\n\nCommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-40s %s\n", commands[i].usage, commands[i].description);
	fprintf(f, "  %-40s %s\n", "collector run|status|logs [options]",
		"receive, store and query syslog from agents (wgaudit collector --help)");
	fprintf(f,
		"\nOptions (override the config file; no config file is needed):\n"
		"  -c, --config FILE      config file (default " CONF_DEFAULT_PATH " if present)\n"
		"      --interval DUR     poll period (default 10s; 500ms, 10s, 5m)\n"
		"      --state-dir DIR    state and journal (default " CONF_DEFAULT_STATE_DIR ")\n"
		"      --interface NAME   observe only NAME (repeatable; default all)\n"
		"      --all-namespaces   run, check, status: kernel interfaces in every network\n"
		"                         namespace too (named and containers'; events carry netns)\n"
		"      --output URL       deliver events to URL (repeatable):\n"
		"                           syslog+tcp://HOST:PORT  syslog+tls://HOST:PORT\n"
		"                           syslog+udp://HOST:PORT  [?format=rfc5424|rfc3164&framing=octet|lf]\n"
		"                           jsonl:-  jsonl:/path/file\n"
		"      --json             JSON output (check, status, events, replay, doctor)\n"
		"      --tail N           events: the last N (default 20)\n"
		"      --follow           events: keep printing new ones\n"
		"      --dry-run          check: print what it would emit; write and deliver nothing\n"
		"      --kmsg FILE        replay: the saved kernel log ('-' = stdin)\n"
		"      --metrics ADDR:PORT  run: serve Prometheus metrics at /metrics (off by default)\n"
		"      --peer KEY         sessions: only this peer (public key, or a friendly name)\n"
		"      --since DUR        sessions: only those that ended (or are open) in the last DUR\n"
		"  -v, --verbose          more diagnostics on stderr\n"
		"  -h, --help             this text\n"
		"  -V, --version          print the version\n"
		"\nExit status: 0 ok, 1 runtime failure, 2 usage or configuration error.\n"
		"See wgaudit(8) and wgaudit.conf(5).\n");
}

enum { OPT_INTERVAL = 256, OPT_STATE_DIR, OPT_INTERFACE, OPT_OUTPUT, OPT_JSON,
       OPT_TAIL, OPT_FOLLOW, OPT_KMSG, OPT_DRY_RUN, OPT_METRICS, OPT_PEER, OPT_SINCE,
       OPT_ALL_NS };

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
	{ "interface", required_argument, NULL, OPT_INTERFACE },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "tail", required_argument, NULL, OPT_TAIL },
	{ "follow", no_argument, NULL, OPT_FOLLOW },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "kmsg", required_argument, NULL, OPT_KMSG },
	{ "metrics", required_argument, NULL, OPT_METRICS },
	{ "peer", required_argument, NULL, OPT_PEER },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "all-namespaces", no_argument, NULL, OPT_ALL_NS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* Command-line settings, applied over the file once it is read. */
struct override {
	const char *section, *key, *value, *flag;
};

/* What the configuration is made of: the file and the command line. Set
 * once in main(); read again on SIGHUP, so a reload gets the same
 * overrides the start did. */
static struct {
	const char *path;
	bool missing_ok;
	size_t nov;
	struct override ov[128];
} config_src;

/* Defaults, then the file, then the command line. 0, or 2 (errors printed). */
static int load_conf(struct conf *c)
{
	int verbose = c->verbose;

	conf_defaults(c);
	c->verbose = verbose;
	if (conf_load(c, config_src.path, config_src.missing_ok) != 0)
		return 2;
	for (size_t i = 0; i < config_src.nov; i++) {
		const struct override *o = &config_src.ov[i];
		char err[512];

		if (conf_set(c, o->section, o->key, o->value, err, sizeof(err)) < 0) {
			const char *msg = err;
			size_t kl = strlen(o->key);

			/* conf_set names the key; the user typed the flag. */
			if (!strncmp(msg, o->key, kl) && !strncmp(msg + kl, ": ", 2))
				msg += kl + 2;
			fprintf(stderr, "wgaudit: %s: %s\n", o->flag, msg);
			return 2;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct override *ov = config_src.ov;
	size_t nov = 0;
	struct cli_opts o = { .tail = -1, .reload = load_conf };
	const char *config = NULL, *cmd = NULL;
	static struct conf c;
	static char prog[] = "wgaudit";	/* getopt's messages name it so */
	int verbose = 0, opt;
	size_t ci;

	argv[0] = prog;
	if (argc > 1 && argv[1][0] != '-') {
		cmd = argv[1];
		argv[1] = argv[0];
		argc--;
		argv++;
	}
	/* The collector has its own options: hand it the command line. */
	if (cmd && !strcmp(cmd, "collector"))
		return collector_main(argc, argv);
	while ((opt = getopt_long(argc, argv, "c:vhV", longopts, NULL)) != -1) {
		const char *key = NULL, *flag = NULL;

		switch (opt) {
		case 'c': config = optarg; break;
		case 'v': verbose++; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("wgaudit %s\n", WGAUDIT_VERSION); return 0;
		case OPT_JSON: o.json = true; break;
		case OPT_FOLLOW: o.follow = true; break;
		case OPT_DRY_RUN: o.dry_run = true; break;
		case OPT_KMSG: o.kmsg_file = optarg; break;
		case OPT_TAIL: {
			uint64_t n;

			if (parse_u64(optarg, strlen(optarg), 10000000, &n) < 0) {
				fprintf(stderr, "wgaudit: --tail: \"%s\" is not a count\n", optarg);
				return 2;
			}
			o.tail = (long)n;
			break;
		}
		case OPT_INTERVAL: key = "interval"; flag = "--interval"; break;
		case OPT_STATE_DIR: key = "state_dir"; flag = "--state-dir"; break;
		case OPT_INTERFACE: key = "interfaces"; flag = "--interface"; break;
		case OPT_OUTPUT: key = "url"; flag = "--output"; break;
		case OPT_METRICS: key = "listen"; flag = "--metrics"; break;
		case OPT_PEER: o.peer = optarg; break;
		case OPT_SINCE:
			if (parse_duration_ms(optarg, strlen(optarg), &o.since_ms) < 0) {
				fprintf(stderr, "wgaudit: --since: \"%s\" is not a duration "
					"(try 30m, 12h, 7d)\n", optarg);
				return 2;
			}
			break;
		case OPT_ALL_NS: key = "namespaces"; flag = "--all-namespaces"; break;
		default:
			fprintf(stderr, "Try 'wgaudit --help'.\n");
			return 2;
		}
		if (key) {
			if (nov == ARRAY_SIZE(config_src.ov)) {
				fprintf(stderr, "wgaudit: too many options\n");
				return 2;
			}
			ov[nov++] = (struct override){
				opt == OPT_OUTPUT ? "output" : opt == OPT_METRICS ? "metrics" : "agent",
				key, opt == OPT_ALL_NS ? "all" : optarg, flag };
		}
	}
	o.argc = argc - optind;
	o.argv = argv + optind;
	if (!cmd) {
		usage(stderr);
		return 2;
	}
	for (ci = 0; ci < ARRAY_SIZE(commands); ci++)
		if (!strcmp(commands[ci].name, cmd))
			break;
	if (ci == ARRAY_SIZE(commands)) {
		fprintf(stderr, "wgaudit: unknown command '%s'. Try 'wgaudit --help'.\n", cmd);
		return 2;
	}
	if (o.argc > 0) {
		fprintf(stderr, "wgaudit: %s: unexpected argument '%s'\n", cmd, o.argv[0]);
		return 2;
	}
	if (o.dry_run && strcmp(cmd, "check")) {
		fprintf(stderr, "wgaudit: --dry-run: only for check\n");
		return 2;
	}
	log_init(1, verbose);

	config_src.path = config ? config : CONF_DEFAULT_PATH;
	config_src.missing_ok = config == NULL;
	config_src.nov = nov;
	c.verbose = verbose;
	if (load_conf(&c) != 0)
		return 2;
	return commands[ci].fn(&c, &o);
}
