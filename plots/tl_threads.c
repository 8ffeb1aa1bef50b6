/* The thread panel of the timeline: which threads get a lane, and what each
 * lane shows. The join of threads to requests lives here: a thread's marks say
 * which request it was serving when (handler_enter and wait_end open a stretch
 * of service, wait_start and request_end close it), and its running time is
 * coloured by that request. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gp.h"
#include "plots.h"
#include "tlpriv.h"

/* First mark in m (sorted by tid, then t) with this tid and t >= t0. */
size_t tl_first_mark(const struct rd_mark *m, size_t n, uint32_t tid, uint64_t t0)
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

static int add_serve(struct tl *t, size_t *cap, struct tl_serve sv)
{
	if (t->nserve == *cap) {
		size_t n = *cap ? *cap * 2 : 256;
		void *p = realloc(t->serve, n * sizeof(*t->serve));
		if (!p)
			return -ENOMEM;
		t->serve = p;
		*cap = n;
	}
	t->serve[t->nserve++] = sv;
	return 0;
}

/* The stretches of service per thread, from the marks sorted by thread. */
int tl_build_service(struct tl *t)
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
				if (add_serve(t, &cap, cur))
					return -ENOMEM;
				open = 0;
			}
			if (opens) {
				cur = (struct tl_serve){ tid, m[i].id, m[i].t, 0 };
				open = 1;
			}
		}
		if (open) {
			cur.b = UINT64_MAX;
			if (add_serve(t, &cap, cur))
				return -ENOMEM;
		}
	}
	return 0;
}

static int cmp_busy(const void *a, const void *b)
{
	const struct tl_thread *x = a, *y = b;
	if (x->serves_lane != y->serves_lane && x->run_ns && y->run_ns)
		return x->serves_lane ? -1 : 1;
	if (x->run_ns != y->run_ns)
		return x->run_ns > y->run_ns ? -1 : 1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

static int cmp_tid(const void *a, const void *b)
{
	const struct tl_thread *x = a, *y = b;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

struct tl_thread *tl_find_thread(struct tl *t, uint32_t tid)
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

/* Threads that ran in the window; when there are too many, those serving the
 * requests shown and then the busiest. Drawn in tid order (the main thread,
 * usually the accept or event loop, on top). */
int tl_pick_threads(struct tl *t)
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
		struct tl_thread *th = tl_find_thread(t, v->tid);
		uint64_t a = v->a > t->w0 ? v->a : t->w0, b = v->b < t->w1 ? v->b : t->w1;
		if (th)
			th->run_ns += b - a;
	}
	/* With more threads than lanes, the threads that ran the requests shown
	 * above come first, so the two panels tell the same requests' story. */
	for (size_t l = 0; l < t->nlane; l++) {
		uint64_t id = t->r.req[t->lane[l]].id;
		size_t lo = 0, hi = t->r.nmark;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (t->by_id[mid].id < id)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < t->r.nmark && t->by_id[lo].id == id; lo++) {
			struct tl_thread *th = t->by_id[lo].ev == RD_HANDLER
						   ? tl_find_thread(t, t->by_id[lo].tid)
						   : NULL;
			if (th)
				th->serves_lane = 1;
		}
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
	/* The main thread (lowest tid: the accept loop or event loop) stays even
	 * when it is not among the busiest: it is where requests come in. */
	size_t pool = active ? active : t->nthr, lowest = 0;
	for (size_t i = 1; i < pool; i++)
		if (t->thr[i].tid < t->thr[lowest].tid)
			lowest = i;
	if (keep && lowest >= keep) {
		struct tl_thread tmp = t->thr[keep - 1];
		t->thr[keep - 1] = t->thr[lowest];
		t->thr[lowest] = tmp;
	}
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
	for (size_t i = first_serve(t, tid, a);
	     i < t->nserve && t->serve[i].tid == tid && t->serve[i].a < b; i++) {
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
	size_t k = tl_first_mark(t->by_tid, t->r.nmark, tid, a);
	if (k < t->r.nmark && t->by_tid[k].tid == tid && t->by_tid[k].t <= b) {
		*id = t->by_tid[k].id;
		return 1;
	}
	return 0;
}

/* A running piece: at least minw wide; a request's colour outranks no request
 * when a pixel's pieces share one box. */
static void run_piece(struct boxw *w, double x0, double x1, double minw, double y, double h,
		      unsigned col)
{
	tl_piece(w, x0, x1 - x0 < minw ? x0 + minw : x1, x1 - x0, y - h, y + h, col,
		 col == C_NOREQ ? 1 : 2);
}

/* A running interval split by the requests its thread was serving. One too
 * short to split visibly (an event loop's burst through ten requests) is drawn
 * whole in the colour of the request it mostly served. */
static void emit_running(struct tl *t, struct boxw *w, const struct rd_iv *v, double y)
{
	double minw = t->ms_per_px * 2, h = tl_half(t->thr_ppu, 0.36, 12);
	uint64_t a = v->a < t->w0 ? t->w0 : v->a, b = v->b > t->w1 ? t->w1 : v->b;
	uint64_t id;
	if (tl_xms(t, b) - tl_xms(t, a) < minw * 2) {
		double x0 = tl_xms(t, a), x1 = tl_xms(t, b);
		if (!dominant(t, v->tid, a, b, &id)) {
			/* An unmarked blip (the loop going back to epoll_wait) must
			 * not paint over the widened burst of a request next to it. */
			if (y == t->last_y && x0 < t->last_end)
				return;
			run_piece(w, x0, x1, minw, y, h, C_NOREQ);
			return;
		}
		run_piece(w, x0, x1, minw, y, h, tl_colour_of(t, id));
		t->last_y = y;
		t->last_end = x0 + minw;
		return;
	}
	size_t lo = first_serve(t, v->tid, a);
	uint64_t at = a;
	for (;;) {
		const struct tl_serve *s =
		    lo < t->nserve && t->serve[lo].tid == v->tid && t->serve[lo].a < b
			? &t->serve[lo]
			: NULL;
		uint64_t gap_end = s ? (s->a > at ? s->a : at) : b;
		if (gap_end > at) {
			/* Not inside a handler: a mark here still names the request
			 * this burst was about (parsing it, handing it over). */
			size_t k = tl_first_mark(t->by_tid, t->r.nmark, v->tid, at);
			unsigned col = C_NOREQ;
			if (k < t->r.nmark && t->by_tid[k].tid == v->tid &&
			    t->by_tid[k].t <= gap_end)
				col = tl_colour_of(t, t->by_tid[k].id);
			run_piece(w, tl_xms(t, at), tl_xms(t, gap_end), minw, y, h, col);
		}
		if (!s)
			break;
		uint64_t sb = s->b < b ? s->b : b, sa = s->a > at ? s->a : at;
		run_piece(w, tl_xms(t, sa), tl_xms(t, sb), minw, y, h, tl_colour_of(t, s->id));
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
		struct tl_thread *a = tl_find_thread(t, rs->tid), *b = tl_find_thread(t, he->tid);
		if (!a || !b || a->lane < 0 || b->lane < 0)
			continue;
		double x = tl_xms(t, rs->t), dx = tl_xms(t, he->t) - x;
		/* Half transparent (gnuplot's alpha byte), so a fan of them stays
		 * readable; at most 30, evenly spaced in send order. */
		fprintf(f, "%.4f %d %.4f %d %u\n", x, a->lane, dx, b->lane - a->lane,
			0x60000000u | tl_colour_of(t, q->id));
		t->nhand++;
	}
	fputs("EOD\n", f);
}

/* The thread lanes' boxes in four layers, one pass each, so that a piece only
 * joins pieces of its own layer and the rare states are drawn last: the thin
 * background (sleeping, unknown), running, runnable (narrower than running, so
 * a pixel that had both shows both), and blocked as a thin line over all. What
 * this cannot show is sleeping in a pixel the thread also ran in. */
static void emit_boxes(struct tl *t, struct boxw *w, size_t *nintervals)
{
	double thin = tl_half(t->thr_ppu, 0.15, 2), hr = tl_half(t->thr_ppu, 0.24, 8);
	*nintervals = 0;
	t->last_y = -1;
	t->last_end = -1e300;
	for (int pass = 0; pass < 4; pass++) {
		for (size_t i = 0; i < t->r.niv; i++) {
			const struct rd_iv *v = &t->r.iv[i];
			if (v->b <= t->w0 || v->a >= t->w1)
				continue;
			struct tl_thread *th = tl_find_thread(t, v->tid);
			if (!th || th->lane < 0)
				continue;
			double y = th->lane;
			double x0 = tl_xms(t, v->a < t->w0 ? t->w0 : v->a);
			double x1 = tl_xms(t, v->b > t->w1 ? t->w1 : v->b);
			int layer = v->state == RD_RUNNING    ? 1
				    : v->state == RD_RUNNABLE ? 2
				    : v->state == RD_BLOCKED  ? 3
							      : 0;
			if (layer != pass)
				continue;
			++*nintervals;
			if (pass == 0) {
				unsigned c = v->state == RD_SLEEPING ? C_SLEEPING : C_UNKNOWN;
				tl_piece(w, x0, x1, x1 - x0, y - thin, y + thin, c,
					 v->state == RD_SLEEPING);
			} else if (pass == 1) {
				emit_running(t, w, v, y);
			} else if (pass == 2) {
				double minw = t->ms_per_px;
				tl_piece(w, x0, x1 - x0 < minw ? x0 + minw : x1, x1 - x0, y - hr,
					 y + hr, C_RUNNABLE, 1);
			} else {
				/* At least a pixel, or a blocked blip would not show. */
				double minw = t->ms_per_px;
				tl_piece(w, x0, x1 - x0 < minw ? x0 + minw : x1, x1 - x0, y - thin,
					 y + thin, C_BLOCKED, 1);
			}
		}
		tl_box_flush(w);
	}
}

int tl_emit_threads(struct tl *t, FILE *f)
{
	/* Drawn into memory first: when the boxes are too many for a chart anyone
	 * can open (a 200 MB sched.csv made a 289 MB SVG), drawn again with pixel
	 * buckets twice as wide, until they fit. */
	char *buf = NULL;
	size_t len = 0, nint = 0;
	struct boxw w;
	double px = 1;
	for (;; px *= 2) {
		FILE *m = open_memstream(&buf, &len);
		if (!m)
			return -ENOMEM;
		w = (struct boxw){ .f = m,
				   .merge = t->ms_per_px * 0.5,
				   .bucket = t->ms_per_px * px };
		emit_boxes(t, &w, &nint);
		if (ferror(m) | fclose(m)) {
			free(buf);
			return -ENOMEM;
		}
		if (w.boxes <= TL_MAX_BOXES || px >= 64)
			break;
		free(buf);
		buf = NULL;
	}
	t->thr_intervals = nint;
	t->thr_boxes = w.boxes;
	t->thr_joined = w.joined;
	t->thr_bucket_px = px;
	fputs("$THR << EOD\n", f);
	fwrite(buf, 1, len, f);
	free(buf);
	fputs("EOD\n", f);
	emit_handoffs(t, f);
	/* Name the call a thread sat in, for the waits long enough to hold a label.
	 * The names go in an array set through gp_str and the datablock holds only
	 * the index: text in a datablock would be parsed by gnuplot's own rules. */
	const struct rd_iv *lbl[TL_MAX_LABELS];
	size_t n = 0;
	double span = tl_xms(t, t->w1) - tl_xms(t, t->w0);
	for (size_t i = 0; i < t->r.niv && n < TL_MAX_LABELS; i++) {
		const struct rd_iv *v = &t->r.iv[i];
		if ((v->state != RD_SLEEPING && v->state != RD_BLOCKED) || !v->syscall[0])
			continue;
		struct tl_thread *th = tl_find_thread(t, v->tid);
		if (!th || th->lane < 0 || v->b <= t->w0 || v->a >= t->w1)
			continue;
		double x0 = tl_xms(t, v->a < t->w0 ? t->w0 : v->a);
		double x1 = tl_xms(t, v->b > t->w1 ? t->w1 : v->b);
		if (x1 - x0 < span * 0.07)
			continue;
		lbl[n++] = v;
	}
	fprintf(f, "array LBL[%zu]\n", n ? n : 1);
	for (size_t k = 0; k < n; k++) {
		fprintf(f, "LBL[%zu] = ", k + 1);
		gp_str(f, lbl[k]->syscall);
		fputc('\n', f);
	}
	fputs("$LBL << EOD\n", f);
	for (size_t k = 0; k < n; k++) {
		const struct rd_iv *v = lbl[k];
		double x0 = tl_xms(t, v->a < t->w0 ? t->w0 : v->a);
		double x1 = tl_xms(t, v->b > t->w1 ? t->w1 : v->b);
		fprintf(f, "%.4f %d %zu\n", (x0 + x1) / 2, tl_find_thread(t, v->tid)->lane, k + 1);
	}
	fputs("EOD\n", f);
	return 0;
}
