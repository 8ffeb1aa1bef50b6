/* bench trace: follow one process through the scheduler with the astrace
 * tracer, either one already running (--pid) or a command started here and
 * traced from its first instruction (-- CMD ARGS). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "schema.h"
#include "astrace.h"
#include "clock.h"
#include "files.h"
#include "meta.h"
#include "cliopt.h"
#include "cmds.h"
#include "duration.h"
#include "proc.h"
#include "run.h"
#include "stalls.h"
#include "trace_out.h"
#include "perfetto.h"
#include "plots.h"

enum { O_PID = CLIOPT_LONG, O_OUT, O_PERFETTO, O_PLOT, O_NO_USDT, O_SYSCALLS, O_RING_KB, O_STALL,
       O_NO_READY };

static const struct cliopt opts[] = {
	{ "pid", O_PID, "PID",
	  "trace a running process: its threads and child processes,\nthose it has and those it "
	  "creates" },
	{ "duration", 'd', "D", "stop after D (default: when the process exits, or Ctrl-C)" },
	{ "out", O_OUT, "DIR",
	  "write sched.csv, marks.csv, threads.csv, stalls.csv, meta.json\nthere (default: none, "
	  "only the summary)" },
	{ "perfetto", O_PERFETTO, "FILE",
	  "Chrome trace event JSON (ui.perfetto.dev, chrome://tracing;\ndefault none)" },
	{ "plot", O_PLOT, NULL, "draw DIR/timeline.png and .svg (needs --out and gnuplot)" },
	{ "no-usdt", O_NO_USDT, NULL,
	  "do not attach the asyncscope USDT probes (no marks.csv rows;\ndefault: attached when "
	  "the binary has them)" },
	{ "syscalls", O_SYSCALLS, NULL,
	  "accepted and ignored: every sleep is named with its syscall\nwithout it, at no cost "
	  "(kernel 5.15+)" },
	{ "stall-ms", O_STALL, "D",
	  "an event loop away from its wait this long has stalled;\na bare number is ms "
	  "(default " RUN_STALL_DEFAULT ")" },
	{ "no-ready-hook", O_NO_READY, NULL,
	  "do not hook socket readiness (a few hundred ns on every socket\nevent of the machine "
	  "while a loop is away): a stall's ready count\nbecomes a lower bound from the next "
	  "wait's return" },
	{ "ring-kb", O_RING_KB, "N", "ring buffer size in KiB, 4 to 2097152 (default 8192)" },
	{ "quiet", 'q', NULL, "no summary table or stall verdict (default: printed)" },
	CLIOPT_HELP,
	CLIOPT_END,
};

static void usage(FILE *f)
{
	fputs("usage: bench trace (--pid PID | -- CMD ARGS...) [options]\n"
	      "  -- CMD ARGS...          start CMD (no shell) and trace it from its first\n"
	      "                          instruction; SIGINT/SIGTERM are forwarded to it; exits\n"
	      "                          with its status\n",
	      f);
	cliopt_print(f, opts);
	fputs("Durations (D) are written " DUR_FORMS ".\n"
	      "Exit status: the command's with -- CMD; else 0 traced, 1 failed; 2 bad usage.\n",
	      f);
}

struct topts {
	pid_t pid;
	char **cmd;
	uint64_t duration_ns; /* 0: until the process ends */
	const char *out, *perfetto;
	int plot, quiet, no_usdt, no_ready;
	unsigned ring_kb;
	uint64_t stall_ns;
};

static int bad_usage(const char *fmt, const char *arg)
{
	return cmd_usage_error("trace", usage, fmt, arg);
}

/* The command line into o: -1 to go on, or the exit code (help shown, bad usage
 * said). Options stop at the first operand, so that CMD's own options are its. */
static int parse(int argc, char **argv, struct topts *o)
{
	const struct cliopt *const tables[] = { opts, NULL };
	struct cliopt_state st;
	char err[128];
	uint64_t v;
	memset(o, 0, sizeof(*o));
	run_parse_stall(RUN_STALL_DEFAULT, &o->stall_ns);
	cliopt_begin(&st, tables, argc, argv, 1);
	for (int key; (key = cliopt_next(&st, err, sizeof(err))) != CLIOPT_DONE;) {
		const char *a = st.arg;
		switch (key) {
		case CLIOPT_BAD: return bad_usage("%s", err);
		case 'h': usage(stdout); return 0;
		case O_PLOT: o->plot = 1; break;
		case O_NO_USDT: o->no_usdt = 1; break;
		case O_NO_READY: o->no_ready = 1; break;
		case O_SYSCALLS: break; /* old scripts: names are free now */
		case 'q': o->quiet = 1; break;
		case O_OUT: o->out = a; break;
		case O_PERFETTO: o->perfetto = a; break;
		case O_PID:
			if (cliopt_uint(a, 1, INT_MAX, &v))
				return bad_usage("--pid wants a process id, not '%s'", a);
			o->pid = (pid_t)v;
			break;
		case 'd':
			if (dur_parse(a, &o->duration_ns) || !o->duration_ns)
				return bad_usage("-d wants a positive duration (like " DUR_FORMS
						 "), not '%s'",
						 a);
			break;
		case O_STALL:
			if (run_parse_stall(a, &o->stall_ns))
				return bad_usage("--stall-ms wants a duration from 1ms to 1h (like "
						 "100 or 250ms), not '%s'",
						 a);
			break;
		case O_RING_KB:
			if (cliopt_uint(a, 4, 1u << 21, &v))
				return bad_usage("--ring-kb wants 4..2097152, not '%s'", a);
			o->ring_kb = (unsigned)v;
			break;
		}
	}
	if (st.dashdash) {
		if (st.ind >= argc)
			return bad_usage("%s needs a command after it", "--");
		o->cmd = argv + st.ind;
	} else if (st.ind < argc) {
		return bad_usage("unexpected argument '%s' (a command to trace goes after --)",
				 argv[st.ind]);
	}
	if (!o->pid == !o->cmd)
		return bad_usage("%s", o->pid ? "--pid and -- CMD exclude each other"
					      : "say what to trace: --pid PID or -- CMD ARGS");
	if (o->plot && !o->out)
		return bad_usage("%s", "--plot needs --out DIR");
	return -1;
}

/* Fails early, before anything is attached, when a result cannot be written. */
static int check_file_writable(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* execvp's search, done here so the USDT probes can be looked up in the very
 * file that will be executed. */
static int resolve_cmd(const char *cmd, char *buf, size_t len)
{
	if (strchr(cmd, '/')) {
		if (snprintf(buf, len, "%s", cmd) >= (int)len)
			return -ENAMETOOLONG;
		return access(buf, X_OK) ? -errno : 0;
	}
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path; *p;) {
		const char *e = strchr(p, ':');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n && snprintf(buf, len, "%.*s/%s", (int)n, p, cmd) < (int)len) {
			struct stat st;
			if (!access(buf, X_OK) && !stat(buf, &st) && S_ISREG(st.st_mode))
				return 0;
		}
		p += n + (e ? 1 : 0);
	}
	return -ENOENT;
}

static int exit_code_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

/* One trace while it runs: what cmd_trace's steps hand each other. */
struct session {
	struct topts *o;
	char exe[PATH_MAX]; /* -- CMD: the file that will be executed */
	struct astrace *t;
	sigset_t oldmask;
	int sfd, pidfd;
	struct proc child; /* -- CMD */
	int have_status;   /* the command ended by itself, with status */
	int status;
	struct trace_thread_sum *sum;
	size_t nsum;
	struct stalls stalls;
};

static int write_meta(const char *dir, const struct topts *o, const struct astrace_stats *st,
		      const struct session *s, size_t nmarks)
{
	size_t nthreads = s->nsum;
	int have_status = s->have_status, status = s->status;
	struct meta m;
	int err = meta_create(&m, dir, "bench trace", st->t_start);
	if (err)
		return err;
	if (o->cmd)
		meta_strs(&m, META_COMMAND, o->cmd);
	meta_int(&m, META_PID, o->pid);
	meta_u64(&m, META_T_START, st->t_start);
	meta_u64(&m, META_T_STOP, st->t_stop);
	meta_num(&m, META_DURATION, (double)((st->t_stop - st->t_start) / 1000000ull) / 1e3);
	meta_str(&m, META_TRACEPOINTS, st->raw_tp ? "raw_tp" : "tp_btf");
	meta_bool(&m, META_SYSCALLS, st->syscall_names);
	meta_u64(&m, META_EVENTS, st->events);
	meta_u64(&m, META_LOST_EVENTS, st->lost);
	meta_u64(&m, META_LATE_EVENTS, st->late);
	meta_u64(&m, META_THREADS, nthreads);
	meta_u64(&m, META_MARKS, nmarks);
	meta_int(&m, META_USDT_PROBES, st->usdt_probes);
	meta_int(&m, META_WAIT_SYSCALLS, st->wait_syscalls);
	meta_num(&m, META_STALL_MS, (double)s->stalls.min_ns / 1e6);
	meta_u64(&m, META_LOOPS, s->stalls.nloops);
	meta_u64(&m, META_STALLS, s->stalls.n);
	/* Filled when kernel.bpf_stats_enabled=1: what the tracer itself cost. */
	meta_array(&m, META_BPF_PROGRAMS);
	for (int i = 0; i < st->nprogs; i++) {
		meta_object(&m, NULL);
		meta_str(&m, META_BPF_NAME, st->progs[i].name);
		meta_u64(&m, META_BPF_RUN_NS, st->progs[i].run_ns);
		meta_u64(&m, META_BPF_RUN_CNT, st->progs[i].run_cnt);
		meta_end(&m);
	}
	meta_end(&m);
	if (have_status)
		meta_int(&m, META_EXIT_STATUS, exit_code_of(status));
	return meta_commit(&m, 0);
}

/* The tgid of pid, which may name a thread. */
static pid_t tgid_of(pid_t pid)
{
	struct proc_status st;
	return proc_status_read(pid, 0, &st) ? pid : st.tgid;
}


static int can_trace(void)
{
	if (!astrace_check_privilege())
		return 1;
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = 0;
	fprintf(stderr,
		"bench trace: tracing needs root or CAP_BPF+CAP_PERFMON; run it with "
		"sudo, or once: sudo setcap cap_bpf,cap_perfmon+ep %s\n",
		n > 0 ? self : "build/bin/bench");
	return 0;
}

/* -- CMD: the file to execute; --pid: a live process, a thread's named by its
 * process. 0, or 1 said. */
static int find_process(struct session *s)
{
	struct topts *o = s->o;
	int rc;
	if (o->cmd && (rc = resolve_cmd(o->cmd[0], s->exe, sizeof(s->exe)))) {
		fprintf(stderr, "bench trace: cannot run %s: %s\n", o->cmd[0],
			rc == -ENOENT ? "command not found" : strerror(-rc));
		return 1;
	}
	if (!o->pid)
		return 0;
	rc = astrace_pid_check(o->pid);
	if (rc == -EOWNERDEAD) {
		fprintf(stderr, "bench trace: process %d is a zombie (it has exited)\n",
			(int)o->pid);
		return 1;
	}
	if (rc) {
		fprintf(stderr, "bench trace: no process with pid %d\n", (int)o->pid);
		return 1;
	}
	pid_t tg = tgid_of(o->pid);
	if (tg != o->pid) {
		fprintf(stderr, "bench trace: %d is a thread of process %d: tracing the process\n",
			(int)o->pid, (int)tg);
		o->pid = tg;
	}
	return 0;
}

/* Fails early, before anything is attached, when a result cannot be written. */
static int prepare_outputs(const struct topts *o)
{
	int rc;
	if (o->out && (rc = files_mkdirs(o->out))) {
		fprintf(stderr, "bench trace: cannot write to %s: %s\n", o->out, strerror(-rc));
		return 1;
	}
	if (o->perfetto && (rc = check_file_writable(o->perfetto))) {
		fprintf(stderr, "bench trace: cannot write %s: %s\n", o->perfetto, strerror(-rc));
		return 1;
	}
	return 0;
}

/* Signals arrive through a signalfd in this thread; the tracer's reader thread
 * inherits the mask and never sees them. */
static void catch_signals(struct session *s)
{
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &s->oldmask);
	s->sfd = signalfd(-1, &mask, SFD_CLOEXEC);
}

static int open_tracer(struct session *s)
{
	struct astrace_opts ao = { .ringbuf_kb = s->o->ring_kb,
				   .exe = s->o->cmd ? s->exe : NULL,
				   .no_usdt = s->o->no_usdt,
				   .no_ready_hook = s->o->no_ready,
				   .stall_ns = s->o->stall_ns };
	/* Debug output and test hooks (tests/trace/test_exit_paths.sh) come from the
	 * environment here, in the CLI: the library takes options only. */
	const char *fault = getenv("ASTRACE_FAULT"), *raw = getenv("ASTRACE_RAW_TP");
	ao.verbose = getenv("ASTRACE_DEBUG") != NULL;
	ao.force_raw_tp = raw && !strcmp(raw, "1");
	ao.fault_attach_delay_ms = fault && !strcmp(fault, "attach_delay") ? 2000 : 0;
	ao.fault_after_attach = fault && !strcmp(fault, "after_attach");
	int rc = astrace_open(&s->t, &ao);
	if (rc)
		fprintf(stderr, "bench trace: cannot load the BPF programs: %s\n", strerror(-rc));
	return rc ? 1 : 0;
}

/* -- CMD: started from this, the main thread, so it dies with bench
 * (proc_fork); held before exec, with the signal mask it would have had, until
 * attach() lets it go. */
static int start_command(struct session *s)
{
	struct topts *o = s->o;
	if (!o->cmd)
		return 0;
	int rc = proc_start_held(&s->child, s->exe, o->cmd, &s->oldmask);
	if (rc) {
		fprintf(stderr, "bench trace: cannot start %s: %s\n", o->cmd[0], strerror(-rc));
		return 1;
	}
	o->pid = s->child.pid;
	return 0;
}

static int attach(struct session *s)
{
	struct topts *o = s->o;
	int rc = astrace_start(s->t, o->pid);
	if (rc) {
		if (rc == -ESRCH)
			fprintf(stderr, "bench trace: process %d exited during the attach\n",
				(int)o->pid);
		else
			fprintf(stderr, "bench trace: cannot attach %s: %s\n",
				*astrace_failed(s->t) ? astrace_failed(s->t) : "the tracer",
				strerror(-rc));
		return 1;
	}
	if (!o->cmd) {
		s->pidfd = (int)syscall(SYS_pidfd_open, o->pid, 0);
		return 0;
	}
	/* Everything is attached and the child's tgid is in the filter: go. */
	rc = proc_release(&s->child);
	if (rc) {
		fprintf(stderr, "bench trace: cannot start %s: %s\n", o->cmd[0], strerror(-rc));
		return 1;
	}
	return 0;
}

/* Until the process ends, -d passes, or a signal ends the trace. */
static void run_until_done(struct session *s)
{
	struct topts *o = s->o;
	uint64_t deadline = o->duration_ns ? now_ns() + o->duration_ns : UINT64_MAX;
	int forwarded = 0;
	for (;;) {
		if (o->cmd && proc_exited(&s->child)) {
			s->status = s->child.status;
			s->have_status = 1;
			break;
		}
		uint64_t now = now_ns();
		if (now >= deadline)
			break;
		if (s->pidfd < 0 && o->pid && !o->cmd && astrace_pid_check(o->pid))
			break; /* no pidfd (old kernel): poll /proc */
		struct pollfd p[2] = { { .fd = s->sfd, .events = POLLIN },
				       { .fd = s->pidfd, .events = POLLIN } };
		uint64_t left_ms = (deadline - now) / 1000000ull + 1;
		int r = poll(p, s->pidfd >= 0 ? 2 : 1, left_ms > 200 ? 200 : (int)left_ms);
		if (r > 0 && s->pidfd >= 0 && (p[1].revents & POLLIN))
			break; /* the traced process exited */
		if (r > 0 && (p[0].revents & POLLIN)) {
			struct signalfd_siginfo si;
			if (read(s->sfd, &si, sizeof(si)) != sizeof(si) || si.ssi_signo == SIGCHLD)
				continue;
			if (!o->cmd)
				break; /* --pid: Ctrl-C or SIGTERM ends the trace */
			/* A signal from the terminal reached the command already (same
			 * process group); one sent with kill() is passed on. A second one
			 * means it did not listen. */
			if (forwarded++)
				proc_signal(&s->child, SIGKILL);
			else if (si.ssi_code == SI_USER || si.ssi_code == SI_QUEUE)
				proc_signal(&s->child, (int)si.ssi_signo);
		}
	}
}

/* Stops the tracer, ends a command that outlived -d, and sums up per thread
 * (printed unless -q). 0, or 1 said. */
static int collect(struct session *s)
{
	if (astrace_stop(s->t))
		fprintf(stderr, "bench trace: warning: out of memory, the trace is incomplete\n");
	if (s->o->cmd && !s->have_status)
		s->status = proc_stop(&s->child, 2000); /* -d ended the trace first: end it too */
	const struct sm *sm = astrace_result(s->t);
	int rc = trace_summarize(sm, &s->sum, &s->nsum);
	if (rc) {
		fprintf(stderr, "bench trace: summarizing: %s\n", strerror(-rc));
		return 1;
	}
	struct astrace_stats st;
	astrace_get_stats(s->t, &st);
	rc = stalls_find(sm, s->o->stall_ns, st.t_stop, &s->stalls);
	if (rc) {
		fprintf(stderr, "bench trace: finding stalls: %s\n", strerror(-rc));
		return 1;
	}
	const struct stall_stack *stacks;
	size_t nstacks = astrace_stacks(s->t, &stacks);
	stalls_add_stacks(&s->stalls, stacks, nstacks);
	s->stalls.ready_by = astrace_ready_hook_name(st.ready_hook);
	if (st.stacks_unnamed)
		fprintf(stderr,
			"bench trace: %llu stack%s could not be named (the process had exited "
			"before it was read): hex addresses in stalls.csv\n",
			(unsigned long long)st.stacks_unnamed, st.stacks_unnamed == 1 ? "" : "s");
	if (!s->o->quiet) {
		trace_print_summary(stdout, sm, s->sum, s->nsum, &st, st.syscall_names);
		stalls_print_verdict(stdout, &s->stalls, sm);
	}
	fflush(stdout);
	return 0;
}

/* --perfetto without --out: the files trace.json is drawn from go to a
 * directory of our own, removed once it is drawn. */
static void remove_scratch(const char *dir)
{
	static const char *const names[] = { SCHEMA_SCHED, SCHEMA_MARKS, SCHEMA_THREADS,
					     SCHEMA_STALLS, SCHEMA_META };
	char path[PATH_MAX];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!files_join(path, sizeof(path), dir, names[i])) {
			unlink(path);
			files_discard_tmp(path);
		}
	rmdir(dir);
}

/* --out's files and --perfetto, which is drawn from them (plots/perfetto.h, as
 * bench run's trace.json is). 0, or 1 said. */
static int write_outputs(struct session *s)
{
	const struct topts *o = s->o;
	const struct sm *sm = astrace_result(s->t);
	struct astrace_stats st;
	astrace_get_stats(s->t, &st);
	char path[PATH_MAX] = "", scratch[] = "/tmp/asyncscope-trace.XXXXXX";
	const char *dir = o->out;
	int rc = 0;
	if (!dir && o->perfetto) {
		if (!mkdtemp(scratch)) {
			rc = -errno;
			snprintf(path, sizeof(path), "%s", scratch);
			goto fail;
		}
		dir = scratch;
	}
	if (dir &&
	    ((rc = files_join(path, sizeof(path), dir, SCHEMA_SCHED)) ||
	     (rc = trace_write_sched_csv(sm, path)) ||
	     (rc = files_join(path, sizeof(path), dir, SCHEMA_MARKS)) ||
	     (rc = trace_write_marks_csv(sm, path)) ||
	     (rc = files_join(path, sizeof(path), dir, SCHEMA_THREADS)) ||
	     (rc = trace_write_threads_csv(s->sum, s->nsum, path)) ||
	     (rc = files_join(path, sizeof(path), dir, SCHEMA_STALLS)) ||
	     (rc = stalls_write_csv(&s->stalls, sm, path)) ||
	     (rc = files_join(path, sizeof(path), dir, SCHEMA_META)) ||
	     (rc = write_meta(dir, o, &st, s, sm->nmarks))))
		goto fail;
	if (o->perfetto && (rc = perfetto_write_dir(dir, o->perfetto, NULL))) {
		snprintf(path, sizeof(path), "%s", o->perfetto);
		goto fail;
	}
	if (dir == scratch)
		remove_scratch(scratch);
	return 0;
fail:
	fprintf(stderr, "bench trace: cannot write %s: %s\n", path, strerror(-rc));
	if (dir == scratch)
		remove_scratch(scratch);
	return 1;
}

/* The same timeline as bench run's, with only its thread panel. 0, or 1 said. */
static int plot(const struct topts *o)
{
	int rc = o->plot ? plots_timeline(o->out) : 0;
	if (rc)
		fprintf(stderr, "bench trace: cannot draw %s/" SCHEMA_TIMELINE_PNG ": %s\n", o->out,
			plots_error(rc));
	return rc ? 1 : 0;
}

/* Whatever the step that stopped: detached, nothing left running, the signal
 * mask as it was. */
static void session_end(struct session *s)
{
	astrace_close(s->t);
	/* An error before the command was released: it never runs (nothing when it
	 * was stopped or reaped already). */
	proc_stop(&s->child, 0);
	if (s->pidfd >= 0)
		close(s->pidfd);
	if (s->sfd >= 0)
		close(s->sfd);
	free(s->sum);
	stalls_free(&s->stalls);
	sigprocmask(SIG_SETMASK, &s->oldmask, NULL);
}

int cmd_trace(int argc, char **argv)
{
	struct topts o;
	int rc = parse(argc, argv, &o);
	if (rc >= 0)
		return rc; /* help, or bad usage */
	struct session s = { .o = &o, .sfd = -1, .pidfd = -1 };
	if (!can_trace() || find_process(&s) || prepare_outputs(&o))
		return 1;
	catch_signals(&s);
	rc = open_tracer(&s) || start_command(&s) || attach(&s);
	if (!rc) {
		run_until_done(&s);
		rc = collect(&s) || write_outputs(&s) || plot(&o);
	}
	if (!rc && s.have_status)
		rc = exit_code_of(s.status); /* -- CMD: its exit status is ours */
	session_end(&s);
	return rc;
}
