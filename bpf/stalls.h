/* Event-loop stalls, from a finished state machine (sched_sm.h): which threads
 * are event loops, and when one of them stayed away from its wait long enough
 * that everything it serves had to wait. Pure like sched_sm.c: no BPF, no I/O,
 * no clock; tests drive it with synthetic events.
 *
 * The rule, in one place: a thread is an event loop when it has returned from an
 * event wait (epoll_wait, epoll_pwait, epoll_pwait2, poll, ppoll, select,
 * pselect6, io_uring_enter waiting for completions) at least STALLS_LOOP_RETURNS
 * times during the trace. Threads that sleep in anything else (a pool's futex)
 * are never loops, and never stall. A stall is a loop's stretch from a return
 * to its next wait entry lasting at least the threshold; its time is split by
 * the thread's scheduler intervals into running, runnable, sleeping and blocked,
 * and the largest part is its cause.
 *
 * Limits: a loop that returned fewer than twice during the trace (attached
 * while it was already stuck) is not recognised; the stretch before the first
 * wait seen is not judged (its start is unknown).
 *
 * Who waited: on an epoll loop whose instance the kernel side could follow
 * (ep_poll_callback hooked), `ready` is the number of its items that became
 * ready during the stall (each counted once, when it joined the ready list),
 * and ready_since when the first did. Elsewhere (poll, select, io_uring, or no
 * hook) `ready` is the next wait's return value, a lower bound on what became
 * ready (its maxevents caps it, and what was ready before the stall counts
 * too); ready_counted tells which. Where: the stack of the longest sleep of
 * the stall, or of CPU samples taken during it (stalls_add_stacks). */
#ifndef ASTRACE_STALLS_H
#define ASTRACE_STALLS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sched_sm.h"

#define STALLS_LOOP_RETURNS 2	/* returns from a wait that make a thread a loop */
#define STALLS_DEFAULT_MS   100 /* asyncio debug mode's slow-callback threshold */

struct stall {
	uint64_t t_start, t_end; /* the wait's return, the next wait's entry */
	uint64_t ns[SM_NSTATES]; /* by state (SM_RUNNING ... SM_BLOCKED; unknown unused) */
	uint32_t tid;
	uint8_t cause;		  /* SM_RUNNING, SM_RUNNABLE, SM_SLEEPING or SM_BLOCKED */
	uint8_t cut;		  /* the trace ended before the loop waited again */
	int32_t syscall;	  /* sleeping/blocked: the syscall of the longest such stretch */
	int64_t ready;		  /* items that became ready (see above); -1 unknown */
	int64_t requests_waiting; /* client requests in flight during it; -1 not known */
	uint64_t ready_since;	  /* ready_counted: when the first became ready, 0 none */
	uint8_t ready_counted;	  /* ready was counted (ep_poll_callback), not bounded */
	uint8_t stack_cpu;	  /* the stack is from CPU samples, not from a sleep */
	uint32_t nsamples;	  /* CPU samples taken during it */
	const char *stack;	  /* frames innermost first, ';' between; NULL none */
	const char *callers;	  /* the first frames outside libc, " <- " between */
};

/* A stack the tracer took and named (astrace_stacks()): the longest sleep of
 * a loop between its wait's return and its next entry (sent with that entry:
 * ts is the entry's time), or a CPU sample of a loop inside a stall (ts: when). */
struct stall_stack {
	uint64_t ts;
	uint32_t tid;
	uint8_t cpu; /* a CPU sample */
	const char *text, *callers;
};

struct stall_loop {
	uint32_t tid;
	int32_t syscall;  /* the wait it returned from most */
	uint64_t returns; /* returns from its waits */
};

struct stalls {
	struct stall *v; /* by thread, then time */
	size_t n;
	struct stall_loop *loops; /* every loop, with or without stalls */
	size_t nloops;
	uint64_t min_ns; /* the threshold they were found with */
	const char *ready_by; /* the hook that counted ready ("ep_poll_callback"), for
			       * the verdict; set by the caller, NULL when none */
};

/* Loops and their stalls of at least min_ns in sm (finished: sm_finish(t_end)
 * was called). A stall still open at t_end is cut there. 0 or -ENOMEM; free
 * with stalls_free() either way. */
int stalls_find(const struct sm *sm, uint64_t min_ns, uint64_t t_end, struct stalls *out);
void stalls_free(struct stalls *s);

/* A client request as the load generator saw it: t_end 0 when it never ended. */
struct stalls_request {
	uint64_t t_start, t_end;
};

/* Sets every stall's requests_waiting: the requests in flight at some time
 * during it (sent before it ended, not finished before it began). */
void stalls_count_requests(struct stalls *s, const struct stalls_request *r, size_t n);

/* Gives each stall its stack from v[0..n): for a stall whose cause is running
 * or runnable the most frequent of the CPU samples taken during it, else the
 * sleep stack sent with its end; the other kind when that one is missing. The
 * strings are borrowed: v's must outlive s's use. */
void stalls_add_stacks(struct stalls *s, const struct stall_stack *v, size_t n);

/* stalls.csv (schema_stalls): one row per stall; requests_waiting empty when
 * not known, stack empty when none was taken. 0 or -errno. */
int stalls_write_csv(const struct stalls *s, const struct sm *sm, const char *path);

/* The verdict: per loop and kind of stall, most time stalled first, in words
 * ("tid 4242 (python3) is an event loop (epoll_wait). It stalled 5 times for
 * 300 ms asleep in clock_nanosleep, while up to 4 requests waited: a blocking
 * sleep inside the loop."); a line for loops that never stalled, and one when
 * no loop was found. */
void stalls_print_verdict(FILE *f, const struct stalls *s, const struct sm *sm);

#endif
