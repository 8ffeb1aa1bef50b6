/* bench list: what can be run. */
#include <stdio.h>

#include "schema.h"
#include "cliopt.h"
#include "cmds.h"
#include "matrix.h"

static void usage(FILE *f)
{
	fputs("usage: bench list\n"
	      "  the targets, their endpoints and the scenarios of bench all\n",
	      f);
	cliopt_print(f, (const struct cliopt[]){ CLIOPT_HELP, CLIOPT_END });
}

int cmd_list(int argc, char **argv)
{
	int first, rc = cmd_simple_args("list", usage, argc, argv, 0, 0, "", &first);
	if (rc >= 0)
		return rc;
	printf("targets:\n");
	for (const struct schema_target *t = schema_targets; t->name; t++)
		printf("  %-10s %s (%s)\n", t->name, t->how, t->knobs);
	printf("endpoints (every target):\n");
	for (const struct schema_endpoint *e = schema_endpoints; e->path; e++)
		printf("  %-12s %s\n", e->path, e->meaning);
	printf("scenarios (bench all --scenarios):\n");
	for (const struct scenario *s = matrix_scenarios; s->name; s++)
		printf("  %-12s %s\n", s->name, s->what);
	return 0;
}
