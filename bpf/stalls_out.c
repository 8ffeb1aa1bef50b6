/* stalls.csv and the verdict: what stalls.c found, for scripts and in words.
 * Both run after the trace, so plain stdio and a few allocations are fine. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "stalls.h"
#include "trace_out.h"

static const char *comm_of(const struct sm *sm, uint32_t tid)
{
	const struct sm_thread *t = sm_find((struct sm *)sm, tid); /* sm_find only reads */
	return t && t->comm[0] ? t->comm : "?";
}

int stalls_write_csv(const struct stalls *s, const struct sm *sm, const char *path)
{
	FILE *f = trace_csv_open(path);
	if (!f)
		return -errno;
	char head[512], nb[16];
	schema_csv_header(head, sizeof(head), &schema_stalls);
	fputs(head, f);
	for (size_t i = 0; i < s->n; i++) {
		const struct stall *st = &s->v[i];
		fprintf(f, "%u,", st->tid);
		trace_csv_str(f, comm_of(sm, st->tid));
		fprintf(f, ",%llu,%llu,%llu,%s,%s,%llu,%llu,%llu,%llu,%lld,",
			(unsigned long long)st->t_start, (unsigned long long)st->t_end,
			(unsigned long long)(st->t_end - st->t_start), schema_state_name(st->cause),
			trace_syscall_name(st->syscall, nb, sizeof(nb)),
			(unsigned long long)st->ns[SM_RUNNING],
			(unsigned long long)st->ns[SM_RUNNABLE],
			(unsigned long long)st->ns[SM_SLEEPING],
			(unsigned long long)st->ns[SM_BLOCKED], (long long)st->ready);
		if (st->requests_waiting >= 0)
			fprintf(f, "%lld", (long long)st->requests_waiting);
		fputc(',', f);
		if (st->stack)
			trace_csv_str(f, st->stack); /* C++ names may hold commas */
		fputc('\n', f);
	}
	return trace_csv_close(f);
}

/* Stalls of one loop with the same cause and syscall: one sentence. */
struct group {
	uint32_t tid;
	uint8_t cause;
	int32_t syscall;
	size_t n, cut;
	uint64_t total, min, max;
	int64_t requests;    /* most in flight during one; -1 not known */
	int64_t ready;	     /* most ready after one; -1 not known */
	int counted;	     /* ready counted by ep_poll_callback (else a lower bound) */
	uint64_t oldest;     /* counted: the longest an item waited, ns */
	const char *callers; /* of the longest stall that has a stack */
	int stack_cpu;	     /* ... from CPU samples */
	uint64_t stack_dur;
	uint64_t loop_total; /* the loop's, all groups: orders the loops */
};

static int group_cmp(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	if (x->loop_total != y->loop_total)
		return x->loop_total > y->loop_total ? -1 : 1;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return x->total > y->total ? -1 : x->total < y->total;
}

static void print_dur(FILE *f, uint64_t ns)
{
	if (ns >= 10000000000ull)
		fprintf(f, "%.1f s", (double)ns / 1e9);
	else
		fprintf(f, "%.0f ms", (double)ns / 1e6);
}

static int name_is(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(name, *list))
			return 1;
	return 0;
}

/* What a developer should look for, from where the time went. */
static const char *diagnosis(int cause, const char *sc)
{
	static const char *const sleeps[] = { "nanosleep", "clock_nanosleep", NULL };
	static const char *const locks[] = { "futex",	   "futex_waitv", "semop",
					     "semtimedop", "flock",	  NULL };
	static const char *const io[] = { "read",     "readv",	   "pread64",  "write",
					  "writev",   "pwrite64",  "recvfrom", "recvmsg",
					  "recvmmsg", "sendto",	   "sendmsg",  "sendmmsg",
					  "connect",  "accept",	   "accept4",  "openat",
					  "fsync",    "fdatasync", "sendfile", NULL };
	static const char *const children[] = { "wait4", "waitid", NULL };
	switch (cause) {
	case SM_RUNNING: return "CPU-bound work inside the loop (one callback computing that long)";
	case SM_RUNNABLE:
		return "the loop was ready to run but got no CPU: the machine's CPUs were busy";
	case SM_BLOCKED: return "disk or other uninterruptible I/O inside the loop";
	}
	if (name_is(sc, sleeps))
		return "a blocking sleep inside the loop";
	if (name_is(sc, locks))
		return "waiting for a lock or another thread inside the loop";
	if (name_is(sc, io))
		return "blocking I/O inside the loop";
	if (name_is(sc, children))
		return "waiting for a child process inside the loop";
	return "a blocking call inside the loop";
}

static void print_group(FILE *f, const struct group *g, const char *wait_name, int first)
{
	char nb[16];
	const char *sc = trace_syscall_name(g->syscall, nb, sizeof(nb));
	fprintf(f, "%s", first ? " It stalled " : "\n  It also stalled ");
	if (g->n == 1) {
		fputs("once for ", f);
		print_dur(f, g->total);
	} else {
		fprintf(f, "%zu times for ", g->n);
		if (g->max - g->min <= g->min / 10) {
			print_dur(f, g->total / g->n);
		} else {
			print_dur(f, g->min);
			fputs(" to ", f);
			print_dur(f, g->max);
		}
		fputs(" (", f);
		print_dur(f, g->total);
		fputs(" in all)", f);
	}
	switch (g->cause) {
	case SM_RUNNING: fputs(" running on a CPU", f); break;
	case SM_RUNNABLE: fputs(" runnable, waiting for a CPU", f); break;
	case SM_SLEEPING:
		fprintf(f, " asleep in %s", *sc ? sc : "a syscall the kernel could not name");
		break;
	default:
		fprintf(f, " blocked (uninterruptible) in %s",
			*sc ? sc : "a syscall the kernel could not name");
	}
	/* Where, in the program's own code when the stack reaches it. */
	if (g->callers && *g->callers)
		fprintf(f, " (%s %s)", g->stack_cpu ? "sampled in" : "called from", g->callers);
	if (g->requests >= 0)
		fprintf(f, ", while %s%lld request%s waited", g->requests > 1 ? "up to " : "",
			(long long)g->requests, g->requests == 1 ? "" : "s");
	if (g->counted && g->ready > 0) {
		fprintf(f, "%s %s%lld connection%s became ready", g->requests >= 0 ? " and" : ", while",
			g->ready > 1 ? "up to " : "", (long long)g->ready, g->ready == 1 ? "" : "s");
		if (g->oldest) {
			fputs(" (the oldest waited ", f);
			print_dur(f, g->oldest);
			fputc(')', f);
		}
	} else if (!g->counted && g->ready > 0 && g->requests < 0) {
		fprintf(f, ", with at least %lld event%s ready when it got back to %s",
			(long long)g->ready, g->ready == 1 ? "" : "s", wait_name);
	}
	fprintf(f, ": %s.", diagnosis(g->cause, sc));
	if (g->cut)
		fputs(" The last one was still going when the trace ended.", f);
}

static const struct stall_loop *loop_of(const struct stalls *s, uint32_t tid)
{
	for (size_t k = 0; k < s->nloops; k++)
		if (s->loops[k].tid == tid)
			return &s->loops[k];
	return NULL;
}

static void print_quiet_loops(FILE *f, const struct stalls *s, const struct sm *sm,
			      const struct group *g, size_t ng)
{
	size_t quiet = 0, shown = 0;
	char nb[16];
	for (size_t k = 0; k < s->nloops; k++) {
		int stalled = 0;
		for (size_t j = 0; j < ng && !stalled; j++)
			stalled = g[j].tid == s->loops[k].tid;
		if (stalled)
			continue;
		if (shown++ < 4)
			fprintf(f, "  tid %u (%s) is an event loop (%s). It never stalled for ",
				s->loops[k].tid, comm_of(sm, s->loops[k].tid),
				trace_syscall_name(s->loops[k].syscall, nb, sizeof(nb)));
		else {
			quiet++;
			continue;
		}
		print_dur(f, s->min_ns);
		fputs(" or more.\n", f);
	}
	if (quiet)
		fprintf(f, "  %zu more event loop%s never stalled.\n", quiet,
			quiet == 1 ? "" : "s");
}

/* How `ready` was measured, since the two ways differ in meaning. */
static void print_ready_note(FILE *f, const struct stalls *s)
{
	size_t counted = 0, bounded = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i].ready < 0)
			continue;
		if (s->v[i].ready_counted)
			counted++;
		else
			bounded++;
	}
	if (counted)
		fprintf(f, "  ready: fds that became ready during the stall, counted by %s%s\n",
			s->ready_by ? s->ready_by : "the kernel",
			bounded ? "; elsewhere a lower bound from the next wait's return" : "");
	else if (bounded)
		fputs("  ready: a lower bound from the next wait's return (no ready hook, or not "
		      "an epoll loop)\n",
		      f);
}

void stalls_print_verdict(FILE *f, const struct stalls *s, const struct sm *sm)
{
	fprintf(f, "\nevent loops (stalls: ");
	print_dur(f, s->min_ns);
	fprintf(f, " or more away from the wait):\n");
	if (!s->nloops) {
		fputs("  none: no thread returned from an event wait (epoll_wait, poll, select, "
		      "io_uring_enter, ...) twice.\n",
		      f);
		return;
	}
	struct group *g = calloc(s->n ? s->n : 1, sizeof(*g));
	if (!g) {
		fprintf(f, "  %zu stalls (out of memory for the details)\n", s->n);
		return;
	}
	size_t ng = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct stall *st = &s->v[i];
		uint64_t d = st->t_end - st->t_start;
		size_t j = 0;
		while (j < ng && !(g[j].tid == st->tid && g[j].cause == st->cause &&
				   g[j].syscall == st->syscall))
			j++;
		if (j == ng)
			g[ng++] = (struct group){ .tid = st->tid,
						  .cause = st->cause,
						  .syscall = st->syscall,
						  .min = d,
						  .requests = -1,
						  .ready = -1 };
		struct group *x = &g[j];
		x->n++;
		x->cut += st->cut;
		x->total += d;
		x->min = d < x->min ? d : x->min;
		x->max = d > x->max ? d : x->max;
		x->requests =
		    st->requests_waiting > x->requests ? st->requests_waiting : x->requests;
		x->ready = st->ready > x->ready ? st->ready : x->ready;
		x->counted |= st->ready_counted;
		if (st->ready_counted && st->ready_since && st->t_end > st->ready_since &&
		    st->t_end - st->ready_since > x->oldest)
			x->oldest = st->t_end - st->ready_since;
		if (st->callers && d >= x->stack_dur) {
			x->callers = st->callers;
			x->stack_cpu = st->stack_cpu;
			x->stack_dur = d;
		}
	}
	for (size_t j = 0; j < ng; j++)
		for (size_t k = 0; k < ng; k++)
			if (g[k].tid == g[j].tid)
				g[j].loop_total += g[k].total;
	qsort(g, ng, sizeof(*g), group_cmp);
	char nb[16];
	for (size_t j = 0; j < ng; j++) {
		int first = j == 0 || g[j - 1].tid != g[j].tid;
		const struct stall_loop *l = loop_of(s, g[j].tid);
		const char *wait = trace_syscall_name(l ? l->syscall : -1, nb, sizeof(nb));
		if (first)
			fprintf(f, "%s  tid %u (%s) is an event loop (%s).", j ? "\n" : "",
				g[j].tid, comm_of(sm, g[j].tid), wait);
		print_group(f, &g[j], wait, first);
	}
	if (ng)
		fputc('\n', f);
	print_quiet_loops(f, s, sm, g, ng);
	print_ready_note(f, s);
	free(g);
}
