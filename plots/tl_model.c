/* tl_model_build: the one pass that decides what the timeline draws. The window
 * and the request lanes are chosen here; the indices, the thread lanes, the
 * boxes and the page are the other tl_ files' (tl_model.h lists them). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plots.h"
#include "tl_model.h"

/* Window and origin: the requests plus a small margin, or the whole trace. */
static void window(struct tl_model *m)
{
	const struct rd_run *r = m->r;
	uint64_t a = UINT64_MAX, b = 0;
	if (r->nreq) {
		for (size_t i = 0; i < r->nreq; i++) {
			if (r->req[i].t_send < a)
				a = r->req[i].t_send;
			if (r->req[i].t_end > b)
				b = r->req[i].t_end;
		}
		m->t0 = a;
		uint64_t margin = (b - a) / 25 + 200000; /* 4% and 0.2 ms */
		m->w0 = a > margin ? a - margin : 0;
		m->w1 = b + margin;
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
		m->t0 = m->w0 = a;
		m->w1 = b;
	}
	m->ms_per_px = (tl_xms(m, m->w1) - tl_xms(m, m->w0)) / TL_PLOT_PX;
}

/* Request indices by send time, then id; the requests are qsort_r's argument. */
static int cmp_req_send(const void *a, const void *b, void *arg)
{
	const struct rd_req *req = arg;
	const struct rd_req *x = &req[*(const size_t *)a], *y = &req[*(const size_t *)b];
	if (x->t_send != y->t_send)
		return x->t_send < y->t_send ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int pick_requests(struct tl_model *m)
{
	size_t n = m->r->nreq;
	m->order = malloc((n ? n : 1) * sizeof(*m->order));
	m->lane =
	    malloc((n < PLOTS_MAX_REQ_LANES ? n + 1 : PLOTS_MAX_REQ_LANES) * sizeof(*m->lane));
	if (!m->order || !m->lane)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		m->order[i] = i;
		m->nfailed += m->r->req[i].failed;
	}
	qsort_r(m->order, n, sizeof(*m->order), cmp_req_send, m->r->req);
	/* Evenly spaced in send order, so a staircase stays a staircase. */
	m->nlane = n < PLOTS_MAX_REQ_LANES ? n : PLOTS_MAX_REQ_LANES;
	for (size_t i = 0; i < m->nlane; i++)
		m->lane[i] =
		    m->order[n > m->nlane && m->nlane > 1 ? i * (n - 1) / (m->nlane - 1) : i];
	return 0;
}

int tl_model_build(struct tl_model *m, const struct rd_run *r, const char *name)
{
	int rc;
	memset(m, 0, sizeof(*m));
	m->r = r;
	window(m);
	if ((rc = pick_requests(m)) || (rc = tl_index_build(m)) || (rc = tl_build_service(m)) ||
	    (rc = tl_pick_threads(m)))
		return rc;
	if (!m->nlane && !m->nthr_lanes) /* headers only: nothing to draw */
		return -ENODATA;
	m->req_ppu = tl_panel_px(m->nlane) / ((double)m->nlane + 0.2);
	m->thr_ppu = tl_panel_px(m->nthr_lanes) / ((double)m->nthr_lanes + 0.2);
	if ((m->nlane && (rc = tl_build_requests(m))) || (rc = tl_build_threads(m)))
		return rc;
	tl_build_page(m, name);
	return 0;
}

void tl_model_free(struct tl_model *m)
{
	free(m->by_id);
	free(m->by_tid);
	free(m->ix);
	free(m->serve);
	free(m->thr);
	free(m->order);
	free(m->lane);
	free(m->req_boxes.b);
	free(m->thr_boxes.b);
	free(m->hand);
	memset(m, 0, sizeof(*m));
}
