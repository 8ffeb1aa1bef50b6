/* The loader: opens the skeleton, picks tp_btf or raw_tp programs, attaches,
 * and runs the reader thread that drains the ring buffer on a timer. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "astrace.h"
#include "astrace_bpf.skel.h"
#include "proc.h"
#include "schema.h"
#include "usdt_note.h"

/* Events younger than this stay in the reorder buffer until the next drain: the
 * ring buffer holds records in reservation order, which can differ from
 * timestamp order across CPUs by the few microseconds between the two. */
#define REORDER_NS (2 * 1000 * 1000ull)

struct astrace {
	struct astrace_bpf *skel;
	struct ring_buffer *rb;
	struct bpf_link *usdt[AS_MARK_MAX];
	struct astrace_opts opts;
	int raw_tp;
	int attached;
	int stopped;
	pid_t pid;

	pthread_t reader;
	int reader_running;
	atomic_int quit;

	/* Reorder buffer: touched by the reader thread only while it runs. */
	struct as_event *pend, *scratch; /* scratch: same capacity, for sorting */
	size_t npend, cap_pend;
	uint64_t dropped; /* could not be buffered (no memory) */

	struct sm sm;
	struct astrace_stats st;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* libbpf talks on stderr by default; we print nothing unless asked to debug. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	static int debug = -1;
	if (debug < 0)
		debug = getenv("ASTRACE_DEBUG") != NULL;
	if (!debug && level != LIBBPF_WARN)
		return 0;
	if (!debug)
		return 0;
	return vfprintf(stderr, fmt, ap);
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
	if (size < sizeof(struct as_event))
		return 0;
	if (t->npend == t->cap_pend) {
		size_t ncap = t->cap_pend ? t->cap_pend * 2 : 65536;
		struct as_event *p = realloc(t->pend, ncap * sizeof(*p));
		if (!p) {
			t->dropped++;
			return 0;
		}
		t->pend = p;
		p = realloc(t->scratch, ncap * sizeof(*p));
		if (!p) {
			t->dropped++;
			return 0; /* pend grew; the next event retries scratch */
		}
		t->scratch = p;
		t->cap_pend = ncap;
	}
	memcpy(&t->pend[t->npend++], data, sizeof(struct as_event));
	return 0;
}

/* Feeds the buffered events older than upto (all with UINT64_MAX) to the state
 * machine, in timestamp order, and keeps the rest for the next round. */
static void feed_pending(struct astrace *t, uint64_t upto)
{
	sm_sort(t->pend, t->npend, t->scratch);
	size_t i = 0;
	while (i < t->npend && t->pend[i].ts <= upto)
		sm_feed(&t->sm, &t->pend[i++]);
	if (i && i < t->npend)
		memmove(t->pend, t->pend + i, (t->npend - i) * sizeof(*t->pend));
	t->npend -= i;
}

static void drain(struct astrace *t, int final)
{
	uint64_t now = mono_ns();
	ring_buffer__consume(t->rb);
	feed_pending(t, final ? UINT64_MAX : now - REORDER_NS);
}

/* Never woken by the kernel: the programs submit without wakeup, and this thread
 * looks every drain_ms. That keeps the tracer from adding the very context
 * switches it is counting. */
static void *reader_main(void *arg)
{
	struct astrace *t = arg;
	struct timespec ts = { .tv_sec = t->opts.drain_ms / 1000,
			       .tv_nsec = (long)(t->opts.drain_ms % 1000) * 1000000L };
	while (!atomic_load(&t->quit)) {
		nanosleep(&ts, NULL);
		drain(t, 0);
	}
	return NULL;
}

static void set_program_set(struct astrace_bpf *s, int raw)
{
	struct bpf_program *btf[] = { s->progs.as_switch, s->progs.as_wakeup, s->progs.as_wnew,
				      s->progs.as_fork, s->progs.as_exit };
	struct bpf_program *rawp[] = { s->progs.as_switch_raw, s->progs.as_wakeup_raw,
				       s->progs.as_wnew_raw, s->progs.as_fork_raw,
				       s->progs.as_exit_raw };
	for (size_t i = 0; i < sizeof(btf) / sizeof(btf[0]); i++) {
		bpf_program__set_autoload(btf[i], !raw);
		bpf_program__set_autoload(rawp[i], raw);
	}
}

static int open_and_load(struct astrace *t, int raw)
{
	struct astrace_bpf *s = astrace_bpf__open();
	if (!s)
		return errno ? -errno : -EINVAL;
	s->rodata->cfg.want_syscalls = t->opts.syscalls != 0;
	s->rodata->cfg.owner = (uint32_t)getpid();
	bpf_program__set_autoload(s->progs.as_sys_enter, t->opts.syscalls != 0);
	set_program_set(s, raw);
	int rc = bpf_map__set_max_entries(s->maps.events, t->opts.ringbuf_kb * 1024u);
	if (!rc)
		rc = astrace_bpf__load(s);
	if (rc) {
		astrace_bpf__destroy(s);
		return rc < 0 ? rc : -EINVAL;
	}
	t->skel = s;
	t->raw_tp = raw;
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
	/* The ring buffer size must be a power-of-two number of pages. */
	unsigned kb = 4;
	while (kb < t->opts.ringbuf_kb)
		kb <<= 1;
	t->opts.ringbuf_kb = kb;
	libbpf_set_print(libbpf_print);

	/* tp_btf is cheaper (no probe reads); kernels without BTF-enabled
	 * tracepoints get the raw ones. ASTRACE_RAW_TP=1 forces them (tests). */
	int rc = -EINVAL;
	const char *force = getenv("ASTRACE_RAW_TP");
	if (!force || strcmp(force, "1"))
		rc = open_and_load(t, 0);
	if (rc)
		rc = open_and_load(t, 1);
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

static int add_thread(pid_t tid, void *arg)
{
	struct thread_walk *w = arg;
	struct proc_stat st;
	/* A thread gone since the listing has no name; it is added anyway, as an
	 * exit event may still come for it. */
	proc_stat_read(w->pid, tid, &st);
	sm_add_thread(&w->t->sm, (uint32_t)tid, (uint32_t)w->pid, st.comm);
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
static void add_descendants(struct astrace *t, pid_t root)
{
	DIR *d = opendir("/proc");
	if (!d)
		return;
	size_t n = 0, cap = 0;
	struct pp {
		pid_t pid, ppid;
	} *v = NULL;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		pid_t pid = (pid_t)atoi(de->d_name);
		pid_t ppid = parent_of(pid);
		if (pid == root || ppid <= 0)
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 256;
			struct pp *q = realloc(v, nc * sizeof(*v));
			if (!q)
				break;
			v = q;
			cap = nc;
		}
		v[n].pid = pid;
		v[n++].ppid = ppid;
	}
	closedir(d);
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
		struct bpf_link *l = bpf_program__attach_usdt(t->skel->progs.as_usdt, pid, exe,
							      "asyncscope", schema_mark_name(k), &uo);
		if (!l)
			return errno ? -errno : -EINVAL;
		t->usdt[k] = l;
		t->st.usdt_probes++;
	}
	return 0;
}

/* Test hook: ASTRACE_FAULT=attach_delay waits before attaching (a target can
 * exit meanwhile), =after_attach fails once everything is attached. */
static int fault(const char *what)
{
	const char *f = getenv("ASTRACE_FAULT");
	return f && !strcmp(f, what);
}

int astrace_start(struct astrace *t, pid_t pid)
{
	if (t->attached || t->stopped)
		return -EALREADY;
	int rc = astrace_pid_check(pid);
	if (rc)
		return rc;
	if (fault("attach_delay"))
		usleep(300 * 1000);
	t->pid = pid;
	uint32_t key = (uint32_t)pid;
	uint8_t one = 1;
	rc = bpf_map_update_elem(bpf_map__fd(t->skel->maps.traced), &key, &one, BPF_ANY);
	if (rc)
		return -errno;

	t->st.t_start = mono_ns();
	sm_init(&t->sm, t->st.t_start);
	t->attached = 1;
	rc = astrace_bpf__attach(t->skel);
	if (rc)
		return rc < 0 ? rc : -EINVAL;

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
	if (fault("after_attach"))
		return -EIO;

	atomic_store(&t->quit, 0);
	rc = pthread_create(&t->reader, NULL, reader_main, t);
	if (rc)
		return -rc;
	t->reader_running = 1;
	return 0;
}

static void detach(struct astrace *t)
{
	for (int k = 0; k < AS_MARK_MAX; k++) {
		bpf_link__destroy(t->usdt[k]);
		t->usdt[k] = NULL;
	}
	if (t->skel)
		astrace_bpf__detach(t->skel);
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

int astrace_stop(struct astrace *t)
{
	if (!t || t->stopped)
		return 0;
	if (t->reader_running) {
		atomic_store(&t->quit, 1);
		pthread_join(t->reader, NULL);
		t->reader_running = 0;
	}
	int was_attached = t->attached;
	if (t->skel)
		read_prog_stats(t);
	detach(t);
	t->stopped = 1;
	if (!was_attached && !t->st.t_start)
		return 0;
	t->st.t_stop = mono_ns();
	drain(t, 1);
	sm_finish(&t->sm, t->st.t_stop);
	t->st.lost = read_lost(t) + t->dropped;
	t->st.events = t->sm.events;
	t->st.late = t->sm.late;
	t->st.raw_tp = t->raw_tp;
	return t->sm.oom ? -ENOMEM : 0;
}

void astrace_close(struct astrace *t)
{
	if (!t)
		return;
	if (t->reader_running) {
		atomic_store(&t->quit, 1);
		pthread_join(t->reader, NULL);
		t->reader_running = 0;
	}
	detach(t);
	ring_buffer__free(t->rb);
	astrace_bpf__destroy(t->skel);
	sm_free(&t->sm);
	free(t->pend);
	free(t->scratch);
	free(t);
}

const struct sm *astrace_result(const struct astrace *t)
{
	return &t->sm;
}

void astrace_get_stats(const struct astrace *t, struct astrace_stats *st)
{
	*st = t->st;
	st->raw_tp = t->raw_tp;
}
