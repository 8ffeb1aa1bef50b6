/* bench plot DIR: redraw the charts of a results directory. A matrix (it has
 * summary.csv) gets its comparison charts, every cell's timeline and the report;
 * a single run gets its timeline. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "schema.h"
#include "cliopt.h"
#include "cmds.h"
#include "plots.h"

static void usage(FILE *f)
{
	fputs("usage: bench plot DIR\n"
	      "  DIR is a results directory: one run (sched.csv and/or requests.csv) gets\n"
	      "  timeline.png and timeline.svg; a matrix (summary.csv) gets its comparison\n"
	      "  charts, every cell's timeline, report.md and report.html.\n"
	      "       bench plot --client DIR... --server DIR --out DIR\n"
	      "  joins generators' records from other hosts to the target's trace\n"
	      "  (bench plot --client --help).\n",
	      f);
	cliopt_print(f, (const struct cliopt[]){ CLIOPT_HELP, CLIOPT_END });
}

static int has(const char *dir, const char *name)
{
	char p[4096];
	if (snprintf(p, sizeof(p), "%s/%s", dir, name) >= (int)sizeof(p))
		return 0;
	return access(p, F_OK) == 0;
}

static void say(const char *what, int rc)
{
	if (plots_detail()[0])
		fprintf(stderr, "bench plot: %s\n", plots_error(rc));
	else
		fprintf(stderr, "bench plot: %s: %s\n", what, plots_error(rc));
}

/* Every run directory below a matrix: each subdirectory with the run's files.
 * The matrix's own files say which cells exist, but a redraw should not depend
 * on the summary being complete (a run interrupted before it was written). */
static int redraw_cells(const char *dir, int depth, int *bad)
{
	DIR *d = opendir(dir);
	if (!d)
		return -errno;
	struct dirent *e;
	int n = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char sub[4096];
		struct stat st;
		if (snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name) >= (int)sizeof(sub) ||
		    lstat(sub, &st) || !S_ISDIR(st.st_mode))
			continue;
		if (has(sub, SCHEMA_SCHED) || has(sub, SCHEMA_REQUESTS)) {
			int rc = plots_timeline(sub);
			if (rc) {
				say(sub, rc);
				(*bad)++;
			}
			n++;
		} else if (depth < 3) {
			int rc = redraw_cells(sub, depth + 1, bad);
			if (rc > 0)
				n += rc;
		}
	}
	closedir(d);
	return n;
}

/* Whether word is one of the join's options, as getopt_long reads them: the name
 * or a unique start of it ("--cl"), with or without "=value". */
static int join_option(const char *word)
{
	static const char *const names[] = { "client", "server", "out" };
	if (strncmp(word, "--", 2) || !word[2] || word[2] == '=')
		return 0;
	size_t n = strcspn(word + 2, "=");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strncmp(word + 2, names[i], n))
			return 1;
	return 0;
}

int cmd_plot(int argc, char **argv)
{
	/* Across hosts: the join has its own options (plot_join.c). */
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (join_option(argv[i]))
			return cmd_plot_join(argc, argv);
	int first, rc = cmd_simple_args("plot", usage, argc, argv, 1, 1, "DIR", &first);
	if (rc >= 0)
		return rc;
	const char *dir = argv[first];
	struct stat st;
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "bench plot: %s: not a directory\n", dir);
		return 1;
	}
	if (has(dir, SCHEMA_SUMMARY_CSV)) {
		int bad = 0;
		int cells = redraw_cells(dir, 0, &bad);
		/* The report is worth writing even when a chart could not be drawn:
		 * it says which cells failed and why. */
		if ((rc = plots_compare(dir))) {
			char what[4200];
			snprintf(what, sizeof(what), "%s/summary.csv", dir);
			say(what, rc);
			bad++;
		}
		if ((rc = plots_report(dir))) {
			char what[4200];
			snprintf(what, sizeof(what), "%s: report", dir);
			say(what, rc);
			return 1;
		}
		printf("%s: comparison charts, %d timeline%s%s, report.html\n", dir,
		       cells < 0 ? 0 : cells, cells == 1 ? "" : "s", bad ? " (some failed)" : "");
		return bad ? 1 : 0;
	}
	if (!has(dir, SCHEMA_SCHED) && !has(dir, SCHEMA_REQUESTS)) {
		fprintf(stderr,
			"bench plot: %s: no summary.csv, sched.csv or requests.csv: not a results "
			"directory\n",
			dir);
		return 1;
	}
	if ((rc = plots_timeline(dir))) {
		say(dir, rc);
		return 1;
	}
	printf("%s/" SCHEMA_TIMELINE_PNG "\n%s/" SCHEMA_TIMELINE_SVG "\n", dir, dir);
	return 0;
}
