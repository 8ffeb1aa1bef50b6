/* Placeholder until the load subcommand lands. */
#include <stdio.h>

#include "cmds.h"

int cmd_load(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "bench load: not built yet\n");
	return 2;
}
