/* collector.c - `wgaudit collector` subcommands and their options. */
#include <stdio.h>
#include "collector/collector.h"

int collector_main(int argc, char **argv)
{
	fprintf(stderr, "wgaudit: collector: not built yet\n");
	return 1;
}
