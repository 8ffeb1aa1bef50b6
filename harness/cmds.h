/* The bench subcommands. Each takes the arguments after its name (argv[0] is the
 * subcommand) and returns the process exit code: 0 ok, 1 failure, 2 usage. Each
 * reads its options with cliopt (getopt_long over one table, which its usage
 * lists too), answers -h/--help on stdout with exit 0, and answers bad usage
 * with cmd_usage_error. */
#ifndef ASYNCSCOPE_CMDS_H
#define ASYNCSCOPE_CMDS_H

#include <stdio.h>

int cmd_all(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_target(int argc, char **argv);
int cmd_load(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_merge(int argc, char **argv);
/* bench plot --client DIR... --server DIR --out DIR (plot_join.c), which cmd_plot
 * hands its arguments to when it sees --client or --server. */
int cmd_plot_join(int argc, char **argv);
void plot_join_usage(FILE *f);
int cmd_list(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_version(int argc, char **argv);

/* Bad usage of bench CMD: "bench CMD: reason", a blank line and the usage, on
 * stderr. Returns 2, the exit code for it. */
int cmd_usage_error(const char *cmd, void (*usage)(FILE *), const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The common case of a command with only -h/--help and from min to max operands
 * (what is called in messages: "missing DIR"): -1 to go on (*first is the index of the first
 * operand), or the exit code to return (0: help shown; 2: bad usage, said). */
int cmd_simple_args(const char *cmd, void (*usage)(FILE *), int argc, char **argv, int min, int max,
		    const char *what, int *first);

#endif
