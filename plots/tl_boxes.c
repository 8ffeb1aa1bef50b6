/* What the two panels draw, decided in memory: the boxes of the request lanes
 * and of the thread lanes, the hand-off arrows and the syscall labels. */
#include <errno.h>
#include <stdlib.h>

#include "colours.h"
#include "tl_model.h"

/* Boxes in one datablock, with neighbours of one colour on one lane merged
 * when they touch within `merge` ms: at 1000 requests this keeps the SVG small.
 *
 * With `bucket` > 0 (the thread lanes), pieces narrower than `bucket` ms (a
 * pixel, or more when a chart would hold too many boxes) that start within
 * `bucket` of the start of a box of such pieces join it whatever their colour,
 * and the box takes the colour of the highest `rank` among them (sleeping over
 * unknown; a request over no request). Each state has its own layer, written in
 * its own pass (thread_boxes), so a piece only joins pieces of its own state
 * and no merge can hide a state: a pixel where a thread was blocked, however
 * briefly, shows blocked. One pixel of a lane holds at most two boxes per
 * layer; what a box cannot say is how the pixel's time was shared. */
struct boxw {
	struct tl_boxes *out;
	double merge, bucket;
	int have, narrow, rank, err;
	struct tl_box cur;
	size_t joined;		 /* pieces narrower than a bucket merged */
	double last_y, last_end; /* the last widened request burst drawn */
};

static void box_flush(struct boxw *w)
{
	struct tl_boxes *o = w->out;
	if (w->have && !w->err) {
		if (o->n == o->cap) {
			size_t n = o->cap ? o->cap * 2 : 1024;
			void *p = realloc(o->b, n * sizeof(*o->b));
			if (!p) {
				w->err = -ENOMEM;
				return;
			}
			o->b = p;
			o->cap = n;
		}
		o->b[o->n++] = w->cur;
	}
	w->have = 0;
}

/* A piece drawn from x0 to x1 (widened to a minimum width) that lasted nat ms. */
static void piece(struct boxw *w, double x0, double x1, double nat, double y0, double y1,
		  unsigned col, int rank)
{
	struct tl_box *c = &w->cur;
	int narrow = w->bucket > 0 && nat < w->bucket;
	if (w->have && y0 == c->y0 && y1 == c->y1 && x0 >= c->x0) {
		if (col == c->col && x0 <= c->x1 + w->merge) {
			if (x1 > c->x1)
				c->x1 = x1;
			w->narrow &= narrow;
			w->joined += narrow;
			return;
		}
		if (narrow && w->narrow && x0 < c->x0 + w->bucket) {
			if (x1 > c->x1)
				c->x1 = x1;
			if (rank > w->rank) {
				c->col = col;
				w->rank = rank;
			}
			w->joined++;
			return;
		}
	}
	box_flush(w);
	w->have = 1;
	w->narrow = narrow;
	w->rank = rank;
	*c = (struct tl_box){ x0, x1, y0, y1, col };
}

static void box(struct boxw *w, double x0, double x1, double y0, double y1, unsigned col)
{
	piece(w, x0, x1, x1 - x0, y0, y1, col, 0);
}

/* Request lanes: the client's span as a thin bar, and over it the server's
 * phases of that request: sent and waiting in the kernel's socket queue (from
 * the client's send to the server's request_start, which only a request with
 * marks has), read and queued inside the server, then in its handler. A
 * request without marks (unsampled, untraced, a server without probes) shows
 * the client's span alone. */
int tl_build_requests(struct tl_model *m)
{
	struct boxw w = { .out = &m->req_boxes, .merge = 0 };
	double minw = m->ms_per_px * 2;
	/* Without server marks the client's span is all there is: draw it full. */
	double thin = m->r->nmark ? tl_half(m->req_ppu, 0.09, 2.5) : tl_half(m->req_ppu, 0.3, 9),
	       hq = tl_half(m->req_ppu, 0.3, 9), hb = tl_half(m->req_ppu, 0.34, 10);
	for (size_t j = 0; j < m->ndrawn; j++) {
		const struct rd_req *q = &m->r->req[m->drawn[j]];
		double y = (double)(m->nlane - 1 - (size_t)m->lane_of[m->drawn[j]]);
		unsigned col = tl_colour_of(m, q->id);
		size_t n;
		const struct rd_mark *k = tl_marks_of(m, q->id, &n);
		/* The client's span in the request's colour when it is all there
		 * is of it, so back-to-back requests on a lane stay apart. */
		box(&w, tl_xms(m, q->t_send), tl_xms(m, q->t_end), y - thin, y + thin,
		    q->failed ? COL_FAILED
		    : n	      ? COL_CLIENT
			      : col);
		uint64_t rs = 0, he = 0, ws = 0, run_from = 0;
		for (size_t i = 0; i < n; i++) {
			switch (k[i].ev) {
			case RD_START:
				if (rs)
					break;
				rs = k[i].t;
				if (q->t_connected && q->t_connected <= rs)
					box(&w, tl_xms(m, q->t_connected), tl_xms(m, rs), y - hq, y + hq,
					    COL_KQUEUE);
				break;
			case RD_HANDLER:
				he = run_from = k[i].t;
				if (rs && rs <= he)
					box(&w, tl_xms(m, rs), tl_xms(m, he), y - hq, y + hq,
					    COL_QUEUED);
				break;
			case RD_WAIT_START:
				ws = k[i].t;
				if (run_from) {
					double a = tl_xms(m, run_from), b = tl_xms(m, ws);
					box(&w, a, b - a < minw ? a + minw : b, y - hb, y + hb,
					    col);
				}
				run_from = 0;
				break;
			case RD_WAIT_END:
				if (ws)
					box(&w, tl_xms(m, ws), tl_xms(m, k[i].t), y - hb, y + hb,
					    col_pale(col));
				ws = 0;
				run_from = k[i].t;
				break;
			case RD_END:
				if (run_from) {
					double a = tl_xms(m, run_from), b = tl_xms(m, k[i].t);
					box(&w, a, b - a < minw ? a + minw : b, y - hb, y + hb,
					    col);
				}
				run_from = 0;
				break;
			}
		}
	}
	box_flush(&w);
	return w.err;
}

/* The request a running stretch [a, b) was mostly about: the one served longest
 * in it, else the first marked in it. 0 with *id unset when none. */
static int dominant(const struct tl_model *m, uint32_t tid, uint64_t a, uint64_t b, uint64_t *id)
{
	uint64_t best = 0;
	int found = 0;
	for (size_t i = tl_first_serve(m, tid, a);
	     i < m->nserve && m->serve[i].tid == tid && m->serve[i].a < b; i++) {
		const struct tl_serve *s = &m->serve[i];
		uint64_t x = s->a > a ? s->a : a, y = s->b < b ? s->b : b;
		if (y - x >= best) {
			best = y - x;
			*id = s->id;
			found = 1;
		}
	}
	if (found)
		return 1;
	size_t k = tl_first_mark(m, tid, a);
	if (k < m->r->nmark && m->by_tid[k].tid == tid && m->by_tid[k].t <= b) {
		*id = m->by_tid[k].id;
		return 1;
	}
	return 0;
}

/* A running piece: at least minw wide; a request's colour outranks no request
 * when a pixel's pieces share one box. */
static void run_piece(struct boxw *w, double x0, double x1, double minw, double y, double h,
		      unsigned col)
{
	piece(w, x0, x1 - x0 < minw ? x0 + minw : x1, x1 - x0, y - h, y + h, col,
	      col == COL_NOREQ ? 1 : 2);
}

/* A running interval split by the requests its thread was serving. One too
 * short to split visibly (an event loop's burst through ten requests) is drawn
 * whole in the colour of the request it mostly served. */
static void running(const struct tl_model *m, struct boxw *w, const struct rd_iv *v, double y)
{
	double minw = m->ms_per_px * 2, h = tl_half(m->thr_ppu, 0.36, 12);
	uint64_t a = v->a < m->w0 ? m->w0 : v->a, b = v->b > m->w1 ? m->w1 : v->b;
	uint64_t id;
	if (tl_xms(m, b) - tl_xms(m, a) < minw * 2) {
		double x0 = tl_xms(m, a), x1 = tl_xms(m, b);
		if (!dominant(m, v->tid, a, b, &id)) {
			/* An unmarked blip (the loop going back to epoll_wait) must
			 * not paint over the widened burst of a request next to it. */
			if (y == w->last_y && x0 < w->last_end)
				return;
			run_piece(w, x0, x1, minw, y, h, COL_NOREQ);
			return;
		}
		run_piece(w, x0, x1, minw, y, h, tl_colour_of(m, id));
		w->last_y = y;
		w->last_end = x0 + minw;
		return;
	}
	size_t lo = tl_first_serve(m, v->tid, a);
	uint64_t at = a;
	for (;;) {
		const struct tl_serve *s =
		    lo < m->nserve && m->serve[lo].tid == v->tid && m->serve[lo].a < b
			? &m->serve[lo]
			: NULL;
		uint64_t gap_end = s ? (s->a > at ? s->a : at) : b;
		if (gap_end > at) {
			/* Not inside a handler: a mark here still names the request
			 * this burst was about (parsing it, handing it over). */
			size_t k = tl_first_mark(m, v->tid, at);
			unsigned col = COL_NOREQ;
			if (k < m->r->nmark && m->by_tid[k].tid == v->tid &&
			    m->by_tid[k].t <= gap_end)
				col = tl_colour_of(m, m->by_tid[k].id);
			run_piece(w, tl_xms(m, at), tl_xms(m, gap_end), minw, y, h, col);
		}
		if (!s)
			break;
		uint64_t sb = s->b < b ? s->b : b, sa = s->a > at ? s->a : at;
		run_piece(w, tl_xms(m, sa), tl_xms(m, sb), minw, y, h, tl_colour_of(m, s->id));
		at = sb;
		lo++;
		if (at >= b)
			break;
	}
}

/* The thread lanes' boxes in four layers, one pass each, so that a piece only
 * joins pieces of its own layer and the rare states are drawn last: the thin
 * background (sleeping, unknown), running, runnable (narrower than running, so
 * a pixel that had both shows both), and blocked as a thin line over all. What
 * this cannot show is sleeping in a pixel the thread also ran in. */
static void thread_boxes(const struct tl_model *m, struct boxw *w, size_t *nintervals)
{
	double thin = tl_half(m->thr_ppu, 0.15, 2), hr = tl_half(m->thr_ppu, 0.24, 8);
	*nintervals = 0;
	w->last_y = -1;
	w->last_end = -1e300;
	for (int pass = 0; pass < 4; pass++) {
		for (size_t i = 0; i < m->r->niv; i++) {
			const struct rd_iv *v = &m->r->iv[i];
			if (v->b <= m->w0 || v->a >= m->w1)
				continue;
			struct tl_thread *th = tl_find_thread(m, v->tid);
			if (!th || th->lane < 0)
				continue;
			double y = th->lane;
			double x0 = tl_xms(m, v->a < m->w0 ? m->w0 : v->a);
			double x1 = tl_xms(m, v->b > m->w1 ? m->w1 : v->b);
			int layer = v->state == RD_RUNNING    ? 1
				    : v->state == RD_RUNNABLE ? 2
				    : v->state == RD_BLOCKED  ? 3
							      : 0;
			if (layer != pass)
				continue;
			++*nintervals;
			if (pass == 0) {
				unsigned c = v->state == RD_SLEEPING ? COL_SLEEPING : COL_UNKNOWN;
				piece(w, x0, x1, x1 - x0, y - thin, y + thin, c,
				      v->state == RD_SLEEPING);
			} else if (pass == 1) {
				running(m, w, v, y);
			} else if (pass == 2) {
				double minw = m->ms_per_px;
				piece(w, x0, x1 - x0 < minw ? x0 + minw : x1, x1 - x0, y - hr,
				      y + hr, COL_RUNNABLE, 1);
			} else {
				/* At least a pixel, or a blocked blip would not show. */
				double minw = m->ms_per_px;
				piece(w, x0, x1 - x0 < minw ? x0 + minw : x1, x1 - x0, y - thin,
				      y + thin, COL_BLOCKED, 1);
			}
		}
		box_flush(w);
	}
}

/* A request read on one thread and handled on another (hybrid's loop handing
 * work to its pool) gets an arrow between the two moments: at most 30 of the
 * requests drawn, spread over them in send order. */
static int handoffs(struct tl_model *m)
{
	size_t n = m->ndrawn, step = n > 30 ? (n + 29) / 30 : 1;
	m->hand = malloc(30 * sizeof(*m->hand));
	if (!m->hand)
		return -ENOMEM;
	for (size_t j = 0; j < n; j += step) {
		const struct rd_req *q = &m->r->req[m->drawn[j]];
		const struct rd_mark *rs = NULL, *he = NULL;
		size_t nk;
		const struct rd_mark *k = tl_marks_of(m, q->id, &nk);
		for (size_t i = 0; i < nk; i++) {
			if (k[i].ev == RD_START && !rs)
				rs = &k[i];
			if (k[i].ev == RD_HANDLER && !he)
				he = &k[i];
		}
		if (!rs || !he || rs->tid == he->tid || he->t < rs->t)
			continue;
		struct tl_thread *a = tl_find_thread(m, rs->tid), *b = tl_find_thread(m, he->tid);
		if (!a || !b || a->lane < 0 || b->lane < 0)
			continue;
		double x = tl_xms(m, rs->t);
		/* Half transparent, so a fan of them stays readable. */
		m->hand[m->nhand++] =
		    (struct tl_hand){ x, tl_xms(m, he->t) - x, a->lane, b->lane - a->lane,
				      COL_ALPHA_HALF | tl_colour_of(m, q->id) };
	}
	return 0;
}

/* Name the call a thread sat in, for the waits long enough to hold a label. */
static void labels(struct tl_model *m)
{
	double span = tl_xms(m, m->w1) - tl_xms(m, m->w0);
	for (size_t i = 0; i < m->r->niv && m->nlbl < TL_MAX_LABELS; i++) {
		const struct rd_iv *v = &m->r->iv[i];
		if ((v->state != RD_SLEEPING && v->state != RD_BLOCKED) || !v->syscall[0])
			continue;
		struct tl_thread *th = tl_find_thread(m, v->tid);
		if (!th || th->lane < 0 || v->b <= m->w0 || v->a >= m->w1)
			continue;
		double x0 = tl_xms(m, v->a < m->w0 ? m->w0 : v->a);
		double x1 = tl_xms(m, v->b > m->w1 ? m->w1 : v->b);
		if (x1 - x0 < span * 0.07)
			continue;
		m->lbl[m->nlbl++] = (struct tl_label){ (x0 + x1) / 2, th->lane, v->syscall };
	}
}

int tl_build_threads(struct tl_model *m)
{
	/* When the boxes are too many for a chart anyone can open (a 200 MB
	 * sched.csv made a 289 MB SVG), drawn again with pixel buckets twice as
	 * wide, until they fit. */
	struct boxw w;
	size_t nint = 0;
	double px = 1;
	for (;; px *= 2) {
		m->thr_boxes.n = 0;
		w = (struct boxw){ .out = &m->thr_boxes,
				   .merge = m->ms_per_px * 0.5,
				   .bucket = m->ms_per_px * px };
		thread_boxes(m, &w, &nint);
		if (w.err)
			return w.err;
		if (m->thr_boxes.n <= TL_MAX_BOXES || px >= 64)
			break;
	}
	m->thr_intervals = nint;
	m->thr_joined = w.joined;
	m->thr_bucket_px = px;
	labels(m);
	return handoffs(m);
}
