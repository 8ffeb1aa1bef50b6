/* Who waited and where, the part of astrace.bpf.c that serves stalls.h's items
 * beyond finding the stalls: the ready count of a loop's epoll instance (the
 * fds that became ready while it was away from its wait), and the user stack
 * of a loop thread where it slept, or ran, during a stall. Included once, by
 * astrace.bpf.c, after the event-wait state it reads (`waiting`); a header
 * only to keep each file one thing (docs/tracer.md, "Who waited", "Where"). */
#ifndef ASTRACE_WHERE_BPF_H
#define ASTRACE_WHERE_BPF_H

/* Stack snapshots of loop threads (trace_event.h): created at a thread's first
 * return from a wait, in the syscall, so the scheduler hook never allocates. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct as_stack_slot);
} stacks SEC(".maps");

/* Ready counts of the loops' epoll instances, keyed by the struct eventpoll
 * address (as_ep_ready). An entry stays until the trace ends: an instance
 * closed and another allocated at the same address would inherit it, a small
 * error. neps: entries made, so the callback costs one compare while none. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct as_ep_ready);
} ep_ready SEC(".maps");

volatile __u32 neps;

/* The readiness hooks fire for every socket of the machine, and a walk of a
 * socket's waiters costs some 400 ns. They walk only while a loop has been away
 * from its wait past the grace below (count_ready): gate_gen holds each loop
 * instance's last return (its as_ep_ready.gate slot), read without a map
 * lookup. Past AS_GATE_LOOPS instances the gate stays open. */
#define AS_GATE_LOOPS 8
volatile __u64 gate_gen[AS_GATE_LOOPS];
volatile __u32 ngate;

/* The epoll items counted since their loop's last return (value: that
 * return's time, as_ep_ready.gen), so an fd that gets data many times in one
 * stall counts once. LRU: items of closed fds age out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u64);
} ep_seen SEC(".maps");

/* Set by the loader once a ready hook is attached: until then entries do not
 * claim a count. */
volatile __u32 ready_hooked;

/* The struct eventpoll behind an epoll fd of the current task, through its fd
 * table (CO-RE reads: the table moves under RCU, a torn read gives a wrong
 * pointer that no callback will match). 0 when fd is not open. The syscall has
 * not checked yet that fd is an epoll: a wrong one gives a pointer no
 * callback passes either. */
static __always_inline __u64 epoll_of(__s64 fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	if (fd < 0 || fd >= (__s64)BPF_CORE_READ(fdt, max_fds))
		return 0;
	struct file **fds = BPF_CORE_READ(fdt, fd), *f = NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f ? (__u64)BPF_CORE_READ(f, private_data) : 0;
}

/* The first argument of the syscall the current task is returning from, from
 * its saved user registers (the exit tracepoint has only the return value). */
static __always_inline __u64 syscall_arg0(struct task_struct *task)
{
	struct pt_regs *r = (struct pt_regs *)bpf_task_pt_regs(task);
	if (!r)
		return 0;
#if defined(__TARGET_ARCH_x86)
	return BPF_CORE_READ(r, di);
#elif defined(__TARGET_ARCH_arm64)
	return BPF_CORE_READ(r, orig_x0);
#else
	return 0;
#endif
}

/* The loop's epoll instance gets a ready count, once per fd it waits on. */
static __always_inline void learn_epoll(struct as_wait_state *w, __u32 tid, __s64 fd)
{
	if (w->ep_fd == fd && w->ep)
		return;
	w->ep_fd = fd;
	w->ep = epoll_of(fd);
	if (!w->ep)
		return;
	/* A slot taken by an instance another thread registered first is wasted;
	 * running out of slots only leaves the gate open. Not atomic (clang 14's
	 * BPF target has no fetch-and-add with a result): two loops registering
	 * at the same instant may share a slot, and the one with the later
	 * return then hides the other's stall from the count. */
	__u32 slot = ngate;
	ngate = slot + 1;
	struct as_ep_ready r = { .tid = tid, .gate = slot < AS_GATE_LOOPS ? slot : AS_GATE_LOOPS };
	if (!bpf_map_update_elem(&ep_ready, &w->ep, &r, BPF_NOEXIST))
		neps = 1;
}

/* A user stack snapshot (trace_event.h) of the current task. Reads the top
 * AS_STACK_BYTES above its stack pointer, or less near the stack's end; size
 * 0 when nothing could be read. */
static __always_inline void snapshot(struct as_stack_ev *s, struct task_struct *task)
{
	s->size = 0;
#if defined(__TARGET_ARCH_x86)
	struct pt_regs *r = (struct pt_regs *)bpf_task_pt_regs(task);
	if (!r)
		return;
	s->regs[0] = BPF_CORE_READ(r, ax);
	s->regs[1] = BPF_CORE_READ(r, dx);
	s->regs[2] = BPF_CORE_READ(r, cx);
	s->regs[3] = BPF_CORE_READ(r, bx);
	s->regs[4] = BPF_CORE_READ(r, si);
	s->regs[5] = BPF_CORE_READ(r, di);
	s->regs[6] = BPF_CORE_READ(r, bp);
	s->regs[7] = BPF_CORE_READ(r, sp);
	s->regs[8] = BPF_CORE_READ(r, r8);
	s->regs[9] = BPF_CORE_READ(r, r9);
	s->regs[10] = BPF_CORE_READ(r, r10);
	s->regs[11] = BPF_CORE_READ(r, r11);
	s->regs[12] = BPF_CORE_READ(r, r12);
	s->regs[13] = BPF_CORE_READ(r, r13);
	s->regs[14] = BPF_CORE_READ(r, r14);
	s->regs[15] = BPF_CORE_READ(r, r15);
	s->regs[16] = BPF_CORE_READ(r, ip);
	/* A read that crosses the stack's end fails whole: a coroutine's stack
	 * may have little above its frame, so smaller reads are tried too. */
	void *sp = (void *)s->regs[7];
	if (!bpf_probe_read_user(s->data, AS_STACK_BYTES, sp))
		s->size = AS_STACK_BYTES;
	else if (!bpf_probe_read_user(s->data, AS_STACK_BYTES / 2, sp))
		s->size = AS_STACK_BYTES / 2;
	else if (!bpf_probe_read_user(s->data, AS_STACK_BYTES / 8, sp))
		s->size = AS_STACK_BYTES / 8;
	else if (!bpf_probe_read_user(s->data, AS_STACK_BYTES / 32, sp))
		s->size = AS_STACK_BYTES / 32;
#endif
}

/* Between a return from its wait and the next entry: where a stall happens. */
static __always_inline bool in_gap(struct as_wait_state *w)
{
	return w->has_exit && !w->in_wait;
}

/* sched_switch, tp_btf only (raw_tp's task pointers are not BTF ones, which
 * task storage wants): a loop thread going to sleep away from its wait has its
 * stack taken; when it comes back, a sleep longer than the longest so far in
 * this gap becomes the one kept. Only threads in a gap pay for a snapshot:
 * about 1 us for 8 KiB. */
static __always_inline void sleep_out(struct task_struct *prev)
{
	struct as_wait_state *w = bpf_task_storage_get(&waiting, prev, 0, 0);
	if (!w || !in_gap(w) || !w->has_slot)
		return;
	struct as_stack_slot *sl = bpf_task_storage_get(&stacks, prev, 0, 0);
	if (!sl)
		return;
	if (sl->gen != w->exit_ts) {
		sl->gen = w->exit_ts;
		sl->have = 0;
		sl->best_ns = 0;
	}
	__u8 k = sl->have ? !sl->best : 0;
	struct as_stack_ev *b = &sl->buf[k & 1];
	snapshot(b, prev);
	sl->cur = k & 1;
	sl->out_ts = bpf_ktime_get_ns();
}

static __always_inline void sleep_in(struct task_struct *next)
{
	struct as_stack_slot *sl = bpf_task_storage_get(&stacks, next, 0, 0);
	if (!sl || !sl->out_ts)
		return;
	__u64 d = bpf_ktime_get_ns() - sl->out_ts;
	sl->out_ts = 0;
	if (!sl->have || d > sl->best_ns) {
		sl->best = sl->cur;
		sl->best_ns = d;
		sl->have = 1;
	}
}

/* A sent entry ends a gap of at least the threshold, or a change of wait: its
 * stall, if stalls.c makes it one, gets the longest sleep's stack. */
static __always_inline void send_sleep_stack(struct as_wait_state *w, struct task_struct *task,
					     __u32 tid, __u32 tgid, __u64 ts)
{
	if (!w->has_slot)
		return;
	struct as_stack_slot *sl = bpf_task_storage_get(&stacks, task, 0, 0);
	if (!sl || !sl->have || sl->gen != w->exit_ts)
		return;
	struct as_stack_ev *b = &sl->buf[sl->best & 1];
	b->ts = ts;
	b->kind = AS_EV_STACK;
	b->flags = AS_STACK_SLEEP;
	b->pid = tid;
	b->tgid = tgid;
	sl->have = 0;
	if (bpf_ringbuf_output(&events, b, sizeof(*b), 0)) {
		__u32 zero = 0;
		__u64 *n = bpf_map_lookup_elem(&lost, &zero);
		if (n)
			*n += 1;
	}
}

/* Readiness in the first moment of a loop's turn is not counted: a loop busy
 * with short turns (/hello under load) is poked for nearly every request, and
 * counting each would cost the deduplicating LRU update every time. A stall is
 * at least cfg.stall_ns long, so skipping its first eighth, at most 5 ms, loses
 * only fds that became ready then and were not poked again: the count is a
 * lower bound by that much, and the oldest's age short by at most as much. */
#define AS_READY_GRACE_MAX_NS 5000000ULL

static __always_inline __u64 ready_grace(void)
{
	__u64 grace = cfg.stall_ns / 8;
	return grace < AS_READY_GRACE_MAX_NS ? grace : AS_READY_GRACE_MAX_NS;
}

/* Whether some loop has been away from its wait past the grace: the gate in
 * front of the readiness hooks (gate_gen above). A loop asleep in its wait
 * keeps the gate open too (its last return grows old); count_ready then sees
 * it on its instance's wait queue. */
static __always_inline bool gate_open(void)
{
	__u32 n = ngate;
	if (n > AS_GATE_LOOPS)
		return true;
	__u64 now = bpf_ktime_get_ns(), grace = ready_grace();
	for (__u32 i = 0; i < AS_GATE_LOOPS; i++) {
		if (i >= n)
			break;
		__u64 g = gate_gen[i];
		if (g && now - g >= grace)
			return true;
	}
	return false;
}

/* An epoll item's file became ready: counted when the item belongs to a loop's
 * instance, its loop has been away from its wait past the grace above, and
 * the item was not counted since the loop's last return, so an fd counts
 * once however often it is poked during a stall; the first is stamped. This
 * runs in the waker's context (current says nothing about the loop), for
 * every wakeup of its kind on the machine: while no loop instance is known it
 * costs one compare (neps), then a hash lookup. */
static __always_inline void count_ready(struct epitem *epi)
{
	__u64 ep = (__u64)BPF_CORE_READ(epi, ep), key = (__u64)epi;
	struct as_ep_ready *r = bpf_map_lookup_elem(&ep_ready, &ep);
	if (!r)
		return;
	if (bpf_ktime_get_ns() - r->gen < ready_grace())
		return;
	/* The loop asleep in its wait is on the instance's wait queue (the hooks
	 * run before the wakeup takes it off): this readiness wakes it, nobody
	 * waits for it. Skipped here, a busy loop's wakeups cost no more. */
	struct eventpoll *e = (struct eventpoll *)ep;
	void *wq_head = (void *)e + bpf_core_field_offset(struct eventpoll, wq) +
			bpf_core_field_offset(struct wait_queue_head, head);
	if (BPF_CORE_READ(e, wq.head.next) != wq_head)
		return;
	__u64 *seen = bpf_map_lookup_elem(&ep_seen, &key);
	if (seen && *seen == r->gen)
		return;
	__u64 gen = r->gen;
	bpf_map_update_elem(&ep_seen, &key, &gen, BPF_ANY);
	r->count++; /* racy across CPUs: a lost increment is a small error */
	if (!r->first)
		r->first = bpf_ktime_get_ns();
}

/* ep_poll_callback(wait, mode, sync, key): the hook for every kind of fd. */
static __always_inline int on_ep_callback(wait_queue_entry_t *wait)
{
	if (!neps || !gate_open())
		return 0;
	struct eppoll_entry *pwq =
	    (void *)wait - bpf_core_field_offset(struct eppoll_entry, wait);
	count_ready(BPF_CORE_READ(pwq, base));
	return 0;
}

SEC("fentry/ep_poll_callback")
int BPF_PROG(as_epcb, wait_queue_entry_t *wait)
{
	return on_ep_callback(wait);
}

SEC("kprobe/ep_poll_callback")
int BPF_KPROBE(as_epcb_kp, wait_queue_entry_t *wait)
{
	return on_ep_callback(wait);
}

/* The fallback where neither can attach (fentry refused, as under lockdown,
 * or no kprobes): the sk_data_ready tracepoint (6.5), fired when a socket
 * gets data or, for a listening one, a connection: sockets only, not
 * eventfds, timers or pipes. Its waiters are walked the way the kernel wakes
 * them; an epoll's waiter is an eppoll_entry, and any other kind gives an ep
 * address no loop registered. A socket in epoll has one such waiter, rarely
 * two: the first AS_SK_WAITERS are looked at. */
#define AS_SK_WAITERS 3

SEC("raw_tp/sk_data_ready")
int BPF_PROG(as_sk_ready, struct sock *sk)
{
	if (!neps || !gate_open())
		return 0;
	struct socket_wq *wq = BPF_CORE_READ(sk, sk_wq);
	if (!wq)
		return 0;
	struct list_head *head = (void *)wq + bpf_core_field_offset(struct socket_wq, wait) +
				 bpf_core_field_offset(struct wait_queue_head, head);
	struct list_head *pos = BPF_CORE_READ(wq, wait.head.next);
	for (int i = 0; i < AS_SK_WAITERS && pos && pos != head; i++) {
		wait_queue_entry_t *w =
		    (void *)pos - bpf_core_field_offset(struct wait_queue_entry, entry);
		struct eppoll_entry *pwq =
		    (void *)w - bpf_core_field_offset(struct eppoll_entry, wait);
		count_ready(BPF_CORE_READ(pwq, base));
		pos = BPF_CORE_READ(pos, next);
	}
	return 0;
}

/* CPU samples (the loader opens a 49 Hz clock event per CPU): a traced thread
 * caught more than the threshold after its last return, so inside a stall,
 * sends its stack, at most AS_MAX_SAMPLES a stall. Everything else returns
 * after a compare or a task storage lookup. */
SEC("perf_event")
int as_sample(struct bpf_perf_event_data *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	if (!is_traced(tgid))
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	struct as_wait_state *w = bpf_task_storage_get(&waiting, task, 0, 0);
	__u64 now = bpf_ktime_get_ns();
	if (!w || !in_gap(w) || now - w->exit_ts < cfg.stall_ns || w->nsamples >= AS_MAX_SAMPLES)
		return 0;
	struct as_stack_ev *s = bpf_ringbuf_reserve(&events, sizeof(*s), 0);
	if (!s)
		return 0;
	w->nsamples++;
	s->ts = now;
	s->kind = AS_EV_STACK;
	s->flags = AS_STACK_CPU;
	s->pad = 0;
	s->pid = (__u32)pid_tgid;
	s->tgid = tgid;
	snapshot(s, task);
	bpf_ringbuf_submit(s, 0);
	return 0;
}

#endif
