/* Attaching and detaching: the scheduler programs, the event waits, the ready
 * hook, the CPU samples and the USDT probes; each failure names its program. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/perf_event.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "astrace_int.h" /* before the skeleton: it has the shared structs */
#include "astrace_bpf.skel.h"
#include "schema.h"
#include "usdt_note.h"

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
		    : !strncmp(wait_syscalls[i], "epoll", 5)	? t->skel->progs.as_wait_enter_epoll
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
	astrace__log_quiet(1);
	for (int i = 0; i < 3 && !t->epcb; i++)
		if ((t->hooks & (1 << i)) && (t->epcb = bpf_program__attach(p[i])))
			t->ready_hook = i + 1;
	astrace__log_quiet(0);
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
	       p == k->progs.as_sk_ready || p == k->progs.as_sample || p == k->progs.as_held;
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

void astrace__detach(struct astrace *t)
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

int astrace__attach(struct astrace *t, pid_t pid)
{
	int rc = attach_programs(t);
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
	if (path && !t->opts.no_usdt)
		rc = attach_usdt(t, pid, path);
	return rc;
}
