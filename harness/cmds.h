/* The bench subcommands. Each takes the arguments after its name (argv[0] is the
 * subcommand) and returns the process exit code: 0 ok, 1 failure, 2 usage. */
#ifndef ASYNCSCOPE_CMDS_H
#define ASYNCSCOPE_CMDS_H

int cmd_all(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_target(int argc, char **argv);
int cmd_load(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_list(int argc, char **argv);

#endif
