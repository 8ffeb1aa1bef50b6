/* The timeline's page: title, subtitle from meta.json, notes saying what was
 * left out, and the two panels sharing one x axis. Positions are computed in
 * pixels, so lanes keep a legible height whatever their number. */
#include <stdio.h>
#include <string.h>

#include "gp.h"
#include "pjson.h"
#include "plots.h"
#include "schema.h"
#include "tlpriv.h"

struct page {
	int h;		      /* total height, px */
	int req_top, req_bot; /* panel edges, px from the top */
	int thr_top, thr_bot;
	char title[256], sub[512], notes[3][256];
	int nnotes;
};

static int lane_px(size_t n)
{
	return n <= 12 ? 26 : n <= 30 ? 17 : 12;
}

int tl_panel_px(size_t n)
{
	int h = (int)n * lane_px(n);
	return h < 150 ? 150 : h;
}

static void cat(char *dst, size_t len, const char *fmt, const char *a, const char *b)
{
	size_t n = strlen(dst);
	if (n < len)
		snprintf(dst + n, len - n, fmt, a, b);
}

static int zero(const char *v)
{
	return !v[0] || strspn(v, "0.") == strlen(v) || !strcmp(v, "false") || !strcmp(v, "null");
}

/* The load in words, from meta.json's "load" object (bench run), else the run
 * parameters found at the top level (older and other writers: these names are
 * theirs, not the schema's). The members of "load" have no META_ names in
 * schema.h yet; they are harness/run.c's. */
#define LOAD_KEY(k) META_LOAD "." k
static void meta_params(struct json_object *json, char *out, size_t len)
{
	char mode[32] = "", c[32] = "", n[32] = "", d[32] = "", r0[32] = "", r1[32] = "";
	char v[256], b[256];
	pjson_get(json, LOAD_KEY("mode"), mode, sizeof(mode));
	pjson_get(json, LOAD_KEY("connections"), c, sizeof(c));
	pjson_get(json, LOAD_KEY("requests"), n, sizeof(n));
	pjson_get(json, LOAD_KEY(META_DURATION), d, sizeof(d));
	pjson_get(json, LOAD_KEY("rate_from"), r0, sizeof(r0));
	pjson_get(json, LOAD_KEY("rate_to"), r1, sizeof(r1));
	if (!pjson_get(json, META_SCENARIO, v, sizeof(v)) && v[0])
		cat(out, len, "  ·  scenario %s%s", v, "");
	if (!strcmp(mode, "burst")) {
		cat(out, len, "  ·  a burst: %s at once%s", c, "");
	} else if (mode[0] || c[0]) {
		snprintf(b, sizeof(b), "%s%s%s connections", mode, mode[0] ? " loop, " : "", c);
		cat(out, len, "  ·  %s%s", b, "");
		if (!zero(r0) || !zero(r1)) {
			snprintf(b, sizeof(b), "rate %s%s%s/s", r0, strcmp(r0, r1) ? " to " : "",
				 strcmp(r0, r1) ? r1 : "");
			cat(out, len, ", %s%s", b, "");
		}
		if (!zero(n))
			cat(out, len, ", %s requests%s", n, "");
		else if (!zero(d))
			cat(out, len, ", %s s%s", d, "");
	} else {
		static const char *const keys[] = { "connections", "concurrency", "requests",
						    "duration",	   "rate",	  META_LOAD,
						    NULL };
		for (int i = 0; keys[i]; i++)
			if (!pjson_get(json, keys[i], v, sizeof(v)) && !zero(v) && v[0] != '{' &&
			    v[0] != '[')
				cat(out, len, "  ·  %s %s", keys[i], v);
	}
	if (!pjson_get(json, META_KERNEL, v, sizeof(v)) && v[0])
		cat(out, len, "  ·  kernel %s%s", v, "");
	if (!pjson_get(json, META_NCPU, v, sizeof(v)) && !zero(v))
		cat(out, len, "  ·  %s CPUs%s", v, "");
}

static void texts(const struct tl *t, struct page *p, const char *dir)
{
	char target[128] = "", endpoint[160] = "";
	if (t->r.meta) {
		pjson_get(t->r.meta, META_TARGET, target, sizeof(target));
		pjson_get(t->r.meta, META_ENDPOINT, endpoint, sizeof(endpoint));
	}
	if (!target[0] && t->r.nthr) /* the main thread's name is the program's */
		snprintf(target, sizeof(target), "%s", t->r.thr[0].comm);
	if (!target[0]) {
		const char *base = strrchr(dir, '/');
		snprintf(target, sizeof(target), "%s", base && base[1] ? base + 1 : dir);
	}
	snprintf(p->title, sizeof(p->title), "%s%s%s: %s", target, endpoint[0] ? " " : "", endpoint,
		 t->nlane ? "requests over the threads that served them" : "what the threads did");
	size_t failed = 0;
	uint64_t last = 0;
	for (size_t i = 0; i < t->r.nreq; i++) {
		failed += t->r.req[i].failed;
		if (t->r.req[i].t_end > last)
			last = t->r.req[i].t_end;
	}
	if (t->r.nreq) {
		snprintf(p->sub, sizeof(p->sub), "%zu requests, %zu failed, all done in %.0f ms",
			 t->r.nreq, failed, ((double)last - (double)t->t0) / 1e6);
		if (t->r.have_sched) {
			char b[64];
			snprintf(b, sizeof(b), "%zu thread%s seen", t->thr_total,
				 t->thr_total == 1 ? "" : "s");
			cat(p->sub, sizeof(p->sub), "  ·  %s%s", b, "");
		}
	} else {
		snprintf(p->sub, sizeof(p->sub), "%zu threads seen, %.0f ms traced", t->thr_total,
			 ((double)t->w1 - (double)t->w0) / 1e6);
	}
	if (t->r.meta)
		meta_params(t->r.meta, p->sub, sizeof(p->sub));

	char *n = p->notes[0];
	size_t nl = sizeof(p->notes[0]);
	n[0] = '\0';
	if (t->r.nreq > t->nlane)
		snprintf(n, nl, "Requests: %zu of %zu shown, evenly spaced in send order.  ",
			 t->nlane, t->r.nreq);
	if (t->nlane && !t->r.nmark)
		cat(n, nl, "%s%s",
		    "No server marks (no asyncscope probes fired): request lanes show the client's "
		    "view only.  ",
		    "");
	if (t->nlane && !t->r.have_sched)
		cat(n, nl, "%s%s", "No scheduler trace (sched.csv): no thread lanes.", "");
	char *m = p->notes[1];
	m[0] = '\0';
	if (t->thr_cut) {
		char b[128];
		snprintf(b, sizeof(b),
			 "Threads: %zu of the %zu that ran are shown, those running the requests "
			 "above first.  ",
			 t->nthr_lanes, t->nthr_lanes + t->thr_cut);
		cat(m, nl, "%s%s", b, "");
	}
	if (t->thr_idle && t->nthr_lanes < t->thr_total) {
		char b[128];
		snprintf(b, sizeof(b), "%zu thread%s that never ran in this window not shown.",
			 t->thr_idle, t->thr_idle == 1 ? "" : "s");
		cat(m, nl, "%s%s", b, "");
	}
	/* What the thread lanes merged, so a reader knows a box may stand for many
	 * intervals (tlpriv.h, struct boxw, has the rule). */
	char *q = p->notes[2];
	q[0] = '\0';
	if (t->thr_joined) {
		char px[32] = "a pixel";
		if (t->thr_bucket_px > 1)
			snprintf(px, sizeof(px), "%g pixels", t->thr_bucket_px);
		snprintf(q, nl,
			 "Threads: %zu intervals drawn as %zu boxes, %zu shorter than %s merged: a "
			 "state that occurred in a pixel is drawn in it (blocked and runnable over "
			 "running over sleeping).",
			 t->thr_intervals, t->thr_boxes, t->thr_joined, px);
	}
	/* The notes that have text, in order, from the top. */
	p->nnotes = 0;
	for (int i = 0; i < 3; i++)
		if (p->notes[i][0]) {
			if (p->nnotes != i)
				memcpy(p->notes[p->nnotes], p->notes[i], nl);
			p->nnotes++;
		}
}

static void layout(const struct tl *t, struct page *p)
{
	int y = 16 + 22 + 20 + 17 * p->nnotes + 16; /* title, subtitle, notes */
	p->req_top = p->req_bot = p->thr_top = p->thr_bot = -1;
	if (t->nlane) {
		y += 22; /* panel title */
		p->req_top = y;
		y += tl_panel_px(t->nlane);
		p->req_bot = y;
		y += 34; /* the upper panel's tic labels */
	}
	if (t->nthr_lanes) {
		y += 22;
		p->thr_top = y;
		y += tl_panel_px(t->nthr_lanes);
		p->thr_bot = y;
	}
	p->h = y + 70;
}

static double sy(const struct page *p, int px)
{
	return 1.0 - (double)px / p->h;
}

static void ytics_requests(const struct tl *t, FILE *f)
{
	fputs("set ytics (", f);
	for (size_t l = 0; l < t->nlane; l++) {
		char lbl[32];
		snprintf(lbl, sizeof(lbl), "#%llu", (unsigned long long)t->r.req[t->lane[l]].id);
		fputs(l ? ", " : "", f);
		gp_str(f, lbl);
		fprintf(f, " %zu", t->nlane - 1 - l);
	}
	fputs(") font ',8'\n", f);
}

static void ytics_threads(const struct tl *t, FILE *f)
{
	fputs("set ytics (", f);
	int first = 1;
	for (size_t i = 0; i < t->nthr; i++) {
		if (t->thr[i].lane < 0)
			continue;
		char lbl[64];
		snprintf(lbl, sizeof(lbl), "%.16s %u", t->thr[i].comm, t->thr[i].tid);
		fputs(first ? "" : ", ", f);
		gp_str(f, lbl);
		fprintf(f, " %d", t->thr[i].lane);
		first = 0;
	}
	fputs(") font ',8'\n", f);
}

static void panel_frame(const struct page *p, FILE *f, int top, int bot, const char *title)
{
	fprintf(f, "set tmargin at screen %.5f\nset bmargin at screen %.5f\n", sy(p, top),
		sy(p, bot));
	fprintf(f, "set lmargin at screen %.5f\nset rmargin at screen %.5f\n",
		(double)TL_LEFT / TL_W, (double)(TL_W - TL_RIGHT) / TL_W);
	fprintf(f, "set key at screen %.5f,%.5f left top Left reverse samplen 1.2 font ',9'\n",
		(double)(TL_W - TL_RIGHT + 14) / TL_W, sy(p, top));
	fprintf(f, "set label 10 ");
	gp_str(f, title);
	fprintf(f, " at screen %.5f,%.5f left font ',11'\n", (double)TL_LEFT / TL_W,
		sy(p, top - 8));
}

static void draw(const struct tl *t, const struct page *p, FILE *f)
{
	double x0 = ((double)t->w0 - (double)t->t0) / 1e6,
	       x1 = ((double)t->w1 - (double)t->t0) / 1e6;
	fputs("set multiplot\nset style fill solid 1.0 noborder\n", f);
	fputs("set style textbox opaque fillcolor rgb '#ffffff' noborder margins 1,0\n", f);
	fputs("set grid xtics lc rgb '#dddddd' lt 1\nset border 3 lc rgb '#606060'\nset tics "
	      "nomirror\n",
	      f);
	fprintf(f, "set xrange [%.4f:%.4f]\n", x0, x1);
	fputs("set label 1 ", f);
	gp_str(f, p->title);
	fprintf(f, " at screen 0.5,%.5f center font ',15'\n", sy(p, 26));
	fputs("set label 2 ", f);
	gp_str(f, p->sub);
	fprintf(f, " at screen 0.5,%.5f center font ',10' tc rgb '#404040'\n", sy(p, 48));
	for (int i = 0; i < p->nnotes; i++) {
		fprintf(f, "set label %d ", 3 + i);
		gp_str(f, p->notes[i]);
		fprintf(f, " at screen 0.5,%.5f center font ',9' tc rgb '#a03000'\n",
			sy(p, 66 + 17 * i));
	}
	fputs(t->r.nmark ? "set label 6 'One colour per request, the same in both panels (cycling "
			   "after 12). Bursts shorter than 2 px are drawn 2 px wide.' "
			 : "set label 6 'Bursts shorter than 2 px are drawn 2 px wide.' ",
	      f);
	fprintf(f, "at screen %.5f,%.5f left font ',8' tc rgb '#707070'\n", (double)TL_LEFT / TL_W,
		sy(p, p->h - 12));
	const char *xlabel =
	    t->nlane ? "ms since the first request was sent" : "ms since the trace started";
	if (t->nlane) {
		panel_frame(p, f, p->req_top, p->req_bot,
			    "Requests: each lane from send to response, as the client saw it");
		fprintf(f, "set yrange [-0.6:%.1f]\n", (double)t->nlane - 0.4);
		ytics_requests(t, f);
		if (!t->nthr_lanes) {
			fputs("set xlabel ", f);
			gp_str(f, xlabel);
			fputc('\n', f);
		}
		fputs(
		    "plot $REQ using (($1+$2)/2):(($3+$4)/2):1:2:3:4:5 with boxxyerror lc rgb "
		    "variable notitle, \\\n"
		    " NaN with lines lw 3 lc rgb '#a0a0a0' title 'client: sent, awaiting response'",
		    f);
		if (t->r.nmark)
			fputs(", \\\n NaN with boxes lc rgb '#f0c808' title 'queued: read, no "
			      "handler yet', \\\n"
			      " NaN with boxes lc rgb '#1f77b4' title 'in handler, on CPU (its "
			      "colour)', \\\n"
			      " NaN with boxes lc rgb '#8fbbda' title 'in handler, waiting'",
			      f);
		size_t failed = 0;
		for (size_t i = 0; i < t->r.nreq; i++)
			failed += t->r.req[i].failed;
		if (failed)
			fputs(", \\\n NaN with lines lw 3 lc rgb '#d62728' title 'failed request'",
			      f);
		fputs("\n", f);
		fputs("unset label 1\nunset label 2\nunset label 3\nunset label 4\nunset label 5\n"
		      "unset label 6\n",
		      f);
	}
	if (t->nthr_lanes) {
		panel_frame(p, f, p->thr_top, p->thr_bot,
			    t->nlane ? "Threads of the server: what each was doing, from the "
				       "kernel's scheduler"
				     : "Threads: what each was doing, from the kernel's scheduler");
		fprintf(f, "set yrange [-0.6:%.1f]\n", (double)t->nthr_lanes - 0.4);
		ytics_threads(t, f);
		fputs("set xlabel ", f);
		gp_str(f, xlabel);
		fputc('\n', f);
		fputs("plot $THR using (($1+$2)/2):(($3+$4)/2):1:2:3:4:5 with boxxyerror lc rgb "
		      "variable notitle, \\\n"
		      " $HAND using 1:2:3:4:5 with vectors head size screen 0.005,25 filled lw 1 "
		      "lc rgb variable notitle, \\\n"
		      " $LBL using 1:2:(LBL[int($3)]) with labels boxed font ',7' tc rgb '#303030' "
		      "notitle",
		      f);
		if (t->r.nmark)
			fputs(", \\\n NaN with boxes lc rgb '#1f77b4' title 'running a request "
			      "(its colour)', \\\n"
			      " NaN with boxes lc rgb '#505050' title 'running, no request'",
			      f);
		else
			fputs(", \\\n NaN with boxes lc rgb '#505050' title 'running'", f);
		fputs(
		    ", \\\n NaN with boxes lc rgb '#ff7f0e' title 'runnable: awaiting a CPU', \\\n"
		    " NaN with lines lw 3 lc rgb '#9ecae1' title 'sleeping (syscall named)', \\\n"
		    " NaN with lines lw 3 lc rgb '#d62728' title 'blocked (uninterruptible)'",
		    f);
		if (t->nhand)
			fputs(", \\\n NaN with vectors head filled lc rgb '#606060' title 'read "
			      "here, handed to'",
			      f);
		fputc('\n', f);
	}
	fputs("unset multiplot\nunset label\nunset xlabel\n", f);
}

void tl_emit_layout(const struct tl *t, FILE *f, const char *dir)
{
	struct page p;
	memset(&p, 0, sizeof(p));
	texts(t, &p, dir);
	layout(t, &p);
	fputs("set encoding utf8\n", f);
	fprintf(f, "set terminal pngcairo noenhanced size %d,%d font 'sans,9'\n", TL_W, p.h);
	gp_output(f, 0);
	draw(t, &p, f);
	fputs("set output\n", f);
	fprintf(f, "set terminal svg noenhanced size %d,%d font 'sans,9' background rgb 'white'\n",
		TL_W, p.h);
	gp_output(f, 1);
	draw(t, &p, f);
	fputs("set output\n", f);
}
