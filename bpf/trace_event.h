/* The events the kernel side sends to userspace, shared by astrace.bpf.c and the
 * loader. The kernel only filters and stamps; what an event means for a thread's
 * state is decided in userspace (sched_sm.c). One fixed-size record for every
 * kind keeps the ring buffer reader a plain copy. */
#ifndef ASTRACE_TRACE_EVENT_H
#define ASTRACE_TRACE_EVENT_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define AS_COMM_LEN 16

enum as_ev_kind {
	AS_EV_SWITCH = 1, /* pid/tgid: prev, pid2/tgid2: next */
	AS_EV_WAKEUP,	  /* pid: the woken thread; cpu: the run queue it joins */
	AS_EV_WAKEUP_NEW, /* pid: a new thread's first wakeup */
	AS_EV_FORK,	  /* pid: parent, pid2/tgid2: child (a thread or a process) */
	AS_EV_EXIT,	  /* pid: the exiting thread, still on its CPU */
	AS_EV_MARK,	  /* pid: the thread that fired a USDT probe */
	AS_EV_WAIT_ENTER, /* pid enters an event wait (epoll_wait, ...); syscall: which,
			   * rt: its first argument (the epoll or io_uring fd), state: as s32 */
	AS_EV_WAIT_EXIT,  /* pid returns from it; syscall: which, rt: the return value,
			   * state: the wait's first argument as s32, rt2: earlier returns
			   * folded into this one (AS_WAIT_QUICK), flags: AS_WAIT_* */
	AS_EV_STACK,	  /* a struct as_stack_ev, not an as_event: the same first fields */
};

/* Wait-exit flags. Returns followed by an entry into the same wait sooner than
 * the stall threshold are not sent, only counted (astrace.bpf.c). */
#define AS_WAIT_QUICK  1 /* this wait's entry was not sent: it came that soon */
#define AS_WAIT_BEFORE 2 /* the wait began before the attach: no entry exists */
/* Wait-entry flag: pid2 is the count of the loop's epoll items that became ready
 * since its last return, counted by the ep_poll_callback hook, and rt2 when the
 * first of them did (0: none). Without the flag, no count was kept. */
#define AS_WAIT_READY 4

/* Per thread, in the `waiting` map: its last return from an event wait, held
 * until it is known whether the next entry comes soon enough to fold it. The
 * loader reads what is still held when the trace stops. */
struct as_wait_state {
	__u64 exit_ts; /* the last return */
	__s64 exit_ret;
	__u64 entered_fd; /* the wait the thread is in, or last was in: first argument */
	__u64 key_fd;	  /* the wait the last return was from */
	__s32 entered_nr;
	__s32 key_nr;
	__u32 quick;	 /* returns folded since the last exit sent */
	__u8 in_wait;	 /* entered, not returned yet */
	__u8 has_exit;	 /* exit_* is set */
	__u8 pending;	 /* the last return was not sent yet */
	__u8 entry_sent; /* the current wait's entry was sent: its exit is, at once */
	__u8 has_slot;	 /* its as_stack_slot exists (created at a return, not at a switch) */
	__u8 nsamples;	 /* CPU samples sent since the last return */
	__u8 pad[2];
	__u64 ep;    /* the eventpoll of ep_fd: the key of its ready count, 0 unknown */
	__s64 ep_fd; /* the epoll fd ep was resolved from, -1 none */
};

/* The loop's epoll instance: items that became ready since the loop last
 * returned from its wait, and when the first did (ep_poll_callback). */
struct as_ep_ready {
	__u32 tid; /* the loop thread that registered it */
	__u32 count;
	__u64 first;
	__u64 gen;  /* the loop's last return: an item is counted once per gen */
	__u32 gate; /* its slot in the BPF side's gate_gen (AS_GATE_LOOPS: none) */
	__u32 pad;
};

/* A thread's user stack as it was when it went to sleep away from its wait, or
 * when a CPU sample caught it stalled: registers and the top AS_STACK_BYTES of
 * its stack, unwound and symbolized in userspace (libdwfl, bpf/symbols.c), which
 * needs no frame pointers. x86_64 only: other architectures send none. */
#define AS_STACK_BYTES 8192
#define AS_NREGS       17 /* x86_64 DWARF numbering: rax rdx rcx rbx rsi rdi rbp rsp r8-r15 rip */
#define AS_STACK_SLEEP 1  /* flags: the longest sleep of a stall; ts is the stall's end */
#define AS_STACK_CPU   2  /* flags: a CPU sample inside a stall; ts is when */
#define AS_MAX_SAMPLES 8  /* CPU samples sent per stall, at most */

struct as_stack_ev {
	__u64 ts;
	__u8 kind; /* AS_EV_STACK: where struct as_event has its kind */
	__u8 flags;
	__u16 pad;
	__u32 size; /* bytes of data[] read */
	__u32 pid;
	__u32 tgid;
	__u64 regs[AS_NREGS];
	__u8 data[AS_STACK_BYTES];
};

/* Per loop thread: the stack of the sleep in progress and of the longest one
 * since its last return (gen: that return's time; a slot of an older gap is
 * stale). Two buffers, so keeping the longest is a flip, not a copy. */
struct as_stack_slot {
	struct as_stack_ev buf[2];
	__u64 gen;
	__u64 out_ts;  /* when the sleep in buf[cur] began, 0 none */
	__u64 best_ns; /* the longest sleep, in buf[best] */
	__u8 cur, best, have, pad[5];
};

/* What the task iterator hands the loader at the stop: a held return. */
struct as_held {
	__u32 tid;
	__u32 pad;
	struct as_wait_state w;
};

/* Switch flags: which side of the switch belongs to a traced process. */
#define AS_SW_PREV    1
#define AS_SW_NEXT    2
#define AS_SW_PREEMPT 4 /* prev was preempted: runnable whatever its state says */

/* enum as_mark: the asyncscope USDT probes, as the bpf cookie of each attachment. */
#include "schema_ids.h"

/* Task state bits as the kernel reports them at a switch (include/linux/sched.h);
 * stable ABI for tracepoint users. */
#define AS_TASK_RUNNING		0x0000
#define AS_TASK_INTERRUPTIBLE	0x0001
#define AS_TASK_UNINTERRUPTIBLE 0x0002
#define AS_TASK_DEAD		0x0080
#define AS_TASK_NOLOAD		0x0400
#define AS_EXIT_DEAD		0x0010
#define AS_EXIT_ZOMBIE		0x0020

/* The programs' settings (.rodata, set before load). owner is the loading
 * process, so a check for leftovers can tell a live tracer's programs from
 * ones left behind; magic lets it find the struct in the map's bytes.
 * wake_bytes: see submit() in astrace.bpf.c. */
#define AS_CONFIG_MAGIC 0x41535452u /* "ASTR" */
struct as_config {
	__u32 magic;
	__u32 owner;
	__u32 wake_bytes; /* wake the reader once this much is waiting (half the ring) */
	__u32 pad;	  /* was want_syscalls: the syscall names are now free */
	__u64 stall_ns;	  /* event waits: returns followed sooner by the next entry are folded */
};

struct as_event {
	__u64 ts;      /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u8 kind;     /* enum as_ev_kind */
	__u8 flags;    /* AS_SW_* */
	__u16 cpu;     /* where it happened (wakeup: the target run queue) */
	__s32 syscall; /* switch: the syscall prev sleeps in, -1 when unknown */
	__u32 pid;     /* thread id (the kernel's pid) */
	__u32 tgid;    /* process id */
	__u32 pid2;
	__u32 tgid2;
	__u32 state; /* switch: prev's state (AS_TASK_*); mark: enum as_mark */
	__u32 pad;
	__u64 rt;  /* switch: prev's se.sum_exec_runtime; mark: request id */
	__u64 rt2; /* switch: next's se.sum_exec_runtime; mark: second probe arg */
	char comm[AS_COMM_LEN];
	char comm2[AS_COMM_LEN];
};

#endif
