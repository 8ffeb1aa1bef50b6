/* One cell, as a story: find the target, load the tracer, start the target and
 * attach, run the load while the sampler watches the process, stop everything,
 * and hand what came of it to the writers (cell_files.c). Processes and /proc are
 * proc.c's, the sampler thread sampler.c's. */
#include "run.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "astrace.h"
#include "causality.h"
#include "cell_files.h"
#include "clock.h"
#include "cpuset.h"
#include "files.h"
#include "loadopts.h"
#include "pcsv.h"
#include "meta.h"
#include "plots.h"
#include "proc.h"
#include "sampler.h"
#include "schema.h"
#include "stalls.h"
#include "trace_out.h"

#define STOP_GRACE_MS 3000

static volatile sig_atomic_t interrupted;

void run_interrupt(void)
{
	interrupted = 1;
	load_stop();
}

int run_interrupted(void)
{
	return interrupted;
}

void run_stamp(char *buf, size_t len, int iso)
{
	if (iso) {
		meta_time(buf, len, 0); /* the one ISO format, meta.json's */
		return;
	}
	time_t now = time(NULL);
	struct tm tm;
	strftime(buf, len, "%Y%m%d-%H%M%S", localtime_r(&now, &tm));
}

int run_parse_ready_timeout(const char *s, int *ms)
{
	uint64_t ns;
	if (dur_parse(s, &ns) || ns < 1000000ull || ns > 600ull * 1000000000ull)
		return -EINVAL;
	*ms = (int)(ns / 1000000ull);
	return 0;
}

int run_parse_stall(const char *s, uint64_t *ns)
{
	uint64_t v;
	if (*s && s[strspn(s, "0123456789")] == '\0') {
		if (strlen(s) > 7)
			return -EINVAL;
		v = strtoull(s, NULL, 10) * 1000000ull;
	} else if (dur_parse(s, &v)) {
		return -EINVAL;
	}
	if (v < 1000000ull || v > 3600ull * 1000000000ull)
		return -EINVAL;
	*ns = v;
	return 0;
}

/* The client's requests from DIR/requests.csv, for who waited during a stall.
 * 0 or a negative errno; *out is freed by the caller. */
static int read_requests(const char *dir, struct stalls_request **out, size_t *n)
{
	char path[PATH_MAX];
	*out = NULL;
	*n = 0;
	int rc = files_join(path, sizeof(path), dir, SCHEMA_REQUESTS);
	if (rc)
		return rc;
	const struct schema_csv *c = &schema_requests;
	struct pcsv f;
	rc = pcsv_open(&f, path, c->cols, c->ncols, 1u << REQCOL_T_START);
	if (rc)
		return rc;
	size_t cap = 0;
	while ((rc = pcsv_next(&f)) > 0) {
		struct stalls_request r = { 0, 0 };
		if (pcsv_u64(pcsv_get(&f, REQCOL_T_START), &r.t_start))
			continue;				/* never sent */
		pcsv_u64(pcsv_get(&f, REQCOL_T_END), &r.t_end); /* 0: never ended */
		if (*n == cap) {
			cap = cap ? cap * 2 : 1024;
			struct stalls_request *q = realloc(*out, cap * sizeof(*q));
			if (!q) {
				rc = -ENOMEM;
				break;
			}
			*out = q;
		}
		(*out)[(*n)++] = r;
	}
	pcsv_close(&f);
	return rc < 0 ? rc : 0;
}

/* DIR/stalls.csv, with the requests in flight during each stall, and the
 * verdict in words for bench run to print. 0 or a negative errno. */
static int write_stalls(const struct run_cell *c, struct astrace *tr, struct run_outcome *o)
{
	struct astrace_stats st;
	astrace_get_stats(tr, &st);
	const struct sm *sm = astrace_result(tr);
	struct stalls s;
	struct stalls_request *req = NULL;
	size_t nreq = 0;
	uint64_t min_ns = c->stall_ns;
	if (!min_ns)
		run_parse_stall(RUN_STALL_DEFAULT, &min_ns);
	int err = stalls_find(sm, min_ns, st.t_stop, &s);
	/* Without requests.csv the stalls stand, their waiting requests unknown. */
	if (!err && read_requests(c->dir, &req, &nreq) == 0)
		stalls_count_requests(&s, req, nreq);
	char path[PATH_MAX], tmp[PATH_MAX];
	if (!err)
		err = files_join(path, sizeof(path), c->dir, SCHEMA_STALLS);
	if (!err)
		err = files_tmp_path(tmp, sizeof(tmp), path);
	if (!err && (err = stalls_write_csv(&s, sm, tmp)))
		unlink(tmp);
	if (!err)
		err = files_rename_tmp(path);
	FILE *f = err ? NULL : fmemopen(o->stall_verdict, sizeof(o->stall_verdict) - 1, "w");
	if (f) {
		stalls_print_verdict(f, &s, sm);
		fclose(f);
	}
	/* The same words, whole, for the report (stalls.txt). */
	if (!err && !(err = files_join(path, sizeof(path), c->dir, SCHEMA_STALLS_TXT))) {
		f = files_create(path);
		if (f)
			stalls_print_verdict(f, &s, sm);
		err = f ? files_commit(f, path, 0) : -errno;
	}
	if (!err) {
		o->stall_ns = s.min_ns;
		o->loops = s.nloops;
		o->stalls = s.n;
	}
	free(req);
	stalls_free(&s);
	return err;
}

/* Clear of loadopts' keys (CLIOPT_LONG + 100 up) and of the commands' own. */
enum { O_TARGET_CPUS = CLIOPT_LONG + 200, O_LOAD_CPUS, O_NO_PIN };

const struct cliopt run_cpus_table[] = {
	{ "target-cpus", O_TARGET_CPUS, "LIST",
	  "CPUs for the target, as 0-2,5 (default: all but the\ngenerator's)" },
	{ "load-cpus", O_LOAD_CPUS, "LIST",
	  "CPUs for the load generator (default: a quarter of them,\nat least one, the "
	  "lowest-numbered)" },
	{ "no-pin", O_NO_PIN, NULL, "target and generator share every CPU (no isolation)" },
	CLIOPT_END,
};

int run_cpus_opt(struct run_cpus_opts *o, int key, const char *arg)
{
	switch (key) {
	case O_TARGET_CPUS: o->target = arg; return 1;
	case O_LOAD_CPUS: o->load = arg; return 1;
	case O_NO_PIN: o->no_pin = 1; return 1;
	}
	return 0;
}

/* One list given as an option into *set: a cpulist of CPUs bench may use. */
static int given_cpus(const char *opt, const char *list, const cpu_set_t *usable, cpu_set_t *set,
		      char *msg, size_t len)
{
	char u[256];
	cpuset_format(usable, u, sizeof(u));
	if (cpuset_parse(list, set)) {
		snprintf(msg, len, "--%s: '%s' is not a CPU list (like 0-2,5)", opt, list);
		return -EINVAL;
	}
	cpu_set_t outside;
	CPU_XOR(&outside, set, usable);
	CPU_AND(&outside, &outside, set);
	if (CPU_COUNT(&outside)) {
		snprintf(msg, len, "--%s: '%s' names CPUs bench may not use (it may use %s)", opt,
			 list, u);
		return -EINVAL;
	}
	return 0;
}

int run_cpus_resolve(const struct run_cpus_opts *o, struct run_cpus *c, char *msg, size_t len)
{
	memset(c, 0, sizeof(*c));
	msg[0] = '\0';
	int err = cpuset_usable(&c->usable);
	if (err) {
		snprintf(msg, len, "cannot read the CPUs bench may use: %s", strerror(-err));
		return err;
	}
	if (o->no_pin && (o->target || o->load)) {
		snprintf(msg, len, "--no-pin goes with neither --target-cpus nor --load-cpus");
		return -EINVAL;
	}
	c->target = c->load = c->usable;
	if (o->no_pin)
		return 0;
	if (!o->target && !o->load) {
		/* On one CPU there is nothing to split: not pinned, and meta.json says so. */
		c->pinned = cpuset_split(&c->usable, &c->target, &c->load) == 0;
		return 0;
	}
	if ((o->target && given_cpus("target-cpus", o->target, &c->usable, &c->target, msg, len)) ||
	    (o->load && given_cpus("load-cpus", o->load, &c->usable, &c->load, msg, len)))
		return -EINVAL;
	/* One side given: the other gets the rest, or everything when nothing is left. */
	cpu_set_t *rest = o->target ? (o->load ? NULL : &c->load) : &c->target;
	const cpu_set_t *given = o->target ? &c->target : &c->load;
	if (rest) {
		CPU_XOR(rest, &c->usable, given);
		if (!CPU_COUNT(rest))
			*rest = c->usable;
	}
	c->pinned = 1;
	cpu_set_t both;
	CPU_AND(&both, &c->target, &c->load);
	if (CPU_COUNT(&both)) {
		char t[256], l[256];
		cpuset_format(&c->target, t, sizeof(t));
		cpuset_format(&c->load, l, sizeof(l));
		snprintf(msg, len,
			 "target CPUs %s and load CPUs %s overlap: the two compete for them, and "
			 "the target's figures include the generator's appetite",
			 t, l);
		return 1;
	}
	return 0;
}

static void fail(struct run_outcome *o, const char *stderr_path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(struct run_outcome *o, const char *stderr_path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->reason, sizeof(o->reason), fmt, ap);
	va_end(ap);
	o->failed = 1;
	char tail[512] = "";
	if (stderr_path)
		files_tail(stderr_path, tail, sizeof(tail));
	size_t len = strlen(tail);
	while (len && (tail[len - 1] == '\n' || tail[len - 1] == '\r'))
		tail[--len] = '\0'; /* the reason ends with its text */
	if (tail[0] && n > 0 && (size_t)n < sizeof(o->reason) - 16)
		snprintf(o->reason + n, sizeof(o->reason) - (size_t)n, "; stderr: %s", tail);
}

/* The tracer loads before the target starts, so attaching to it is quick. NULL,
 * and the reason in trace_note, when the cell runs untraced. */
static struct astrace *tracer_open(const struct run_cell *c, struct run_outcome *o)
{
	struct astrace *tr = NULL;
	struct astrace_opts topts = { .stall_ns = c->stall_ns };
	int err;
	if (!topts.stall_ns)
		run_parse_stall(RUN_STALL_DEFAULT, &topts.stall_ns);
	if (!c->trace) {
		snprintf(o->trace_note, sizeof(o->trace_note), "not traced: --no-trace");
	} else if (astrace_check_privilege() < 0) {
		snprintf(o->trace_note, sizeof(o->trace_note),
			 "not traced: needs root or CAP_BPF+CAP_PERFMON");
	} else if ((err = astrace_open(&tr, &topts)) < 0) {
		snprintf(o->trace_note, sizeof(o->trace_note), "not traced: cannot load: %s",
			 strerror(-err));
		astrace_close(tr);
		tr = NULL;
	}
	return tr;
}

/* Attaches to the running target; on failure closes the tracer, says why, and the
 * cell goes on untraced. */
static void tracer_attach(struct astrace **tr, pid_t pid, struct run_outcome *o)
{
	int err;
	if (*tr && (err = astrace_start(*tr, pid)) < 0) {
		snprintf(o->trace_note, sizeof(o->trace_note), "not traced: attach failed%s%s: %s",
			 *astrace_failed(*tr) ? " on " : "", astrace_failed(*tr), strerror(-err));
		astrace_close(*tr);
		*tr = NULL;
	}
	o->traced = *tr != NULL;
}

/* The tracer's counts into the outcome: events, lost events, and the context
 * switches it saw, which count the threads that exited too. */
static void tracer_counts(struct astrace *tr, struct run_outcome *o)
{
	struct astrace_stats st;
	astrace_get_stats(tr, &st);
	o->events = st.events;
	o->lost_events = st.lost;
	struct trace_thread_sum *sums = NULL;
	size_t n = 0;
	o->vol_switches = o->invol_switches = 0;
	if (trace_summarize(astrace_result(tr), &sums, &n) == 0)
		for (size_t i = 0; i < n; i++) {
			o->vol_switches += sums[i].vol;
			o->invol_switches += sums[i].invol;
		}
	free(sums);
}

/* target-NAME --port 0 ARGS...: every argument the cell has, however many. NULL
 * when out of memory. */
static char **target_argv(char *path, char *const *args)
{
	size_t n = 0;
	while (args && args[n])
		n++;
	char **argv = calloc(n + 4, sizeof(*argv));
	if (!argv)
		return NULL;
	argv[0] = path;
	argv[1] = "--port";
	argv[2] = "0";
	for (size_t i = 0; i < n; i++)
		argv[3 + i] = args[i];
	return argv;
}

/* Starts the target and waits for its port; when it never gets there, the cell
 * fails with how (its exit status, the timeout) and its last stderr lines. */
static void start_target(const struct run_cell *c, char *const argv[], const char *stderr_path,
			 struct proc *p, struct run_outcome *o)
{
	int ready_ms = c->ready_timeout_ms;
	if (ready_ms <= 0)
		run_parse_ready_timeout(RUN_READY_TIMEOUT, &ready_ms);
	const struct run_cpus *cpus = c->cpus && c->cpus->pinned ? c->cpus : NULL;
	int err = proc_start_on(p, argv, stderr_path, 0, ready_ms, cpus ? &cpus->target : NULL);
	if (!err)
		return;
	char how[64];
	if (err == -ECHILD)
		proc_describe(p->status, how, sizeof(how));
	else if (err == -ETIMEDOUT)
		snprintf(how, sizeof(how), "no port within %g s", ready_ms / 1000.0);
	else
		snprintf(how, sizeof(how), "%s", strerror(-err));
	fail(o, stderr_path, "target-%s never became ready: %s", c->target, how);
	/* One that said it cannot run on this machine (exit 2 and SCHEMA_UNSUPPORTED's
	 * line, e.g. uring with io_uring disabled) is not broken: its own outcome. */
	char tail[512] = "", want[64];
	snprintf(want, sizeof(want), "target-%s: " SCHEMA_UNSUPPORTED ": ", c->target);
	files_tail(stderr_path, tail, sizeof(tail));
	const char *line = strstr(tail, want);
	if (err == -ECHILD && WIFEXITED(p->status) && WEXITSTATUS(p->status) == 2 && line) {
		o->unsupported = 1;
		line += strlen(want);
		snprintf(o->reason, sizeof(o->reason), "%.*s", (int)strcspn(line, "\n"), line);
	}
}

/* load_run on the generator's CPUs: this thread's affinity, which the load's
 * threads inherit, set for the load and restored after it. */
static int run_load(const struct run_cell *c, const struct load_config *cfg,
		    struct load_result *res)
{
	cpu_set_t before;
	int pinned = c->cpus && c->cpus->pinned;
	if (pinned && (sched_getaffinity(0, sizeof(before), &before) ||
		       sched_setaffinity(0, sizeof(c->cpus->load), &c->cpus->load)))
		return -errno;
	int err = load_run(cfg, res);
	if (pinned)
		sched_setaffinity(0, sizeof(before), &before);
	return err;
}

/* Both sides' CPU over the load's window, and who set the pace. Requests: every
 * one that completed in the window, the warmup's too, as the CPU counts them. */
static void judge(const struct run_cell *c, const struct sampler *s, struct run_outcome *o)
{
	cpu_set_t all, both;
	const cpu_set_t *t = &all, *l = &all;
	if (c->cpus) {
		t = &c->cpus->target;
		l = &c->cpus->load;
	} else if (cpuset_usable(&all)) {
		return;
	}
	double window = (double)(s->t_stop - s->t_start) / 1e9;
	uint64_t n = o->load.completed + o->load.warmup_requests;
	bound_side_set(&o->bound.target, s->cpu_s, s->wait_s, window, CPU_COUNT(t), n);
	bound_side_set(&o->bound.load, s->load_cpu_s, s->load_wait_s, window, CPU_COUNT(l), n);
	CPU_AND(&both, t, l);
	bound_judge(&o->bound, c->load.mode == LOAD_OPEN, CPU_COUNT(&both) > 0);
	o->bound_known = 1;
}

const char *run_status(const struct run_outcome *o)
{
	return o->unsupported ? SCHEMA_UNSUPPORTED
	       : o->failed    ? "failed"
	       : o->degraded  ? "degraded"
			      : "ok";
}

/* A cell that ran to the end but left requests unanswered: a server that serves
 * one kept-alive connection at a time (blocking) never reaches the others. Its
 * numbers are kept, their percentiles marked as lower bounds, and the cell says
 * how much went unserved rather than pass as ok. */
static void check_served(struct run_outcome *o)
{
	const struct load_result *r = &o->load;
	if (o->failed || !r->lat.corrected || (!r->unserved && !r->conns_unserved))
		return;
	o->degraded = 1;
	snprintf(o->reason, sizeof(o->reason),
		 "%llu of %llu connections never served, %llu requests unserved",
		 (unsigned long long)r->conns_unserved, (unsigned long long)r->conns_asked,
		 (unsigned long long)r->unserved);
}

int run_cell(const struct run_cell *c, struct run_outcome *o)
{
	memset(o, 0, sizeof(*o));
	int perr, err = files_mkdirs(c->dir);
	if (err)
		return err;
	char target_path[PATH_MAX], stderr_path[PATH_MAX], records[PATH_MAX], url[512] = "";
	char records_tmp[PATH_MAX];
	files_join(stderr_path, sizeof(stderr_path), c->dir, SCHEMA_STDERR);
	files_join(records, sizeof(records), c->dir, SCHEMA_REQUESTS);
	files_tmp_path(records_tmp, sizeof(records_tmp), records);
	struct load_config cfg = c->load;
	struct astrace *tr = NULL;
	struct proc p = { 0 };
	pid_t target_pid = 0; /* for meta.json: proc_stop clears p.pid */
	char **argv = NULL;
	uint64_t t0 = now_ns(); /* when the load began, once it has */

	if (proc_target_path(c->target, target_path, sizeof(target_path)) < 0) {
		fail(o, NULL, "%s is not there or not executable", target_path);
		goto out;
	}
	argv = target_argv(target_path, c->target_args);
	if (!argv) {
		err = -ENOMEM;
		goto out;
	}
	tr = tracer_open(c, o);
	start_target(c, argv, stderr_path, &p, o);
	if (o->failed)
		goto out;
	target_pid = p.pid;
	tracer_attach(&tr, p.pid, o);

	/* The load, with the sampler watching the target meanwhile. */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", p.port, c->endpoint);
	cfg.url = url;
	cfg.records_path = records_tmp;
	struct sampler s;
	sampler_start(&s, p.pid);
	t0 = now_ns();
	err = interrupted ? -EINTR : run_load(c, &cfg, &o->load);
	sampler_stop(&s);
	if (!err)
		judge(c, &s, o);
	o->cpu_s = s.cpu_s;
	o->rss_peak_kib = s.rss_peak_kib;
	o->threads_peak = s.threads_peak;
	o->vol_switches = s.vol_switches;
	o->invol_switches = s.invol_switches;
	if (tr)
		astrace_stop(tr);

	/* Anything but our SIGTERM ending the target is a crash. */
	if (proc_exited(&p)) {
		char how[64];
		fail(o, stderr_path, "target-%s %s during the load", c->target,
		     proc_describe(p.status, how, sizeof(how)));
	}
	proc_stop(&p, STOP_GRACE_MS);
	if (err) {
		/* A load that did not run is the cell's failure, not the caller's. */
		if (!o->failed)
			fail(o, stderr_path, "the load did not run: %s", strerror(-err));
		unlink(records_tmp);
		err = 0;
	} else {
		err = files_rename_tmp(records);
	}
	if (tr && !err) {
		tracer_counts(tr, o);
		err = cell_write_trace(c->dir, astrace_result(tr));
		if (!err)
			err = write_stalls(c, tr, o);
		/* Our own files, just written: one that does not read leaves the
		 * check out ("causality": null) rather than fail the cell. */
		if (!err && causality_check(c->dir, &o->causality) == 0)
			o->causality_checked = 1;
	}
out:
	check_served(o);
	astrace_close(tr);
	proc_stop(&p, STOP_GRACE_MS); /* nothing left to do unless we got here early */
	free(argv);
	/* A failed cell has its meta.json and summary.json too, with its reason, also
	 * when the load never ran or other files could not be written: the matrix
	 * reads them. */
	if (!err || o->failed) {
		int merr = cell_write_meta(c, o, url, target_pid, t0);
		int serr = cell_write_summary(c, &cfg, o);
		err = err ? err : merr ? merr : serr;
	}
	/* Last, since it reads them all: the cell's story for ui.perfetto.dev. */
	if (!err && o->traced)
		err = cell_write_perfetto(c->dir);
	/* A chart that cannot be drawn leaves the data; the caller says why. */
	if (!err && c->plot && !o->failed && (perr = plots_timeline(c->dir)) < 0)
		snprintf(o->plot_note, sizeof(o->plot_note), "%s", plots_error(perr));
	return err;
}
