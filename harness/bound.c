#include "bound.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static double clamp(double v, double hi)
{
	return v < 0 ? 0 : v > hi ? hi : v;
}

void bound_side_set(struct bound_side *s, double cpu_s, double wait_s, double window_s, int cpus,
		    uint64_t requests)
{
	s->cpus = cpus;
	s->cpu_s = cpu_s > 0 ? cpu_s : 0;
	double room = window_s > 0 && cpus > 0 ? window_s * cpus : 0;
	/* Over 1 only by the accounting's rounding at the two ends. */
	s->busy = room > 0 ? clamp(s->cpu_s / room, 1) : 0;
	/* Many runnable threads on few CPUs wait more than the window: what
	 * matters is only that the CPUs had no room left. */
	s->waiting = room > 0 ? clamp(wait_s / room, 1 - s->busy) : 0;
	s->cpu_us_per_request = requests ? s->cpu_s * 1e6 / (double)requests : NAN;
}

const char *bound_name(enum bound_kind k)
{
	switch (k) {
	case BOUND_TARGET: return "target";
	case BOUND_LOAD: return "load";
	case BOUND_MIXED: return "mixed";
	case BOUND_RATE: return "rate";
	case BOUND_UNKNOWN: break;
	}
	return NULL;
}

void bound_judge(struct bound *b, int open_loop, int shared)
{
	const struct bound_side *t = &b->target, *l = &b->load;
	int ts = t->busy + t->waiting >= BOUND_BUSY, ls = l->busy + l->waiting >= BOUND_BUSY;
	/* Sharing CPUs, each side's fraction is of the same CPUs: together they
	 * can fill them while neither alone looks saturated. */
	int full = shared && !ts && !ls && t->busy + l->busy >= BOUND_BUSY;
	const char *because;
	if (ts && ls) {
		b->kind = BOUND_MIXED;
		because = "both saturated";
	} else if (ts) {
		b->kind = BOUND_TARGET;
		because = "the target saturated";
	} else if (ls) {
		b->kind = BOUND_LOAD;
		because = "the generator saturated, the target did not";
	} else if (full) {
		b->kind = BOUND_MIXED;
		because = "together they filled the CPUs they shared";
	} else if (open_loop) {
		b->kind = BOUND_RATE;
		because = "neither saturated: the rate set the pace";
	} else {
		b->kind = BOUND_TARGET;
		because = "neither saturated: every connection waited on the target";
	}
	char tw[48] = "", lw[48] = "";
	/* The waits only where they are worth a word. */
	if (t->waiting >= 0.05)
		snprintf(tw, sizeof(tw), " + %.0f%% waiting for it", 100 * t->waiting);
	if (l->waiting >= 0.05)
		snprintf(lw, sizeof(lw), " + %.0f%% waiting", 100 * l->waiting);
	snprintf(b->why, sizeof(b->why),
		 "target %.0f%% busy%s on %d CPU%s, load %.0f%%%s on %d%s: %s", 100 * t->busy, tw,
		 t->cpus, t->cpus == 1 ? "" : "s", 100 * l->busy, lw, l->cpus,
		 shared ? " (shared)" : "", because);
}
