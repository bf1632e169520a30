// SPDX-License-Identifier: GPL-2.0
/* collector.h - `wgaudit collector`: receive syslog from agents (and any
 * other sender), store it in its own SQLite file, query it.
 *
 * main.c hands over the command line before its own getopt runs, because
 * the collector has its own options (--listen, --db, --source, ...):
 *
 *	if (cmd && !strcmp(cmd, "collector"))
 *		return collector_main(argc, argv);
 *
 * with argv as main.c has it after removing the command word: argv[0] is
 * the program name, argv[1] the collector subcommand (run | status | logs),
 * then its options. Returns the exit status: 0 ok, 1 runtime failure,
 * 2 usage error. */
#ifndef WGAUDIT_COLLECTOR_H
#define WGAUDIT_COLLECTOR_H

int collector_main(int argc, char **argv);
#endif
