/* bench: one program, one subcommand per job, one grammar for all of them. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cliopt.h"
#include "duration.h"
#include "cmds.h"

#ifndef ASYNCSCOPE_VERSION
#define ASYNCSCOPE_VERSION "dev"
#endif

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *synopsis; /* after the name, for the list */
	const char *what;
} commands[] = {
	{ "all", cmd_all, "[--quick|--full] [--out DIR] [--targets a,b] [--scenarios a,b]",
	  "run every target through every scenario, write the report" },
	{ "run", cmd_run,
	  "TARGET [ENDPOINT] [load options] [--no-trace] [--stall-ms D] [--out DIR]\n"
	  "    [--target-cpus L --load-cpus L | --no-pin]",
	  "one target under load, traced, into a results directory" },
	{ "target", cmd_target, "TARGET [--port N] [--verbose] [target options]",
	  "one target alone, in the foreground" },
	{ "load", cmd_load,
	  "URL [-c N] [-n M | -d D] [--rate R|A:B] [--burst] [-t T] [--records F] [--json F]\n"
	  "    [--out DIR [--shard I/N] [--start-at EPOCH]]",
	  "the load generator" },
	{ "trace", cmd_trace,
	  "(--pid PID | -- CMD ARGS...) [-d D] [--out DIR] [--plot] [--perfetto F] [--stall-ms D]",
	  "trace the scheduler for one process" },
	{ "plot", cmd_plot, "DIR | --client DIR... --server DIR --out DIR",
	  "re-draw the charts of a results directory; or join generators' records to a trace" },
	{ "merge", cmd_merge, "DIR... --out DIR",
	  "the results of several generators (bench load --out), added exactly" },
	{ "list", cmd_list, "", "targets, endpoints, scenarios" },
	{ "help", cmd_help, "[COMMAND]", "this list, or the options of one command" },
	{ "version", cmd_version, "", "the version of asyncscope" },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fputs("usage: bench COMMAND [options]\n       bench -h|--help, bench -V|--version\n\n", f);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %s%s%s\n      %s\n", commands[i].name,
			commands[i].synopsis[0] ? " " : "", commands[i].synopsis, commands[i].what);
	fputs("\nDurations (D) are written " DUR_FORMS ".\n"
	      "bench help COMMAND, or bench COMMAND --help: every option of one command.\n"
	      "Exit status: 0 ok, 1 failed (or degraded), 2 bad usage.\n",
	      f);
}

int cmd_usage_error(const char *cmd, void (*usage_of)(FILE *), const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "bench %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n\n", stderr);
	usage_of(stderr);
	return 2;
}

int cmd_simple_args(const char *cmd, void (*usage_of)(FILE *), int argc, char **argv, int min,
		    int max, const char *what, int *first)
{
	static const struct cliopt opts[] = { CLIOPT_HELP, CLIOPT_END };
	const struct cliopt *const tables[] = { opts, NULL };
	struct cliopt_state st;
	char err[128];
	cliopt_begin(&st, tables, argc, argv, 0);
	for (int key; (key = cliopt_next(&st, err, sizeof(err))) != CLIOPT_DONE;) {
		if (key == CLIOPT_BAD)
			return cmd_usage_error(cmd, usage_of, "%s", err);
		usage_of(stdout); /* -h */
		return 0;
	}
	int n = argc - st.ind;
	if (n < min)
		return cmd_usage_error(cmd, usage_of, "missing %s", what);
	if (n > max)
		return cmd_usage_error(cmd, usage_of, "unexpected argument '%s'",
				       argv[st.ind + max]);
	*first = st.ind;
	return -1;
}

static void help_usage(FILE *f)
{
	fputs("usage: bench help [COMMAND]\n"
	      "  without COMMAND: the list of commands; with it: what bench COMMAND --help\n"
	      "  prints\n",
	      f);
	cliopt_print(f, (const struct cliopt[]){ CLIOPT_HELP, CLIOPT_END });
}

int cmd_help(int argc, char **argv)
{
	int first, rc = cmd_simple_args("help", help_usage, argc, argv, 0, 1, "COMMAND", &first);
	if (rc >= 0)
		return rc;
	if (first == argc) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(argv[first], commands[i].name)) {
			char *args[] = { (char *)commands[i].name, "--help", NULL };
			return commands[i].fn(2, args);
		}
	return cmd_usage_error("help", help_usage, "unknown command '%s'", argv[first]);
}

static void version_usage(FILE *f)
{
	fputs("usage: bench version\n  the version of asyncscope (also bench -V, bench "
	      "--version)\n",
	      f);
	cliopt_print(f, (const struct cliopt[]){ CLIOPT_HELP, CLIOPT_END });
}

int cmd_version(int argc, char **argv)
{
	int first, rc = cmd_simple_args("version", version_usage, argc, argv, 0, 0, "", &first);
	if (rc >= 0)
		return rc;
	printf("asyncscope %s\n", ASYNCSCOPE_VERSION);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs("bench: missing COMMAND\n\n", stderr);
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		if (argc > 2)
			return cmd_usage_error("help", help_usage, "unexpected argument '%s'",
					       argv[2]);
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V"))
		return cmd_version(argc - 1, argv + 1);
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(cmd, commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "bench: unknown %s '%s'\n\n", cmd[0] == '-' ? "option" : "command", cmd);
	usage(stderr);
	return 2;
}
