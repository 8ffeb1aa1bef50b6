/* The comparison charts of a matrix, from summary.csv: one gnuplot script
 * (compare.gp, deleted after a good run) draws them all, each into a temporary
 * name renamed into place at the end. A chart whose scenario has no rows is not
 * drawn, and an old one of that name is removed so a redraw never shows stale
 * numbers. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "colours.h"
#include "files.h"
#include "gp.h"
#include "perr.h"
#include "plots.h"
#include "schema.h"
#include "summary.h"

static const char *const blog_paths[] = { "/sync", "/async", "/wrong" };
static const unsigned blog_colours[] = { COL_EP_SYNC, COL_EP_ASYNC, COL_EP_WRONG };

static int cmp_conc(const void *a, const void *b)
{
	const double *x = a, *y = b;
	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* gnuplot's point types: a filled circle where the target set the pace, a hollow
 * one where the load generator did (bound "load" or "mixed"), whose req/s says
 * as much about the generator as about the target. */
#define PT_TARGET    7
#define PT_GENERATOR 6

/* Any successful cell of the scenario the generator bound. */
static int any_load_bound(const struct sum *s, const char *scen)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->row[i].scenario, scen) && !s->row[i].failed &&
		    sum_load_bound(&s->row[i]))
			return 1;
	return 0;
}

/* One datablock per target: concurrency, the field and the point type,
 * successful cells only, by concurrency. Returns how many targets had a point;
 * `which` marks them. */
static int series(FILE *f, const struct sum *s, const char *scen, enum sum_field fld,
		  const char *name, int *which)
{
	int drawn = 0;
	double *pts = malloc((s->n ? s->n : 1) * 3 * sizeof(double));
	if (!pts)
		return -ENOMEM;
	for (int t = 0; t < s->ntarget; t++) {
		size_t n = 0;
		for (size_t i = 0; i < s->n; i++) {
			const struct sum_row *r = &s->row[i];
			double v = sum_get(r, fld);
			if (strcmp(r->scenario, scen) || strcmp(r->target, s->target[t]) ||
			    r->failed || isnan(v) || isnan(r->concurrency) || r->concurrency <= 0)
				continue;
			/* Latency of a cell that dropped requests is of the survivors:
			 * not drawn. Its throughput still counts. */
			if (fld != F_RPS && sum_lossy(r))
				continue;
			pts[3 * n] = r->concurrency;
			pts[3 * n + 1] = v;
			pts[3 * n + 2] = sum_load_bound(r) ? PT_GENERATOR : PT_TARGET;
			n++;
		}
		which[t] = n > 0;
		if (!n)
			continue;
		qsort(pts, n, 3 * sizeof(double), cmp_conc);
		fprintf(f, "$%s_%d << EOD\n", name, t);
		for (size_t i = 0; i < n; i++)
			fprintf(f, "%g %g %g\n", pts[3 * i], pts[3 * i + 1], pts[3 * i + 2]);
		fputs("EOD\n", f);
		drawn++;
	}
	free(pts);
	return drawn;
}

/* hollow: some points are the generator's (PT_GENERATOR), and the key says what
 * a hollow point means. */
static void plot_series(FILE *f, const struct sum *s, const char *name, const int *which,
			const char *suffix, int hollow)
{
	int first = 1;
	for (int t = 0; t < s->ntarget; t++) {
		if (!which[t])
			continue;
		char title[64];
		snprintf(title, sizeof(title), "%s%s", s->target[t], suffix);
		fprintf(f,
			"%s$%s_%d using 1:2:3 with linespoints lw 2 pt variable ps 1.1 "
			"lc rgb '#%06x' title ",
			first ? "plot " : ", \\\n  ", name, t, schema_colour(s->target[t]));
		gp_str(f, title);
		first = 0;
	}
	if (!first && hollow)
		fprintf(f,
			", \\\n  NaN with points pt %d ps 1.1 lc rgb '#%06x' "
			"title 'hollow: generator-bound'",
			PT_GENERATOR, COL_INK_LABEL);
	if (first)
		fputs("unset logscale\nset label 'no successful cells' at graph 0.5,0.5 center\n"
		      "plot [1:10][0:1] NaN notitle",
		      f);
	fputc('\n', f);
}

/* A chart into gp_run's output `slot`. */
static void open_chart(FILE *f, int slot, int w, int h)
{
	fprintf(f, "reset\nset terminal pngcairo noenhanced size %d,%d font 'sans,10'\n", w, h);
	gp_output(f, slot);
	fprintf(f,
		"set grid lc rgb '#%06x' lt 1\nset border 3\nset tics nomirror\n"
		"set key outside right top\n",
		COL_RULE);
}

static void close_chart(FILE *f)
{
	fputs("set output\n", f);
}

/* An endpoint of the scenario, for a title: the first row's. */
static const char *endpoint_of(const struct sum *s, const char *scen)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->row[i].scenario, scen))
			return s->row[i].endpoint;
	return "";
}

static int line_chart(FILE *f, const struct sum *s, const char *png, const char *scen,
		      enum sum_field fld, const char *title, const char *ylabel, int logy)
{
	int which[8];
	char name[32];
	snprintf(name, sizeof(name), "%s%d", png, (int)fld);
	int n = series(f, s, scen, fld, name, which);
	if (n < 0)
		return n;
	fputs("set title ", f);
	gp_str(f, title);
	fprintf(
	    f, " font ',13'\nset logscale x 10\nset xlabel 'concurrent connections (log scale)'\n");
	fputs("set ylabel ", f);
	gp_str(f, ylabel);
	fputs(logy ? "\nset logscale y\n" : "\nset yrange [0:*]\n", f);
	plot_series(f, s, name, which, "", any_load_bound(s, scen));
	return 0;
}

/* An x axis with one group per target, named: targets idx[0..n) at 0..n-1. */
static void target_axis(FILE *f, const struct sum *s, const int *idx, int n)
{
	fprintf(f, "set xrange [-0.6:%d.6]\nset xtics (", n - 1);
	for (int k = 0; k < n; k++) {
		fputs(k ? ", " : "", f);
		gp_str(f, s->target[idx[k]]);
		fprintf(f, " %d", k);
	}
	fputs(")\n", f);
}

/* Grouped bars: per target, the batch time of each blog endpoint, against the
 * time of one wait: a dashed line across when every cell waited as long, else
 * a dashed mark over each bar. The number over a bar is the batch in waits. */
static int blog_chart(FILE *f, const struct sum *s, int slot)
{
	double wait = 0;
	int nb = 3, same = 1, idx[8], n = 0;
	double bw = 0.8 / nb;
	fputs("$BLOG << EOD\n", f);
	for (int t = 0; t < s->ntarget; t++) {
		int rows = 0;
		for (int j = 0; j < nb; j++)
			for (size_t i = 0; i < s->n; i++) {
				const struct sum_row *r = &s->row[i];
				char path[64];
				sum_path(r->endpoint, path, sizeof(path));
				if (strcmp(r->scenario, "blog") ||
				    strcmp(r->target, s->target[t]) || strcmp(path, blog_paths[j]))
					continue;
				double w = sum_wait_ms(r->endpoint);
				if (w > 0 && wait > 0 && w != wait)
					same = 0;
				if (!wait && w > 0)
					wait = w;
				double x = n + (j - (nb - 1) / 2.0) * bw;
				/* Column 5 is the batch in waits, -1 for a failed cell:
				 * the plot makes the label, the data holds no text. */
				if (r->failed || isnan(r->batch_ms))
					fprintf(f, "%g 0 %g %u -1 %g\n", x, bw * 0.9, COL_FAILED,
						w / 1000);
				else
					fprintf(f, "%g %g %g %u %g %g\n", x, r->batch_ms / 1000,
						bw * 0.9, blog_colours[j],
						w > 0 ? r->batch_ms / w : 0, w / 1000);
				rows++;
				break;
			}
		if (rows) /* a target not in this scenario gets no empty group */
			idx[n++] = t;
	}
	fputs("EOD\n", f);
	open_chart(f, slot, 1100, 600);
	fputs("set title 'The original experiment: N requests at once, how long the batch took' "
	      "font ',13'\n"
	      "set ylabel 'seconds until the last response'\nset grid noxtics\n"
	      "set style fill solid 1.0 noborder\nset yrange [0:*]\nset offsets 0,0,graph 0.08,0\n",
	      f);
	target_axis(f, s, idx, n);
	fprintf(f,
		"set label 'numbers over the bars: the batch time in waits' at graph 0,1.03 left "
		"font ',9' tc rgb '#%06x'\n",
		COL_INK_FRAME);
	fputs("plot $BLOG using 1:2:3:4 with boxes lc rgb variable notitle, \\\n"
	      "  $BLOG using 1:2:($5 < 0 ? 'failed' : sprintf('%.1f', $5)) with labels "
	      "offset 0,0.7 font ',8' notitle",
	      f);
	for (int j = 0; j < nb; j++) {
		fprintf(f, ", \\\n  NaN with boxes lc rgb '#%06x' title ", blog_colours[j]);
		gp_str(f, blog_paths[j]);
	}
	if (wait > 0 && same)
		fprintf(f,
			", \\\n  %g with lines dt 2 lw 2 lc rgb '#%06x' title 'one wait (%g ms)'",
			wait / 1000, COL_INK_LABEL, wait);
	else if (wait > 0)
		fprintf(f,
			", \\\n  $BLOG using ($1-$3/2):6:3:(0) with vectors nohead dt 2 lw 2 "
			"lc rgb '#%06x' title 'one wait of that endpoint'",
			COL_INK_LABEL);
	fputc('\n', f);
	close_chart(f);
	return 0;
}

/* Peak RSS and threads per target over the io-bound cells, side by side. */
static int memory_chart(FILE *f, const struct sum *s, int slot)
{
	int idx[8], n = 0;
	fputs("$MEM << EOD\n", f);
	for (int t = 0; t < s->ntarget; t++) {
		double rss = NAN, thr = NAN;
		int rows = 0;
		for (size_t i = 0; i < s->n; i++) {
			const struct sum_row *r = &s->row[i];
			if (strcmp(r->scenario, "io-bound") || strcmp(r->target, s->target[t]))
				continue;
			rows++;
			if (!isnan(r->rss_kib) && (isnan(rss) || r->rss_kib > rss))
				rss = r->rss_kib;
			if (!isnan(r->threads) && (isnan(thr) || r->threads > thr))
				thr = r->threads;
		}
		if (!rows) /* not in this scenario: no bar, not a zero */
			continue;
		fprintf(f, "%d %g %g %u\n", n, isnan(rss) ? 0 : rss / 1024, isnan(thr) ? 0 : thr,
			schema_colour(s->target[t]));
		idx[n++] = t;
	}
	fputs("EOD\n", f);
	open_chart(f, slot, 1100, 500);
	fputs("set multiplot layout 1,2 title 'Cost of concurrency: the most memory and threads "
	      "each target used (io-bound)' font ',13'\n"
	      "set style fill solid 1.0 noborder\nset grid noxtics\nset yrange [0:*]\nset offsets "
	      "0,0,graph 0.1,0\nset key off\n",
	      f);
	target_axis(f, s, idx, n);
	fputs("set title 'resident memory at peak (MiB)'\n"
	      "plot $MEM using 1:2:(0.6):4 with boxes lc rgb variable, $MEM using "
	      "1:2:(sprintf('%.1f',$2)) with labels offset 0,0.7 font ',9'\n"
	      "set title 'threads at peak'\n"
	      "plot $MEM using 1:3:(0.6):4 with boxes lc rgb variable, $MEM using "
	      "1:3:(sprintf('%d',int($3))) with labels offset 0,0.7 font ',9'\n"
	      "unset multiplot\n",
	      f);
	close_chart(f);
	return 0;
}

static int two_panel(FILE *f, const struct sum *s, int slot, const char *png, const char *scen,
		     const char *title, enum sum_field a, const char *ta, int loga,
		     enum sum_field b, const char *tb, int logb)
{
	int wa[8], wb[8];
	char na[32], nb[32];
	snprintf(na, sizeof(na), "%sA", png);
	snprintf(nb, sizeof(nb), "%sB", png);
	if (series(f, s, scen, a, na, wa) < 0 || series(f, s, scen, b, nb, wb) < 0)
		return -ENOMEM;
	open_chart(f, slot, 1300, 520);
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->row[i].scenario, scen) && !s->row[i].failed &&
		    sum_lossy(&s->row[i])) {
			fprintf(f,
				"set label 99 'Not drawn: cells that lost requests (see the "
				"report)' at screen 0.01,0.97 font ',8' tc rgb '#%06x'\n",
				COL_WARN);
			break;
		}
	fputs("set multiplot layout 1,2 title ", f);
	gp_str(f, title);
	fputs(" font ',13'\nset logscale x 10\nset xlabel 'concurrent connections (log "
	      "scale)'\nset key inside left top\n",
	      f);
	fputs("set title ", f);
	gp_str(f, ta);
	fprintf(f, "\n%s", loga ? "set logscale y\n" : "set yrange [0:*]\n");
	plot_series(f, s, na, wa, "", any_load_bound(s, scen));
	fprintf(f, "unset logscale y\nset yrange [*:*]\n");
	fputs("set title ", f);
	gp_str(f, tb);
	fprintf(f, "\n%s", logb ? "set logscale y\n" : "set yrange [0:*]\n");
	plot_series(f, s, nb, wb, "", any_load_bound(s, scen));
	fputs("unset multiplot\n", f);
	close_chart(f);
	return 0;
}

static const char *const charts[] = { "blog",	"throughput", "latency",  "iobound",
				      "memory", "cpubound",   "servercpu" };
static const char *const chart_scen[] = { "blog",     "throughput", "throughput", "io-bound",
					  "io-bound", "cpu-bound",  "throughput" };
#define NCHARTS 7

/* Any successful cell of the scenario with the target's CPU per request: a
 * summary.csv from before it was measured has none. */
static int has_cpu_us(const struct sum *s, const char *scen)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->row[i].scenario, scen) && !s->row[i].failed &&
		    !isnan(s->row[i].target_cpu_us))
			return 1;
	return 0;
}

/* " (hollow points: generator-bound)" when the scenario has such cells. */
static const char *hollow_title(const struct sum *s, const char *scen)
{
	return any_load_bound(s, scen) ? " (hollow points: generator-bound)" : "";
}

int plots_compare(const char *dir)
{
	struct sum s;
	char path[4096], script[4096], log[4096];
	FILE *f;
	perr_clear();
	if (snprintf(path, sizeof(path), "%s/summary.csv", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	snprintf(script, sizeof(script), "%s/compare.gp", dir);
	snprintf(log, sizeof(log), "%s/gnuplot.log", dir);
	int rc = sum_load(&s, path);
	if (rc)
		return rc;
	/* Each wanted chart is one output of the one gnuplot run. */
	int want[NCHARTS], slot[NCHARTS], nout = 0;
	char png[NCHARTS][4200];
	const char *outs[NCHARTS];
	for (int i = 0; i < NCHARTS; i++) {
		want[i] = sum_has(&s, chart_scen[i]) &&
			  (strcmp(charts[i], "servercpu") || has_cpu_us(&s, chart_scen[i]));
		snprintf(png[i], sizeof(png[i]), "%s/%s.png", dir, charts[i]);
		slot[i] = want[i] ? nout : -1;
		if (want[i])
			outs[nout++] = png[i];
		else
			unlink(png[i]);
	}
	if (!nout)
		goto out;
	f = files_create(script);
	if (!f) {
		rc = perr_file(-errno, script);
		goto out;
	}
	char title[256];
	if (want[0])
		rc = blog_chart(f, &s, slot[0]);
	if (!rc && want[1]) {
		snprintf(title, sizeof(title), "Throughput: GET %s, closed loop%s",
			 endpoint_of(&s, "throughput"), hollow_title(&s, "throughput"));
		open_chart(f, slot[1], 1000, 560);
		rc = line_chart(f, &s, "tp", "throughput", F_RPS, title, "requests per second", 0);
		close_chart(f);
	}
	if (!rc && want[2]) {
		snprintf(title, sizeof(title), "Latency under load: GET %s",
			 endpoint_of(&s, "throughput"));
		rc = two_panel(f, &s, slot[2], "latency", "throughput", title, F_P50,
			       "p50 latency (ms, log)", 1, F_P99, "p99 latency (ms, log)", 1);
	}
	if (!rc && want[3]) {
		snprintf(title, sizeof(title), "I/O-bound: GET %s at rising concurrency",
			 endpoint_of(&s, "io-bound"));
		rc = two_panel(f, &s, slot[3], "iobound", "io-bound", title, F_RPS,
			       "requests per second", 0, F_P99, "p99 latency (ms, log)", 1);
	}
	if (!rc && want[4])
		rc = memory_chart(f, &s, slot[4]);
	if (!rc && want[5]) {
		snprintf(title, sizeof(title), "CPU-bound: GET %s, where async does not help%s",
			 endpoint_of(&s, "cpu-bound"), hollow_title(&s, "cpu-bound"));
		open_chart(f, slot[5], 1000, 560);
		rc = line_chart(f, &s, "cpu", "cpu-bound", F_RPS, title, "requests per second", 0);
		close_chart(f);
	}
	if (!rc && want[6]) {
		/* The target's own user + system time per request: what the model costs,
		 * whatever the generator's speed, which req/s cannot say. */
		snprintf(title, sizeof(title), "Server CPU per request: GET %s, same cells%s",
			 endpoint_of(&s, "throughput"), hollow_title(&s, "throughput"));
		open_chart(f, slot[6], 1000, 560);
		rc = line_chart(f, &s, "scpu", "throughput", F_CPU_US, title,
				"target CPU µs per request (user + system)", 0);
		close_chart(f);
	}
	int wrc = files_commit(f, script, rc);
	if (!rc)
		rc = perr_file(wrc, script);
	if (!rc)
		rc = gp_run(script, log, outs, nout);
	/* The script and log stay only when gnuplot failed on them: a missing
	 * gnuplot or a full disk leave nothing to debug. */
	if (rc != -EIO) {
		unlink(script);
		unlink(log);
	}
	for (int i = 0; i < nout && !rc; i++)
		rc = perr_file(files_rename_tmp(outs[i]), outs[i]);
out:
	if (rc) /* no half-drawn chart left under a temporary name */
		for (int i = 0; i < NCHARTS; i++)
			files_discard_tmp(png[i]);
	sum_free(&s);
	return rc;
}
