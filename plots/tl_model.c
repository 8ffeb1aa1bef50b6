/* tl_model_build: the one pass that decides what the timeline draws. The window
 * is the request lanes' (tl_lanes.c) or, without requests, the whole trace;
 * the rest is the other tl_ files' (tl_model.h lists them), called in order. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plots.h"
#include "tl_model.h"

/* Without requests, the window is the whole trace (tl_lanes.c chose it
 * otherwise). */
static void trace_window(struct tl_model *m)
{
	const struct rd_run *r = m->r;
	uint64_t a = UINT64_MAX, b = 0;
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

int tl_model_build(struct tl_model *m, const struct rd_run *r, const char *name)
{
	int rc;
	memset(m, 0, sizeof(*m));
	m->r = r;
	if ((rc = tl_pick_lanes(m)))
		return rc;
	if (!r->nreq)
		trace_window(m);
	m->ms_per_px = (tl_xms(m, m->w1) - tl_xms(m, m->w0)) / TL_PLOT_PX;
	if ((r->nreq && (rc = tl_build_inflight(m))) || (rc = tl_index_build(m)) ||
	    (rc = tl_build_service(m)) || (rc = tl_pick_threads(m)) || (rc = tl_build_stack(m)) ||
	    (rc = tl_build_latency(m)))
		return rc;
	if (!m->nlane && !m->nthr_lanes) /* headers only: nothing to draw */
		return -ENODATA;
	m->req_ppu = tl_panel_px(m->nlane) / ((double)m->nlane + 0.2);
	m->thr_ppu = tl_panel_px(m->nthr_lanes) / ((double)m->nthr_lanes + 0.2);
	if ((m->nlane && (rc = tl_build_requests(m))) || (rc = tl_build_threads(m)) ||
	    (rc = tl_build_stalls(m)) || (rc = tl_build_hover(m)))
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
	free(m->lane_of);
	free(m->drawn);
	free(m->infl);
	free(m->stack);
	free(m->lat);
	free(m->req_boxes.b);
	free(m->thr_boxes.b);
	free(m->hand);
	free(m->stl);
	free(m->hov);
	memset(m, 0, sizeof(*m));
}
