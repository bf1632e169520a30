// SPDX-License-Identifier: GPL-2.0
/* cli.h - subcommands. main.c parses the command line into struct conf
 * (overrides) and struct cli_opts, then calls one of these; each returns
 * the process exit status: 0 ok, 1 runtime failure, 2 usage/config. */
#ifndef WGAUDIT_CLI_H
#define WGAUDIT_CLI_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct conf;

struct cli_opts {
	bool json;		/* --json */
	bool follow;		/* --follow */
	bool dry_run;		/* check --dry-run */
	long tail;		/* --tail N; -1 = not given */
	const char *kmsg_file;	/* replay --kmsg FILE */
	const char *peer;	/* sessions --peer KEY */
	uint64_t since_ms;	/* sessions --since DUR; 0 = all */
	int (*reload)(struct conf *c);	/* file + command line again (SIGHUP) */
	int argc;		/* operands left after the options */
	char **argv;
};

int cmd_status(struct conf *c, const struct cli_opts *o);
int cmd_events(struct conf *c, const struct cli_opts *o);
int cmd_replay(struct conf *c, const struct cli_opts *o);
int cmd_sessions(struct conf *c, const struct cli_opts *o);
int cmd_doctor(struct conf *c, const struct cli_opts *o);
#endif
