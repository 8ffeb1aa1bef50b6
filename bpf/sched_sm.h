/* The pure half of the tracer: scheduler events in, per-thread intervals out.
 * No BPF, no I/O, no clock: tests drive it with synthetic events.
 *
 * A thread is in one of four states: running (on a CPU), runnable (woken or
 * preempted, waiting for a CPU), sleeping (interruptible wait) or blocked
 * (uninterruptible, usually disk). Until the first event that reveals it, a
 * thread's state is unknown, and its first interval says so instead of guessing.
 *
 * Events must arrive in timestamp order; sm_sort() puts a batch in that order.
 * An event older than its thread's last one is clamped, counted in sm->late, and
 * never makes an interval run backwards. */
#ifndef ASTRACE_SCHED_SM_H
#define ASTRACE_SCHED_SM_H

#include <stddef.h>
#include <stdint.h>

#include "trace_event.h"

/* The four states and unknown are the schema's (schema_ids.h); two more exist
 * only here, and make no interval. */
enum sm_state {
	SM_UNKNOWN = AS_STATE_UNKNOWN, /* before the first event that tells */
	SM_RUNNING = AS_STATE_RUNNING,
	SM_RUNNABLE = AS_STATE_RUNNABLE,
	SM_SLEEPING = AS_STATE_SLEEPING,
	SM_BLOCKED = AS_STATE_BLOCKED,
	SM_NSTATES = AS_NSTATES,
	SM_NEW = SM_NSTATES, /* forked, not yet woken */
	SM_DEAD,
};

struct sm_interval {
	uint64_t t_start, t_end;
	uint32_t tid;
	uint8_t state;	 /* enum sm_state, < SM_NSTATES */
	uint8_t cut;	 /* ended by the end of the trace, not by an event */
	int16_t cpu;	 /* -1 when unknown */
	int32_t syscall; /* sleeping/blocked: the syscall it waited in, -1 unknown */
};

struct sm_mark {
	uint64_t t;
	uint64_t request_id;
	uint64_t arg;
	uint32_t tid;
	uint32_t event; /* enum as_mark */
};

/* A thread entering or returning from an event wait (epoll_wait, ...): the
 * raw material of stalls.c, kept as it came. */
struct sm_wait {
	uint64_t t;
	int64_t val; /* entry: its first argument; exit: the return value (ready
		      * events, or -errno) */
	uint32_t tid;
	int32_t syscall; /* which wait */
	int32_t fd;	 /* the wait's first argument as s32: the epoll or io_uring fd */
	uint32_t quick;	 /* exit: earlier returns of the same wait folded into it */
	uint8_t exit;	 /* 0: entry, 1: return */
	uint8_t flags;	 /* exit: AS_WAIT_QUICK, AS_WAIT_BEFORE; entry: AS_WAIT_READY */
	uint32_t ready;	 /* entry with AS_WAIT_READY: items of the loop's epoll that
			  * became ready since its last return */
	uint64_t ready_t; /* ... and when the first did (0: none) */
};

struct sm_thread {
	uint32_t tid, tgid;
	char comm[AS_COMM_LEN];
	uint8_t state;
	uint8_t born;	/* created during the trace */
	uint8_t exited; /* sched_process_exit seen */
	uint8_t rt_valid;
	int16_t cpu; /* CPU of the current interval */
	int16_t last_run_cpu;
	int32_t syscall;	    /* of the current sleeping/blocked interval */
	uint64_t since;		    /* start of the current interval */
	uint64_t rt_first, rt_last; /* se.sum_exec_runtime bounds seen */
	uint64_t ns[SM_NSTATES];    /* wall-clock time per state */
	uint64_t vol, invol, migrations;
};

struct sm {
	uint64_t t_begin; /* when tracing started: unknown intervals start here */
	struct sm_thread *threads;
	size_t nthreads, cap_threads;
	uint32_t *index; /* open addressing on tid: 0 empty, else thread index + 1 */
	size_t index_cap;
	struct sm_interval *iv;
	size_t niv, cap_iv;
	struct sm_mark *marks;
	size_t nmarks, cap_marks;
	struct sm_wait *waits;
	size_t nwaits, cap_waits;
	uint64_t events, late;
	uint64_t last_ts;
	int oom; /* an allocation failed: results are incomplete */
};

void sm_init(struct sm *sm, uint64_t t_begin);
void sm_free(struct sm *sm);

/* A thread known to exist when tracing starts (from /proc): it gets an unknown
 * interval even if it never runs. 0 or -ENOMEM. */
int sm_add_thread(struct sm *sm, uint32_t tid, uint32_t tgid, const char *comm);

/* The syscall a thread added by sm_add_thread was blocked in when it was listed
 * (/proc/TID/syscall): its unknown interval carries that name, its state stays
 * unknown. Ignored once the thread has had an event. */
void sm_unknown_syscall(struct sm *sm, uint32_t tid, int nr);

/* One event, in timestamp order. 0 or -ENOMEM. */
int sm_feed(struct sm *sm, const struct as_event *e);

/* A wait event held in the kernel until the trace stopped (the loader reads
 * them from its map): kept like one fed, without counting as an event. 0 or
 * -ENOMEM. */
int sm_add_wait(struct sm *sm, const struct as_event *e);

/* Closes every open interval at t_end (marked cut). */
void sm_finish(struct sm *sm, uint64_t t_end);

/* Stable sort of a batch by timestamp. scratch holds n events, or is NULL to
 * allocate one (the reader passes its own, so draining allocates nothing). */
void sm_sort(struct as_event *ev, size_t n, struct as_event *scratch);

struct sm_thread *sm_find(struct sm *sm, uint32_t tid);

/* The running total of a thread from its own runtime counter: exact, and free
 * of the steal and interrupt time that wall-clock intervals include. It counts
 * from the thread's birth when born during the trace, else from its first
 * switch seen (a slice already running at attach is not counted). */
uint64_t sm_cpu_ns(const struct sm_thread *t);

#endif
