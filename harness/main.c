/* bench: one program, one subcommand per job. */
#include <stdio.h>
#include <string.h>

#include "cmds.h"

#ifndef ASYNCSCOPE_VERSION
#define ASYNCSCOPE_VERSION "dev"
#endif

static const char usage[] =
    "usage: bench COMMAND [options]\n"
    "\n"
    "  all [--quick] [--out DIR] [--targets a,b] [--scenarios a,b]\n"
    "                       run every target through every scenario, write the report\n"
    "  run TARGET [ENDPOINT] [-c N] [-n M | -d SECS] [--rate R] [--no-trace] [--out DIR]\n"
    "                       one target under load, traced, into a results directory\n"
    "  target TARGET [--port N] [--verbose] [model options]\n"
    "                       one target alone, in the foreground\n"
    "  load URL [-c N] [-n M | -d SECS] [--rate R] [-t T] [--records FILE] [--json FILE]\n"
    "                       the load generator\n"
    "  trace (--pid PID | -- CMD ARGS...) [-d SECS] [--out DIR] [--plot] [--perfetto FILE]\n"
    "                       trace the scheduler for one process\n"
    "  plot DIR             re-draw the charts of a results directory\n"
    "  list                 targets, endpoints, scenarios\n"
    "\n"
    "  bench COMMAND --help for the options of one command; bench --version.\n";

static const struct {
	const char *name;
	int (*fn)(int, char **);
} commands[] = {
    {"all", cmd_all},	  {"run", cmd_run},   {"target", cmd_target}, {"load", cmd_load},
    {"trace", cmd_trace}, {"plot", cmd_plot}, {"list", cmd_list},
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version")) {
		printf("asyncscope %s\n", ASYNCSCOPE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(cmd, commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "bench: unknown command '%s'\n\n%s", cmd, usage);
	return 2;
}
