/* bench all: every scenario across every target, one results directory per cell,
 * then summary.csv, the comparison charts and the report. A cell that fails is
 * marked failed and the matrix goes on; Ctrl-C stops the current cell and writes
 * the report of what ran. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "schema.h"
#include "clock.h"
#include "cliopt.h"
#include "cmds.h"
#include "duration.h"
#include "files.h"
#include "hist.h"
#include "matrix.h"
#include "meta.h"
#include "run.h"
#include "plots.h"
#include "timelines.h"

enum { O_QUICK = CLIOPT_LONG, O_FULL, O_OUT, O_TARGETS, O_SCENARIOS, O_NO_TRACE, O_READY,
       O_MARK_EVERY };

static const struct cliopt opts[] = {
	{ "quick", O_QUICK, NULL,
	  "about a minute: fewer and shorter cells (default: about 5\nminutes)" },
	{ "full", O_FULL, NULL, "io-bound up to 10000 connections (default: up to 1000)" },
	{ "out", O_OUT, "DIR",
	  "results directory (default results/<timestamp>, and\nresults/latest points at it)" },
	{ "targets", O_TARGETS, "a,b", "the targets to run, from the list below (default all)" },
	{ "scenarios", O_SCENARIOS, "a,b",
	  "the scenarios to run, from the list below (default all)" },
	{ "no-trace", O_NO_TRACE, NULL,
	  "no kernel lanes (default: the blog cells, and io-bound's\nunless --quick, are traced when privileged)" },
	{ "ready-timeout", O_READY, "D",
	  "wait for a target's port (default " RUN_READY_TIMEOUT ")" },
	{ "mark-every", O_MARK_EVERY, "N",
	  "traced cells: the target marks 1 request in N (default:\nall of a burst, 1 in 64 otherwise; bench help load)" },
	CLIOPT_HELP,
	CLIOPT_END,
};

static void usage(FILE *f)
{
	fputs("usage: bench all [--quick|--full] [--out DIR] [--targets a,b] [--scenarios a,b]\n",
	      f);
	cliopt_print(f, opts);
	fputs("CPU isolation, as for bench run (default: target and load generator on\n"
	      "disjoint CPUs; not on one CPU):\n",
	      f);
	cliopt_print(f, run_cpus_table);
	fputs("targets:", f);
	for (const struct schema_target *t = schema_targets; t->name; t++)
		fprintf(f, " %s%s", t->name, t[1].name ? "," : "\n");
	fputs("scenarios:\n", f);
	for (const struct scenario *s = matrix_scenarios; s->name; s++)
		fprintf(f, "  %-12s %s\n", s->name, s->what);
	fputs(
	    "Durations (D) are written " DUR_FORMS ".\n"
	    "Exit status: 0 every cell ran (or its target is unsupported on this machine),\n"
	    "1 a cell failed or the run was interrupted, 2 usage.\n",
	    f);
}

struct all_opts {
	struct matrix_opts m;
	int trace;
	int ready_ms;
	struct run_cpus_opts cpus_asked;
	struct run_cpus cpus;
	uint32_t mark_every; /* 0: load.h's default for each cell's load */
};

/* -1 to go on, or the exit code (help shown, bad usage said). */
static int parse(int argc, char **argv, struct all_opts *o)
{
	const struct cliopt *const tables[] = { opts, run_cpus_table, NULL };
	struct cliopt_state st;
	char err[256];
	*o = (struct all_opts){ .trace = 1 };
	cliopt_begin(&st, tables, argc, argv, 0);
	for (int key; (key = cliopt_next(&st, err, sizeof(err))) != CLIOPT_DONE;) {
		const char *v = st.arg;
		switch (key) {
		case CLIOPT_BAD: return cmd_usage_error("all", usage, "%s", err);
		case 'h': usage(stdout); return 0;
		case O_QUICK: o->m.quick = 1; break;
		case O_FULL: o->m.full = 1; break;
		case O_NO_TRACE: o->trace = 0; break;
		case O_READY:
			if (run_parse_ready_timeout(v, &o->ready_ms))
				return cmd_usage_error(
				    "all", usage,
				    "%s: '%s' is not a duration from 1ms to 10m (like %s)", st.name,
				    v, DUR_FORMS);
			break;
		case O_MARK_EVERY: {
			uint64_t every;
			if (cliopt_uint(v, 1, LOAD_MARK_EVERY_MAX, &every))
				return cmd_usage_error("all", usage, "%s: '%s' is not a count from 1",
						       st.name, v);
			o->mark_every = (uint32_t)every;
			break;
		}
		case O_OUT:
		case O_TARGETS:
		case O_SCENARIOS:
			if (!*v)
				return cmd_usage_error("all", usage, "%s needs a value", st.name);
			*(key == O_OUT	     ? &o->m.out
			  : key == O_TARGETS ? &o->m.targets
					     : &o->m.scenarios) = v;
			break;
		default: run_cpus_opt(&o->cpus_asked, key, v); break;
		}
	}
	if (st.ind < argc)
		return cmd_usage_error("all", usage, "unexpected argument '%s'", argv[st.ind]);
	int rc = run_cpus_resolve(&o->cpus_asked, &o->cpus, err, sizeof(err));
	if (rc < 0)
		return cmd_usage_error("all", usage, "%s", err);
	if (rc > 0)
		fprintf(stderr, "bench all: warning: %s\n", err);
	return -1;
}

static void on_signal(int sig)
{
	(void)sig;
	run_interrupt();
}

/* The load of one cell: the blog's burst, or a closed loop for a while. */
static void cell_load(const struct matrix_cell *m, struct load_config *cfg)
{
	load_config_init(cfg);
	cfg->connections = m->concurrency;
	cfg->threads = 1;
	if (m->burst) {
		cfg->mode = LOAD_BURST;
		cfg->timeout_ns = 120ull * 1000000000ull;
	} else {
		cfg->mode = LOAD_CLOSED;
		cfg->duration_ns = (uint64_t)(m->secs * 1e9);
		cfg->requests = 0;
		/* Past the run, a request is cut off anyway: no longer timeout needed. */
		cfg->timeout_ns = cfg->duration_ns + 5ull * 1000000000ull;
		/* --full's 10,000 connections take a second to open at the default
		 * connect ramp: a warmup that long keeps the connect phase out of the
		 * cell's figures (the summary says how many requests it left out). */
		if (m->concurrency >= 10000)
			cfg->warmup_ns = (uint64_t)((double)m->concurrency /
						    LOAD_CONNECT_RATE_DEFAULT * 1e9);
	}
}

static void summary_header(FILE *f)
{
	char head[512];
	schema_csv_header(head, sizeof(head), &schema_summary);
	fputs(head, f);
}

/* One CSV row; the status field is quoted when it carries a reason. */
static void summary_row(FILE *f, const struct matrix_cell *m, const struct run_outcome *o)
{
	const struct hist *h = o->load.lat.corrected;
	double p50 = h ? (double)hist_percentile(h, 50) / 1e6 : 0;
	double p99 = h ? (double)hist_percentile(h, 99) / 1e6 : 0;
	double max = h && h->n ? (double)h->max / 1e6 : 0;
	fprintf(f, "%s,%s,%s,%d,%llu,%llu,%llu,%.3f,%.1f,%.3f,%.3f,%.3f,%.3f,%ld,%d,%.3f,",
		m->scenario, m->target, m->endpoint, m->concurrency,
		(unsigned long long)o->load.completed, (unsigned long long)o->load.ok,
		(unsigned long long)o->load.errors, o->load.elapsed_s, o->load.rps, p50, p99, max,
		(double)o->load.burst_ns / 1e6, o->rss_peak_kib, o->threads_peak, o->cpu_s);
	/* Who set the pace: empty fields when the cell did not run to its end. */
	const struct bound *b = &o->bound;
	if (o->bound_known && !o->failed) {
		fprintf(f, "%d,%.3f,", b->target.cpus, b->target.busy);
		if (isfinite(b->target.cpu_us_per_request))
			fprintf(f, "%.2f", b->target.cpu_us_per_request);
		fprintf(f, ",%d,%.3f,", b->load.cpus, b->load.busy);
		if (isfinite(b->load.cpu_us_per_request))
			fprintf(f, "%.2f", b->load.cpu_us_per_request);
		fprintf(f, ",%s,", bound_name(b->kind));
	} else {
		fputs(",,,,,,,", f);
	}
	if (!o->failed && !o->degraded) {
		fputs("ok", f);
	} else {
		/* CSV quoting: one line, doubled quotes. */
		fprintf(f, "\"%s: ", run_status(o));
		for (const char *c = o->reason; *c; c++) {
			if (*c == '"')
				fputs("\"\"", f);
			else
				fputc(*c == '\n' || *c == '\r' ? ' ' : *c, f);
		}
		fputc('"', f);
	}
	fprintf(f, ",%s\n", m->dir);
}

/* The matrix's meta.json: what was asked for and how far it got; t0 when the
 * first cell began. */
static int write_matrix_meta(const char *dir, const struct matrix_opts *o, size_t ncells,
			     size_t ran, size_t failed, uint64_t t0)
{
	struct meta m;
	int err = meta_create(&m, dir, "bench all", t0);
	if (err)
		return err;
	meta_bool(&m, META_QUICK, o->quick);
	meta_bool(&m, META_FULL, o->full);
	meta_str(&m, META_TARGETS, o->targets ? o->targets : "all");
	meta_str(&m, META_SCENARIOS, o->scenarios ? o->scenarios : "all");
	meta_u64(&m, META_CELLS, ncells);
	meta_u64(&m, META_RAN, ran);
	meta_u64(&m, META_FAILED, failed);
	meta_bool(&m, META_INTERRUPTED, run_interrupted());
	meta_num(&m, META_DURATION, (double)((now_ns() - t0) / 1000000ull) / 1e3); /* to the ms */
	return meta_commit(&m, 0);
}

/* Shows where the matrix is: one line, rewritten in place on a terminal. */
static void progress(size_t k, size_t n, const struct matrix_cell *m, double elapsed, int tty)
{
	double left = k ? elapsed / (double)k * (double)(n - k) : 0;
	char conc[32] = "";
	if (!m->burst)
		snprintf(conc, sizeof(conc), " -c %d", m->concurrency);
	fprintf(stderr, "%s[%zu/%zu] %-10s %-9s %s%s%s  %.0fs elapsed, ~%.0fs left%s",
		tty ? "\r\033[K" : "", k + 1, n, m->scenario, m->target, m->endpoint,
		m->burst ? " (burst)" : "", conc, elapsed, left, tty ? "" : "\n");
}

/* Every cell that ran gets its timeline (the untraced ones the client's view
 * only), queued as it ends and drawn beside the next cells at idle priority
 * (timelines.c); a cell that cannot be drawn keeps its data and is named. */
struct drawn {
	size_t ok, bad;
	int tty;
};

static void timeline_done(const char *dir, int rc, const char *why, void *arg)
{
	struct drawn *d = arg;
	if (!rc) {
		d->ok++;
	} else if (rc != -ECANCELED) {
		d->bad++;
		fprintf(stderr, "%s  %s: cannot draw the timeline: %s\n", d->tty ? "\r\033[K" : "",
			dir, why);
	}
}

static void finish_timelines(struct timelines *tl, int tty)
{
	if (!tl)
		return;
	struct drawn d = { .tty = tty };
	uint64_t t0 = now_ns();
	if (tty)
		fputs("\r\033[Kbench all: drawing the last timelines...", stderr);
	timelines_finish(tl, run_interrupted, timeline_done, &d);
	fprintf(stderr, "%sbench all: %zu timelines drawn, %.1f s after the last cell%s\n",
		tty ? "\r\033[K" : "", d.ok, (double)(now_ns() - t0) / 1e9,
		run_interrupted() ? " (interrupted: not all)" : "");
}

static void point_latest(const char *out)
{
	/* results/latest follows the default location only. */
	if (strncmp(out, "results/", 8) || strchr(out + 8, '/'))
		return;
	unlink("results/latest.tmp");
	if (symlink(out + 8, "results/latest.tmp") == 0 &&
	    rename("results/latest.tmp", "results/latest") != 0)
		unlink("results/latest.tmp");
}

int cmd_all(int argc, char **argv)
{
	struct all_opts ao;
	int rc = parse(argc, argv, &ao);
	if (rc >= 0)
		return rc;
	struct matrix_opts o = ao.m;
	int trace = ao.trace, ready_ms = ao.ready_ms;
	struct matrix_cell *cells;
	size_t n;
	char err[128];
	if (matrix_plan(&o, &cells, &n, err, sizeof(err)) < 0)
		return cmd_usage_error("all", usage, "%s", err);

	char outbuf[PATH_MAX];
	if (!o.out) {
		char stamp[32];
		run_stamp(stamp, sizeof(stamp), 0);
		snprintf(outbuf, sizeof(outbuf), "results/%s", stamp);
		o.out = outbuf;
	}
	/* Before any work: an --out that cannot be written is one clear line. */
	int e = files_mkdirs(o.out);
	if (e) {
		fprintf(stderr, "bench all: cannot write to %s: %s\n", o.out, strerror(-e));
		free(cells);
		return 1;
	}
	/* A thousand connections need more descriptors than the usual soft limit;
	 * the targets inherit the raised limit too. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	char path[PATH_MAX];
	files_join(path, sizeof(path), o.out, SCHEMA_SUMMARY_CSV);
	FILE *summary = files_create(path);
	if (!summary) {
		fprintf(stderr, "bench all: cannot write %s: %s\n", path, strerror(errno));
		free(cells);
		return 1;
	}
	summary_header(summary);

	/* Drawing keeps off the target's CPUs while cells run (timelines.c). */
	struct timelines *tl =
		timelines_start(n, timelines_workers(), ao.cpus.pinned ? &ao.cpus.load : NULL);
	if (!tl)
		fprintf(stderr, "bench all: cannot start drawing: no timelines\n");
	int tty = isatty(STDERR_FILENO);
	fprintf(stderr, "bench all: %zu cells into %s\n", n, o.out);
	uint64_t t0 = now_ns();
	size_t ran = 0, failed = 0, unsupported = 0;
	for (size_t k = 0; k < n && !run_interrupted(); k++) {
		struct matrix_cell *m = &cells[k];
		progress(k, n, m, (double)(now_ns() - t0) / 1e9, tty);
		char dir[PATH_MAX];
		files_join(dir, sizeof(dir), o.out, m->dir);
		struct run_cell cell = { .target = m->target,
					 .endpoint = m->endpoint,
					 .trace = trace && m->trace,
					 .plot = 0, /* every cell, after the matrix */
					 .dir = dir,
					 .scenario = m->scenario,
					 .ready_timeout_ms = ready_ms,
					 .cpus = &ao.cpus };
		cell_load(m, &cell.load);
		cell.load.mark_every = ao.mark_every;
		struct run_outcome out;
		e = run_cell(&cell, &out);
		if (e) {
			out.failed = 1;
			out.degraded = 0;
			snprintf(out.reason, sizeof(out.reason), "cannot run: %s", strerror(-e));
		}
		if (run_interrupted() && !out.failed) {
			out.failed = 1;
			out.degraded = 0;
			snprintf(out.reason, sizeof(out.reason), "interrupted");
		}
		if (out.degraded)
			fprintf(stderr, "%s  %s %s %s: degraded: %s\n", tty ? "\r\033[K" : "",
				m->scenario, m->target, m->endpoint, out.reason);
		if (out.unsupported) {
			unsupported++;
			fprintf(stderr, "%s  %s %s %s: unsupported here: %s\n", tty ? "\r\033[K" : "",
				m->scenario, m->target, m->endpoint, out.reason);
		} else if (out.failed) {
			failed++;
			fprintf(stderr, "%s  %s %s %s: FAILED: %s\n", tty ? "\r\033[K" : "",
				m->scenario, m->target, m->endpoint, out.reason);
		}
		if (tl && !out.failed && timelines_add(tl, dir))
			fprintf(stderr, "bench all: out of memory: no timeline for %s\n", dir);
		summary_row(summary, m, &out);
		fflush(summary);
		load_result_free(&out.load);
		ran++;
	}
	finish_timelines(tl, tty);
	double secs = (double)(now_ns() - t0) / 1e9;
	if (tty)
		fputs("\r\033[K", stderr);
	e = files_commit(summary, path, 0);
	if (!e)
		e = write_matrix_meta(o.out, &o, n, ran, failed, t0);
	if (e) {
		fprintf(stderr, "bench all: cannot write the summary in %s: %s\n", o.out,
			strerror(-e));
		free(cells);
		return 1;
	}
	if ((e = plots_compare(o.out)) < 0)
		fprintf(stderr, "bench all: cannot draw the comparison charts: %s\n",
			plots_error(e));
	if ((e = plots_report(o.out)) < 0)
		fprintf(stderr, "bench all: cannot write the report: %s\n", plots_error(e));
	point_latest(o.out);
	fprintf(stderr, "bench all: %zu of %zu cells in %.0f s, %zu failed, %zu unsupported here%s\n",
		ran, n, secs, failed, unsupported, run_interrupted() ? " (interrupted)" : "");
	printf("report: %s/" SCHEMA_REPORT_HTML "\n", o.out);
	free(cells);
	return failed || run_interrupted() ? 1 : 0;
}
