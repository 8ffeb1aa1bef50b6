/* The numbered names of the results schema: thread states and request marks.
 * Included by the BPF programs too, so nothing here needs libc. Their names as
 * text live in schema.c; both sides of every file use these. */
#ifndef ASYNCSCOPE_SCHEMA_IDS_H
#define ASYNCSCOPE_SCHEMA_IDS_H

/* A thread's state in sched.csv. unknown: before the first event that tells. */
enum as_state {
	AS_STATE_UNKNOWN,
	AS_STATE_RUNNING,
	AS_STATE_RUNNABLE, /* woken or preempted, waiting for a CPU */
	AS_STATE_SLEEPING, /* interruptible wait */
	AS_STATE_BLOCKED,  /* uninterruptible, usually disk */
	AS_NSTATES,
};

/* The asyncscope USDT probes (provider "asyncscope"), in marks.csv's event
 * column; the number is each attachment's bpf cookie. A new probe is one line
 * here, its name in schema.c, and its PROBE_ macro in targets/core/probes.h. */
enum as_mark {
	AS_MARK_REQUEST_START = 1,
	AS_MARK_HANDLER_ENTER,
	AS_MARK_WAIT_START,
	AS_MARK_WAIT_END,
	AS_MARK_REQUEST_END,
	AS_MARK_MAX,
};

#endif
