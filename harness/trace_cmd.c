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
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "schema.h"
#include "astrace.h"
#include "clock.h"
#include "files.h"
#include "json.h"
#include "cmds.h"
#include "proc.h"
#include "trace_out.h"
#include "plots.h"

static const char usage_text[] =
    "usage: bench trace (--pid PID | -- CMD ARGS...) [options]\n"
    "  --pid PID        trace a running process: its threads and child processes,\n"
	"                   those it has and those it creates\n"
    "  -- CMD ARGS...   start CMD (no shell) and trace it from its first instruction;\n"
    "                   SIGINT/SIGTERM are forwarded to it; exits with its status\n"
    "  -d, --duration SECS  stop after SECS (default: when the process exits, or Ctrl-C)\n"
    "  --out DIR        write sched.csv, marks.csv, threads.csv, meta.json there\n"
    "  --perfetto FILE  Chrome trace event JSON (ui.perfetto.dev, chrome://tracing)\n"
    "  --plot           draw DIR/timeline.png and .svg (needs --out and gnuplot)\n"
    "  --no-usdt        do not attach the asyncscope USDT probes (no marks.csv rows)\n"
    "  --syscalls       name the syscall of every sleep (hooks every syscall: costs more)\n"
    "  --ring-kb N      ring buffer size in KiB (default 8192)\n"
    "  -q, --quiet      no summary table\n";

struct topts {
	pid_t pid;
	char **cmd;
	double secs;
	const char *out, *perfetto;
	int plot, syscalls, quiet, no_usdt;
	unsigned ring_kb;
};

static int bad_usage(const char *fmt, const char *arg)
{
	fputs("bench trace: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\n", stderr);
	fputs(usage_text, stderr);
	return 2;
}

static int parse(int argc, char **argv, struct topts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end;
		if (!strcmp(a, "--")) {
			if (i + 1 >= argc)
				return bad_usage("%s needs a command after it", "--");
			o->cmd = argv + i + 1;
			return 0;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage_text, stdout);
			return 1;
		} else if (!strcmp(a, "--plot")) {
			o->plot = 1;
		} else if (!strcmp(a, "--no-usdt")) {
			o->no_usdt = 1;
		} else if (!strcmp(a, "--syscalls")) {
			o->syscalls = 1;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			o->quiet = 1;
		} else if (strcmp(a, "--pid") && strcmp(a, "-d") && strcmp(a, "--duration") &&
			   strcmp(a, "--out") && strcmp(a, "--perfetto") &&
			   strcmp(a, "--ring-kb")) {
			return bad_usage("unknown option '%s'", a);
		} else if (!v) {
			return bad_usage("%s needs a value", a);
		} else if (!strcmp(a, "--pid")) {
			errno = 0;
			long p = strtol(v, &end, 10);
			if (errno || *end || end == v || p <= 0 || p > INT_MAX)
				return bad_usage("--pid wants a process id, not '%s'", v);
			o->pid = (pid_t)p;
			i++;
		} else if (!strcmp(a, "-d") || !strcmp(a, "--duration")) {
			errno = 0;
			o->secs = strtod(v, &end);
			if (errno || *end || end == v || !(o->secs > 0) || o->secs > 1e6)
				return bad_usage("-d wants a positive number of seconds, not '%s'",
						 v);
			i++;
		} else if (!strcmp(a, "--out")) {
			o->out = v;
			i++;
		} else if (!strcmp(a, "--perfetto")) {
			o->perfetto = v;
			i++;
		} else if (!strcmp(a, "--ring-kb")) {
			errno = 0;
			long k = strtol(v, &end, 10);
			if (errno || *end || end == v || k < 4 || k > (1 << 21))
				return bad_usage("--ring-kb wants 4..2097152, not '%s'", v);
			o->ring_kb = (unsigned)k;
			i++;
		}
	}
	return 0;
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

/* The child half of -- CMD: wait until the tracer says go, then exec. */
static void child_exec(int go_fd, const char *path, char **argv, const sigset_t *oldmask)
{
	char c;
	sigprocmask(SIG_SETMASK, oldmask, NULL);
	ssize_t n;
	do
		n = read(go_fd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(127); /* the tracer gave up */
	execv(path, argv);
	fprintf(stderr, "bench trace: cannot run %s: %s\n", path, strerror(errno));
	_exit(127);
}

static int exit_code_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

/* Terminates the command when the trace ends first, so nothing is left behind. */
static int stop_child(pid_t pid, int grace_ms)
{
	int status = 0;
	kill(pid, SIGTERM);
	for (int waited = 0; waited < grace_ms; waited += 10) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(10 * 1000);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

static int write_meta(const char *dir, const struct topts *o, const struct astrace_stats *st,
		      size_t nthreads, size_t nmarks, int have_status, int status)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/" SCHEMA_META, dir);
	FILE *f = fopen(path, "we");
	if (!f)
		return -errno;
	struct utsname u;
	uname(&u);
	fprintf(f, "{\n  \"tool\": \"bench trace\",\n");
	if (o->cmd) {
		fputs("  \"command\": [", f);
		for (char **a = o->cmd; *a; a++) {
			fputs(a == o->cmd ? "" : ", ", f);
			json_str(f, *a);
		}
		fputs("],\n", f);
	}
	fprintf(f, "  \"pid\": %d,\n", (int)o->pid);
	fprintf(f, "  \"kernel\": \"%s\",\n  \"ncpu\": %ld,\n", u.release,
		sysconf(_SC_NPROCESSORS_ONLN));
	fprintf(f,
		"  \"clock\": \"CLOCK_MONOTONIC ns\",\n  \"t_start\": %llu,\n  \"t_stop\": %llu,\n",
		(unsigned long long)st->t_start, (unsigned long long)st->t_stop);
	fprintf(f, "  \"duration_s\": %.3f,\n", (double)(st->t_stop - st->t_start) / 1e9);
	fprintf(f, "  \"tracepoints\": \"%s\",\n  \"syscalls\": %s,\n",
		st->raw_tp ? "raw_tp" : "tp_btf", o->syscalls ? "true" : "false");
	fprintf(f, "  \"events\": %llu,\n  \"lost_events\": %llu,\n  \"late_events\": %llu,\n",
		(unsigned long long)st->events, (unsigned long long)st->lost,
		(unsigned long long)st->late);
	fprintf(f, "  \"threads\": %zu,\n  \"marks\": %zu,\n  \"usdt_probes\": %d", nthreads,
		nmarks, st->usdt_probes);
	/* Filled when kernel.bpf_stats_enabled=1: what the tracer itself cost. */
	fputs(",\n  \"bpf_programs\": [", f);
	for (int i = 0; i < st->nprogs; i++)
		fprintf(f, "%s\n    {\"name\": \"%s\", \"run_time_ns\": %llu, \"run_cnt\": %llu}",
			i ? "," : "", st->progs[i].name, (unsigned long long)st->progs[i].run_ns,
			(unsigned long long)st->progs[i].run_cnt);
	fputs(st->nprogs ? "\n  ]" : "]", f);
	if (have_status)
		fprintf(f, ",\n  \"exit_status\": %d", exit_code_of(status));
	fputs("\n}\n", f);
	int bad = ferror(f);
	return fclose(f) || bad ? -EIO : 0;
}

static int write_results(const struct topts *o, struct astrace *t, int have_status, int status)
{
	const struct sm *sm = astrace_result(t);
	struct astrace_stats st;
	astrace_get_stats(t, &st);
	struct trace_thread_sum *sum = NULL;
	size_t n = 0;
	int rc = trace_summarize(sm, &sum, &n);
	if (rc) {
		fprintf(stderr, "bench trace: summarizing: %s\n", strerror(-rc));
		return 1;
	}
	if (!o->quiet)
		trace_print_summary(stdout, sm, sum, n, &st, o->syscalls);
	fflush(stdout);
	int ok = 1;
	char path[PATH_MAX];
	const char *what = NULL;
	if (o->out) {
		struct {
			const char *name;
			int kind;
		} files[] = { { SCHEMA_SCHED, 0 }, { SCHEMA_MARKS, 1 }, { SCHEMA_THREADS, 2 } };
		for (size_t i = 0; i < 3 && ok; i++) {
			snprintf(path, sizeof(path), "%s/%s", o->out, files[i].name);
			rc = files[i].kind == 0	  ? trace_write_sched_csv(sm, path)
			     : files[i].kind == 1 ? trace_write_marks_csv(sm, path)
						  : trace_write_threads_csv(sum, n, path);
			if (rc) {
				what = path;
				ok = 0;
			}
		}
		if (ok && (rc = write_meta(o->out, o, &st, n, sm->nmarks, have_status, status))) {
			snprintf(path, sizeof(path), "%s/" SCHEMA_META, o->out);
			what = path;
			ok = 0;
		}
	}
	if (ok && o->perfetto && (rc = trace_write_perfetto(sm, o->perfetto))) {
		what = o->perfetto;
		ok = 0;
	}
	if (!ok)
		fprintf(stderr, "bench trace: cannot write %s: %s\n", what, strerror(-rc));
	if (ok && o->plot) {
		/* The same timeline as bench run's, with only its thread panel. */
		rc = plots_timeline(o->out);
		if (rc) {
			fprintf(stderr, "bench trace: cannot draw %s/" SCHEMA_TIMELINE_PNG ": %s\n", o->out,
				plots_error(rc));
			ok = 0;
		}
	}
	free(sum);
	return ok ? 0 : 1;
}

/* The tgid of pid, which may name a thread. */
static pid_t tgid_of(pid_t pid)
{
	char path[64], line[128];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return pid;
	pid_t tgid = pid;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Tgid:", 5)) {
			tgid = (pid_t)atoi(line + 5);
			break;
		}
	fclose(f);
	return tgid;
}

int cmd_trace(int argc, char **argv)
{
	struct topts o = { 0 };
	int rc = parse(argc, argv, &o);
	if (rc)
		return rc == 1 ? 0 : rc;
	if (!o.pid == !o.cmd)
		return bad_usage("%s", o.pid ? "--pid and -- CMD exclude each other"
					     : "say what to trace: --pid PID or -- CMD ARGS");
	if (o.plot && !o.out)
		return bad_usage("%s", "--plot needs --out DIR");

	if (astrace_check_privilege()) {
		char self[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		self[n > 0 ? n : 0] = 0;
		fprintf(stderr,
			"bench trace: tracing needs root or CAP_BPF+CAP_PERFMON; run it with "
			"sudo, or once: sudo setcap cap_bpf,cap_perfmon+ep %s\n",
			n > 0 ? self : "build/bin/bench");
		return 1;
	}

	char exe[PATH_MAX];
	if (o.cmd && (rc = resolve_cmd(o.cmd[0], exe, sizeof(exe)))) {
		fprintf(stderr, "bench trace: cannot run %s: %s\n", o.cmd[0],
			rc == -ENOENT ? "command not found" : strerror(-rc));
		return 1;
	}
	if (o.pid) {
		rc = astrace_pid_check(o.pid);
		if (rc == -EOWNERDEAD) {
			fprintf(stderr, "bench trace: process %d is a zombie (it has exited)\n",
				(int)o.pid);
			return 1;
		}
		if (rc) {
			fprintf(stderr, "bench trace: no process with pid %d\n", (int)o.pid);
			return 1;
		}
		pid_t tg = tgid_of(o.pid);
		if (tg != o.pid) {
			fprintf(stderr,
				"bench trace: %d is a thread of process %d: tracing the process\n",
				(int)o.pid, (int)tg);
			o.pid = tg;
		}
	}
	if (o.out && (rc = files_mkdirs(o.out))) {
		fprintf(stderr, "bench trace: cannot write to %s: %s\n", o.out, strerror(-rc));
		return 1;
	}
	if (o.perfetto && (rc = check_file_writable(o.perfetto))) {
		fprintf(stderr, "bench trace: cannot write %s: %s\n", o.perfetto, strerror(-rc));
		return 1;
	}

	/* Signals arrive through a signalfd in this thread; the tracer's reader
	 * thread inherits the mask and never sees them. */
	sigset_t mask, oldmask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &oldmask);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	int pidfd = -1, go[2] = { -1, -1 }, status = 0, have_status = 0, ret = 1;
	pid_t child = 0;
	struct astrace *t = NULL;

	struct astrace_opts ao = { .syscalls = o.syscalls,
				   .ringbuf_kb = o.ring_kb,
				   .exe = o.cmd ? exe : NULL,
				   .no_usdt = o.no_usdt };
	/* Debug output and test hooks (tests/trace/test_exit_paths.sh) come from the
	 * environment here, in the CLI: the library takes options only. */
	const char *fault = getenv("ASTRACE_FAULT"), *raw = getenv("ASTRACE_RAW_TP");
	ao.verbose = getenv("ASTRACE_DEBUG") != NULL;
	ao.force_raw_tp = raw && !strcmp(raw, "1");
	ao.fault_attach_delay_ms = fault && !strcmp(fault, "attach_delay") ? 300 : 0;
	ao.fault_after_attach = fault && !strcmp(fault, "after_attach");
	rc = astrace_open(&t, &ao);
	if (rc) {
		fprintf(stderr, "bench trace: cannot load the BPF programs: %s\n", strerror(-rc));
		goto out;
	}

	if (o.cmd) {
		if (pipe2(go, O_CLOEXEC)) {
			fprintf(stderr, "bench trace: pipe: %s\n", strerror(errno));
			goto out;
		}
		/* From this, the main thread: the command dies with bench (proc_fork). */
		child = proc_fork();
		if (child < 0) {
			fprintf(stderr, "bench trace: fork: %s\n", strerror(errno));
			child = 0;
			goto out;
		}
		if (child == 0) {
			close(go[1]);
			child_exec(go[0], exe, o.cmd, &oldmask);
		}
		close(go[0]);
		go[0] = -1;
		o.pid = child;
	}

	rc = astrace_start(t, o.pid);
	if (rc) {
		if (rc == -ESRCH)
			fprintf(stderr, "bench trace: process %d exited during the attach\n",
				(int)o.pid);
		else
			fprintf(stderr, "bench trace: cannot attach %s: %s\n",
				*astrace_failed(t) ? astrace_failed(t) : "the tracer",
				strerror(-rc));
		goto out;
	}
	if (o.cmd) {
		/* Everything is attached and the child's tgid is in the filter: go. */
		if (write(go[1], "g", 1) != 1) {
			fprintf(stderr, "bench trace: cannot start %s: %s\n", o.cmd[0],
				strerror(errno));
			goto out;
		}
		close(go[1]);
		go[1] = -1;
	} else {
		pidfd = (int)syscall(SYS_pidfd_open, o.pid, 0);
	}

	uint64_t deadline = o.secs > 0 ? now_ns() + (uint64_t)(o.secs * 1e9) : UINT64_MAX;
	int forwarded = 0;
	for (;;) {
		if (child && waitpid(child, &status, WNOHANG) == child) {
			have_status = 1;
			child = 0;
			break;
		}
		uint64_t now = now_ns();
		if (now >= deadline)
			break;
		if (pidfd < 0 && o.pid && !o.cmd && astrace_pid_check(o.pid))
			break; /* no pidfd (old kernel): poll /proc */
		struct pollfd p[2] = { { .fd = sfd, .events = POLLIN },
				       { .fd = pidfd, .events = POLLIN } };
		uint64_t left_ms = (deadline - now) / 1000000ull + 1;
		int r = poll(p, pidfd >= 0 ? 2 : 1, left_ms > 200 ? 200 : (int)left_ms);
		if (r > 0 && pidfd >= 0 && (p[1].revents & POLLIN))
			break; /* the traced process exited */
		if (r > 0 && (p[0].revents & POLLIN)) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) != sizeof(si) || si.ssi_signo == SIGCHLD)
				continue;
			if (!o.cmd)
				break; /* --pid: Ctrl-C or SIGTERM ends the trace */
			/* A signal from the terminal reached the command already (same
			 * process group); one sent with kill() is passed on. A second one
			 * means it did not listen. */
			if (forwarded++)
				kill(child, SIGKILL);
			else if (si.ssi_code == SI_USER || si.ssi_code == SI_QUEUE)
				kill(child, (int)si.ssi_signo);
		}
	}

	rc = astrace_stop(t);
	if (rc)
		fprintf(stderr, "bench trace: warning: out of memory, the trace is incomplete\n");
	if (child) {
		/* -d ended the trace before the command ended: end it too. */
		status = stop_child(child, 2000);
		child = 0;
	}
	ret = write_results(&o, t, have_status, status);
	if (!ret && have_status)
		ret = exit_code_of(status);
out:
	astrace_close(t);
	if (child) {
		/* An error before the command could start: it never runs. */
		kill(child, SIGKILL);
		while (waitpid(child, &status, 0) < 0 && errno == EINTR)
			;
	}
	if (go[0] >= 0)
		close(go[0]);
	if (go[1] >= 0)
		close(go[1]);
	if (pidfd >= 0)
		close(pidfd);
	if (sfd >= 0)
		close(sfd);
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	return ret;
}
