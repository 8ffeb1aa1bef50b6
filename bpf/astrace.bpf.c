// SPDX-License-Identifier: GPL-2.0
/* Kernel side of the tracer: scheduler tracepoints and the asyncscope USDT probes,
 * filtered by a map of traced process ids and stamped with the monotonic clock.
 * Nothing here interprets states; that is sched_sm.c's job in userspace.
 *
 * Every program exists twice where the kernel may lack BTF-enabled tracepoints:
 * a tp_btf version (direct task_struct access, cheapest) and a raw_tp version
 * (same code through probe reads). The loader probes the kernel and loads one
 * set. What differs between kernel versions hides in the small helpers below,
 * each naming the version it covers. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/usdt.bpf.h>

#include "trace_event.h"

char LICENSE[] SEC("license") = "GPL";

extern int LINUX_KERNEL_VERSION __kconfig;

/* Set by the loader before load. */
const volatile struct as_config cfg = { .magic = AS_CONFIG_MAGIC };

/* Process ids being traced. Fork adds children here, so every thread and
 * child process is followed without userspace in the loop. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u8);
} traced SEC(".maps");

/* The traced process itself, and whether the map holds any other: set by the
 * loader before it attaches (.bss is writable from userspace), and `others` by
 * the fork program too. Most traces follow one process, and then a switch or a
 * wakeup of anyone else, the bulk of them on a busy machine, is filtered by one
 * compare instead of a hash lookup (about 140 ns a switch before, with its
 * two lookups; see docs/tracer.md). */
volatile __u32 root_tgid;
volatile __u32 others;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* the loader may resize it before load */
} events SEC(".maps");

/* Events that found the ring buffer full, per CPU: zero must mean zero. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

/* Kernel-version helpers: each hides one change and names the version that
 * made it, so it can go when that version is the oldest we support. */

/* 5.14 renamed task_struct.state to __state (and made it unsigned int). */
struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

static __always_inline __u32 task_state(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return (__u32)BPF_CORE_READ((struct task_struct___pre514 *)t, state);
}

/* 5.16 moved the CPU into thread_info (THREAD_INFO_IN_TASK kernels, which x86
 * and arm64 are); before, it was task_struct.cpu. */
struct task_struct___pre516 {
	unsigned int cpu;
} __attribute__((preserve_access_index));

static __always_inline __u32 task_cpu(struct task_struct *t)
{
	if (bpf_core_field_exists(t->thread_info.cpu))
		return BPF_CORE_READ(t, thread_info.cpu);
	return BPF_CORE_READ((struct task_struct___pre516 *)t, cpu);
}

/* The syscall a task that is switching out sleeps in, from the user registers
 * the kernel saved at the top of its kernel stack on entry: -1 when it is not in
 * one. bpf_task_pt_regs() came in 5.15; on older kernels every sleep is -1 (no
 * name) rather than a hook on every syscall. Kernel threads and io_uring workers
 * have zeroed registers, which would read as syscall 0, so they are -1 too. */
#define AS_PF_IO_WORKER 0x00000010 /* include/linux/sched.h; read on 5.15+ only */
#define AS_PF_KTHREAD	0x00200000
#ifndef ENOSYS
#define ENOSYS 38
#endif

static __always_inline __s32 task_syscall(bool raw, struct task_struct *prev)
{
	if (!bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_task_pt_regs))
		return -1;
	/* bpf_task_pt_regs() wants a BTF task pointer, which raw_tp's prev is not.
	 * The tracepoint fires before the switch, so current is still prev; and a
	 * kernel with bpf_task_pt_regs() has bpf_get_current_task_btf() (5.11). */
	struct task_struct *t = raw ? bpf_get_current_task_btf() : prev;
	if (BPF_CORE_READ(t, flags) & (AS_PF_KTHREAD | AS_PF_IO_WORKER))
		return -1;
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(t);
	if (!regs)
		return -1;
#if defined(__TARGET_ARCH_x86)
	/* orig_ax is the syscall number, or an exception's error code when the
	 * task entered the kernel through a fault (a page fault from user space);
	 * ax holds -ENOSYS from syscall entry until the syscall returns. */
	long nr = BPF_CORE_READ(regs, orig_ax);
	if (nr < 0 || BPF_CORE_READ(regs, ax) != (unsigned long)-ENOSYS)
		return -1;
	return (__s32)nr;
#elif defined(__TARGET_ARCH_arm64)
	/* Every entry from user space stores NO_SYSCALL (-1) first; el0_svc then
	 * stores the number. */
	return BPF_CORE_READ(regs, syscallno);
#else
	return -1;
#endif
}

/* tp_btf programs may load task fields directly; raw_tp ones must go through
 * probe reads. raw is a constant in each caller, so one branch is compiled. */
#define RD(raw, p, f) ((raw) ? BPF_CORE_READ(p, f) : (p)->f)

static __always_inline void read_comm(bool raw, char *dst, struct task_struct *p)
{
	if (raw)
		BPF_CORE_READ_STR_INTO((char(*)[AS_COMM_LEN])dst, p, comm);
	else
		__builtin_memcpy(dst, p->comm, AS_COMM_LEN);
}

static __always_inline bool is_traced(__u32 tgid)
{
	if (tgid == root_tgid)
		return true;
	if (!others)
		return false;
	return bpf_map_lookup_elem(&traced, &tgid) != NULL;
}

static __always_inline struct as_event *reserve(__u8 kind)
{
	/* Never true; makes every program reference cfg, so its owner can be
	 * found from any program (the verifier prunes the branch). */
	if (cfg.magic != AS_CONFIG_MAGIC)
		return NULL;
	struct as_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__u32 zero = 0;
		__u64 *n = bpf_map_lookup_elem(&lost, &zero);
		if (n)
			*n += 1; /* per-CPU slot: no atomics needed */
		return NULL;
	}
	e->ts = bpf_ktime_get_ns();
	e->kind = kind;
	e->flags = 0;
	e->cpu = bpf_get_smp_processor_id();
	e->syscall = -1;
	e->state = 0;
	e->pad = 0;
	e->pid2 = 0;
	e->tgid2 = 0;
	e->rt = 0;
	e->rt2 = 0;
	e->comm2[0] = 0;
	return e;
}

/* The reader drains on a timer (every 20 ms): an event never wakes it, which
 * would add a context switch per event to the very switches being counted. The
 * exception is a ring more than wake_bytes full (half of it): then the reader
 * may have been kept off its CPU, and is woken at once rather than let events
 * be lost (the libbpf-tools way; the check is one subtraction in the kernel). */
static __always_inline void submit(struct as_event *e)
{
	__u64 waiting = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	bpf_ringbuf_submit(e, waiting > cfg.wake_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

/* Defined with the event waits below. */
static __always_inline void sleep_out(struct task_struct *prev);
static __always_inline void sleep_in(struct task_struct *next);
static __always_inline void held_exit(struct task_struct *task, __u32 tid, __u32 tgid);

static __always_inline int on_switch(bool raw, bool preempt, struct task_struct *prev,
				     struct task_struct *next, __u32 prev_state)
{
	__u32 ptgid = RD(raw, prev, tgid), ntgid = RD(raw, next, tgid);
	__u8 flags = 0;

	if (is_traced(ptgid))
		flags |= AS_SW_PREV;
	if (is_traced(ntgid))
		flags |= AS_SW_NEXT;
	if (!flags)
		return 0;
	/* Where a loop sleeps away from its wait: tp_btf only (sleep_out). */
	if (!raw && (flags & AS_SW_PREV) && !preempt &&
	    (prev_state & (AS_TASK_INTERRUPTIBLE | AS_TASK_UNINTERRUPTIBLE)))
		sleep_out(prev);
	if (!raw && (flags & AS_SW_NEXT))
		sleep_in(next);

	struct as_event *e = reserve(AS_EV_SWITCH);
	if (!e)
		return 0;
	if (preempt)
		flags |= AS_SW_PREEMPT;
	e->flags = flags;
	e->pid = RD(raw, prev, pid);
	e->tgid = ptgid;
	e->pid2 = RD(raw, next, pid);
	e->tgid2 = ntgid;
	e->state = prev_state;
	/* Both counters are current here: the scheduler updated prev's on the way
	 * out, and next's has not moved since it last ran. */
	e->rt = RD(raw, prev, se.sum_exec_runtime);
	e->rt2 = RD(raw, next, se.sum_exec_runtime);
	/* Names only for the traced side: the other is not reported. */
	e->comm[0] = 0;
	if (flags & AS_SW_PREV)
		read_comm(raw, e->comm, prev);
	if (flags & AS_SW_NEXT)
		read_comm(raw, e->comm2, next);
	if ((flags & AS_SW_PREV) && !preempt)
		e->syscall = task_syscall(raw, prev);
	submit(e);
	return 0;
}

static __always_inline int on_wakeup(bool raw, struct task_struct *p, __u8 kind)
{
	__u32 tgid = RD(raw, p, tgid);
	if (!is_traced(tgid))
		return 0;
	struct as_event *e = reserve(kind);
	if (!e)
		return 0;
	e->pid = RD(raw, p, pid);
	e->tgid = tgid;
	e->cpu = task_cpu(p);
	read_comm(raw, e->comm, p);
	submit(e);
	return 0;
}

static __always_inline int on_fork(struct task_struct *parent, struct task_struct *child)
{
	__u32 tgid = BPF_CORE_READ(parent, tgid);
	if (!is_traced(tgid))
		return 0;
	__u32 ctgid = BPF_CORE_READ(child, tgid);
	if (ctgid != tgid) {
		/* A child process: follow it too, before it can run. */
		__u8 one = 1;
		bpf_map_update_elem(&traced, &ctgid, &one, BPF_ANY);
		others = 1;
	}
	struct as_event *e = reserve(AS_EV_FORK);
	if (!e)
		return 0;
	e->pid = BPF_CORE_READ(parent, pid);
	e->tgid = tgid;
	e->pid2 = BPF_CORE_READ(child, pid);
	e->tgid2 = ctgid;
	BPF_CORE_READ_STR_INTO(&e->comm, parent, comm);
	BPF_CORE_READ_STR_INTO(&e->comm2, child, comm);
	submit(e);
	return 0;
}

static __always_inline int on_exit(struct task_struct *p)
{
	__u32 tgid = BPF_CORE_READ(p, tgid), pid = BPF_CORE_READ(p, pid);
	if (!is_traced(tgid))
		return 0;
	held_exit(bpf_get_current_task_btf(), pid, tgid); /* current is p */
	struct as_event *e = reserve(AS_EV_EXIT);
	if (!e)
		return 0;
	e->pid = pid;
	e->tgid = tgid;
	BPF_CORE_READ_STR_INTO(&e->comm, p, comm);
	submit(e);
	return 0;
}

/* 5.18 added prev_state to sched_switch, after next: the state as __schedule()
 * saw it. The task's own field may already say TASK_WAKING when a waker races
 * the switch, so older kernels get that small error. A kernel that backports
 * the argument without the version number just keeps reading the field. */
static __always_inline __u32 switch_prev_state(unsigned long long *ctx, struct task_struct *prev)
{
	if (LINUX_KERNEL_VERSION >= KERNEL_VERSION(5, 18, 0))
		return (__u32)ctx[3];
	return task_state(prev);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(as_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return on_switch(false, preempt, prev, next, switch_prev_state(ctx, prev));
}

SEC("raw_tp/sched_switch")
int BPF_PROG(as_switch_raw, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return on_switch(true, preempt, prev, next, switch_prev_state(ctx, prev));
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(as_wakeup, struct task_struct *p)
{
	return on_wakeup(false, p, AS_EV_WAKEUP);
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(as_wakeup_raw, struct task_struct *p)
{
	return on_wakeup(true, p, AS_EV_WAKEUP);
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(as_wnew, struct task_struct *p)
{
	return on_wakeup(false, p, AS_EV_WAKEUP_NEW);
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(as_wnew_raw, struct task_struct *p)
{
	return on_wakeup(true, p, AS_EV_WAKEUP_NEW);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(as_fork, struct task_struct *parent, struct task_struct *child)
{
	return on_fork(parent, child);
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(as_fork_raw, struct task_struct *parent, struct task_struct *child)
{
	return on_fork(parent, child);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(as_exit, struct task_struct *p)
{
	return on_exit(p);
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(as_exit_raw, struct task_struct *p)
{
	return on_exit(p);
}

/* The event waits (epoll_wait, epoll_pwait, epoll_pwait2, poll, ppoll, select,
 * pselect6, io_uring_enter): one program for every entry and one for every
 * exit, each attached by the loader to the syscalls/sys_{enter,exit}_<name>
 * tracepoints this kernel has. Per-syscall tracepoints cost nothing when other
 * syscalls run, where raw_syscalls would run on every syscall of the machine.
 * These tracepoints have no BTF type, so their records are described here, as
 * the format files in tracefs give them (stable since syscall tracepoints came
 * in 2.6.33). What a wait means for a thread is stalls.c's to decide. */
struct as_sys_enter {
	__u64 common;
	__s32 nr;
	__s32 pad;
	__u64 args[6];
};

struct as_sys_exit {
	__u64 common;
	__s32 nr;
	__s32 pad;
	__s64 ret;
};

/* A loop under load returns from its wait thousands of times a second, and
 * most of those returns are followed by the next entry within microseconds.
 * Sending each entry and exit would cost two events per wait (about 1.3 us a
 * request on /hello). So each thread's last return is held here, and a
 * return followed by an entry into the same wait (same syscall, same first
 * argument) within cfg.stall_ns is folded: not sent, only counted (`quick`
 * of the next exit sent). Everything around a longer gap, or a change of
 * wait, is sent. The loader sends what is still held when the trace stops
 * (as_held), and a thread's exit sends its own (on_exit). Deciding what a gap
 * means stays in userspace (stalls.c).
 *
 * Task storage (5.11) rather than a hash keyed by tid: it cannot fill up, a
 * lookup is a pointer walk from the task, and it goes when the thread does. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct as_wait_state);
} waiting SEC(".maps");

static __always_inline struct as_event *wait_event(__u8 kind, __u32 tid, __u32 tgid, __u64 ts,
						   __s32 nr)
{
	struct as_event *e = reserve(kind);
	if (!e)
		return NULL;
	e->ts = ts;
	e->pid = tid;
	e->tgid = tgid;
	e->syscall = nr;
	e->comm[0] = 0; /* the thread's name comes with its switches */
	return e;
}

/* The held return of w, sent (state: the fd of its wait; rt2: the returns
 * folded before it). */
static __always_inline void send_exit(struct as_wait_state *w, __u32 tid, __u32 tgid, __u8 flags)
{
	struct as_event *e = wait_event(AS_EV_WAIT_EXIT, tid, tgid, w->exit_ts, w->key_nr);
	w->pending = 0;
	if (!e)
		return;
	e->flags = flags;
	e->state = (__u32)w->key_fd;
	e->rt = (__u64)w->exit_ret;
	e->rt2 = w->quick;
	w->quick = 0;
	submit(e);
}

#include "where.bpf.h"

/* A thread exiting with a return held: sent now, as its storage goes with it. */
static __always_inline void held_exit(struct task_struct *task, __u32 tid, __u32 tgid)
{
	struct as_wait_state *w = bpf_task_storage_get(&waiting, task, 0, 0);
	if (w && w->pending)
		send_exit(w, tid, tgid, AS_WAIT_QUICK);
}

/* The first argument is the epoll or io_uring fd, which tells a loop's own
 * wait from another one made inside a callback; for poll and select it is an
 * address, compared all the same. */
static __always_inline int wait_enter(__s32 nr, __u64 arg0, bool epoll)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid(), now;
	__u32 tgid = pid_tgid >> 32, tid = (__u32)pid_tgid;
	if (!is_traced(tgid))
		return 0;
	now = bpf_ktime_get_ns();
	struct task_struct *task = bpf_get_current_task_btf();
	struct as_wait_state *w =
	    bpf_task_storage_get(&waiting, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (w && w->has_exit && w->key_nr == nr && w->key_fd == arg0 &&
	    now - w->exit_ts < cfg.stall_ns) {
		if (w->pending)
			w->quick++;
		w->pending = 0;
		w->entry_sent = 0;
		w->in_wait = 1;
		w->entered_nr = nr;
		w->entered_fd = arg0;
		return 0;
	}
	struct as_ep_ready *r = NULL;
	if (w) {
		if (w->pending)
			send_exit(w, tid, tgid, AS_WAIT_QUICK);
		if (epoll) {
			learn_epoll(w, tid, (__s64)arg0);
			r = w->ep ? bpf_map_lookup_elem(&ep_ready, &w->ep) : NULL;
		}
		if (w->has_exit)
			send_sleep_stack(w, task, tid, tgid, now);
		w->entry_sent = 1;
		w->in_wait = 1;
		w->entered_nr = nr;
		w->entered_fd = arg0;
	}
	/* No state (out of memory): every entry and exit is sent. */
	struct as_event *e = wait_event(AS_EV_WAIT_ENTER, tid, tgid, now, nr);
	if (!e)
		return 0;
	e->rt = arg0;
	e->state = (__u32)arg0;
	/* Counted since the last return only when this entry's wait is the one
	 * that returned (the count was reset there). */
	if (r && ready_hooked && w->has_exit && w->key_nr == nr && w->key_fd == arg0) {
		e->flags = AS_WAIT_READY;
		e->pid2 = r->count;
		e->rt2 = r->first;
	}
	submit(e);
	return 0;
}

/* Reads nothing past the first argument: the kernel refuses to attach a
 * program that may read beyond a tracepoint's record, and poll's has three. */
SEC("tp")
int as_wait_enter(struct as_sys_enter *ctx)
{
	return wait_enter(ctx->nr, ctx->args[0], false);
}

/* epoll_wait, epoll_pwait, epoll_pwait2: the same, and the instance gets a
 * ready count (count_ready). */
SEC("tp")
int as_wait_enter_epoll(struct as_sys_enter *ctx)
{
	return wait_enter(ctx->nr, ctx->args[0], true);
}

/* io_uring_enter(fd, to_submit, min_complete, flags, ...) only waits for
 * completions with IORING_ENTER_GETEVENTS and a min_complete above zero; a
 * submit-only call is not a wait, and its exit is dropped below for want of
 * an entry. */
#define AS_IORING_ENTER_GETEVENTS 1u

SEC("tp")
int as_wait_enter_uring(struct as_sys_enter *ctx)
{
	if (!(ctx->args[3] & AS_IORING_ENTER_GETEVENTS) || !(__u32)ctx->args[2])
		return 0;
	return wait_enter(ctx->nr, ctx->args[0], false);
}

SEC("tp")
int as_wait_exit(struct as_sys_exit *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32, tid = (__u32)pid_tgid;
	if (!is_traced(tgid))
		return 0;
	__u64 now = bpf_ktime_get_ns();
	__u8 flags = 0;
	struct task_struct *task = bpf_get_current_task_btf();
	struct as_wait_state *w = bpf_task_storage_get(&waiting, task, 0, 0);
	if (!w) {
		/* A wait that began before the attach (or io_uring's submit-only
		 * call as the first seen: a small error). */
		w = bpf_task_storage_get(&waiting, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (w) {
			w->in_wait = 1;
			w->entered_nr = ctx->nr;
			w->entered_fd = syscall_arg0(task);
			w->entry_sent = 1;
			w->ep_fd = -1;
			/* An epoll loop attached in its wait gets its ready count
			 * from this return on, not from its next entry: its first
			 * stall is counted too. For the other waits the first
			 * argument resolves to no eventpoll any callback passes. */
			learn_epoll(w, tid, (__s64)w->entered_fd);
		}
		flags = AS_WAIT_BEFORE;
	}
	if (!w) {
		struct as_event *e = wait_event(AS_EV_WAIT_EXIT, tid, tgid, now, ctx->nr);
		if (e) {
			e->rt = (__u64)ctx->ret;
			submit(e);
		}
		return 0;
	}
	if (!w->in_wait)
		return 0; /* not a wait: io_uring_enter that only submitted */
	w->in_wait = 0;
	w->has_exit = 1;
	w->exit_ts = now;
	w->exit_ret = ctx->ret;
	w->key_nr = w->entered_nr;
	w->key_fd = w->entered_fd;
	w->pending = 1;
	w->nsamples = 0;
	/* The ready count starts again: what becomes ready from now on waits
	 * for this loop's next turn. */
	if (w->ep && w->ep_fd == (__s64)w->key_fd) {
		struct as_ep_ready *r = bpf_map_lookup_elem(&ep_ready, &w->ep);
		if (r) {
			r->count = 0;
			r->first = 0;
			r->gen = now;
			if (r->gate < AS_GATE_LOOPS)
				gate_gen[r->gate & (AS_GATE_LOOPS - 1)] = now;
		}
	}
	if (!w->has_slot && bpf_task_storage_get(&stacks, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE))
		w->has_slot = 1;
	/* The return from a wait whose entry was sent ends what may be a stall:
	 * it carries `ready`, and is sent now. */
	if (w->entry_sent)
		send_exit(w, tid, tgid, flags);
	return 0;
}

/* The returns still held when the trace stops, for the loader to read
 * (flush_waits in astrace.c): a task iterator, as task storage cannot be
 * listed from userspace. */
SEC("iter/task")
int as_held(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	if (!task || !is_traced(task->tgid))
		return 0;
	struct as_wait_state *w = bpf_task_storage_get(&waiting, task, 0, 0);
	if (!w || !(w->pending || w->quick))
		return 0;
	struct as_held h = { .tid = task->pid };
	h.w = *w;
	bpf_seq_write(ctx->meta->seq, &h, sizeof(h));
	return 0;
}

/* One program for the five asyncscope probes; the cookie says which one. */
SEC("usdt")
int as_usdt(struct pt_regs *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	long id = 0, arg = 0;

	if (!is_traced(tgid))
		return 0;
	struct as_event *e = reserve(AS_EV_MARK);
	if (!e)
		return 0;
	bpf_usdt_arg(ctx, 0, &id);
	bpf_usdt_arg(ctx, 1, &arg);
	e->pid = (__u32)pid_tgid;
	e->tgid = tgid;
	e->state = (__u32)bpf_usdt_cookie(ctx);
	e->rt = (__u64)id;
	e->rt2 = (__u64)arg;
	e->comm[0] = 0; /* the thread's name comes with its switches */
	submit(e);
	return 0;
}
