/* bench list: what can be run. */
#include <stdio.h>
#include <string.h>

#include "schema.h"
#include "cmds.h"
#include "matrix.h"

static const char usage[] = "usage: bench list\n"
			    "  the targets, their endpoints and the scenarios of bench all\n";

int cmd_list(int argc, char **argv)
{
	if (argc > 1) {
		if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
			fputs(usage, stdout);
			return 0;
		}
		fprintf(stderr, "bench list: unexpected argument '%s'\n%s", argv[1], usage);
		return 2;
	}
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
