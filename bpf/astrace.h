/* The tracer, in process: follow one process (every thread it has and creates,
 * and its child processes) through the scheduler, and the asyncscope USDT marks
 * when its executable has them.
 *
 *	astrace_open(&t, &opts);      load the BPF programs (needs CAP_BPF+CAP_PERFMON)
 *	astrace_start(t, pid);        attach; a reader thread drains every drain_ms
 *	... the process runs ...
 *	astrace_stop(t);              detach, drain the rest, close open intervals
 *	astrace_result(t)             intervals, marks, per-thread numbers (sched_sm.h)
 *	astrace_close(t);             unload everything; safe on any path, any state
 *
 * Functions return 0 or a negative errno and print nothing; astrace_failed()
 * names the program an attach failed on. libbpf's own warnings do reach stderr,
 * each line starting "libbpf: " (its debug lines too with opts.verbose), as in
 * libbpf-tools. Formatting (CSV, JSON, tables) is in trace_out.h and happens
 * after astrace_stop(). */
#ifndef ASTRACE_H
#define ASTRACE_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "sched_sm.h"
#include "stalls.h"

/* Every BPF program of the tracer has a name starting with this. */
#define ASTRACE_PROG_PREFIX "as_"

struct astrace_opts {
	unsigned ringbuf_kb; /* 0: 8192 */
	unsigned drain_ms;   /* 0: 20 */
	const char *exe;     /* executable to look for USDT probes in; NULL: /proc/PID/exe */
	int no_usdt;	     /* skip the USDT probes: each hit is a trap, a few us */
	int verbose;	     /* print libbpf's debug lines too, not only its warnings */
	int force_raw_tp;    /* raw tracepoints even where tp_btf works: tests the fallback */
	int no_ready_hook;   /* no readiness hook: cheaper, ready is a lower bound */
	/* Event waits: a return followed by the next entry into the same wait
	 * sooner than this is folded in the kernel, not sent (0: 100 ms). Give
	 * stalls_find() this threshold or a larger one. */
	uint64_t stall_ns;

	/* Fault hooks: the tests reach error paths through these; 0 in normal use. */
	unsigned fault_attach_delay_ms; /* wait before attaching: the process may exit */
	int fault_after_attach;		/* fail with -EIO once everything is attached */
};

/* What the kernel accounted to one of our programs while it was attached;
 * zero unless kernel.bpf_stats_enabled=1 (the accounting itself costs a little). */
struct astrace_prog_stat {
	char name[16];
	uint64_t run_ns, run_cnt;
};

#define ASTRACE_MAX_PROGS 24

/* The event-wait syscalls hooked to find event loops (astrace.c's list). */
#define ASTRACE_NWAITS 8

struct astrace_stats {
	uint64_t events;	  /* delivered */
	uint64_t lost;		  /* ring buffer full, summed over CPUs */
	uint64_t late;		  /* arrived after later events were processed */
	uint64_t t_start, t_stop; /* CLOCK_MONOTONIC ns */
	int usdt_probes;	  /* asyncscope probes attached */
	int raw_tp;		  /* 1: raw tracepoint fallback in use */
	int syscall_names;	  /* 1: sleeps name their syscall (bpf_task_pt_regs, 5.15+) */
	int wait_syscalls;	  /* event-wait syscalls hooked (entry and exit): loops are found */
	int ready_hook;		  /* ep_poll_callback hooked: 1 fentry, 2 kprobe, 0 not (ready is
				   * then a lower bound) */
	int cpu_samples;	  /* CPUs sampled for the stacks of CPU stalls */
	uint64_t stacks;	  /* stack snapshots received and named */
	uint64_t stacks_unnamed;  /* ... that could not be named (the process had gone) */
	int nprogs;
	struct astrace_prog_stat progs[ASTRACE_MAX_PROGS];
};

struct astrace;

/* 0 when this process may load and attach tracing programs, else -EPERM. */
int astrace_check_privilege(void);

/* 0 when pid can be traced; -ESRCH no such process, -EOWNERDEAD a zombie. */
int astrace_pid_check(pid_t pid);

int astrace_open(struct astrace **out, const struct astrace_opts *opts);

/* Starts following pid. -ESRCH when it exited during the attach. On any error,
 * call astrace_close(), which detaches whatever was attached. */
int astrace_start(struct astrace *t, pid_t pid);

/* After astrace_start() failed: what it failed on, as "as_switch
 * (tp_btf/sched_switch)" or "USDT asyncscope:request_start"; "" when the
 * failure was not a program's (the process exited, no memory). */
const char *astrace_failed(const struct astrace *t);

/* Detaches and processes the remaining events. Idempotent. */
int astrace_stop(struct astrace *t);

void astrace_close(struct astrace *t);

/* Valid after astrace_stop(). */
const struct sm *astrace_result(const struct astrace *t);
/* What counted `ready` (astrace_stats.ready_hook) in words: "ep_poll_callback
 * (fentry)", "the sk_data_ready tracepoint (sockets only)"; NULL for none. */
const char *astrace_ready_hook_name(int ready_hook);

/* The stacks taken during stalls, named (stalls_add_stacks()); valid until
 * astrace_close(). */
size_t astrace_stacks(const struct astrace *t, const struct stall_stack **v);
void astrace_get_stats(const struct astrace *t, struct astrace_stats *st);

#endif
