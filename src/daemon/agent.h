// SPDX-License-Identifier: GPL-2.0
/* agent.h - the daemon: one loop wiring sources -> tracker -> store ->
 * outputs. `run` loops forever; `check` does one pass and exits. */
#ifndef WGAUDIT_AGENT_H
#define WGAUDIT_AGENT_H
#include <stdbool.h>

struct conf;

enum agent_mode { AGENT_RUN, AGENT_CHECK };

struct agent_opts {
	enum agent_mode mode;
	bool print;		/* check: print the new events on stdout */
	bool json;		/* ... as JSON lines */
	bool dry_run;		/* check: against an in-memory copy of the
				 * store; writes and delivers nothing, no lock */
	/* SIGHUP: build the configuration again (file + command line);
	 * 0 or non-zero with the errors already printed. NULL: no reload. */
	int (*reload)(struct conf *c);
};

/* Returns the process exit status. */
int agent_main(struct conf *c, const struct agent_opts *o);
#endif
