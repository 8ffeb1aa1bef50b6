/* Everything the tracer writes, from a finished state machine (sched_sm.h):
 * sched.csv, marks.csv, threads.csv and the summary table. trace.json is drawn
 * from those files by plots/perfetto.h, for bench run and bench trace alike. Each writer returns 0 or a negative errno and prints nothing else. */
#ifndef ASTRACE_TRACE_OUT_H
#define ASTRACE_TRACE_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "astrace.h"
#include "sched_sm.h"

/* One row of the summary: the numbers `perf sched timehist -s` gives, per thread
 * of the traced process(es). Times in ns. cpu_ns comes from the kernel's own
 * runtime counter; the other times are sums of wall-clock intervals. */
struct trace_thread_sum {
	uint32_t tid, tgid;
	char comm[AS_COMM_LEN];
	uint64_t cpu_ns, running_ns, runnable_ns, sleeping_ns, blocked_ns, unknown_ns;
	uint64_t vol, invol, migrations;
	uint64_t rq_n, rq_p50, rq_p99, rq_max; /* run-queue delay: runnable -> running */
};

/* Per-thread rows, in order of first appearance. Free *out with free(). */
int trace_summarize(const struct sm *sm, struct trace_thread_sum **out, size_t *n);

/* tid,comm,state,t_start,t_end,cpu,syscall. state is running, runnable,
 * sleeping, blocked, or unknown for the stretch before a thread's first event;
 * cpu is -1 when unknown; syscall is empty when the kernel could not name it. */
int trace_write_sched_csv(const struct sm *sm, const char *path);

/* tid,request_id,event,t */
int trace_write_marks_csv(const struct sm *sm, const char *path);

/* The one CSV escaping of the tracer's files: a field as it is, or quoted
 * when it holds a comma, quote or line break. */
void trace_csv_str(FILE *f, const char *s);
/* A buffered file for writing, and its close: -EIO when anything failed. */
FILE *trace_csv_open(const char *path);
int trace_csv_close(FILE *f);

/* The summary rows as CSV (tid,comm,cpu_ns,...), for scripts and tests. */
int trace_write_threads_csv(const struct trace_thread_sum *s, size_t n, const char *path);

/* The summary table, lost events, and the longest waits when sleeps are named. */
void trace_print_summary(FILE *f, const struct sm *sm, const struct trace_thread_sum *s, size_t n,
			 const struct astrace_stats *st, int longest_waits);

/* "clock_nanosleep", or the number for syscalls without a name here, from the
 * table of the architecture this is built for (syscall_name.c). */
const char *trace_syscall_name(int nr, char *buf, size_t len);

struct trace_syscall {
	int nr;
	const char *name;
};

/* The table for arch, "x86_64" or "aarch64"; NULL arch: the one built for.
 * NULL and *n = 0 for an architecture without one. For the tests. */
const struct trace_syscall *trace_syscall_table(const char *arch, size_t *n);

#endif
