/* The loader: opens the skeleton, probes which tracepoint flavour the kernel
 * takes, attaches, and runs the reader thread that drains the ring buffer on a
 * timer into the reorder buffer and the state machine (both pure: sm_reorder.h,
 * sched_sm.h). Nothing here decides what an event means. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/btf.h>
#include <linux/capability.h>
#include <linux/perf_event.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "astrace.h"
#include "astrace_bpf.skel.h"
#include "proc.h"
#include "schema.h"
#include "sm_reorder.h"
#include "usdt_note.h"
#include "where.h"

/* How long events wait in the reorder buffer: far more than the few
 * microseconds by which CPUs' records can be out of order in the ring buffer,
 * far less than a drain interval's worth of delay anyone would notice. */
#define REORDER_NS (2 * 1000 * 1000ull)

/* The scheduler tracepoints, each with a tp_btf and a raw_tp program. */
#define NTP 5

struct astrace {
	struct astrace_bpf *skel;
	struct ring_buffer *rb;
	struct bpf_link *links[ASTRACE_MAX_PROGS];
	int nlinks;
	struct bpf_link *usdt[AS_MARK_MAX];
	struct bpf_link *waits[2 * ASTRACE_NWAITS]; /* entry and exit of each event wait */
	int nwaits;
	struct bpf_link *epcb;	   /* ep_poll_callback: who waited */
	struct bpf_link **samples; /* a 49 Hz clock per CPU: where CPU stalls ran */
	int nsamples;
	int hooks;	/* HOOK_* loaded */
	int ready_hook; /* the one attached: 1 fentry, 2 kprobe, 3 sk_data_ready, 0 none */
	struct astrace_opts opts;
	int raw_tp;
	int syscall_names;
	int attached;
	int stopped;
	pid_t pid;
	char failed[96]; /* what astrace_start failed on */

	pthread_t reader;
	int reader_running;
	atomic_int quit;

	struct sm_reorder ro; /* touched by the reader thread only while it runs */
	struct where where;   /* likewise */
	struct sm sm;
	struct astrace_stats st;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* libbpf's print hook is one per process, so its setting is too: the last
 * astrace_open() decides. */
static atomic_int libbpf_verbose;
static atomic_int libbpf_midline; /* the last message did not end its line */
static atomic_int libbpf_quiet;	  /* trying what may fail, and has a fallback */

/* libbpf's warnings reach stderr as libbpf-tools print them; debug lines only
 * when verbose. Every line starts "libbpf: ", which libbpf's own lines mostly
 * carry already but a verifier log it passes on does not. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !atomic_load(&libbpf_verbose))
		return 0;
	if (atomic_load(&libbpf_quiet) && !atomic_load(&libbpf_verbose))
		return 0;
	char small[512], *text = small, *big = NULL;
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n >= (int)sizeof(small) && (big = malloc((size_t)n + 1))) {
		vsnprintf(big, (size_t)n + 1, fmt, aq);
		text = big;
	}
	va_end(aq);
	if (n < 0)
		return n;
	int midline = atomic_load(&libbpf_midline);
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");
		int prefix = !midline && strncmp(p, "libbpf: ", 8);
		fprintf(stderr, "%s%.*s%s", prefix ? "libbpf: " : "", (int)len, p,
			p[len] ? "\n" : "");
		midline = !p[len];
		p += len + (p[len] ? 1 : 0);
	}
	atomic_store(&libbpf_midline, midline);
	free(big);
	return n;
}

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

static int on_event(void *ctx, void *data, size_t size)
{
	struct astrace *t = ctx;
	/* A stack is named at once, while the process is there to be read. */
	if (size >= sizeof(struct as_event) && ((struct as_event *)data)->kind == AS_EV_STACK)
		where_add(&t->where, data, size);
	else if (size >= sizeof(struct as_event))
		sm_reorder_push(&t->ro, data); /* a failure is counted in ro.dropped */
	return 0;
}

/* Returns the kernel still holds (astrace.bpf.c folds a return until the
 * next entry says whether it mattered), read out by a task iterator (as_held):
 * task storage cannot be listed from userspace. A thread in a gap has its last
 * return pending; a thread back in its wait has its returns folded into the
 * count `quick`, the last at exit_ts, and its entry soon after (when exactly
 * is not kept: exit_ts stands for it). Sent as the kernel would have. */
static void flush_waits(struct astrace *t)
{
	struct bpf_link *l = bpf_program__attach_iter(t->skel->progs.as_held, NULL);
	int fd = l ? bpf_iter_create(bpf_link__fd(l)) : -1;
	struct as_held h;
	while (fd >= 0 && read(fd, &h, sizeof(h)) == (ssize_t)sizeof(h)) {
		const struct as_wait_state *w = &h.w;
		struct as_event e = { .ts = w->exit_ts,
				      .kind = AS_EV_WAIT_EXIT,
				      .flags = AS_WAIT_QUICK,
				      .syscall = w->key_nr,
				      .pid = h.tid,
				      .state = (uint32_t)w->key_fd,
				      .rt = (uint64_t)w->exit_ret,
				      .rt2 = w->pending ? w->quick : w->quick - 1 };
		if (sm_add_wait(&t->sm, &e))
			break;
		if (w->pending || !w->in_wait || w->entry_sent)
			continue;
		e.kind = AS_EV_WAIT_ENTER;
		e.flags = 0;
		e.syscall = w->entered_nr;
		e.state = (uint32_t)w->entered_fd;
		e.rt = w->entered_fd;
		e.rt2 = 0;
		if (sm_add_wait(&t->sm, &e))
			break;
	}
	if (fd >= 0)
		close(fd);
	bpf_link__destroy(l);
}

/* The last drain, after the detach: everything left goes to the state machine. */
static void drain_all(struct astrace *t)
{
	ring_buffer__consume(t->rb);
	sm_reorder_flush(&t->ro, &t->sm);
	flush_waits(t);
}

/* Wakes every drain_ms: the programs submit without a wakeup, which keeps the
 * tracer from adding the very context switches it is counting, except when the
 * ring is half full (submit() in astrace.bpf.c), when the poll returns at once.
 * ring_buffer__poll only reads a ring its epoll reported, which a submit
 * without wakeup never makes it do: the consume after it reads what is there
 * either way (until it did, events waited for the end of the trace, and a
 * stack arrived after its process had gone, unnamed). */
static void *reader_main(void *arg)
{
	struct astrace *t = arg;
	while (!atomic_load(&t->quit)) {
		ring_buffer__poll(t->rb, (int)t->opts.drain_ms);
		ring_buffer__consume(t->rb);
		sm_reorder_release(&t->ro, &t->sm, mono_ns());
	}
	return NULL;
}

static const char *const tracepoints[NTP] = { "sched_switch", "sched_wakeup", "sched_wakeup_new",
					      "sched_process_fork", "sched_process_exit" };

/* Whether a BTF string section names a "btf_trace_<tp>" type for each
 * tracepoint (bit 0), and the function ep_poll_callback (bit 1: fentry can
 * attach; a kernel that inlined or renamed it has no such name). The section
 * starts with an empty string, so every name has a NUL before it. */
#define BTF_TP_TYPES 1
#define BTF_EPCB     2
static const char epcb_name[] = "\0ep_poll_callback";

static int trace_types_named(const char *strs, size_t len)
{
	int found = BTF_TP_TYPES;
	for (int i = 0; i < NTP; i++) {
		char name[64];
		int n = snprintf(name, sizeof(name), "%cbtf_trace_%s", 0, tracepoints[i]);
		if (!memmem(strs, len, name, (size_t)n + 1))
			found = 0;
	}
	if (memmem(strs, len, epcb_name, sizeof(epcb_name)))
		found |= BTF_EPCB;
	return found;
}

/* Whether the kernel takes tp_btf programs on our tracepoints, by the types
 * libbpf-tools' runqslower probes for: the kernel's BTF must describe each
 * tracepoint with a btf_trace_<name> typedef, which kernels emit since 5.5 (the
 * release that added tp_btf) when built with CONFIG_DEBUG_INFO_BTF. Only the
 * names are looked for, in the string section, rather than parsing all the
 * types (libbpf does that once more for the load): reading the 5 MB file
 * costs ~15 us a page through sysfs, where mapping it, which recent kernels
 * allow, costs about a millisecond. A "no" costs only the cheaper flavour: the
 * raw_tp programs do the same work. */
static int btf_probe(void)
{
	int ok = 0, fd = open("/sys/kernel/btf/vmlinux", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	struct btf_header h;
	if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) || h.magic != BTF_MAGIC)
		goto out;
	size_t off = (size_t)h.hdr_len + h.str_off, len = h.str_len;
	char *map = mmap(NULL, off + len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map != MAP_FAILED) {
		ok = trace_types_named(map + off, len);
		munmap(map, off + len);
		goto out;
	}
	/* Older kernels: read the strings, a page per call (sysfs). */
	char *strs = malloc(len);
	size_t got = 0;
	while (strs && got < len) {
		ssize_t n = pread(fd, strs + got, len - got, (off_t)(off + got));
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	ok = strs && got == len ? trace_types_named(strs, len) : 0;
	free(strs);
out:
	close(fd);
	return ok;
}

/* The ready count's hooks (astrace.bpf.c, count_ready), best first. */
#define HOOK_FENTRY  1 /* fentry/ep_poll_callback: every kind of fd */
#define HOOK_KPROBE  2 /* kprobe/ep_poll_callback: the same, dearer */
#define HOOK_SKREADY 4 /* the sk_data_ready tracepoint (6.5): sockets only */

/* Loads one flavour: the other's programs stay out of the kernel; and the
 * ready hooks in hooks (HOOK_*). */
static void choose_programs(struct astrace_bpf *s, int raw, int hooks)
{
	bpf_program__set_autoload(s->progs.as_epcb, hooks & HOOK_FENTRY);
	bpf_program__set_autoload(s->progs.as_epcb_kp, hooks & HOOK_KPROBE);
	bpf_program__set_autoload(s->progs.as_sk_ready, hooks & HOOK_SKREADY);
	struct bpf_program *btf[NTP] = { s->progs.as_switch, s->progs.as_wakeup, s->progs.as_wnew,
					 s->progs.as_fork, s->progs.as_exit };
	struct bpf_program *rawp[NTP] = { s->progs.as_switch_raw, s->progs.as_wakeup_raw,
					  s->progs.as_wnew_raw, s->progs.as_fork_raw,
					  s->progs.as_exit_raw };
	for (int i = 0; i < NTP; i++) {
		bpf_program__set_autoload(btf[i], !raw);
		bpf_program__set_autoload(rawp[i], raw);
	}
}

/* Whether the kernel loads an fentry program on ep_poll_callback: a two-
 * instruction one, as lockdown refuses fentry at load whatever the program.
 * Costs a parse of the kernel's BTF (tens of ms), against a second load of
 * every program (hundreds) when the first is refused. */
static int fentry_loads(void)
{
	int id = libbpf_find_vmlinux_btf_id("ep_poll_callback", BPF_TRACE_FENTRY);
	if (id <= 0)
		return 0;
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_TRACE_FENTRY,
		    .attach_btf_id = (uint32_t)id);
	int fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "probe_fentry", "GPL", insns, 2, &o);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

static int open_and_load(struct astrace *t, int raw, int hooks)
{
	struct astrace_bpf *s = astrace_bpf__open();
	if (!s)
		return errno ? -errno : -EINVAL;
	s->rodata->cfg.owner = (uint32_t)getpid();
	s->rodata->cfg.wake_bytes = t->opts.ringbuf_kb * 1024u / 2;
	s->rodata->cfg.stall_ns = t->opts.stall_ns;
	choose_programs(s, raw, hooks);
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
	atomic_store(&libbpf_verbose, t->opts.verbose != 0);
	libbpf_set_print(libbpf_print);

	/* tp_btf reads task fields directly, raw_tp through probe reads. The
	 * ready count's hooks: fentry where BTF names ep_poll_callback, a kprobe
	 * where the kernel has kprobes, and the sk_data_ready tracepoint. A
	 * kernel that refuses fentry at load (lockdown does) gets a second load
	 * without the ep_poll_callback ones, the first load's complaints unsaid. */
	int btf = btf_probe(), raw = t->opts.force_raw_tp || !(btf & BTF_TP_TYPES), rc;
	int hooks = t->opts.no_ready_hook ? 0
					  : HOOK_SKREADY | ((btf & BTF_EPCB) ? HOOK_FENTRY : 0) |
						(access("/sys/bus/event_source/devices/kprobe", F_OK)
						     ? 0
						     : HOOK_KPROBE);
	if ((hooks & HOOK_FENTRY) && !fentry_loads())
		hooks &= ~HOOK_FENTRY;
	atomic_store(&libbpf_quiet, (hooks & (HOOK_FENTRY | HOOK_KPROBE)) != 0);
	rc = open_and_load(t, raw, hooks);
	atomic_store(&libbpf_quiet, 0);
	if (rc && (hooks & (HOOK_FENTRY | HOOK_KPROBE)))
		rc = open_and_load(t, raw, hooks & HOOK_SKREADY);
	if (rc)
		goto fail;
	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), on_event, t, NULL);
	if (!t->rb) {
		rc = errno ? -errno : -ENOMEM;
		goto fail;
	}
	*out = t;
	return 0;
fail:
	astrace_close(t);
	return rc;
}

struct thread_walk {
	struct astrace *t;
	pid_t pid;
};

/* The syscall a thread is blocked in now, from /proc/PID/task/TID/syscall: its
 * first field is the number, or "running", or -1 outside a syscall. -1 when
 * none or unreadable (it needs ptrace rights, which the tracer has). */
static int blocked_syscall(pid_t pid, pid_t tid)
{
	char path[64], buf[32] = { 0 };
	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", (int)pid, (int)tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || buf[0] < '0' || buf[0] > '9')
		return -1;
	return atoi(buf);
}

static int add_thread(pid_t tid, void *arg)
{
	struct thread_walk *w = arg;
	struct proc_stat st;
	/* A thread gone since the listing has no name; it is added anyway, as an
	 * exit event may still come for it. */
	proc_stat_read(w->pid, tid, &st);
	sm_add_thread(&w->t->sm, (uint32_t)tid, (uint32_t)w->pid, st.comm);
	/* Its unknown stretch gets a name when it sleeps through the attach: a
	 * sleep that began before it has no switch to name it. Read after the
	 * attach, so a thread that woke meanwhile may name its next sleep. */
	sm_unknown_syscall(&w->t->sm, (uint32_t)tid, blocked_syscall(w->pid, tid));
	return 0;
}

/* Threads alive at attach: they get an interval even if they never run. */
static int add_existing_threads(struct astrace *t, pid_t pid)
{
	struct thread_walk w = { t, pid };
	return proc_threads(pid, add_thread, &w);
}

/* The parent pid from /proc/PID/stat, -1 when it cannot be read. */
static pid_t parent_of(pid_t pid)
{
	struct proc_stat st;
	return proc_stat_read(pid, 0, &st) ? -1 : st.ppid;
}

/* Child processes that exist before the attach (a server's workers): the
 * fork hook only sees the ones created after. Walks /proc once, then follows
 * parent links up to pid; a process forked meanwhile is caught by the hook. */
struct family {
	pid_t root;
	size_t n, cap;
	struct pp {
		pid_t pid, ppid;
	} * v;
};

static int note_parent(pid_t pid, void *arg)
{
	struct family *f = arg;
	pid_t ppid = parent_of(pid);
	if (pid == f->root || ppid <= 0)
		return 0;
	if (f->n == f->cap) {
		size_t nc = f->cap ? f->cap * 2 : 256;
		struct pp *q = realloc(f->v, nc * sizeof(*q));
		if (!q)
			return -ENOMEM; /* the fork hook still sees new children */
		f->v = q;
		f->cap = nc;
	}
	f->v[f->n].pid = pid;
	f->v[f->n++].ppid = ppid;
	return 0;
}

static void add_descendants(struct astrace *t, pid_t root)
{
	struct family f = { .root = root };
	proc_each(note_parent, &f);
	size_t n = f.n;
	struct pp *v = f.v;
	/* Repeat until no new descendant turns up: parents may be listed after
	 * their children. Depth is small in practice. */
	int fd = bpf_map__fd(t->skel->maps.traced);
	for (int changed = 1; changed;) {
		changed = 0;
		for (size_t i = 0; i < n; i++) {
			uint32_t parent = (uint32_t)v[i].ppid, child = (uint32_t)v[i].pid;
			uint8_t one = 1, *dummy = &one;
			if (v[i].pid == 0)
				continue;
			if (parent != (uint32_t)root && bpf_map_lookup_elem(fd, &parent, dummy))
				continue;
			if (bpf_map_update_elem(fd, &child, &one, BPF_ANY))
				continue;
			t->skel->bss->others = 1; /* the programs now look in the map */
			add_existing_threads(t, v[i].pid);
			v[i].pid = 0; /* done */
			changed = 1;
		}
	}
	free(v);
}

static void note_probe(const char *provider, const char *name, void *arg)
{
	unsigned *present = arg;
	if (strcmp(provider, "asyncscope"))
		return;
	int k = schema_mark_parse(name);
	if (k > 0)
		*present |= 1u << k;
}

/* Attaches to the asyncscope probes the executable has; none is not an error.
 * The uprobes are bound to pid's address space (all its threads, and the
 * program it execs next), so other processes running the same file do not take
 * the trap: each hit costs microseconds. Child processes are not covered. */
static int attach_usdt(struct astrace *t, pid_t pid, const char *exe)
{
	unsigned present = 0;
	if (usdt_note_each(exe, note_probe, &present) < 0 || !present)
		return 0;
	for (int k = 1; k < AS_MARK_MAX; k++) {
		if (!(present & (1u << k)))
			continue;
		LIBBPF_OPTS(bpf_usdt_opts, uo, .usdt_cookie = (uint64_t)k);
		struct bpf_link *l = bpf_program__attach_usdt(
		    t->skel->progs.as_usdt, pid, exe, "asyncscope", schema_mark_name(k), &uo);
		if (!l) {
			int err = errno ? -errno : -EINVAL;
			snprintf(t->failed, sizeof(t->failed), "USDT asyncscope:%s",
				 schema_mark_name(k));
			return err;
		}
		t->usdt[k] = l;
		t->st.usdt_probes++;
	}
	return 0;
}

/* The event waits that make a thread an event loop (stalls.h). Each syscall
 * has its own tracepoints, so a thread calling anything else costs nothing. */
static const char *const wait_syscalls[ASTRACE_NWAITS] = {
	"epoll_wait", "epoll_pwait", "epoll_pwait2", "poll",
	"ppoll",      "select",	     "pselect6",     "io_uring_enter",
};

/* as_wait_enter and as_wait_exit on syscalls/sys_{enter,exit}_<name> for each
 * event wait this kernel has a tracepoint for: an architecture without one
 * (aarch64 has no epoll_wait, poll or select: libc calls the p-versions) or a
 * kernel without it is skipped; any other failure names the tracepoint. */
static int attach_waits(struct astrace *t)
{
	for (int i = 0; i < ASTRACE_NWAITS; i++) {
		char tp[40];
		snprintf(tp, sizeof(tp), "sys_enter_%s", wait_syscalls[i]);
		struct bpf_program *enter =
		    !strcmp(wait_syscalls[i], "io_uring_enter") ? t->skel->progs.as_wait_enter_uring
		    : !strncmp(wait_syscalls[i], "epoll", 5)	 ? t->skel->progs.as_wait_enter_epoll
								 : t->skel->progs.as_wait_enter;
		struct bpf_link *in = bpf_program__attach_tracepoint(enter, "syscalls", tp);
		int err = in ? 0 : errno ? -errno : -EINVAL;
		if (err == -ENOENT)
			continue;
		struct bpf_link *out = NULL;
		if (!err) {
			t->waits[t->nwaits++] = in;
			snprintf(tp, sizeof(tp), "sys_exit_%s", wait_syscalls[i]);
			out = bpf_program__attach_tracepoint(t->skel->progs.as_wait_exit,
							     "syscalls", tp);
			err = out ? 0 : errno ? -errno : -EINVAL;
		}
		if (err) {
			snprintf(t->failed, sizeof(t->failed), "%s (tracepoint/syscalls/%s)",
				 in ? "as_wait_exit" : bpf_program__name(enter), tp);
			return err;
		}
		t->waits[t->nwaits++] = out;
		t->st.wait_syscalls++;
	}
	return 0;
}

/* The first ready hook that attaches, best first. None is not an error:
 * ready falls back to a lower bound (stalls.h), and the stats say so; hence
 * libbpf's complaints about the ones that fail are not printed. */
static void attach_ready_hook(struct astrace *t)
{
	struct bpf_program *p[3] = { t->skel->progs.as_epcb, t->skel->progs.as_epcb_kp,
				     t->skel->progs.as_sk_ready };
	atomic_store(&libbpf_quiet, 1);
	for (int i = 0; i < 3 && !t->epcb; i++)
		if ((t->hooks & (1 << i)) && (t->epcb = bpf_program__attach(p[i])))
			t->ready_hook = i + 1;
	atomic_store(&libbpf_quiet, 0);
	t->skel->bss->ready_hooked = t->epcb != NULL;
}

/* A 49 Hz CPU clock on every CPU, for as_sample: a prime rate that does not
 * beat with 10 ms timers, and a stall of 100 ms gets a few samples. A CPU
 * that cannot be sampled (offline) is skipped; none is not an error either:
 * CPU stalls then have no stack. */
static void attach_samples(struct astrace *t)
{
	int ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0 || !(t->samples = calloc((size_t)ncpu, sizeof(*t->samples))))
		return;
	for (int cpu = 0; cpu < ncpu; cpu++) {
		struct perf_event_attr a = { .type = PERF_TYPE_SOFTWARE,
					     .size = sizeof(a),
					     .config = PERF_COUNT_SW_CPU_CLOCK,
					     .sample_freq = 49,
					     .freq = 1 };
		int fd = (int)syscall(SYS_perf_event_open, &a, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
		if (fd < 0)
			continue;
		struct bpf_link *l = bpf_program__attach_perf_event(t->skel->progs.as_sample, fd);
		if (!l) {
			close(fd);
			continue;
		}
		t->samples[t->nsamples++] = l; /* the link closes fd */
	}
}

/* Programs attached by their own code, not by attach_programs(). */
static int attached_elsewhere(const struct astrace *t, const struct bpf_program *p)
{
	const struct astrace_bpf *k = t->skel;
	return p == k->progs.as_usdt || p == k->progs.as_wait_enter ||
	       p == k->progs.as_wait_enter_uring || p == k->progs.as_wait_enter_epoll ||
	       p == k->progs.as_wait_exit || p == k->progs.as_epcb || p == k->progs.as_epcb_kp ||
	       p == k->progs.as_sk_ready ||
	       p == k->progs.as_sample || p == k->progs.as_held;
}

/* Attaches every loaded program but those above, one by one, so a failure
 * names its program. */
static int attach_programs(struct astrace *t)
{
	struct bpf_program *p;
	bpf_object__for_each_program(p, t->skel->obj)
	{
		if (!bpf_program__autoload(p) || attached_elsewhere(t, p))
			continue;
		if (t->nlinks == ASTRACE_MAX_PROGS)
			return -E2BIG;
		struct bpf_link *l = bpf_program__attach(p);
		if (!l) {
			int err = errno ? -errno : -EINVAL;
			snprintf(t->failed, sizeof(t->failed), "%s (%s)", bpf_program__name(p),
				 bpf_program__section_name(p));
			return err;
		}
		t->links[t->nlinks++] = l;
	}
	return 0;
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

	t->st.t_start = mono_ns();
	sm_init(&t->sm, t->st.t_start);
	where_init(&t->where);
	t->attached = 1;
	rc = attach_programs(t);
	if (!rc)
		rc = attach_waits(t);
	if (rc)
		return rc;
	attach_ready_hook(t);
	attach_samples(t);

	char exe[PATH_MAX];
	const char *path = t->opts.exe;
	if (!path) {
		char link[64];
		snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
		ssize_t n = readlink(link, exe, sizeof(exe) - 1);
		if (n > 0) {
			exe[n] = 0;
			path = exe;
		}
	}
	if (path && !t->opts.no_usdt) {
		rc = attach_usdt(t, pid, path);
		if (rc)
			return rc;
	}
	/* After attaching, so a thread born meanwhile is either listed here or
	 * reported by a fork event (or both, which the state machine merges). */
	rc = add_existing_threads(t, pid);
	if (!rc)
		add_descendants(t, pid);
	if (!rc)
		rc = astrace_pid_check(pid);
	if (rc)
		return -ESRCH; /* gone during the attach */
	if (t->opts.fault_after_attach)
		return -EIO;

	atomic_store(&t->quit, 0);
	rc = pthread_create(&t->reader, NULL, reader_main, t);
	if (rc)
		return -rc;
	t->reader_running = 1;
	return 0;
}

const char *astrace_failed(const struct astrace *t)
{
	return t ? t->failed : "";
}

static void *destroy_link(void *l)
{
	bpf_link__destroy(l);
	return NULL;
}

/* Detaching a tracepoint waits for an RCU grace period (about 55 ms here), one
 * after another when done in a row: the 16 event-wait hooks alone took 0.9 s.
 * Detached from a thread each, the grace periods overlap. A thread that cannot
 * start detaches its link here, the slow way. */
static void destroy_links(struct bpf_link **l, int n)
{
	pthread_t th[2 * ASTRACE_NWAITS + ASTRACE_MAX_PROGS + AS_MARK_MAX + 1];
	int started[sizeof(th) / sizeof(th[0])] = { 0 };
	for (int i = 0; i < n && i < (int)(sizeof(th) / sizeof(th[0])); i++)
		if (l[i])
			started[i] = pthread_create(&th[i], NULL, destroy_link, l[i]) == 0;
	for (int i = 0; i < n; i++) {
		if (i < (int)(sizeof(th) / sizeof(th[0])) && started[i])
			pthread_join(th[i], NULL);
		else
			bpf_link__destroy(l[i]);
		l[i] = NULL;
	}
}

static void detach(struct astrace *t)
{
	struct bpf_link *all[2 * ASTRACE_NWAITS + ASTRACE_MAX_PROGS + AS_MARK_MAX + 1];
	int n = 0;
	for (int k = 0; k < AS_MARK_MAX; k++) {
		all[n++] = t->usdt[k];
		t->usdt[k] = NULL;
	}
	for (int i = 0; i < t->nlinks; i++)
		all[n++] = t->links[i];
	t->nlinks = 0;
	for (int i = 0; i < t->nwaits; i++)
		all[n++] = t->waits[i];
	t->nwaits = 0;
	all[n++] = t->epcb;
	t->epcb = NULL;
	destroy_links(all, n);
	/* Perf event links detach without a grace period to wait for. */
	for (int i = 0; i < t->nsamples; i++)
		bpf_link__destroy(t->samples[i]);
	free(t->samples);
	t->samples = NULL;
	t->nsamples = 0;
	t->attached = 0;
}

static uint64_t read_lost(struct astrace *t)
{
	int ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0)
		return 0;
	uint64_t *v = calloc((size_t)ncpu, sizeof(*v)), sum = 0;
	uint32_t zero = 0;
	if (v && !bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.lost), &zero, v))
		for (int i = 0; i < ncpu; i++)
			sum += v[i];
	free(v);
	return sum;
}

static void read_prog_stats(struct astrace *t)
{
	struct bpf_program *p;
	t->st.nprogs = 0;
	bpf_object__for_each_program(p, t->skel->obj)
	{
		int fd = bpf_program__fd(p);
		if (fd < 0 || t->st.nprogs >= ASTRACE_MAX_PROGS)
			continue;
		struct bpf_prog_info info;
		uint32_t len = sizeof(info);
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		struct astrace_prog_stat *ps = &t->st.progs[t->st.nprogs++];
		snprintf(ps->name, sizeof(ps->name), "%s", bpf_program__name(p));
		ps->run_ns = info.run_time_ns;
		ps->run_cnt = info.run_cnt;
	}
}

static void stop_reader(struct astrace *t)
{
	if (!t->reader_running)
		return;
	atomic_store(&t->quit, 1);
	pthread_join(t->reader, NULL);
	t->reader_running = 0;
}

int astrace_stop(struct astrace *t)
{
	if (!t || t->stopped)
		return 0;
	stop_reader(t);
	int was_attached = t->attached;
	if (t->skel)
		read_prog_stats(t);
	detach(t);
	t->stopped = 1;
	if (!was_attached && !t->st.t_start)
		return 0;
	t->st.t_stop = mono_ns();
	drain_all(t);
	sm_finish(&t->sm, t->st.t_stop);
	t->st.lost = read_lost(t) + t->ro.dropped;
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
	stop_reader(t);
	detach(t);
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
