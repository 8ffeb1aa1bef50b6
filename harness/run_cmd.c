/* bench run TARGET [ENDPOINT] [load options] [--no-trace] [--out DIR]: one target
 * under load, traced, into a results directory. With no load options it is the
 * original experiment: a burst of 10 requests at once. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "schema.h"
#include "cmds.h"
#include "files.h"
#include "load_report.h"
#include "loadopts.h"
#include "run.h"

static const char usage[] =
    "usage: bench run TARGET [ENDPOINT] [load options] [--no-trace] [--out DIR]\n"
    "  TARGET       blocking, threaded, hybrid, epoll, coroutine or fastapi\n"
    "  ENDPOINT     path and query (default /async?ms=1000)\n"
    "  --no-trace   no kernel lanes (no tracer attached)\n"
    "  --out DIR    results directory (default results/run-<time>)\n"
    "  --ready-timeout D  wait for the target's port (default " RUN_READY_TIMEOUT ")\n"
    "  load options as for bench load: -c N, -n M | -d SECS, --rate R, --burst, ...\n"
    "  (default: --burst -c 10, the original experiment)\n";

static void on_signal(int sig)
{
	(void)sig;
	run_interrupt();
}

/* Does argv (after the target and endpoint) choose a load model or size? */
static int has_load_choice(int argc, char **argv)
{
	static const char *const flags[] = { "-c", "--connections", "-n",     "--requests",
					     "-d", "--duration",    "--rate", "--burst" };
	for (int i = 0; i < argc; i++)
		for (size_t k = 0; k < sizeof(flags) / sizeof(flags[0]); k++)
			if (!strcmp(argv[i], flags[k]))
				return 1;
	return 0;
}

int cmd_run(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *target = argv[1];
	if (!schema_target_find(target)) {
		fprintf(stderr, "bench run: unknown target '%s'\n%s", target, usage);
		return 2;
	}
	int i = 2;
	const char *endpoint = "/async?ms=1000";
	if (i < argc && argv[i][0] != '-') {
		/* Checked here: passed on, a word would read as a second URL to the
		 * load options, and an unknown path would be a run of 404s. */
		endpoint = argv[i++];
		if (endpoint[0] != '/' || !schema_endpoint_find(endpoint)) {
			fprintf(stderr, "bench run: unknown endpoint '%s'; every target has:\n",
				endpoint);
			for (const struct schema_endpoint *e = schema_endpoints; e->path; e++)
				fprintf(stderr, "  %-12s %s\n", e->path, e->meaning);
			return 2;
		}
	}

	/* Our own flags out; the rest go to the load generator's parser, with a
	 * placeholder URL (the port is known only once the target is up). */
	const char *out = NULL;
	int trace = 1, ready_ms = 0;
	char **largv = calloc((size_t)argc + 4, sizeof(*largv));
	if (!largv)
		return 1;
	int largc = 0;
	largv[largc++] = "run";
	largv[largc++] = "http://127.0.0.1:1/";
	if (!has_load_choice(argc - i, argv + i)) {
		largv[largc++] = "--burst";
		largv[largc++] = "-c";
		largv[largc++] = "10";
	}
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--no-trace")) {
			trace = 0;
		} else if (!strcmp(argv[i], "--out")) {
			if (++i >= argc) {
				fprintf(stderr, "bench run: --out needs a directory\n%s", usage);
				free(largv);
				return 2;
			}
			out = argv[i];
		} else if (!strcmp(argv[i], "--ready-timeout")) {
			if (++i >= argc || run_parse_ready_timeout(argv[i], &ready_ms)) {
				fprintf(stderr,
					"bench run: --ready-timeout needs a duration from 1ms to "
					"10m\n%s",
					usage);
				free(largv);
				return 2;
			}
		} else {
			largv[largc++] = argv[i];
		}
	}
	struct loadopts lo;
	char err[256];
	int rc = loadopts_parse(&lo, largc, largv, err, sizeof(err));
	free(largv);
	if (rc == LOADOPTS_HELP) {
		fputs(usage, stdout);
		return 0;
	}
	if (rc < 0) {
		fprintf(stderr, "bench run: %s\n%s", err, usage);
		return 2;
	}
	if (lo.cfg.records_path || lo.json_path) {
		fprintf(stderr, "bench run: --records and --json are written into --out already\n");
		return 2;
	}

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
				 .load = lo.cfg,
				 .trace = trace,
				 .plot = 1,
				 .dir = out,
				 .scenario = "run",
				 .ready_timeout_ms = ready_ms };
	struct run_outcome o;
	e = run_cell(&cell, &o);
	if (e) {
		fprintf(stderr, "bench run: %s: %s\n", out, strerror(-e));
		load_result_free(&o.load);
		return 1;
	}
	struct load_config shown = lo.cfg;
	shown.url = endpoint;
	printf("target-%s %s\n", target, endpoint);
	if (!o.load.lat.corrected) {
		/* Nothing ran, so there are no numbers to show, not even zeros. */
		printf("results: %s\n", out);
		fprintf(stderr, "bench run: failed: %s\n", o.reason);
		return 1;
	}
	load_report_text(stdout, &shown, &o.load);
	printf("target process: %.2f s CPU, peak RSS %ld KiB, peak %d threads, %llu+%llu context "
	       "switches (voluntary+involuntary)\n",
	       o.cpu_s, o.rss_peak_kib, o.threads_peak, (unsigned long long)o.vol_switches,
	       (unsigned long long)o.invol_switches);
	if (o.traced)
		printf("traced: %llu scheduler events, %llu lost\n", (unsigned long long)o.events,
		       (unsigned long long)o.lost_events);
	else
		printf("%s\n", o.trace_note);
	printf("results: %s\n", out);
	if (o.plot_note[0])
		fprintf(stderr, "bench run: cannot draw the timeline: %s\n", o.plot_note);
	if (o.failed)
		fprintf(stderr, "bench run: failed: %s\n", o.reason);
	rc = o.failed || run_interrupted() ? 1 : 0;
	load_result_free(&o.load);
	return rc;
}
