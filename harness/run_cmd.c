/* bench run TARGET [ENDPOINT] [options] [load options]: one target under load,
 * traced, into a results directory. With no load model chosen it is the original
 * experiment: a burst of 10 requests at once. Its options and bench load's are
 * read together, from both tables, so every load option works here as there. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "schema.h"
#include "cliopt.h"
#include "cmds.h"
#include "files.h"
#include "load_report.h"
#include "loadopts.h"
#include "loadview.h"
#include "run.h"

enum { O_OUT = CLIOPT_LONG, O_NO_TRACE, O_READY, O_STALL };

/* bench run's own options; the load options follow them (loadopts_table). */
static const struct cliopt opts[] = {
	{ "out", O_OUT, "DIR", "results directory (default results/run-TARGET-<time>)" },
	{ "no-trace", O_NO_TRACE, NULL, "no kernel lanes (default: traced when privileged)" },
	{ "ready-timeout", O_READY, "D",
	  "wait for the target's port (default " RUN_READY_TIMEOUT ")" },
	{ "stall-ms", O_STALL, "D",
	  "an event loop away from its wait this long has stalled\n(stalls.csv); a bare number "
	  "is ms (default " RUN_STALL_DEFAULT ")" },
	CLIOPT_END,
};

#define DEFAULT_ENDPOINT "/async?ms=1000"

static void usage(FILE *f)
{
	fputs("usage: bench run TARGET [ENDPOINT] [options] [load options]\n"
	      "TARGET, one of:\n",
	      f);
	for (const struct schema_target *t = schema_targets; t->name; t++)
		fprintf(f, "  %-12s %s\n", t->name, t->how);
	fputs("ENDPOINT, path and query (default " DEFAULT_ENDPOINT "), one of:\n", f);
	for (const struct schema_endpoint *e = schema_endpoints; e->path; e++)
		fprintf(f, "  %-12s %s\n", e->path, e->meaning);
	fputs("options:\n", f);
	cliopt_print(f, opts);
	fputs("\nCPU isolation: by default the target and the load generator run on disjoint\n"
	      "CPUs, so that neither measures the other; summary.json says which one was the\n"
	      "bottleneck (bound). On one CPU nothing is pinned.\n",
	      f);
	cliopt_print(f, run_cpus_table);
	fputs("\nload options, as for bench load. Without -c, -n, -d, --rate or --burst: --burst\n"
	      "-c 10, the original experiment. --records and --json are written where asked,\n"
	      "besides DIR's own requests.csv and summary.json.\n",
	      f);
	cliopt_print(f, loadopts_table);
	fputs("\nDurations (D) are written " DUR_FORMS ".\n"
	      "Exit status: 0 the run succeeded, 1 it failed, was interrupted or left requests\n"
	      "unserved (degraded), 2 bad usage.\n",
	      f);
}

struct run_opts {
	const char *target, *endpoint, *out;
	int trace;
	int ready_ms;	   /* 0: the cell's default */
	uint64_t stall_ns; /* 0: the cell's default */
	struct loadopts load;
	struct run_cpus_opts cpus_asked;
	struct run_cpus cpus;
};

/* The command line into o: -1 to go on, or the exit code (help shown, bad usage
 * said). */
static int parse(int argc, char **argv, struct run_opts *o)
{
	const struct cliopt *const tables[] = { opts, run_cpus_table, loadopts_table, NULL };
	struct cliopt_state st;
	char err[256];
	*o = (struct run_opts){ .endpoint = DEFAULT_ENDPOINT, .trace = 1 };
	loadopts_init(&o->load);
	cliopt_begin(&st, tables, argc, argv, 0);
	for (int key; (key = cliopt_next(&st, err, sizeof(err))) != CLIOPT_DONE;) {
		switch (key) {
		case CLIOPT_BAD: return cmd_usage_error("run", usage, "%s", err);
		case 'h': usage(stdout); return 0;
		case O_NO_TRACE: o->trace = 0; break;
		case O_OUT:
			if (!*st.arg)
				return cmd_usage_error("run", usage, "%s needs a directory",
						       st.name);
			o->out = st.arg;
			break;
		case O_READY:
			if (run_parse_ready_timeout(st.arg, &o->ready_ms))
				return cmd_usage_error(
				    "run", usage,
				    "%s: '%s' is not a duration from 1ms to 10m (like %s)", st.name,
				    st.arg, DUR_FORMS);
			break;
		case O_STALL:
			if (run_parse_stall(st.arg, &o->stall_ns))
				return cmd_usage_error("run", usage,
						       "%s wants a duration from 1ms to 1h (like "
						       "100 or 250ms), not '%s'",
						       st.name, st.arg);
			break;
		default:
			if (run_cpus_opt(&o->cpus_asked, key, st.arg))
				break;
			if (loadopts_set(&o->load, key, st.name, st.arg, err, sizeof(err)))
				return cmd_usage_error("run", usage, "%s", err);
		}
	}

	if (st.ind >= argc)
		return cmd_usage_error("run", usage, "missing TARGET");
	o->target = argv[st.ind];
	if (!schema_target_find(o->target))
		return cmd_usage_error("run", usage, "unknown target '%s'", o->target);
	if (st.ind + 1 < argc) {
		/* Checked here: an unknown path would be a run of 404s. */
		o->endpoint = argv[st.ind + 1];
		if (o->endpoint[0] != '/' || !schema_endpoint_find(o->endpoint)) {
			fprintf(stderr, "bench run: unknown endpoint '%s'; every target has:\n",
				o->endpoint);
			for (const struct schema_endpoint *e = schema_endpoints; e->path; e++)
				fprintf(stderr, "  %-12s %s\n", e->path, e->meaning);
			return 2;
		}
	}
	if (st.ind + 2 < argc)
		return cmd_usage_error("run", usage, "unexpected argument '%s'", argv[st.ind + 2]);

	/* No model or size chosen: the original experiment. */
	struct loadopts *l = &o->load;
	if (!(l->given & LOADOPTS_MODEL)) {
		l->cfg.mode = LOAD_BURST;
		l->cfg.connections = 10;
		l->given |= LOADOPTS_GIVEN_BURST;
	}
	/* The port is known only once the target is up: the URL checked is a stand-in
	 * with the endpoint, and the cell sets the real one. */
	char url[512];
	snprintf(url, sizeof(url), "http://127.0.0.1:1%s", o->endpoint);
	l->cfg.url = url;
	int rc = loadopts_check(l, err, sizeof(err));
	l->cfg.url = NULL;
	if (rc)
		return cmd_usage_error("run", usage, "%s", err);
	rc = run_cpus_resolve(&o->cpus_asked, &o->cpus, err, sizeof(err));
	if (rc < 0)
		return cmd_usage_error("run", usage, "%s", err);
	if (rc > 0)
		fprintf(stderr, "bench run: warning: %s\n", err);
	return -1;
}

static void on_signal(int sig)
{
	(void)sig;
	run_interrupt();
}

/* The cell's requests.csv, copied where --records asked ("-": stdout). */
static int copy_records(const char *dir, const char *to)
{
	char from[PATH_MAX];
	int rc = files_join(from, sizeof(from), dir, SCHEMA_REQUESTS);
	FILE *in = rc ? NULL : fopen(from, "re");
	if (!in)
		return rc ? rc : -errno;
	FILE *out = strcmp(to, "-") ? files_create(to) : stdout;
	if (!out) {
		rc = -errno;
		fclose(in);
		return rc;
	}
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			break;
	rc = ferror(in) || ferror(out) ? -EIO : 0;
	fclose(in);
	if (out == stdout)
		return fflush(stdout) || rc ? -EIO : 0;
	return files_commit(out, to, rc);
}

/* What --records and --json asked for, besides the results directory. 0 or 1. */
static int write_asked(const struct run_opts *o, const char *dir, const struct load_config *shown,
		       const struct load_result *res)
{
	int rc;
	if (o->load.cfg.records_path && (rc = copy_records(dir, o->load.cfg.records_path))) {
		loadview_file_error("run", "--records", o->load.cfg.records_path, rc);
		return 1;
	}
	if (o->load.json_path && (rc = loadview_json(o->load.json_path, shown, res))) {
		loadview_file_error("run", "--json", o->load.json_path, rc);
		return 1;
	}
	return 0;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts ro;
	int rc = parse(argc, argv, &ro);
	if (rc >= 0)
		return rc;
	const char *target = ro.target, *endpoint = ro.endpoint, *out = ro.out;

	char dir[PATH_MAX];
	if (!out) {
		char stamp[32];
		run_stamp(stamp, sizeof(stamp), 0);
		snprintf(dir, sizeof(dir), "results/run-%s-%s", target, stamp);
		out = dir;
	}
	int e = files_mkdirs(out);
	if (e) {
		fprintf(stderr, "bench run: cannot write to %s: %s\n", out, strerror(-e));
		return 1;
	}

	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	struct run_cell cell = { .target = target,
				 .endpoint = endpoint,
				 .load = ro.load.cfg,
				 .trace = ro.trace,
				 .plot = 1,
				 .dir = out,
				 .scenario = "run",
				 .ready_timeout_ms = ro.ready_ms,
				 .cpus = &ro.cpus,
				 .stall_ns = ro.stall_ns };
	cell.load.records_path = NULL; /* the cell writes its own; --records gets a copy */
	struct loadview live;
	loadview_progress(&live, &cell.load, ro.load.quiet);
	struct run_outcome o;
	e = run_cell(&cell, &o);
	loadview_clear(&live);
	if (e) {
		fprintf(stderr, "bench run: %s: %s\n", out, strerror(-e));
		load_result_free(&o.load);
		return 1;
	}
	/* With --json - or --records - on stdout, what people read moves to stderr. */
	const char *json = ro.load.json_path, *records = ro.load.cfg.records_path;
	FILE *text =
	    (json && !strcmp(json, "-")) || (records && !strcmp(records, "-")) ? stderr : stdout;
	struct load_config shown = cell.load;
	shown.url = endpoint;
	fprintf(text, "target-%s %s\n", target, endpoint);
	if (!o.load.lat.corrected) {
		/* Nothing ran, so there are no numbers to show, not even zeros. */
		fprintf(text, "results: %s\n", out);
		fprintf(stderr, "bench run: %s: %s\n", run_status(&o), o.reason); /* failed, unsupported */
		return 1;
	}
	load_report_text(text, &shown, &o.load);
	fprintf(text,
		"target process: %.2f s CPU, peak RSS %ld KiB, peak %d threads, %llu+%llu context "
		"switches (voluntary+involuntary)\n",
		o.cpu_s, o.rss_peak_kib, o.threads_peak, (unsigned long long)o.vol_switches,
		(unsigned long long)o.invol_switches);
	if (o.bound_known)
		fprintf(text, "bound: %s (%s)\n", bound_name(o.bound.kind), o.bound.why);
	if (o.traced)
		fprintf(text, "traced: %llu scheduler events, %llu lost\n",
			(unsigned long long)o.events, (unsigned long long)o.lost_events);
	else
		fprintf(text, "%s\n", o.trace_note);
	fputs(o.stall_verdict, text);
	fprintf(text, "results: %s\n", out);
	if (o.plot_note[0])
		fprintf(stderr, "bench run: cannot draw the timeline: %s\n", o.plot_note);
	if (o.failed)
		fprintf(stderr, "bench run: failed: %s\n", o.reason);
	if (o.degraded)
		fprintf(stderr, "bench run: degraded: %s\n", o.reason);
	rc = write_asked(&ro, out, &shown, &o.load);
	/* Unserved requests make a run fail its exit status as bench load's errors
	 * do: numbers with a starved connection in them are not a clean result. */
	rc = rc || o.failed || o.degraded || run_interrupted() ? 1 : 0;
	load_result_free(&o.load);
	return rc;
}
