/* The targets' command line, defined once: the options every target-* binary
 * takes (targets/core/server.c) and `bench target` reads and passes on
 * (harness/target_cmd.c), their help texts, defaults and ranges. Which target
 * has which model knob is schema_targets' (common/schema.c): its knobs text
 * names them as the usage writes them ("--threads N"), and that is read here. */
#ifndef ASYNCSCOPE_TARGET_OPTS_H
#define ASYNCSCOPE_TARGET_OPTS_H

#include <stddef.h>

#include "cliopt.h"

/* The option keys: the common ones, then the model knobs (TOPT_MAX_THREADS on),
 * in the order of topt_table. */
enum {
	TOPT_BIND = CLIOPT_LONG,
	TOPT_PORT,
	TOPT_READY_FD,
	TOPT_VERBOSE,
	TOPT_IDLE,
	TOPT_MAX_THREADS,
	TOPT_POOL,
	TOPT_THREADS,
	TOPT_STACK_KIB,
};

/* Every option, the knobs after a heading, then --help. */
extern const struct cliopt topt_table[];

/* What a command line sets. Every field has its default until an option sets
 * it; the knobs a target does not have keep theirs. */
struct topt {
	const char *bind;
	int port;
	int ready_fd; /* -1: none */
	int verbose;
	int idle_ms; /* from a duration, rounded down to whole milliseconds */
	int max_threads;
	int pool;
	int threads;
	int stack_kib;
};

void topt_defaults(struct topt *v);

/* The knob bit of an option key (1 << (key - TOPT_MAX_THREADS)), 0 for a
 * common option. */
unsigned topt_knob(int key);

/* The knobs target has, as bits, from schema_targets; 0 for a target it does
 * not know. */
unsigned topt_knobs_of(const char *target);

/* The value of option key (arg as given, name as written, for the reason) into
 * v, checked against its range: 0, or -EINVAL with "--pool: 'x' is not a
 * number from 1 to 10000" in err. A knob is not checked against a target here. */
int topt_set(struct topt *v, int key, const char *arg, const char *name, char *err, size_t len);

/* 0 when target has the option key (every common option; a knob of its own),
 * or -EINVAL with "--pool is not a knob of epoll (its own: --threads N)". */
int topt_check_knob(const char *target, int key, const char *name, char *err, size_t len);

/* --idle-timeout's grammar: a duration (common/duration.c) where a bare number
 * means milliseconds, from 1 ms to 1 h. 0 or -EINVAL. */
int topt_idle_ms(const char *s, int *ms);

/* A whole target-* command line (argv[0] its name) for target: 0, 1 when
 * --help was asked (nothing else read), or -EINVAL with the reason in err (a bad
 * or unknown option, a value out of range, a knob of another target, an
 * operand). Reorders argv as getopt_long does. */
int topt_parse(struct topt *v, const char *target, int argc, char **argv, char *err, size_t len);

/* topt_table's lines for a usage text, with only the knobs in knobs (and
 * without their heading when there is none). */
void topt_print(FILE *f, unsigned knobs);

#endif
