/* The loader's inside, shared by its files and by nothing else: the handle,
 * and what each file gives the others. astrace.c opens, starts, stops and
 * closes (the order of things); astrace_probe.c asks the kernel what it takes;
 * astrace_attach.c attaches and detaches; astrace_procs.c finds the traced
 * process's threads and children in /proc; astrace_read.c drains the ring
 * buffer into the reorder buffer and the state machine; astrace_log.c prints
 * libbpf's lines. Internal names carry astrace__, as libuv's carry uv__. */
#ifndef ASYNCSCOPE_ASTRACE_INT_H
#define ASYNCSCOPE_ASTRACE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include <bpf/libbpf.h>

#include "astrace.h"
#include "sched_sm.h"
#include "schema_ids.h"
#include "sm_reorder.h"
#include "where.h"

struct astrace_bpf;

/* The scheduler tracepoints, each with a tp_btf and a raw_tp program. */
#define NTP 5

/* What astrace__probe_btf finds in the kernel's BTF. */
#define BTF_TP_TYPES 1 /* a btf_trace_<tp> type for each tracepoint: tp_btf works */
#define BTF_EPCB     2 /* the function ep_poll_callback: fentry can attach */

/* The ready count's hooks (astrace.bpf.c, count_ready), best first. */
#define HOOK_FENTRY  1 /* fentry/ep_poll_callback: every kind of fd */
#define HOOK_KPROBE  2 /* kprobe/ep_poll_callback: the same, dearer */
#define HOOK_SKREADY 4 /* the sk_data_ready tracepoint (6.5): sockets only */

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

/* astrace_log.c: libbpf's lines on stderr the libbpf-tools way, its debug lines
 * only when verbose. The hook is one per process: the last call decides. quiet
 * hides what a try that has a fallback would print. */
void astrace__log_init(int verbose);
void astrace__log_quiet(int quiet);

/* astrace_probe.c: the tracepoint flavour (1: raw_tp) and the ready hooks
 * (HOOK_*) this kernel takes, as far as can be told before a load; and the
 * skeleton's programs chosen to match, before the load. */
void astrace__probe_kernel(const struct astrace_opts *o, int *raw, int *hooks);
void astrace__choose_programs(struct astrace_bpf *s, int raw, int hooks);

/* astrace_attach.c: every program on the kernel's hooks, the event waits, a
 * ready hook, the CPU samples and the USDT probes of pid's executable. 0 or a
 * negative errno, t->failed naming what failed. astrace__detach undoes it all,
 * also half of it. */
int astrace__attach(struct astrace *t, pid_t pid);
void astrace__detach(struct astrace *t);

/* astrace_procs.c: the threads of pid alive now, into the state machine; its
 * child processes existing now, into the traced map (the fork hook sees later
 * ones). 0 or -ESRCH. */
int astrace__add_threads(struct astrace *t, pid_t pid);
void astrace__add_children(struct astrace *t, pid_t root);

/* astrace_read.c: the ring buffer (0 or a negative errno), the reader thread
 * that drains it every drain_ms, the last drain after the detach, and what the
 * kernel counted: lost records and each program's run time. */
int astrace__reader_new(struct astrace *t);
int astrace__reader_start(struct astrace *t);
void astrace__reader_stop(struct astrace *t);
void astrace__read_rest(struct astrace *t);
uint64_t astrace__read_lost(struct astrace *t);
void astrace__read_prog_stats(struct astrace *t);

#endif
