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

#include "gp.h"
#include "pjson.h"
#include "plots.h"
#include "rundata.h"
#include "tlpriv.h"

/* One colour per request, cycling: chosen apart from the state colours below. */
static const unsigned palette[] = { 0x1f77b4, 0x2ca02c, 0x9467bd, 0x8c564b, 0xe377c2, 0x17becf,
				    0xbcbd22, 0x393b79, 0x637939, 0x7b4173, 0x3182bd, 0x31a354 };
#define NPAL (sizeof(palette) / sizeof(palette[0]))

#define C_CLIENT 0xa0a0a0
#define C_FAILED 0xd62728
#define C_QUEUED 0xf0c808
#define C_NOREQ 0x505050
#define C_RUNNABLE 0xff7f0e
#define C_SLEEPING 0x9ecae1
#define C_BLOCKED 0xd62728
#define C_UNKNOWN 0xdddddd

/* The pale version of a request's colour marks its waits. */
static unsigned pale(unsigned c)
{
	unsigned r = (c >> 16) & 0xff, g = (c >> 8) & 0xff, b = c & 0xff;
	r = r + (255 - r) * 3 / 5;
	g = g + (255 - g) * 3 / 5;
	b = b + (255 - b) * 3 / 5;
	return r << 16 | g << 8 | b;
}

/* Boxes in one datablock, with neighbours of one colour on one lane merged
 * when they touch within `merge` ms: at 1000 requests this keeps the SVG small. */
struct boxw {
	FILE *f;
	double merge;
	int have;
	double x0, x1, y0, y1;
	unsigned col;
};

static void box_flush(struct boxw *w)
{
	if (w->have)
		fprintf(w->f, "%.4f %.4f %.3f %.3f %u\n", w->x0, w->x1, w->y0, w->y1, w->col);
	w->have = 0;
}

static void box(struct boxw *w, double x0, double x1, double y0, double y1, unsigned col)
{
	if (w->have && col == w->col && y0 == w->y0 && y1 == w->y1 && x0 <= w->x1 + w->merge &&
	    x0 >= w->x0) {
		if (x1 > w->x1)
			w->x1 = x1;
		return;
	}
	box_flush(w);
	*w = (struct boxw){ w->f, w->merge, 1, x0, x1, y0, y1, col };
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
	const struct rd_req *x = &sort_base[*(const size_t *)a], *y = &sort_base[*(const size_t *)b];
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

/* First mark in a (sorted by tid, t) with tid == tid and t >= t0. */
static size_t first_mark(const struct rd_mark *m, size_t n, uint32_t tid, uint64_t t0)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (m[mid].tid < tid || (m[mid].tid == tid && m[mid].t < t0))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The stretches of service per thread, from the marks sorted by thread. */
static int build_service(struct tl *t)
{
	const struct rd_mark *m = t->by_tid;
	size_t cap = 0;
	for (size_t i = 0; i < t->r.nmark;) {
		uint32_t tid = m[i].tid;
		int open = 0;
		struct tl_serve cur = { 0 };
		for (; i < t->r.nmark && m[i].tid == tid; i++) {
			int opens = m[i].ev == RD_HANDLER || m[i].ev == RD_WAIT_END;
			int closes = m[i].ev == RD_WAIT_START || m[i].ev == RD_END;
			if ((opens && open) || (closes && open && cur.id == m[i].id)) {
				cur.b = m[i].t;
				if (t->nserve == cap) {
					cap = cap ? cap * 2 : 256;
					void *p = realloc(t->serve, cap * sizeof(*t->serve));
					if (!p)
						return -ENOMEM;
					t->serve = p;
				}
				t->serve[t->nserve++] = cur;
				open = 0;
			}
			if (opens) {
				cur = (struct tl_serve){ tid, m[i].id, m[i].t, 0 };
				open = 1;
			}
		}
		if (open) {
			cur.b = UINT64_MAX;
			if (t->nserve == cap) {
				cap = cap ? cap * 2 : 256;
				void *p = realloc(t->serve, cap * sizeof(*t->serve));
				if (!p)
					return -ENOMEM;
				t->serve = p;
			}
			t->serve[t->nserve++] = cur;
		}
	}
	return 0;
}

/* A half-height in lane units: `units` when lanes are small, at most `px`
 * pixels when they are tall, so a lone lane does not become a slab. */
static double half(double ppu, double units, double px)
{
	return px / ppu < units ? px / ppu : units;
}

static double xms(const struct tl *t, uint64_t ns)
{
	return ((double)ns - (double)t->t0) / 1e6;
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
	t->lane = malloc((n < PLOTS_MAX_REQ_LANES ? n + 1 : PLOTS_MAX_REQ_LANES) * sizeof(*t->lane));
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
		t->lane[i] = t->order[n > t->nlane && t->nlane > 1 ? i * (n - 1) / (t->nlane - 1) : i];
	return 0;
}

static int cmp_busy(const void *a, const void *b)
{
	const struct tl_thread *x = a, *y = b;
	if (x->run_ns != y->run_ns)
		return x->run_ns > y->run_ns ? -1 : 1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

static int cmp_tid(const void *a, const void *b)
{
	const struct tl_thread *x = a, *y = b;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

static struct tl_thread *find_thread(struct tl *t, uint32_t tid)
{
	size_t lo = 0, hi = t->nthr;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (t->thr[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->nthr && t->thr[lo].tid == tid ? &t->thr[lo] : NULL;
}

/* Threads that ran in the window, the busiest first when there are too many,
 * then in tid order (the main thread, usually the event loop, on top). */
static int pick_threads(struct tl *t)
{
	const struct rd_run *r = &t->r;
	t->thr = calloc(r->nthr ? r->nthr : 1, sizeof(*t->thr));
	if (!t->thr)
		return -ENOMEM;
	for (size_t i = 0; i < r->nthr; i++) {
		t->thr[i].tid = r->thr[i].tid;
		t->thr[i].comm = r->thr[i].comm;
	}
	t->nthr = r->nthr;
	for (size_t i = 0; i < r->niv; i++) {
		const struct rd_iv *v = &r->iv[i];
		if (v->state != RD_RUNNING || v->b <= t->w0 || v->a >= t->w1)
			continue;
		struct tl_thread *th = find_thread(t, v->tid);
		uint64_t a = v->a > t->w0 ? v->a : t->w0, b = v->b < t->w1 ? v->b : t->w1;
		if (th)
			th->run_ns += b - a;
	}
	qsort(t->thr, t->nthr, sizeof(*t->thr), cmp_busy);
	size_t active = 0;
	while (active < t->nthr && t->thr[active].run_ns)
		active++;
	t->thr_total = t->nthr;
	t->thr_idle = t->nthr - active;
	size_t keep = active ? active : t->nthr;
	if (keep > PLOTS_MAX_THREAD_LANES)
		keep = PLOTS_MAX_THREAD_LANES;
	t->thr_cut = (active ? active : t->nthr) - keep;
	qsort(t->thr, keep, sizeof(*t->thr), cmp_tid);
	for (size_t i = 0; i < keep; i++)
		t->thr[i].lane = (int)(keep - 1 - i);
	for (size_t i = keep; i < t->nthr; i++)
		t->thr[i].lane = -1;
	t->nthr_lanes = keep;
	/* find_thread needs tid order over all of them. */
	qsort(t->thr, t->nthr, sizeof(*t->thr), cmp_tid);
	return 0;
}

/* Request lanes: the client's span as a thin bar, and over it the server's
 * phases of that request. */
static void emit_requests(struct tl *t, FILE *f)
{
	struct boxw w = { .f = f, .merge = 0 };
	double minw = t->ms_per_px * 2;
	double thin = half(t->req_ppu, 0.09, 2.5), hq = half(t->req_ppu, 0.3, 9),
	       hb = half(t->req_ppu, 0.34, 10);
	fputs("$REQ << EOD\n", f);
	for (size_t l = 0; l < t->nlane; l++) {
		const struct rd_req *q = &t->r.req[t->lane[l]];
		double y = (double)(t->nlane - 1 - l);
		unsigned col = tl_colour_of(t, q->id);
		box(&w, xms(t, q->t_send), xms(t, q->t_end), y - thin, y + thin,
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
					box(&w, xms(t, rs), xms(t, he), y - hq, y + hq, C_QUEUED);
				break;
			case RD_WAIT_START:
				ws = m->t;
				if (run_from) {
					double a = xms(t, run_from), b = xms(t, ws);
					box(&w, a, b - a < minw ? a + minw : b, y - hb, y + hb, col);
				}
				run_from = 0;
				break;
			case RD_WAIT_END:
				if (ws)
					box(&w, xms(t, ws), xms(t, m->t), y - hb, y + hb, pale(col));
				ws = 0;
				run_from = m->t;
				break;
			case RD_END:
				if (run_from) {
					double a = xms(t, run_from), b = xms(t, m->t);
					box(&w, a, b - a < minw ? a + minw : b, y - hb, y + hb, col);
				}
				run_from = 0;
				break;
			}
		}
	}
	box_flush(&w);
	fputs("EOD\n", f);
}

/* First service stretch of thread tid ending after time a. */
static size_t first_serve(const struct tl *t, uint32_t tid, uint64_t a)
{
	size_t lo = 0, hi = t->nserve;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct tl_serve *s = &t->serve[mid];
		if (s->tid < tid || (s->tid == tid && s->b <= a))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The request a running stretch [a, b) was mostly about: the one served longest
 * in it, else the first marked in it. 0 with *id unset when none. */
static int dominant(const struct tl *t, uint32_t tid, uint64_t a, uint64_t b, uint64_t *id)
{
	uint64_t best = 0;
	int found = 0;
	for (size_t i = first_serve(t, tid, a); i < t->nserve && t->serve[i].tid == tid &&
						t->serve[i].a < b;
	     i++) {
		const struct tl_serve *s = &t->serve[i];
		uint64_t x = s->a > a ? s->a : a, y = s->b < b ? s->b : b;
		if (y - x >= best) {
			best = y - x;
			*id = s->id;
			found = 1;
		}
	}
	if (found)
		return 1;
	size_t k = first_mark(t->by_tid, t->r.nmark, tid, a);
	if (k < t->r.nmark && t->by_tid[k].tid == tid && t->by_tid[k].t <= b) {
		*id = t->by_tid[k].id;
		return 1;
	}
	return 0;
}

/* A running interval split by the requests its thread was serving. One too
 * short to split visibly (an event loop's burst through ten requests) is drawn
 * whole in the colour of the request it mostly served. */
static void emit_running(struct tl *t, struct boxw *w, const struct rd_iv *v, double y)
{
	double minw = t->ms_per_px * 2, h = half(t->thr_ppu, 0.36, 12);
	uint64_t a = v->a < t->w0 ? t->w0 : v->a, b = v->b > t->w1 ? t->w1 : v->b;
	uint64_t id;
	if (xms(t, b) - xms(t, a) < minw * 2) {
		double x0 = xms(t, a);
		box(w, x0, x0 + minw, y - h, y + h,
		    dominant(t, v->tid, a, b, &id) ? tl_colour_of(t, id) : C_NOREQ);
		return;
	}
	size_t lo = first_serve(t, v->tid, a);
	uint64_t at = a;
	for (;;) {
		const struct tl_serve *s = lo < t->nserve && t->serve[lo].tid == v->tid &&
						   t->serve[lo].a < b ?
						   &t->serve[lo] :
						   NULL;
		uint64_t gap_end = s ? (s->a > at ? s->a : at) : b;
		if (gap_end > at) {
			/* Not inside a handler: a mark here still names the request
			 * this burst was about (parsing it, handing it over). */
			size_t k = first_mark(t->by_tid, t->r.nmark, v->tid, at);
			unsigned col = C_NOREQ;
			if (k < t->r.nmark && t->by_tid[k].tid == v->tid && t->by_tid[k].t <= gap_end)
				col = tl_colour_of(t, t->by_tid[k].id);
			double x0 = xms(t, at), x1 = xms(t, gap_end);
			box(w, x0, x1 - x0 < minw ? x0 + minw : x1, y - h, y + h, col);
		}
		if (!s)
			break;
		uint64_t sb = s->b < b ? s->b : b, sa = s->a > at ? s->a : at;
		double x0 = xms(t, sa), x1 = xms(t, sb);
		box(w, x0, x1 - x0 < minw ? x0 + minw : x1, y - h, y + h, tl_colour_of(t, s->id));
		at = sb;
		lo++;
		if (at >= b)
			break;
	}
}

/* A request read on one thread and handled on another (hybrid's loop handing
 * work to its pool) gets an arrow between the two moments. */
static void emit_handoffs(struct tl *t, FILE *f)
{
	fputs("$HAND << EOD\n", f);
	size_t n = t->r.nreq, step = n > 30 ? (n + 29) / 30 : 1;
	for (size_t k = 0; k < n; k += step) {
		const struct rd_req *q = &t->r.req[t->order[k]];
		const struct rd_mark *rs = NULL, *he = NULL;
		size_t lo = 0, hi = t->r.nmark;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (t->by_id[mid].id < q->id)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t i = lo; i < t->r.nmark && t->by_id[i].id == q->id; i++) {
			if (t->by_id[i].ev == RD_START && !rs)
				rs = &t->by_id[i];
			if (t->by_id[i].ev == RD_HANDLER && !he)
				he = &t->by_id[i];
		}
		if (!rs || !he || rs->tid == he->tid || he->t < rs->t)
			continue;
		struct tl_thread *a = find_thread(t, rs->tid), *b = find_thread(t, he->tid);
		if (!a || !b || a->lane < 0 || b->lane < 0)
			continue;
		double x = xms(t, rs->t), dx = xms(t, he->t) - x;
		/* Half transparent (gnuplot's alpha byte), so a fan of them stays
		 * readable; at most 30, evenly spaced in send order. */
		fprintf(f, "%.4f %d %.4f %d %u\n", x, a->lane, dx, b->lane - a->lane,
			0x60000000u | tl_colour_of(t, q->id));
		t->nhand++;
	}
	fputs("EOD\n", f);
}

static void emit_threads(struct tl *t, FILE *f)
{
	struct boxw w = { .f = f, .merge = t->ms_per_px * 0.5 };
	double thin = half(t->thr_ppu, 0.15, 2), hr = half(t->thr_ppu, 0.24, 8);
	fputs("$THR << EOD\n", f);
	/* Backgrounds first, so running boxes are drawn over them. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < t->r.niv; i++) {
			const struct rd_iv *v = &t->r.iv[i];
			if (v->b <= t->w0 || v->a >= t->w1)
				continue;
			struct tl_thread *th = find_thread(t, v->tid);
			if (!th || th->lane < 0)
				continue;
			double y = th->lane;
			double x0 = xms(t, v->a < t->w0 ? t->w0 : v->a);
			double x1 = xms(t, v->b > t->w1 ? t->w1 : v->b);
			if (pass == 0 && v->state != RD_RUNNING && v->state != RD_RUNNABLE) {
				unsigned c = v->state == RD_SLEEPING ? C_SLEEPING :
					     v->state == RD_BLOCKED  ? C_BLOCKED :
								       C_UNKNOWN;
				box(&w, x0, x1, y - thin, y + thin, c);
			} else if (pass == 1 && v->state == RD_RUNNABLE) {
				double minw = t->ms_per_px;
				box(&w, x0, x1 - x0 < minw ? x0 + minw : x1, y - hr, y + hr,
				    C_RUNNABLE);
			} else if (pass == 1 && v->state == RD_RUNNING) {
				emit_running(t, &w, v, y);
			}
		}
		box_flush(&w);
	}
	fputs("EOD\n", f);
	emit_handoffs(t, f);
	/* Name the call a thread sat in, for the waits long enough to hold a label. */
	fputs("$LBL << EOD\n", f);
	int n = 0;
	double span = xms(t, t->w1) - xms(t, t->w0);
	for (size_t i = 0; i < t->r.niv && n < 60; i++) {
		const struct rd_iv *v = &t->r.iv[i];
		if ((v->state != RD_SLEEPING && v->state != RD_BLOCKED) || !v->syscall[0])
			continue;
		struct tl_thread *th = find_thread(t, v->tid);
		if (!th || th->lane < 0 || v->b <= t->w0 || v->a >= t->w1)
			continue;
		double x0 = xms(t, v->a < t->w0 ? t->w0 : v->a);
		double x1 = xms(t, v->b > t->w1 ? t->w1 : v->b);
		if (x1 - x0 < span * 0.07)
			continue;
		fprintf(f, "%.4f %d \"%s\"\n", (x0 + x1) / 2, th->lane, v->syscall);
		n++;
	}
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
	FILE *f = NULL;
	int rc = rd_load(&t.r, dir);
	if (rc)
		return rc;
	if (snprintf(script, sizeof(script), "%s/timeline.gp", dir) >= (int)sizeof(script) ||
	    snprintf(log, sizeof(log), "%s/gnuplot.log", dir) >= (int)sizeof(log) ||
	    snprintf(png, sizeof(png), "%s/timeline.png", dir) >= (int)sizeof(png) ||
	    snprintf(svg, sizeof(svg), "%s/timeline.svg", dir) >= (int)sizeof(svg)) {
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
	t.ms_per_px = (xms(&t, t.w1) - xms(&t, t.w0)) / TL_PLOT_PX;
	if ((rc = build_service(&t)) || (rc = pick_requests(&t)) || (rc = pick_threads(&t)))
		goto out;
	f = fopen(script, "we");
	if (!f) {
		rc = -errno;
		goto out;
	}
	t.req_ppu = tl_panel_px(t.nlane) / ((double)t.nlane + 0.2);
	t.thr_ppu = tl_panel_px(t.nthr_lanes) / ((double)t.nthr_lanes + 0.2);
	if (t.nlane)
		emit_requests(&t, f);
	emit_threads(&t, f);
	tl_emit_layout(&t, f, dir, png, svg);
	if (ferror(f) | fclose(f)) {
		f = NULL;
		rc = -EIO;
		goto out;
	}
	f = NULL;
	rc = gp_run(script, log);
	if (rc)
		goto out;
	if ((rc = gp_commit(png)) || (rc = gp_commit(svg)))
		goto out;
	unlink(script);
	unlink(log);
out:
	if (f)
		fclose(f);
	free_tl(&t);
	return rc;
}
