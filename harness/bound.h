/* Who set the pace of a cell: the target, the load generator, both, or the
 * open loop's rate. Each side's CPU time over the measured window, from the
 * kernel's accounting (sampler.c), as a busy fraction of the CPUs it was given
 * and as CPU per request. Pure arithmetic: the thresholds are here and nowhere
 * else, and summary.json, summary.csv and the report say what this decided. */
#ifndef ASYNCSCOPE_BOUND_H
#define ASYNCSCOPE_BOUND_H

#include <stddef.h>
#include <stdint.h>

/* A side is saturated when it used, or wanted, at least this fraction of its
 * CPUs: busy plus waiting (runnable, but another process held its CPU). The
 * waiting counts because on a shared machine a side that is always runnable is
 * the bottleneck even when others take half its CPU time. Not 1.0: a
 * process that is the bottleneck still leaves gaps (wakeups, the scheduler's own
 * time, the CPU-time accounting's tick rounding at both ends), and a 2 s cell on
 * a shared machine rarely shows more than 0.9 even when nothing else could have
 * run. Below about 0.85 there was room on its CPUs that it did not use. */
#define BOUND_BUSY 0.85

struct bound_side {
	int cpus;		   /* CPUs in its set */
	double cpu_s;		   /* user + system over the window */
	double busy;		   /* cpu_s / (window x cpus), clamped to 0..1 */
	double waiting;		   /* run-queue wait / (window x cpus), clamped to 0..1-busy */
	double cpu_us_per_request; /* NAN when no request completed */
};

enum bound_kind {
	BOUND_UNKNOWN, /* nothing measured: a failed cell */
	BOUND_TARGET,  /* the target saturated, or nobody was and a closed loop waited on it */
	BOUND_LOAD,    /* the generator saturated, the target not */
	BOUND_MIXED,   /* both saturated, or together their shared CPUs */
	BOUND_RATE,    /* an open loop, nobody saturated: the rate set the pace */
};

struct bound {
	struct bound_side target, load;
	enum bound_kind kind;
	char why[192]; /* one sentence naming the figures */
};

/* One side's figures from its CPU time and its threads' run-queue wait over
 * window_s on cpus CPUs, and the requests completed in that window. */
void bound_side_set(struct bound_side *s, double cpu_s, double wait_s, double window_s, int cpus,
		    uint64_t requests);

/* The verdict from both sides: open_loop for --rate (nobody saturated means the
 * rate, not the target, set the pace); shared when the two sets overlap (no
 * isolation), so that two sides each below the threshold can still have filled
 * the CPUs between them. */
void bound_judge(struct bound *b, int open_loop, int shared);

/* "target", "load", "mixed", "rate"; NULL for BOUND_UNKNOWN. */
const char *bound_name(enum bound_kind k);

#endif
