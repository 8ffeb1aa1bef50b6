/* bench all: the scenarios, each across every target, as a list of cells run one
 * after another into one results directory with a summary.csv for the charts and
 * the report. */
#ifndef ASYNCSCOPE_MATRIX_H
#define ASYNCSCOPE_MATRIX_H

#include <stddef.h>

struct matrix_opts {
	int quick;	       /* about a minute: fewer, shorter cells */
	int full;	       /* io-bound up to 10000 connections */
	const char *targets;   /* comma list, NULL: all */
	const char *scenarios; /* comma list, NULL: all */
	const char *out;       /* results directory */
};

struct matrix_cell {
	const char *scenario;
	const char *target;
	char endpoint[64];
	int concurrency;
	int burst;     /* the blog scenario: N at once */
	int trace;     /* where the threads are the point: blog; io-bound unless --quick */
	double secs;   /* closed loop: duration */
	char dir[128]; /* relative to the matrix directory */
};

struct scenario {
	const char *name;
	const char *what;
};
extern const struct scenario matrix_scenarios[];

/* The cells for opts; *n of them, in run order. -EINVAL for an unknown target or
 * scenario name (named in err). Free with free(). */
int matrix_plan(const struct matrix_opts *o, struct matrix_cell **cells, size_t *n, char *err,
		size_t errlen);

#endif
