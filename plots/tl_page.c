/* The timeline's page: title, subtitle from meta.json, notes saying what was
 * left out, and where the two panels sharing one x axis go. Positions are in
 * pixels, so lanes keep a legible height whatever their number. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clockjoin.h"
#include "pjson.h"
#include "schema.h"
#include "tl_model.h"

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

/* The load in words, from meta.json's "load" object (common/meta.c writes it for
 * bench run), else the run parameters found at the top level: the layout of
 * meta.json files written before the schema, which results directories that
 * travel may still have (these few names are theirs, not the schema's). */
#define LOAD_KEY(k) META_LOAD "." k
static void meta_params(struct json_object *json, char *out, size_t len)
{
	char mode[32] = "", c[32] = "", n[32] = "", d[32] = "", r0[32] = "", r1[32] = "";
	char v[256], b[256];
	pjson_get(json, LOAD_KEY(META_LOAD_MODE), mode, sizeof(mode));
	pjson_get(json, LOAD_KEY(META_LOAD_CONNS), c, sizeof(c));
	pjson_get(json, LOAD_KEY(META_LOAD_REQUESTS), n, sizeof(n));
	pjson_get(json, LOAD_KEY(META_LOAD_DURATION), d, sizeof(d));
	pjson_get(json, LOAD_KEY(META_LOAD_RATE_FROM), r0, sizeof(r0));
	pjson_get(json, LOAD_KEY(META_LOAD_RATE_TO), r1, sizeof(r1));
	if (!pjson_get(json, META_SCENARIO, v, sizeof(v)) && v[0])
		cat(out, len, "  ·  scenario %s%s", v, "");
	if (!strcmp(mode, META_MODE_BURST)) {
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
	/* Unsampled requests have no server marks: say so, or their lanes look broken. */
	if (!pjson_get(json, LOAD_KEY(META_LOAD_MARK_EVERY), v, sizeof(v)) && !zero(v) &&
	    strcmp(v, "1"))
		cat(out, len, "  ·  server marks on 1 in %s requests%s", v, "");
	if (!pjson_get(json, META_KERNEL, v, sizeof(v)) && v[0])
		cat(out, len, "  ·  kernel %s%s", v, "");
	if (!pjson_get(json, META_NCPU, v, sizeof(v)) && !zero(v))
		cat(out, len, "  ·  %s CPUs%s", v, "");
}

/* What the request lanes are, and when they are cut, exactly what is shown:
 * which lanes, which window, and the slowest added. */
static void request_note(const struct tl_model *t, char *n, size_t nl)
{
	char b[200];
	double s0 = ((double)t->w0 - (double)t->t0) / 1e9,
	       s1 = ((double)t->w1 - (double)t->t0) / 1e9;
	double run = ((double)t->run1 - (double)t->run0) / 1e9;
	const char *what = t->lane_kind == TL_LANES_CONN ? "connections" : "lanes";
	if (!t->nlane)
		return;
	if (t->lane_kind == TL_LANES_CONN)
		cat(n, nl, "%s%s", "Requests: a lane per connection, its requests back to back.  ",
		    "");
	else if (t->lane_kind == TL_LANES_PACKED)
		cat(n, nl, "%s%s",
		    "Requests: packed into the fewest lanes that never overlap (a lane is not a "
		    "connection).  ",
		    "");
	if (t->nlane - t->nslow < t->nlane_all) {
		/* The dash is an en dash in UTF-8 (the script is utf8). */
		snprintf(b, sizeof(b), "Lanes: %s %zu\xe2\x80\x93%zu of %zu", what, t->lane_lo,
			 t->lane_hi, t->nlane_all);
		cat(n, nl, "%s%s", b, t->nslow ? "" : ".  ");
		if (t->nslow) {
			snprintf(b, sizeof(b), " and the %zu slowest request%s of the window.  ",
				 t->nslow, t->nslow == 1 ? "" : "s");
			cat(n, nl, "%s%s", b, "");
		}
	}
	if (t->cut) {
		snprintf(b, sizeof(b),
			 "Window %.3g\xe2\x80\x93%.3g s of %.3g s: the busiest stretch (most "
			 "requests in flight) that fits.",
			 s0, s1, run);
		cat(n, nl, "%s%s", b, "");
	}
}

static void texts(const struct tl_model *t, struct tl_page *p, const char *dir)
{
	char target[128] = "", endpoint[160] = "";
	if (t->r->meta) {
		pjson_get(t->r->meta, META_TARGET, target, sizeof(target));
		pjson_get(t->r->meta, META_ENDPOINT, endpoint, sizeof(endpoint));
	}
	if (!target[0] && t->r->nthr) /* the main thread's name is the program's */
		snprintf(target, sizeof(target), "%s", t->r->thr[0].comm);
	if (!target[0]) {
		const char *base = strrchr(dir, '/');
		snprintf(target, sizeof(target), "%s", base && base[1] ? base + 1 : dir);
	}
	snprintf(p->title, sizeof(p->title), "%s%s%s: %s", target, endpoint[0] ? " " : "", endpoint,
		 t->nlane ? "requests over the threads that served them" : "what the threads did");
	uint64_t last = 0;
	for (size_t i = 0; i < t->r->nreq; i++) {
		if (t->r->req[i].t_end > last)
			last = t->r->req[i].t_end;
	}
	if (t->r->nreq) {
		snprintf(p->sub, sizeof(p->sub), "%zu requests, %zu failed, all done in %.0f ms",
			 t->r->nreq, t->nfailed, ((double)last - (double)t->t0) / 1e6);
		if (t->r->have_sched) {
			char b[64];
			snprintf(b, sizeof(b), "%zu thread%s seen", t->thr_total,
				 t->thr_total == 1 ? "" : "s");
			cat(p->sub, sizeof(p->sub), "  ·  %s%s", b, "");
		}
	} else {
		/* The tracer's own window (bench trace's meta.json), the figure its
		 * summary prints too; the span of sched.csv is shorter by the time
		 * before the first and after the last event. */
		char a[32] = "", b[32] = "";
		double span = ((double)t->w1 - (double)t->w0) / 1e6;
		if (t->r->meta && !pjson_get(t->r->meta, META_T_START, a, sizeof(a)) &&
		    !pjson_get(t->r->meta, META_T_STOP, b, sizeof(b)) &&
		    strtoull(b, NULL, 10) > strtoull(a, NULL, 10))
			span = (double)(strtoull(b, NULL, 10) - strtoull(a, NULL, 10)) / 1e6;
		snprintf(p->sub, sizeof(p->sub), "%zu thread%s seen, %.0f ms traced", t->thr_total,
			 t->thr_total == 1 ? "" : "s", span);
	}
	if (t->r->meta)
		meta_params(t->r->meta, p->sub, sizeof(p->sub));

	char *n = p->notes[0];
	size_t nl = sizeof(p->notes[0]);
	n[0] = '\0';
	request_note(t, n, nl);
	char *k = p->notes[1];
	k[0] = '\0';
	/* A directory joined across hosts says by how much the client's times moved. */
	cj_note(t->r->meta, k, nl);
	if (t->nlane && !t->r->nmark)
		cat(k, nl, "%s%s",
		    "No server marks (no asyncscope probes fired): request lanes show the client's "
		    "view only.  ",
		    "");
	else if (t->nlane && t->nmarked < t->r->nreq) {
		char b[160];
		snprintf(b, sizeof(b),
			 "Server marks on %zu of %zu requests (sampled): the others show the "
			 "client's view only.  ",
			 t->nmarked, t->r->nreq);
		cat(k, nl, "%s%s", b, "");
	}
	if (t->nlane && !t->r->have_sched)
		cat(k, nl, "%s%s", "No scheduler trace (sched.csv): no thread lanes.", "");
	char *m = p->notes[2];
	m[0] = '\0';
	if (t->thr_cut && t->nstack) {
		char b[200];
		snprintf(b, sizeof(b),
			 "Threads: all %zu that ran are counted by state above; lanes for %zu (the "
			 "loop and pool first, then the busiest), %zu not drawn as lanes.  ",
			 t->nthr_lanes + t->thr_cut, t->nthr_lanes, t->thr_cut);
		cat(m, nl, "%s%s", b, "");
	} else if (t->thr_cut) {
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
	 * intervals (tl_boxes.c, struct boxw, has the rule). */
	char *q = p->notes[3];
	q[0] = '\0';
	if (t->thr_joined) {
		char px[32] = "a pixel";
		if (t->thr_bucket_px > 1)
			snprintf(px, sizeof(px), "%g pixels", t->thr_bucket_px);
		snprintf(q, nl,
			 "Threads: %zu intervals drawn as %zu boxes, %zu shorter than %s merged: a "
			 "state that occurred in a pixel is drawn in it (blocked and runnable over "
			 "running over sleeping).",
			 t->thr_intervals, t->thr_boxes.n, t->thr_joined, px);
	}
	/* What has hover text, for the SVG only: the PNG cannot be hovered. */
	char *h = p->hover;
	h[0] = '\0';
	if (t->nhov) {
		char b[200];
		snprintf(b, sizeof(b), "Hover for details: %zu request%s", t->nhov_req,
			 t->nhov_req == 1 ? "" : "s");
		cat(h, sizeof(p->hover), "%s%s", t->nlane ? b : "Hover for details:", "");
		if (t->nhov_stl) {
			snprintf(b, sizeof(b), "%s %zu stall%s (the frame's top edge)",
				 t->nlane ? "," : "", t->nhov_stl, t->nhov_stl == 1 ? "" : "s");
			cat(h, sizeof(p->hover), "%s%s", b, "");
		}
		if (t->hov_thr_all) {
			size_t nthr = t->nhov - t->nhov_req - t->nhov_stl;
			char why[80] = "";
			if (nthr < t->hov_thr_all)
				snprintf(why, sizeof(why), " (%sat most one per %d px of a lane)",
					 nthr < t->hov_thr_placed ? "the longest, " : "",
					 TL_HOVER_PX);
			snprintf(b, sizeof(b), "%s %zu of %zu thread intervals%s",
				 t->nlane || t->nhov_stl ? "," : "", nthr, t->hov_thr_all, why);
			cat(h, sizeof(p->hover), "%s%s", b, "");
		}
	}
	/* The notes that have text, in order, from the top. */
	p->nnotes = 0;
	for (int i = 0; i < 4; i++)
		if (p->notes[i][0]) {
			if (p->nnotes != i)
				memcpy(p->notes[p->nnotes], p->notes[i], nl);
			p->nnotes++;
		}
}

/* Panels from the top: requests, in flight, threads by state, thread lanes
 * (these four share the time axis, labelled under the last), then latency
 * over the whole run on its own axis. */
static void layout(const struct tl_model *t, struct tl_page *p)
{
	int y = 16 + 22 + 20 + 17 * p->nnotes + 16; /* title, subtitle, notes */
	p->req_top = p->req_bot = p->thr_top = p->thr_bot = -1;
	p->inf_top = p->inf_bot = p->stk_top = p->stk_bot = p->lat_top = p->lat_bot = -1;
	if (t->nlane) {
		y += 22; /* panel title */
		p->req_top = y;
		y += tl_panel_px(t->nlane);
		p->req_bot = y;
		y += 30; /* the upper panel's tic labels */
		y += 22;
		p->inf_top = y;
		y += TL_INFLIGHT_PX;
		p->inf_bot = y;
		y += 30;
	}
	if (t->nstack) {
		y += 22;
		p->stk_top = y;
		y += TL_STACK_PX;
		p->stk_bot = y;
		y += 30;
	}
	if (t->nthr_lanes) {
		y += 22;
		p->thr_top = y;
		y += tl_panel_px(t->nthr_lanes);
		p->thr_bot = y;
	}
	y += 50; /* the time axis' label */
	if (t->nlat) {
		y += 22;
		p->lat_top = y;
		y += TL_LAT_PX;
		p->lat_bot = y;
		y += 50;
	}
	p->h = y + 20;
}

void tl_build_page(struct tl_model *m, const char *name)
{
	memset(&m->page, 0, sizeof(m->page));
	texts(m, &m->page, name);
	layout(m, &m->page);
}
