/* The thread panel's choices: the join of threads to requests, and which
 * threads get a lane. A thread's marks say which request it was serving when
 * (handler_enter and wait_end open a stretch of service, wait_start and
 * request_end close it); tl_boxes.c colours its running time by that request. */
#include <errno.h>
#include <stdlib.h>

#include "plots.h"
#include "tl_model.h"

static int add_serve(struct tl_model *m, size_t *cap, struct tl_serve sv)
{
	if (m->nserve == *cap) {
		size_t n = *cap ? *cap * 2 : 256;
		void *p = realloc(m->serve, n * sizeof(*m->serve));
		if (!p)
			return -ENOMEM;
		m->serve = p;
		*cap = n;
	}
	m->serve[m->nserve++] = sv;
	return 0;
}

/* The stretches of service per thread, from the marks sorted by thread. */
int tl_build_service(struct tl_model *m)
{
	const struct rd_mark *k = m->by_tid;
	size_t cap = 0, n = m->r->nmark;
	for (size_t i = 0; i < n;) {
		uint32_t tid = k[i].tid;
		int open = 0;
		struct tl_serve cur = { 0 };
		for (; i < n && k[i].tid == tid; i++) {
			int opens = k[i].ev == RD_HANDLER || k[i].ev == RD_WAIT_END;
			int closes = k[i].ev == RD_WAIT_START || k[i].ev == RD_END;
			if ((opens && open) || (closes && open && cur.id == k[i].id)) {
				cur.b = k[i].t;
				if (add_serve(m, &cap, cur))
					return -ENOMEM;
				open = 0;
			}
			if (opens) {
				cur = (struct tl_serve){ tid, k[i].id, k[i].t, 0 };
				open = 1;
			}
		}
		if (open) {
			cur.b = UINT64_MAX;
			if (add_serve(m, &cap, cur))
				return -ENOMEM;
		}
	}
	return 0;
}

static int cmp_busy(const void *a, const void *b)
{
	const struct tl_thread *x = a, *y = b;
	if (x->role != y->role && x->run_ns && y->run_ns)
		return x->role > y->role ? -1 : 1;
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

/* Threads that ran in the window; when there are too many, those serving the
 * requests shown and then the busiest. Drawn in tid order (the main thread,
 * usually the accept or event loop, on top). */
int tl_pick_threads(struct tl_model *m)
{
	const struct rd_run *r = m->r;
	m->thr = calloc(r->nthr ? r->nthr : 1, sizeof(*m->thr));
	if (!m->thr)
		return -ENOMEM;
	for (size_t i = 0; i < r->nthr; i++) {
		m->thr[i].tid = r->thr[i].tid;
		m->thr[i].comm = r->thr[i].comm;
	}
	m->nthr = r->nthr;
	for (size_t i = 0; i < r->niv; i++) {
		const struct rd_iv *v = &r->iv[i];
		if (v->state != RD_RUNNING || v->b <= m->w0 || v->a >= m->w1)
			continue;
		struct tl_thread *th = tl_find_thread(m, v->tid);
		uint64_t a = v->a > m->w0 ? v->a : m->w0, b = v->b < m->w1 ? v->b : m->w1;
		if (th)
			th->run_ns += b - a;
	}
	/* With more threads than lanes, the threads that ran the requests shown
	 * above come first, so the two panels tell the same requests' story. */
	for (size_t l = 0; l < m->ndrawn; l++) {
		size_t n;
		const struct rd_mark *k = tl_marks_of(m, r->req[m->drawn[l]].id, &n);
		const struct rd_mark *rs = NULL, *he = NULL;
		for (size_t i = 0; i < n; i++) {
			rs = !rs && k[i].ev == RD_START ? &k[i] : rs;
			he = !he && k[i].ev == RD_HANDLER ? &k[i] : he;
		}
		struct tl_thread *th = he ? tl_find_thread(m, he->tid) : NULL;
		if (th)
			th->serves_lane = 1;
		if (rs && he && rs->tid != he->tid) {
			struct tl_thread *rd = tl_find_thread(m, rs->tid);
			if (rd)
				rd->role |= TL_ROLE_LOOP;
			if (th)
				th->role |= TL_ROLE_POOL;
		}
	}
	/* A loop that stalled in the window is what its lane is for. */
	for (size_t i = 0; i < r->nstall; i++) {
		struct tl_thread *th = tl_find_thread(m, r->stall[i].tid);
		if (th && r->stall[i].t_end > m->w0 && r->stall[i].t_start < m->w1)
			th->role |= TL_ROLE_STALL;
	}
	qsort(m->thr, m->nthr, sizeof(*m->thr), cmp_busy);
	size_t active = 0;
	while (active < m->nthr && m->thr[active].run_ns)
		active++;
	m->thr_total = m->nthr;
	m->thr_idle = m->nthr - active;
	size_t keep = active ? active : m->nthr;
	/* Beyond the lanes, tl_stack.c counts every thread by state, and a few
	 * lanes say what the loop, the pool and the busiest did. */
	if (keep > PLOTS_MAX_THREAD_LANES)
		keep = TL_STACK_LANES;
	m->thr_cut = (active ? active : m->nthr) - keep;
	/* The main thread (lowest tid: the accept loop or event loop) stays even
	 * when it is not among the busiest: it is where requests come in. */
	size_t pool = active ? active : m->nthr, lowest = 0;
	for (size_t i = 1; i < pool; i++)
		if (m->thr[i].tid < m->thr[lowest].tid)
			lowest = i;
	if (keep && lowest >= keep) {
		struct tl_thread tmp = m->thr[keep - 1];
		m->thr[keep - 1] = m->thr[lowest];
		m->thr[lowest] = tmp;
	}
	qsort(m->thr, keep, sizeof(*m->thr), cmp_tid);
	for (size_t i = 0; i < keep; i++)
		m->thr[i].lane = (int)(keep - 1 - i);
	for (size_t i = keep; i < m->nthr; i++)
		m->thr[i].lane = -1;
	m->nthr_lanes = keep;
	/* tl_find_thread needs tid order over all of them. */
	qsort(m->thr, m->nthr, sizeof(*m->thr), cmp_tid);
	return 0;
}
