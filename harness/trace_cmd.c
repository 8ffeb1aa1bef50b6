/* Placeholder until the trace subcommand lands. */
#include <stdio.h>

#include "cmds.h"

int cmd_trace(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "bench trace: not built yet\n");
	return 2;
}
