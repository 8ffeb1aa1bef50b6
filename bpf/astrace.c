/* The loader, in the order of things: open (probe the kernel, load the
 * skeleton, make the ring buffer), start (attach, find the process's threads
 * and children, start the reader), stop (detach, drain the rest, count), close.
 * Each step's detail is in a file of its own (astrace_int.h lists them);
 * nothing here decides what an event means. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "astrace_int.h" /* before the skeleton: it has the shared structs */
#include "astrace_bpf.skel.h"
#include "clock.h"
#include "proc.h"

/* How long events wait in the reorder buffer: far more than the few
 * microseconds by which CPUs' records can be out of order in the ring buffer,
 * far less than a drain interval's worth of delay anyone would notice. */
#define REORDER_NS (2 * 1000 * 1000ull)

int astrace_check_privilege(void)
{
	if (geteuid() == 0)
		return 0;
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data))
		return -EPERM;
	/* CAP_PERFMON is 38 and CAP_BPF 39: both in the second word. */
	uint32_t want = (1u << (38 - 32)) | (1u << (39 - 32));
	uint32_t admin = 1u << 21; /* CAP_SYS_ADMIN covers both on any kernel */
	if ((data[1].effective & want) == want || (data[0].effective & admin))
		return 0;
	return -EPERM;
}

int astrace_pid_check(pid_t pid)
{
	struct proc_stat st;
	if (proc_stat_read(pid, 0, &st))
		return -ESRCH;
	return st.state == 'Z' || st.state == 'X' ? -EOWNERDEAD : 0;
}

static int open_and_load(struct astrace *t, int raw, int hooks)
{
	struct astrace_bpf *s = astrace_bpf__open();
	if (!s)
		return errno ? -errno : -EINVAL;
	s->rodata->cfg.owner = (uint32_t)getpid();
	s->rodata->cfg.wake_bytes = t->opts.ringbuf_kb * 1024u / 2;
	s->rodata->cfg.stall_ns = t->opts.stall_ns;
	astrace__choose_programs(s, raw, hooks);
	int rc = bpf_map__set_max_entries(s->maps.events, t->opts.ringbuf_kb * 1024u);
	if (!rc)
		rc = astrace_bpf__load(s);
	if (rc) {
		astrace_bpf__destroy(s);
		return rc < 0 ? rc : -EINVAL;
	}
	t->skel = s;
	t->raw_tp = raw;
	t->hooks = hooks;
	/* The same test the kernel side makes (task_syscall in astrace.bpf.c). */
	t->syscall_names =
	    libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_task_pt_regs, NULL) == 1;
	return 0;
}

int astrace_open(struct astrace **out, const struct astrace_opts *opts)
{
	*out = NULL;
	struct astrace *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	if (opts)
		t->opts = *opts;
	if (!t->opts.drain_ms)
		t->opts.drain_ms = 20;
	if (!t->opts.ringbuf_kb)
		t->opts.ringbuf_kb = 8192;
	if (!t->opts.stall_ns)
		t->opts.stall_ns = 100 * 1000 * 1000ull;
	/* The ring buffer size must be a power-of-two number of pages. */
	unsigned kb = 4;
	while (kb < t->opts.ringbuf_kb)
		kb <<= 1;
	t->opts.ringbuf_kb = kb;
	sm_reorder_init(&t->ro, REORDER_NS, 0);
	astrace__log_init(t->opts.verbose);

	/* A kernel that refuses an ep_poll_callback hook at load all the same
	 * gets a second load without those hooks, the first load's complaints
	 * unsaid. */
	int raw, hooks, rc;
	astrace__probe_kernel(&t->opts, &raw, &hooks);
	astrace__log_quiet((hooks & (HOOK_FENTRY | HOOK_KPROBE)) != 0);
	rc = open_and_load(t, raw, hooks);
	astrace__log_quiet(0);
	if (rc && (hooks & (HOOK_FENTRY | HOOK_KPROBE)))
		rc = open_and_load(t, raw, hooks & HOOK_SKREADY);
	if (rc)
		goto fail;
	if ((rc = astrace__reader_new(t)))
		goto fail;
	*out = t;
	return 0;
fail:
	astrace_close(t);
	return rc;
}

int astrace_start(struct astrace *t, pid_t pid)
{
	if (t->attached || t->stopped)
		return -EALREADY;
	t->failed[0] = 0;
	int rc = astrace_pid_check(pid);
	if (rc)
		return rc;
	if (t->opts.fault_attach_delay_ms)
		usleep(t->opts.fault_attach_delay_ms * 1000u);
	t->pid = pid;
	uint32_t key = (uint32_t)pid;
	uint8_t one = 1;
	rc = bpf_map_update_elem(bpf_map__fd(t->skel->maps.traced), &key, &one, BPF_ANY);
	if (rc)
		return -errno;
	t->skel->bss->root_tgid = key; /* the map's one entry, compared first */

	t->st.t_start = now_ns();
	sm_init(&t->sm, t->st.t_start);
	where_init(&t->where);
	t->attached = 1;
	if ((rc = astrace__attach(t, pid)))
		return rc;
	/* After attaching, so a thread born meanwhile is either listed here or
	 * reported by a fork event (or both, which the state machine merges). */
	rc = astrace__add_threads(t, pid);
	if (!rc)
		astrace__add_children(t, pid);
	if (!rc)
		rc = astrace_pid_check(pid);
	if (rc)
		return -ESRCH; /* gone during the attach */
	if (t->opts.fault_after_attach)
		return -EIO;

	return astrace__reader_start(t);
}

const char *astrace_failed(const struct astrace *t)
{
	return t ? t->failed : "";
}

int astrace_stop(struct astrace *t)
{
	if (!t || t->stopped)
		return 0;
	astrace__reader_stop(t);
	int was_attached = t->attached;
	if (t->skel)
		astrace__read_prog_stats(t);
	astrace__detach(t);
	t->stopped = 1;
	if (!was_attached && !t->st.t_start)
		return 0;
	t->st.t_stop = now_ns();
	astrace__read_rest(t);
	sm_finish(&t->sm, t->st.t_stop);
	t->st.lost = astrace__read_lost(t) + t->ro.dropped;
	t->st.events = t->sm.events;
	t->st.late = t->sm.late;
	t->st.raw_tp = t->raw_tp;
	t->st.syscall_names = t->syscall_names;
	t->st.stacks = t->where.n;
	t->st.stacks_unnamed = t->where.unnamed;
	return t->sm.oom ? -ENOMEM : 0;
}

void astrace_close(struct astrace *t)
{
	if (!t)
		return;
	astrace__reader_stop(t);
	astrace__detach(t);
	ring_buffer__free(t->rb);
	astrace_bpf__destroy(t->skel);
	sm_free(&t->sm);
	sm_reorder_free(&t->ro);
	where_free(&t->where);
	free(t);
}

const struct sm *astrace_result(const struct astrace *t)
{
	return &t->sm;
}

const char *astrace_ready_hook_name(int ready_hook)
{
	static const char *const names[] = { NULL, "ep_poll_callback (fentry)",
					     "ep_poll_callback (kprobe)",
					     "the sk_data_ready tracepoint (sockets only)" };
	return ready_hook >= 0 && ready_hook < 4 ? names[ready_hook] : NULL;
}

size_t astrace_stacks(const struct astrace *t, const struct stall_stack **v)
{
	*v = t->where.v;
	return t->where.n;
}

void astrace_get_stats(const struct astrace *t, struct astrace_stats *st)
{
	*st = t->st;
	st->raw_tp = t->raw_tp;
	st->syscall_names = t->syscall_names;
	st->ready_hook = t->ready_hook;
	st->cpu_samples = t->nsamples;
}
