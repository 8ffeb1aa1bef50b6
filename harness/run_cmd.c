/* Placeholder until run and all land. */
#include <stdio.h>

#include "cmds.h"

static int not_built(const char *name)
{
	fprintf(stderr, "bench %s: not built yet\n", name);
	return 2;
}

int cmd_run(int argc, char **argv)
{
	(void)argc;
	return not_built(argv[0]);
}

int cmd_all(int argc, char **argv)
{
	(void)argc;
	return not_built(argv[0]);
}
