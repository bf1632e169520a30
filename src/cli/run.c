/* run.c - `wgaudit run` and `wgaudit check`: thin wrappers over the agent. */
#include <stdio.h>
#include "cli/cli.h"
#include "conf/conf.h"
#include "core/agent.h"

int cmd_run(struct conf *c, const struct cli_opts *o)
{
	struct agent_opts ao = { .mode = AGENT_RUN, .reload = o->reload };
	char err[64];

	/* With no output configured, the foreground agent writes JSON lines
	 * to stdout: useful at once, and what a systemd journal captures. */
	if (!c->n_outputs && conf_set(c, "output", "url", "jsonl:-", err, sizeof(err)) < 0)
		return 2;
	return agent_main(c, &ao);
}

int cmd_check(struct conf *c, const struct cli_opts *o)
{
	struct agent_opts ao = { .mode = AGENT_CHECK, .print = true, .json = o->json };

	return agent_main(c, &ao);
}
