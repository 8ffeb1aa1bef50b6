/* The SVG's hover layer, decided here and printed by tl_emit.c: where each
 * hover point sits and what its text says. A drawn request tells its id, status
 * and latency and the phases its stamps and marks know; a thread interval tells
 * the thread, its state, the syscall it sat in and how long.
 *
 * Every drawn request gets a point (they are at most TL_MAX_REQS). Thread
 * intervals are many more (a loop's bursts, a trace of a second), so they get
 * what is left of TL_MAX_HOVER: on each lane at most one every TL_HOVER_PX
 * pixels, of those whose middle falls there the one drawn on top (tl_boxes.c's
 * layers: blocked, runnable, running, then sleeping), the longest of a layer;
 * and of these the longest first. What this cannot do: a point is at the
 * middle of its interval, so a long one is hovered there only; a short
 * interval beside another on top in the same few pixels has no text of its
 * own, and at a million intervals most have none. The page says how many
 * have. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "tl_model.h"

#define add(t, ...) tl_text_add((t), TL_HOVER_TEXT, __VA_ARGS__)

/* One line "name duration" when both ends are known and in order. */
static void phase(char *t, const char *name, uint64_t a, uint64_t b)
{
	char d[32];
	if (a && b && a <= b)
		add(t, "\n%s %s", name, tl_dur(d, sizeof(d), b - a));
}

/* A request: the client's view, then the server's phases from its marks
 * (tl_boxes.c draws the same spans). */
static void request_text(const struct tl_model *m, const struct rd_req *q, char *t)
{
	char d[32];
	t[0] = '\0';
	add(t, "request %llu  \xc2\xb7  ", (unsigned long long)q->id);
	if (q->failed && !q->status)
		add(t, "failed, no response");
	else
		add(t, "status %d%s", q->status, q->failed ? " (failed)" : "");
	add(t, "  \xc2\xb7  %s", tl_dur(d, sizeof(d), q->t_end - q->t_send));
	if (q->conn != RD_NOCONN)
		add(t, "\nconnection %llu, ", (unsigned long long)q->conn);
	else
		add(t, "\n");
	add(t, "sent at %.3f ms", tl_xms(m, q->t_send));
	size_t n;
	const struct rd_mark *k = tl_marks_of(m, q->id, &n);
	uint64_t rs = 0, he = 0, re = 0, ws = 0, waited = 0;
	uint32_t rtid = 0, htid = 0;
	for (size_t i = 0; i < n; i++) {
		if (k[i].ev == RD_START && !rs) {
			rs = k[i].t;
			rtid = k[i].tid;
		} else if (k[i].ev == RD_HANDLER && !he) {
			he = k[i].t;
			htid = k[i].tid;
		} else if (k[i].ev == RD_WAIT_START) {
			ws = k[i].t;
		} else if (k[i].ev == RD_WAIT_END && ws && ws <= k[i].t) {
			waited += k[i].t - ws;
			ws = 0;
		} else if (k[i].ev == RD_END) {
			re = k[i].t;
		}
	}
	phase(t, "connect", q->t_send, q->t_connected);
	if (!n) {
		phase(t, "to first byte", q->t_connected ? q->t_connected : q->t_send,
		      q->t_first_byte);
		add(t, "\nno server marks (sampled out, or no probes)");
		return;
	}
	phase(t, "sent, in the kernel's queue", q->t_connected, rs);
	phase(t, "queued in the server", rs, he);
	if (he && re && he <= re && re - he >= waited)
		add(t, "\nhandler %s", tl_dur(d, sizeof(d), re - he - waited));
	if (waited)
		add(t, "\nwait %s", tl_dur(d, sizeof(d), waited));
	phase(t, "response", re, q->t_end);
	if (rtid && htid && rtid != htid)
		add(t, "\nread by thread %u, handled by %u", rtid, htid);
	else if (rtid || htid)
		add(t, "\nthread %u", rtid ? rtid : htid);
}

/* A thread interval: who, what state and call, how long, for which request. */
static void thread_text(const struct tl_model *m, const struct rd_iv *v, const struct tl_thread *th,
			char *t)
{
	char d[32];
	t[0] = '\0';
	add(t, "%.19s  \xc2\xb7  tid %u\n%s", th->comm, v->tid, schema_state_name(v->state));
	if (v->state == RD_RUNNABLE)
		add(t, " (waiting for a CPU)");
	else if (v->state == RD_UNKNOWN)
		add(t, " (before the thread's first event)");
	if ((v->state == RD_SLEEPING || v->state == RD_BLOCKED) && v->syscall[0])
		add(t, " in %.22s", v->syscall);
	add(t, "\n%s, %.3f to %.3f ms", tl_dur(d, sizeof(d), v->b - v->a), tl_xms(m, v->a),
	    tl_xms(m, v->b));
	if (v->state != RD_RUNNING)
		return;
	/* The requests whose service overlaps it (tl_threads.c's stretches);
	 * counted up to a bound, as a loop's long burst may serve thousands. */
	uint64_t first = 0;
	size_t nserved = 0;
	for (size_t i = tl_first_serve(m, v->tid, v->a);
	     i < m->nserve && m->serve[i].tid == v->tid && m->serve[i].a < v->b && nserved < 1000;
	     i++) {
		if (!nserved)
			first = m->serve[i].id;
		nserved++;
	}
	if (nserved == 1)
		add(t, "\nserving request %llu", (unsigned long long)first);
	else if (nserved > 1)
		add(t, "\nserving request %llu and %zu%s more", (unsigned long long)first,
		    nserved - 1, nserved >= 1000 ? " or" : "");
}

struct cand {
	size_t iv;
	int lane, layer;
	long bucket;
	uint64_t len;
};

/* The layer a state is drawn in (tl_boxes.c, thread_boxes): higher on top. */
static int layer_of(int state)
{
	return state == RD_BLOCKED ? 3 : state == RD_RUNNABLE ? 2 : state == RD_RUNNING ? 1 : 0;
}

/* By lane and bucket, and within one the top layer, then the longest: the
 * first of each run wins. */
static int cmp_place(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	if (x->lane != y->lane)
		return x->lane < y->lane ? -1 : 1;
	if (x->bucket != y->bucket)
		return x->bucket < y->bucket ? -1 : 1;
	if (x->layer != y->layer)
		return x->layer > y->layer ? -1 : 1;
	if (x->len != y->len)
		return x->len > y->len ? -1 : 1;
	return x->iv < y->iv ? -1 : x->iv > y->iv;
}

/* The longest first; equal ones in file order, so a chart is reproducible. */
static int cmp_len(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	if (x->len != y->len)
		return x->len > y->len ? -1 : 1;
	return x->iv < y->iv ? -1 : x->iv > y->iv;
}

static double mid_ms(const struct tl_model *m, uint64_t a, uint64_t b)
{
	uint64_t x = a < m->w0 ? m->w0 : a, y = b > m->w1 ? m->w1 : b;
	return (tl_xms(m, x) + tl_xms(m, y)) / 2;
}

/* The thread intervals that get a point, into c[0 .. return). */
static size_t pick_threads(const struct tl_model *m, struct cand *c, size_t budget, size_t *all,
			   size_t *placed)
{
	size_t n = 0;
	double px = m->ms_per_px > 0 ? m->ms_per_px * TL_HOVER_PX : 1;
	double x0 = tl_xms(m, m->w0);
	for (size_t i = 0; i < m->r->niv; i++) {
		const struct rd_iv *v = &m->r->iv[i];
		if (v->b <= m->w0 || v->a >= m->w1)
			continue;
		const struct tl_thread *th = tl_find_thread(m, v->tid);
		if (!th || th->lane < 0)
			continue;
		c[n++] =
		    (struct cand){ i, th->lane, layer_of(v->state),
				   (long)floor((mid_ms(m, v->a, v->b) - x0) / px), v->b - v->a };
	}
	*all = n;
	if (!n)
		return 0;
	qsort(c, n, sizeof(*c), cmp_place);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!k || c[i].lane != c[k - 1].lane || c[i].bucket != c[k - 1].bucket)
			c[k++] = c[i];
	*placed = k;
	qsort(c, k, sizeof(*c), cmp_len);
	return k < budget ? k : budget;
}

int tl_build_hover(struct tl_model *m)
{
	size_t nreq = m->ndrawn < TL_MAX_HOVER ? m->ndrawn : TL_MAX_HOVER;
	size_t ncand = 0, nplaced = 0, nthr = 0;
	struct cand *c = NULL;
	if (m->nthr_lanes) {
		c = malloc((m->r->niv ? m->r->niv : 1) * sizeof(*c));
		if (!c)
			return -ENOMEM;
		nthr = pick_threads(m, c, TL_MAX_HOVER - nreq, &ncand, &nplaced);
	}
	m->hov_thr_all = ncand;
	m->hov_thr_placed = nplaced;
	/* Stalls come before thread intervals: few, and the point of the lane. */
	size_t nstl = m->nstl < TL_MAX_HOVER - nreq ? m->nstl : TL_MAX_HOVER - nreq;
	if (nthr > TL_MAX_HOVER - nreq - nstl)
		nthr = TL_MAX_HOVER - nreq - nstl;
	m->hov = calloc(nreq + nstl + nthr ? nreq + nstl + nthr : 1, sizeof(*m->hov));
	if (!m->hov) {
		free(c);
		return -ENOMEM;
	}
	for (size_t j = 0; j < nreq; j++) {
		const struct rd_req *q = &m->r->req[m->drawn[j]];
		struct tl_hover *h = &m->hov[m->nhov++];
		h->x = mid_ms(m, q->t_send, q->t_end);
		h->y = (double)(m->nlane - 1 - (size_t)m->lane_of[m->drawn[j]]);
		h->panel = TL_PANEL_REQ;
		request_text(m, q, h->text);
	}
	m->nhov_req = m->nhov;
	/* On the band's top edge, apart from the intervals' points mid-lane. */
	for (size_t j = 0; j < nstl; j++) {
		const struct tl_stall *b = &m->stl[j];
		struct tl_hover *h = &m->hov[m->nhov++];
		h->x = (b->x0 + b->x1) / 2;
		h->y = b->lane + b->h;
		h->panel = TL_PANEL_THR;
		tl_stall_text(m, &m->r->stall[b->row], h->text);
	}
	m->nhov_stl = nstl;
	for (size_t j = 0; j < nthr; j++) {
		const struct rd_iv *v = &m->r->iv[c[j].iv];
		struct tl_hover *h = &m->hov[m->nhov++];
		h->x = mid_ms(m, v->a, v->b);
		h->y = c[j].lane;
		h->panel = TL_PANEL_THR;
		thread_text(m, v, tl_find_thread(m, v->tid), h->text);
	}
	free(c);
	return 0;
}
