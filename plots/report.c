/* report.md and report.html of a matrix: what each chart shows, said from the
 * numbers where possible, with the cells under it linked; every cell's
 * timeline; the key numbers, sortable, each row linking its cell's folder and
 * files; what failed and why, and the machine. The sentences are built from
 * summary.csv, so a run on another machine tells its own story. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "schema.h"
#include "doc.h"
#include "files.h"
#include "perr.h"
#include "pjson.h"
#include "plots.h"
#include "report_cells.h"
#include "report_stalls.h"
#include "summary.h"

struct para {
	char s[2048];
};

static void add(struct para *p, const char *fmt, ...)
{
	size_t n = strlen(p->s);
	va_list ap;
	va_start(ap, fmt);
	if (n < sizeof(p->s))
		vsnprintf(p->s + n, sizeof(p->s) - n, fmt, ap);
	va_end(ap);
}

static int exists(const char *dir, const char *rel)
{
	char p[4096];
	if (snprintf(p, sizeof(p), "%s%s%s", rel[0] == '/' ? "" : dir, rel[0] == '/' ? "" : "/",
		     rel) >= (int)sizeof(p))
		return 0;
	return access(p, R_OK) == 0;
}

/* Cells of a scenario at its top concurrency that lost requests, named. */
static void lossy_note(const struct sum *s, struct para *p, const char *scen, double c)
{
	int n = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct sum_row *r = &s->row[i];
		if (strcmp(r->scenario, scen) || r->failed || r->concurrency != c || !sum_lossy(r))
			continue;
		add(p, "%s%s (%.0f errors)",
		    n++ ? ", " : "Left out for failing requests: ", r->target, r->errors);
	}
	if (n)
		add(p, ". ");
}

/* The highest concurrency of a scenario with a successful cell. */
static double top_conc(const struct sum *s, const char *scen)
{
	double c = NAN;
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->row[i].scenario, scen) && !s->row[i].failed &&
		    (isnan(c) || s->row[i].concurrency > c))
			c = s->row[i].concurrency;
	return c;
}

/* The rows at concurrency c with the lowest and highest field. */
static int extremes(const struct sum *s, const char *scen, double c, enum sum_field f,
		    const struct sum_row **lo, const struct sum_row **hi)
{
	*lo = *hi = NULL;
	for (size_t i = 0; i < s->n; i++) {
		const struct sum_row *r = &s->row[i];
		double v = sum_get(r, f);
		/* A generator-bound cell's req/s is the generator's: never ranked by it. */
		if (strcmp(r->scenario, scen) || r->failed || r->concurrency != c || isnan(v) ||
		    sum_lossy(r) || (f == F_RPS && sum_load_bound(r)))
			continue;
		if (!*lo || v < sum_get(*lo, f))
			*lo = r;
		if (!*hi || v > sum_get(*hi, f))
			*hi = r;
	}
	return *lo ? 0 : -ENOENT;
}

static void blog_text(const struct sum *s, struct para *p)
{
	static const char *const paths[] = { "/sync", "/async", "/wrong" };
	add(p, "Each target got N requests at once on one endpoint, as in the original experiment; "
	       "a bar is the time until the last response, the dashed line one wait. ");
	for (int j = 0; j < 3; j++) {
		struct para together = { "" }, serial = { "" }, waves = { "" };
		int nt = 0, ns = 0, nw = 0;
		double n = NAN, wait = 0;
		for (size_t i = 0; i < s->n; i++) {
			const struct sum_row *r = &s->row[i];
			char path[64];
			sum_path(r->endpoint, path, sizeof(path));
			if (strcmp(r->scenario, "blog") || strcmp(path, paths[j]) || r->failed ||
			    isnan(r->batch_ms) || sum_wait_ms(r->endpoint) <= 0)
				continue;
			wait = sum_wait_ms(r->endpoint);
			n = r->concurrency;
			double waits = r->batch_ms / wait;
			if (waits < 1.6)
				add(&together, "%s%s", nt++ ? ", " : "", r->target);
			else if (waits >= 0.75 * r->concurrency)
				add(&serial, "%s%s (%.1f)", ns++ ? ", " : "", r->target, waits);
			else
				add(&waves, "%s%s (%.1f)", nw++ ? ", " : "", r->target, waits);
		}
		if (!nt && !ns && !nw)
			continue;
		add(p, "%s with %.0f at once and %.0f ms each: ", paths[j], n, wait);
		if (nt)
			add(p, "%s finished them all in about one wait", together.s);
		if (ns)
			add(p,
			    "%s%s took the number of waits in brackets, one request after another",
			    nt ? "; " : "", serial.s);
		if (nw)
			add(p, "%s%s took the waits in brackets: partly overlapped, in waves",
			    nt || ns ? "; " : "", waves.s);
		add(p, ". ");
	}
}

static void line_text(const struct sum *s, struct para *p, const char *scen, enum sum_field f,
		      const char *what, const char *unit, int higher_better)
{
	double c = top_conc(s, scen);
	const struct sum_row *lo, *hi;
	if (isnan(c) || extremes(s, scen, c, f, &lo, &hi))
		return;
	const struct sum_row *best = higher_better ? hi : lo, *worst = higher_better ? lo : hi;
	char b[32], w[32];
	snprintf(b, sizeof(b), sum_get(best, f) < 10 ? "%.2f" : "%.0f", sum_get(best, f));
	snprintf(w, sizeof(w), sum_get(worst, f) < 10 ? "%.2f" : "%.0f", sum_get(worst, f));
	if (best == worst) /* the others left out: generator-bound or lossy */
		add(p, "At %.0f connections only %s's %s can be ranked (%s %s). ", c, best->target,
		    what, b, unit);
	else
		add(p,
		    "At %.0f connections the best %s was %s's (%s %s) and the worst %s's (%s %s). ",
		    c, what, best->target, b, unit, worst->target, w, unit);
	lossy_note(s, p, scen, c);
}

/* Which cells of a scenario the generator bound (their req/s is left out of
 * every ranking), and the ranking that holds whatever the generator's speed: the
 * target's CPU per request at the top concurrency. */
static void bound_text(const struct sum *s, struct para *p, const char *scen)
{
	int n = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct sum_row *r = &s->row[i];
		if (strcmp(r->scenario, scen) || r->failed || !sum_load_bound(r))
			continue;
		add(p, "%s%s at %.0f%s", n++ ? ", " : "Generator-bound: ", r->target,
		    r->concurrency, !strcmp(r->bound, "mixed") ? " (with the target)" : "");
	}
	if (n)
		add(p,
		    "; the load generator was the limit there, so %s req/s measure%s it "
		    "and %s not ranked by it. ",
		    n == 1 ? "that cell's" : "those cells'", n == 1 ? "s" : "",
		    n == 1 ? "it is" : "they are");
	double c = top_conc(s, scen);
	const struct sum_row *lo, *hi;
	if (isnan(c) || extremes(s, scen, c, F_CPU_US, &lo, &hi) || lo == hi)
		return;
	add(p,
	    "Server CPU per request at %.0f connections, which holds whatever the generator's "
	    "speed: least %s's (%.1f µs), most %s's (%.1f µs). ",
	    c, lo->target, lo->target_cpu_us, hi->target, hi->target_cpu_us);
}

static void iobound_text(const struct sum *s, struct para *p)
{
	double c = top_conc(s, "io-bound");
	const struct sum_row *lo, *hi;
	if (isnan(c) || extremes(s, "io-bound", c, F_RPS, &lo, &hi))
		return;
	double w = sum_wait_ms(hi->endpoint);
	add(p, "Every request waits, so throughput is bounded by concurrency over the wait");
	if (w > 0)
		add(p, " (%.0f in flight / %.0f ms = %.0f requests/s)", c, w, c / (w / 1000));
	add(p,
	    ". At %.0f, %s came closest with %.0f requests/s (p99 %.0f ms); %s reached %.0f "
	    "requests/s (p99 %.0f ms). ",
	    c, hi->target, hi->rps, hi->p99_ms, lo->target, lo->rps, lo->p99_ms);
	lossy_note(s, p, "io-bound", c);
}

/* The extremes of peak memory over the io-bound cells that ran (degraded ones
 * too: their memory was measured all the same), then of threads. */
static void memory_text(const struct sum *s, struct para *p)
{
	const struct sum_row *lo = NULL, *hi = NULL, *big = NULL, *small = NULL;
	double c = top_conc(s, "io-bound");
	for (size_t i = 0; i < s->n; i++) {
		const struct sum_row *r = &s->row[i];
		if (strcmp(r->scenario, "io-bound") || !strcmp(rcell_status(r), "failed"))
			continue;
		if (!isnan(r->rss_kib)) {
			if (!lo || r->rss_kib < lo->rss_kib)
				lo = r;
			if (!hi || r->rss_kib > hi->rss_kib)
				hi = r;
		}
		if (isnan(r->threads))
			continue;
		if (!big || r->threads > big->threads)
			big = r;
		/* The leanest at the top concurrency that also kept up: of equal
		 * thread counts, the one with more throughput. */
		if (r->concurrency == c && !r->failed &&
		    (!small || r->threads < small->threads ||
		     (r->threads == small->threads && r->rps > small->rps)))
			small = r;
	}
	if (lo && hi && lo != hi)
		add(p,
		    "Peak resident memory ranged from %.1f MiB (%s at %.0f connections) to %.1f "
		    "MiB "
		    "(%s at %.0f connections). ",
		    lo->rss_kib / 1024, lo->target, lo->concurrency, hi->rss_kib / 1024, hi->target,
		    hi->concurrency);
	else if (hi)
		add(p, "Peak resident memory: %.1f MiB (%s at %.0f connections). ",
		    hi->rss_kib / 1024, hi->target, hi->concurrency);
	if (!big || !small)
		return;
	add(p,
	    "A thread per connection costs a stack and a scheduler entry per connection: %s peaked "
	    "at %.0f threads (%.1f MiB) at %.0f connections, while %s served %.0f connections "
	    "with %.0f thread%s (%.1f MiB). ",
	    big->target, big->threads, big->rss_kib / 1024, big->concurrency, small->target,
	    small->concurrency, small->threads, small->threads == 1 ? "" : "s",
	    small->rss_kib / 1024);
}

static void cpu_text(const struct sum *s, struct para *p)
{
	double c = top_conc(s, "cpu-bound");
	const struct sum_row *lo, *hi;
	if (isnan(c) || extremes(s, "cpu-bound", c, F_RPS, &lo, &hi))
		return;
	double spread = hi->rps > 0 ? 100 * (hi->rps - lo->rps) / hi->rps : 0;
	add(p,
	    "The handler burns CPU instead of waiting, so the CPUs are the limit whatever the "
	    "model: at %.0f connections %s did %.0f requests/s and %s %.0f (%.0f%% apart). ",
	    c, hi->target, hi->rps, lo->target, lo->rps, spread);
	/* Isolated, every target has the same CPUs of its own: on a small machine
	 * one, where no model can use more than one core. */
	double cpus = hi->target_cpus;
	if (!isnan(cpus) && cpus == lo->target_cpus)
		add(p, "Each target had %.0f CPU%s of its own, the load generator the rest. ", cpus,
		    cpus == 1 ? "" : "s");
	if (spread < 25)
		add(p, "An event loop does not make CPU work faster. ");
	else if (!isnan(cpus) && cpus == 1)
		add(p, "On one CPU the gap is each model's overhead per request, not its use of "
		       "cores. ");
	else
		add(p, "A single-threaded loop uses one core; models that run handlers on several "
		       "threads use them all. ");
	lossy_note(s, p, "cpu-bound", c);
}

static void fmt(char *b, size_t len, double v, const char *f)
{
	if (isnan(v))
		snprintf(b, len, "-");
	else
		snprintf(b, len, f, v);
}

/* A cell that ran but left connections unserved (bench run's "degraded"): not
 * ok, so the charts leave it out as they do failed cells, but not failed
 * either, and the report says which it was. */
static int degraded(const struct sum_row *r)
{
	return !strncmp(r->status, "degraded", 8);
}

/* A cell whose target cannot run on this machine: not a failure of the target,
 * said once per target under its own heading (unsupported_cells). */
static int unsupported(const struct sum_row *r)
{
	return !strncmp(r->status, SCHEMA_UNSUPPORTED, strlen(SCHEMA_UNSUPPORTED));
}

/* Latencies of a degraded cell include the unserved requests' wait so far:
 * lower bounds, written "≥" (the sort script reads them as their number). */
static void fmt_ms(char *b, size_t len, double v, const struct sum_row *r)
{
	fmt(b, len, v, degraded(r) ? "\xe2\x89\xa5%.1f" : "%.1f");
}

static void numbers_table(struct doc *d, const struct sum *s, const char *dir)
{
	static const char *const head[] = { "scenario", "target", "endpoint", "conns",	  "req/s",
					    "errors",	"p50 ms", "p99 ms",   "batch ms", "RSS MiB",
					    "threads",	"bound",  "status", "cell" };
	doc_p(d, "Click a heading to sort by it. Rows of failed cells are red, of degraded cells "
		 "(connections never served) amber, of cells with failed requests pink; the "
		 "status and errors columns say the same in words. \xe2\x89\xa5 marks a latency "
		 "that is a lower bound.");
	doc_table_sortable(d, head, 14);
	for (size_t i = 0; i < s->n; i++) {
		const struct sum_row *r = &s->row[i];
		char c[24], rps[24], er[24], p50[24], p99[24], b[24], rss[24], thr[24], id[300];
		fmt(er, sizeof(er), r->errors, "%.0f");
		fmt(c, sizeof(c), r->concurrency, "%.0f");
		fmt(rps, sizeof(rps), r->rps, "%.0f");
		fmt_ms(p50, sizeof(p50), r->p50_ms, r);
		fmt_ms(p99, sizeof(p99), r->p99_ms, r);
		fmt(b, sizeof(b), r->batch_ms, "%.0f");
		fmt(rss, sizeof(rss), r->rss_kib / 1024, "%.1f");
		fmt(thr, sizeof(thr), r->threads, "%.0f");
		const char *cells[] = { r->scenario, r->target, r->endpoint, c,
					rps,	     er,	p50,	     p99,
					b,	     rss,	thr,	     r->bound[0] ? r->bound : "-",
					rcell_status(r) };
		struct rcell_links l;
		rcell_links(dir, r, &l);
		rcell_id(r, id, sizeof(id));
		doc_row_x(d, cells, 13, rcell_class(r), id, l.l, l.n);
	}
	doc_table_end(d);
}

/* The last lines of a failed cell's stderr.txt, at most ~2 KiB. */
static void tail(const char *dir, const char *cell, char *out, size_t len)
{
	char p[4096];
	out[0] = '\0';
	snprintf(p, sizeof(p), "%s%s%s/" SCHEMA_STDERR, cell[0] == '/' ? "" : dir,
		 cell[0] == '/' ? "" : "/", cell);
	FILE *f = fopen(p, "re");
	if (!f)
		return;
	char buf[2048];
	fseek(f, 0, SEEK_END);
	long sz = ftell(f);
	long from = sz > (long)sizeof(buf) - 1 ? sz - (long)sizeof(buf) + 1 : 0;
	fseek(f, from, SEEK_SET);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *start = buf;
	if (from > 0) { /* drop the cut first line */
		char *nl = strchr(buf, '\n');
		if (nl)
			start = nl + 1;
	}
	/* At most 15 lines from the end. */
	int lines = 0;
	for (char *q = buf + n; q > start; q--)
		if (q[-1] == '\n' && q != buf + n && ++lines == 15) {
			start = q;
			break;
		}
	snprintf(out, len, "%s", start);
}

static void cell_files(struct doc *d, const char *dir, const struct sum_row *r)
{
	struct rcell_links l;
	rcell_links(dir, r, &l);
	if (l.n)
		doc_links(d, "Its files:", l.l, l.n);
}

static void failures(struct doc *d, const struct sum *s, const char *dir)
{
	int n = 0;
	for (size_t i = 0; i < s->n; i++)
		n += s->row[i].failed && !degraded(&s->row[i]) && !unsupported(&s->row[i]);
	doc_h(d, 2, "Failed cells");
	if (!n) {
		doc_p(d, "None: every cell ran to the end.");
		return;
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct sum_row *r = &s->row[i];
		if (!r->failed || degraded(r) || unsupported(r))
			continue;
		struct para p = { "" };
		char c[24];
		fmt(c, sizeof(c), r->concurrency, "%.0f");
		add(&p, "%s, %s %s at %s connections: %s", r->scenario, r->target, r->endpoint, c,
		    r->status);
		doc_p(d, p.s);
		char t[2048];
		if (r->dir[0]) {
			tail(dir, r->dir, t, sizeof(t));
			if (t[0])
				doc_pre(d, t);
		}
		cell_files(d, dir, r);
	}
}

/* Targets that cannot run here: one line each, with the target's own reason. */
static void unsupported_cells(struct doc *d, const struct sum *s)
{
	const char *said[32];
	size_t nsaid = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct sum_row *r = &s->row[i];
		int seen = 0;
		for (size_t k = 0; k < nsaid; k++)
			seen |= !strcmp(said[k], r->target);
		if (!unsupported(r) || seen || nsaid == 32)
			continue;
		if (!nsaid)
			doc_h(d, 2, "Unsupported here");
		said[nsaid++] = r->target;
		struct para p = { "" };
		add(&p, "%s cannot run on this machine (%s); its cells are left out of every "
			"chart, the other targets' are drawn.", r->target, r->status);
		doc_p(d, p.s);
	}
}

/* Degraded cells: the status carries "N of M connections never served" (the
 * harness's words); the why is the blocking model's, the one target that serves a
 * kept-alive connection to its end. */
static void degraded_cells(struct doc *d, const struct sum *s, const char *dir)
{
	int n = 0;
	for (size_t i = 0; i < s->n; i++)
		n += degraded(&s->row[i]);
	if (!n)
		return;
	doc_h(d, 2, "Degraded cells");
	for (size_t i = 0; i < s->n; i++) {
		const struct sum_row *r = &s->row[i];
		if (!degraded(r))
			continue;
		struct para p = { "" };
		char c[24];
		const char *what = r->status + 8;
		while (*what == ':' || *what == ' ')
			what++;
		fmt(c, sizeof(c), r->concurrency, "%.0f");
		add(&p, "%s, %s %s at %s connections: %s. ", r->scenario, r->target, r->endpoint, c,
		    what);
		if (!strcmp(r->target, "blocking"))
			add(&p, "A kept-alive client holds the blocking server, which serves one "
				"connection to its end before it accepts the next, so the others "
				"wait until the run is over. ");
		else
			add(&p, "Those connections got no response within the run. ");
		add(&p, "Their wait so far is in the latencies, which are lower bounds; the "
			"charts leave the cell out.");
		doc_p(d, p.s);
		cell_files(d, dir, r);
	}
}

/* One row per member of meta.json, and one per member of a nested object
 * ("versions": {...} gives "versions gnuplot"); deeper values stay JSON text. */
struct machine_rows {
	struct doc *d;
	const char *parent;
};

static void machine_row(void *ctx, const char *key, const char *val, struct json_object *obj)
{
	struct machine_rows *m = ctx;
	if (obj && !m->parent) {
		struct machine_rows sub = { m->d, key };
		pjson_each(obj, machine_row, &sub);
		return;
	}
	char kk[260];
	snprintf(kk, sizeof(kk), "%s%s%s", m->parent ? m->parent : "", m->parent ? " " : "", key);
	const char *cells[] = { kk, val };
	doc_row(m->d, cells, 2);
}

static void machine(struct doc *d, struct json_object *meta)
{
	doc_h(d, 2, "Machine and versions");
	if (!meta) {
		doc_p(d, "No readable meta.json in this directory.");
		return;
	}
	static const char *const head[] = { "what", "value" };
	doc_table(d, head, 2);
	struct machine_rows m = { d, NULL };
	pjson_each(meta, machine_row, &m);
	doc_table_end(d);
}

static void chart(struct doc *d, const struct sum *s, const char *dir, const char *png,
		  const char *scenario, const char *title, const char *text)
{
	char rel[64];
	snprintf(rel, sizeof(rel), "%s.png", png);
	if (!exists(dir, rel))
		return;
	doc_h(d, 2, title);
	doc_img(d, rel, title, 0);
	if (text[0])
		doc_p(d, text);
	rcell_chart_list(d, s, dir, scenario);
}

static void write_doc(struct doc *d, const struct sum *s, const char *dir, struct json_object *meta)
{
	char v[128];
	doc_begin(d, "asyncscope: concurrency models compared");
	struct para intro = { "" };
	add(&intro, "The same small HTTP service in %d concurrency model%s (", s->ntarget,
	    s->ntarget == 1 ? "" : "s");
	for (int t = 0; t < s->ntarget; t++)
		add(&intro, "%s%s", t ? ", " : "", s->target[t]);
	add(&intro, "), driven by the same load generator and traced with eBPF. %zu cells", s->n);
	if (meta && !pjson_get(meta, META_QUICK, v, sizeof(v)) && !strcmp(v, "true"))
		add(&intro, " in the quick matrix (fewer and shorter runs)");
	/* "start" and "start_time": what older matrices wrote before the schema. */
	if (meta && (!pjson_get(meta, "start", v, sizeof(v)) ||
		     !pjson_get(meta, META_STARTED, v, sizeof(v)) ||
		     !pjson_get(meta, "start_time", v, sizeof(v))))
		add(&intro, ", started %s", v);
	if (meta && !pjson_get(meta, META_FINISHED, v, sizeof(v)))
		add(&intro, ", finished %s", v);
	add(&intro, ". Every number below was measured on this machine");
	char k[128], n[32];
	if (meta && !pjson_get(meta, META_CPU, k, sizeof(k)) &&
	    !pjson_get(meta, META_NCPU, n, sizeof(n)))
		add(&intro, " (%s CPUs, %s", n, k);
	else if (meta && !pjson_get(meta, META_CPU, k, sizeof(k)))
		add(&intro, " (%s", k);
	else
		k[0] = '\0';
	if (k[0] && meta && !pjson_get(meta, META_KERNEL, v, sizeof(v)))
		add(&intro, ", Linux %s", v);
	add(&intro, "%s; the sentences under each chart are written from them.", k[0] ? ")" : "");
	doc_p(d, intro.s);

	struct para p = { "" };
	blog_text(s, &p);
	chart(d, s, dir, "blog", "blog", "The original experiment: sync, async and the mistake",
	      p.s);
	p.s[0] = '\0';
	add(&p,
	    "Requests per second for a tiny response with every connection always busy (log x). ");
	line_text(s, &p, "throughput", F_RPS, "throughput", "requests/s", 1);
	bound_text(s, &p, "throughput");
	chart(d, s, dir, "throughput", "throughput", "Throughput", p.s);
	p.s[0] = '\0';
	add(&p, "The target's own CPU time (user + system, from the kernel's accounting) over "
		"the same runs, per request: what serving one request costs each model, which "
		"does not depend on how fast the load generator was. ");
	chart(d, s, dir, "servercpu", "throughput", "Server CPU per request", p.s);
	p.s[0] = '\0';
	add(&p, "Median and 99th percentile latency of the same runs: queueing shows up first in "
		"p99. ");
	line_text(s, &p, "throughput", F_P99, "p99", "ms", 0);
	chart(d, s, dir, "latency", "throughput", "Latency under load", p.s);
	p.s[0] = '\0';
	iobound_text(s, &p);
	chart(d, s, dir, "iobound", "io-bound", "I/O-bound: many requests waiting at once", p.s);
	p.s[0] = '\0';
	memory_text(s, &p);
	chart(d, s, dir, "memory", "io-bound", "Memory and threads at peak", p.s);
	p.s[0] = '\0';
	cpu_text(s, &p);
	bound_text(s, &p, "cpu-bound");
	chart(d, s, dir, "cpubound", "cpu-bound", "CPU-bound: where async does not help", p.s);

	rcell_timelines(d, s, dir);
	doc_h(d, 2, "Key numbers");
	numbers_table(d, s, dir);
	rstall_section(d, s, dir);
	failures(d, s, dir);
	degraded_cells(d, s, dir);
	unsupported_cells(d, s);
	machine(d, meta);
	doc_end(d);
}

int plots_report(const char *dir)
{
	struct sum s;
	char path[4096], md[4096], html[4096];
	struct json_object *meta = NULL;
	struct doc d = { .dir = dir };
	perr_clear();
	if (snprintf(path, sizeof(path), "%s/summary.csv", dir) >= (int)sizeof(path) ||
	    snprintf(md, sizeof(md), "%s/" SCHEMA_REPORT_MD, dir) >= (int)sizeof(md) - 4 ||
	    snprintf(html, sizeof(html), "%s/" SCHEMA_REPORT_HTML, dir) >= (int)sizeof(html) - 4)
		return -ENAMETOOLONG;
	int rc = sum_load(&s, path);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "%s/" SCHEMA_META, dir);
	meta = pjson_load(path);
	if (!meta && errno == EBADMSG) {
		rc = -EBADMSG; /* perr names its line */
		goto out;
	}
	d.md = files_create(md);
	d.html = d.md ? files_create(html) : NULL;
	if (!d.md || !d.html) {
		rc = perr_file(-errno, d.md ? html : md);
		if (d.md)
			files_commit(d.md, md, rc); /* removes md.tmp */
		goto out;
	}
	write_doc(&d, &s, dir, meta);
	/* Each file is whole under its name or not renamed; when the disk fills
	 * between the two, report.md may be new and report.html the previous. */
	rc = perr_file(files_commit(d.md, md, 0), md);
	int hrc = files_commit(d.html, html, rc);
	if (!rc)
		rc = perr_file(hrc, html);
out:
	pjson_free(meta);
	sum_free(&s);
	return rc;
}
