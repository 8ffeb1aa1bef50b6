/* The timeline: requests as the client saw them over the server's threads as
 * the kernel ran them, on one time axis. The joins (DESIGN.md, "How the views
 * join"): a request lane shows the server's phases of that request from the marks
 * with its id; a thread's running time is coloured by the request it was serving,
 * which the marks on that thread tell (handler_enter/wait_end open a stretch of
 * service, wait_start/request_end close it, and request_start names the request a
 * short burst was parsing).
 *
 * Everything goes to gnuplot as one script with the data inline as datablocks,
 * drawn twice (PNG, then SVG). The script is deleted after a good run and kept as
 * timeline.gp, with gnuplot.log, after a bad one. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files.h"
#include "gp.h"
#include "schema.h"
#include "perr.h"
#include "pjson.h"
#include "plots.h"
#include "rundata.h"
#include "tlpriv.h"

/* One colour per request, cycling: chosen apart from the state colours below. */
static const unsigned palette[] = { 0x1f77b4, 0x2ca02c, 0x9467bd, 0x8c564b, 0xe377c2, 0x17becf,
				    0xbcbd22, 0x393b79, 0x637939, 0x7b4173, 0x3182bd, 0x31a354 };
#define NPAL (sizeof(palette) / sizeof(palette[0]))

/* The pale version of a request's colour marks its waits. */
static unsigned pale(unsigned c)
{
	unsigned r = (c >> 16) & 0xff, g = (c >> 8) & 0xff, b = c & 0xff;
	r = r + (255 - r) * 3 / 5;
	g = g + (255 - g) * 3 / 5;
	b = b + (255 - b) * 3 / 5;
	return r << 16 | g << 8 | b;
}

static int cmp_mark_id(const void *a, const void *b)
{
	const struct rd_mark *x = a, *y = b;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->t < y->t ? -1 : x->t > y->t;
}

static int cmp_mark_tid(const void *a, const void *b)
{
	const struct rd_mark *x = a, *y = b;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return x->t < y->t ? -1 : x->t > y->t;
}

static const struct rd_req *sort_base;
static int cmp_req_send(const void *a, const void *b)
{
	const struct rd_req *x = &sort_base[*(const size_t *)a],
			    *y = &sort_base[*(const size_t *)b];
	if (x->t_send != y->t_send)
		return x->t_send < y->t_send ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_rank(const void *a, const void *b)
{
	const struct tl_rank *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

unsigned tl_colour_of(const struct tl *t, uint64_t id)
{
	size_t lo = 0, hi = t->r.nreq;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (t->rank[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < t->r.nreq && t->rank[lo].id == id)
		return palette[t->rank[lo].rank % NPAL];
	/* Marks of a request the client did not record (another client, or id 0
	 * when the header was missing): still a request, so not the idle grey. */
	return palette[id % NPAL];
}

/* Window and origin: the requests plus a small margin, or the whole trace. */
static void window(struct tl *t)
{
	const struct rd_run *r = &t->r;
	uint64_t a = UINT64_MAX, b = 0;
	if (r->nreq) {
		for (size_t i = 0; i < r->nreq; i++) {
			if (r->req[i].t_send < a)
				a = r->req[i].t_send;
			if (r->req[i].t_end > b)
				b = r->req[i].t_end;
		}
		t->t0 = a;
		uint64_t margin = (b - a) / 25 + 200000; /* 4% and 0.2 ms */
		t->w0 = a > margin ? a - margin : 0;
		t->w1 = b + margin;
	} else {
		for (size_t i = 0; i < r->niv; i++) {
			/* The stretch before a thread's first event says nothing. */
			if (r->iv[i].state != RD_UNKNOWN && r->iv[i].a < a)
				a = r->iv[i].a;
			if (r->iv[i].b > b)
				b = r->iv[i].b;
		}
		if (a == UINT64_MAX)
			a = b;
		if (b <= a)
			b = a + 1000000;
		t->t0 = t->w0 = a;
		t->w1 = b;
	}
}

static int pick_requests(struct tl *t)
{
	size_t n = t->r.nreq;
	t->order = malloc((n ? n : 1) * sizeof(*t->order));
	t->rank = malloc((n ? n : 1) * sizeof(*t->rank));
	t->lane =
	    malloc((n < PLOTS_MAX_REQ_LANES ? n + 1 : PLOTS_MAX_REQ_LANES) * sizeof(*t->lane));
	if (!t->order || !t->rank || !t->lane)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		t->order[i] = i;
	sort_base = t->r.req;
	qsort(t->order, n, sizeof(*t->order), cmp_req_send);
	for (size_t i = 0; i < n; i++)
		t->rank[i] = (struct tl_rank){ t->r.req[t->order[i]].id, (uint32_t)i };
	qsort(t->rank, n, sizeof(*t->rank), cmp_rank);
	/* Evenly spaced in send order, so a staircase stays a staircase. */
	t->nlane = n < PLOTS_MAX_REQ_LANES ? n : PLOTS_MAX_REQ_LANES;
	for (size_t i = 0; i < t->nlane; i++)
		t->lane[i] =
		    t->order[n > t->nlane && t->nlane > 1 ? i * (n - 1) / (t->nlane - 1) : i];
	return 0;
}

/* Request lanes: the client's span as a thin bar, and over it the server's
 * phases of that request. */
static void emit_requests(struct tl *t, FILE *f)
{
	struct boxw w = { .f = f, .merge = 0 };
	double minw = t->ms_per_px * 2;
	/* Without server marks the client's span is all there is: draw it full. */
	double thin = t->r.nmark ? tl_half(t->req_ppu, 0.09, 2.5) : tl_half(t->req_ppu, 0.3, 9),
	       hq = tl_half(t->req_ppu, 0.3, 9), hb = tl_half(t->req_ppu, 0.34, 10);
	fputs("$REQ << EOD\n", f);
	for (size_t l = 0; l < t->nlane; l++) {
		const struct rd_req *q = &t->r.req[t->lane[l]];
		double y = (double)(t->nlane - 1 - l);
		unsigned col = tl_colour_of(t, q->id);
		tl_box(&w, tl_xms(t, q->t_send), tl_xms(t, q->t_end), y - thin, y + thin,
		       q->failed ? C_FAILED : C_CLIENT);
		/* This request's marks, in time order. */
		struct rd_mark key = { .id = q->id, .t = 0 };
		size_t lo = 0, hi = t->r.nmark;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (cmp_mark_id(&t->by_id[mid], &key) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		uint64_t rs = 0, he = 0, ws = 0, run_from = 0;
		for (size_t i = lo; i < t->r.nmark && t->by_id[i].id == q->id; i++) {
			const struct rd_mark *m = &t->by_id[i];
			switch (m->ev) {
			case RD_START:
				if (!rs)
					rs = m->t;
				break;
			case RD_HANDLER:
				he = run_from = m->t;
				if (rs && rs <= he)
					tl_box(&w, tl_xms(t, rs), tl_xms(t, he), y - hq, y + hq,
					       C_QUEUED);
				break;
			case RD_WAIT_START:
				ws = m->t;
				if (run_from) {
					double a = tl_xms(t, run_from), b = tl_xms(t, ws);
					tl_box(&w, a, b - a < minw ? a + minw : b, y - hb, y + hb,
					       col);
				}
				run_from = 0;
				break;
			case RD_WAIT_END:
				if (ws)
					tl_box(&w, tl_xms(t, ws), tl_xms(t, m->t), y - hb, y + hb,
					       pale(col));
				ws = 0;
				run_from = m->t;
				break;
			case RD_END:
				if (run_from) {
					double a = tl_xms(t, run_from), b = tl_xms(t, m->t);
					tl_box(&w, a, b - a < minw ? a + minw : b, y - hb, y + hb,
					       col);
				}
				run_from = 0;
				break;
			}
		}
	}
	tl_box_flush(&w);
	fputs("EOD\n", f);
}

static void free_tl(struct tl *t)
{
	free(t->by_id);
	free(t->by_tid);
	free(t->serve);
	free(t->order);
	free(t->rank);
	free(t->lane);
	free(t->thr);
	rd_free(&t->r);
}

int plots_timeline(const char *dir)
{
	struct tl t = { 0 };
	char script[4096], log[4096], png[4096], svg[4096];
	FILE *f;
	perr_clear();
	int rc = rd_load(&t.r, dir);
	if (rc)
		return rc;
	if (snprintf(script, sizeof(script), "%s/timeline.gp", dir) >= (int)sizeof(script) ||
	    snprintf(log, sizeof(log), "%s/gnuplot.log", dir) >= (int)sizeof(log) ||
	    snprintf(png, sizeof(png), "%s/" SCHEMA_TIMELINE_PNG, dir) >= (int)sizeof(png) ||
	    snprintf(svg, sizeof(svg), "%s/" SCHEMA_TIMELINE_SVG, dir) >= (int)sizeof(svg)) {
		rc = -ENAMETOOLONG;
		goto out;
	}
	size_t nm = t.r.nmark ? t.r.nmark : 1;
	t.by_id = malloc(nm * sizeof(*t.by_id));
	t.by_tid = malloc(nm * sizeof(*t.by_tid));
	if (!t.by_id || !t.by_tid) {
		rc = -ENOMEM;
		goto out;
	}
	if (t.r.nmark) {
		memcpy(t.by_id, t.r.mark, t.r.nmark * sizeof(*t.by_id));
		memcpy(t.by_tid, t.r.mark, t.r.nmark * sizeof(*t.by_tid));
	}
	qsort(t.by_id, t.r.nmark, sizeof(*t.by_id), cmp_mark_id);
	qsort(t.by_tid, t.r.nmark, sizeof(*t.by_tid), cmp_mark_tid);
	window(&t);
	t.ms_per_px = (tl_xms(&t, t.w1) - tl_xms(&t, t.w0)) / TL_PLOT_PX;
	if ((rc = tl_build_service(&t)) || (rc = pick_requests(&t)) || (rc = tl_pick_threads(&t)))
		goto out;
	if (!t.nlane && !t.nthr_lanes) { /* headers only: nothing to draw */
		rc = -ENODATA;
		goto out;
	}
	f = files_create(script);
	if (!f) {
		rc = perr_file(-errno, script);
		goto out;
	}
	t.req_ppu = tl_panel_px(t.nlane) / ((double)t.nlane + 0.2);
	t.thr_ppu = tl_panel_px(t.nthr_lanes) / ((double)t.nthr_lanes + 0.2);
	if (t.nlane)
		emit_requests(&t, f);
	rc = tl_emit_threads(&t, f);
	if (!rc)
		tl_emit_layout(&t, f, dir);
	int wrc = files_commit(f, script, rc);
	if (!rc)
		rc = perr_file(wrc, script);
	f = NULL;
	if (!rc) {
		const char *outs[] = { png, svg };
		rc = gp_run(script, log, outs, 2);
	}
	/* The script and log stay only when gnuplot failed on them: a missing
	 * gnuplot or a full disk leave nothing to debug. */
	if (rc != -EIO) {
		unlink(script);
		unlink(log);
	}
	if (!rc)
		rc = perr_file(files_rename_tmp(png), png);
	if (!rc)
		rc = perr_file(files_rename_tmp(svg), svg);
out:
	if (rc) { /* a chart is either whole under its name or not there anew */
		files_discard_tmp(png);
		files_discard_tmp(svg);
	}
	free_tl(&t);
	return rc;
}
