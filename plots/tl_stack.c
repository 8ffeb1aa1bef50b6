/* The two summaries a timeline adds when lanes cannot tell it all: threads
 * counted by state over time (more threads than lanes: threaded -c 1000 has a
 * thousand), and every request's latency over its send time (more requests
 * than the lanes show). Both are decided here as numbers; tl_emit.c draws them. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tl_model.h"

/* Buckets of the stacked counts across the window: about 3 pixels each. */
#define NSTACKBIN 320

/* The stack's layer of a state, bottom first; -1 for unknown (not counted). */
static int layer_of(uint8_t st)
{
	switch (st) {
	case RD_RUNNING: return 0;
	case RD_RUNNABLE: return 1;
	case RD_BLOCKED: return 2;
	case RD_SLEEPING: return 3;
	default: return -1;
	}
}

/* Every thread's time in each state, per bucket, divided by the bucket's
 * length: the mean number of threads in that state over the bucket. A thread
 * not yet seen (before its first event) is in no layer, so the stack's height
 * is the threads known at that moment. */
int tl_build_stack(struct tl_model *m)
{
	if (!m->thr_cut)
		return 0;
	m->stack = calloc(NSTACKBIN, sizeof(*m->stack));
	if (!m->stack)
		return -ENOMEM;
	m->nstack = NSTACKBIN;
	double span = (double)(m->w1 - m->w0), bw = span / NSTACKBIN;
	for (size_t k = 0; k < NSTACKBIN; k++) {
		m->stack[k].x0 = tl_xms(m, m->w0) + (double)k * bw / 1e6;
		m->stack[k].x1 = m->stack[k].x0 + bw / 1e6;
	}
	for (size_t i = 0; i < m->r->niv; i++) {
		const struct rd_iv *v = &m->r->iv[i];
		int l = layer_of(v->state);
		if (l < 0 || v->b <= m->w0 || v->a >= m->w1)
			continue;
		double a = (double)((v->a > m->w0 ? v->a : m->w0) - m->w0);
		double b = (double)((v->b < m->w1 ? v->b : m->w1) - m->w0);
		size_t k0 = (size_t)(a / bw), k1 = (size_t)(b / bw);
		if (k1 >= NSTACKBIN)
			k1 = NSTACKBIN - 1;
		for (size_t k = k0; k <= k1; k++) {
			double lo = (double)k * bw, hi = lo + bw;
			double x = a > lo ? a : lo, y = b < hi ? b : hi;
			if (y > x)
				m->stack[k].n[l] += (float)((y - x) / bw);
		}
	}
	for (size_t k = 0; k < NSTACKBIN; k++) {
		float t = 0;
		for (int l = 0; l < TL_NSTACK; l++)
			t += m->stack[k].n[l];
		if (t > m->stack_max)
			m->stack_max = t;
	}
	return 0;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Heat map cells: columns across the run, rows across the latencies (log). */
#define HEAT_X 240
#define HEAT_Y 60

/* Latency over send time for the whole run, with its p50 and p99: a point per
 * request up to TL_LAT_HEAT, then a heat map of counts (an SVG of a hundred
 * thousand points would not open). */
int tl_build_latency(struct tl_model *m)
{
	const struct rd_req *q = m->r->req;
	size_t n = m->r->nreq;
	if (n <= TL_LAT_MIN)
		return 0;
	double *lat = malloc(n * sizeof(*lat));
	if (!lat)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		lat[i] = (double)(q[i].t_end - q[i].t_send) / 1e6;
	qsort(lat, n, sizeof(*lat), cmp_dbl);
	/* Nearest rank, as the summary's percentiles. */
	m->lat_p50 = lat[(n * 50 + 99) / 100 - 1];
	m->lat_p99 = lat[(n * 99 + 99) / 100 - 1];
	m->lat_max = lat[n - 1];
	double lo = lat[0] > 0.001 ? lat[0] : 0.001;
	free(lat);
	double span = (double)(m->run1 - m->run0) / 1e9;
	if (span <= 0)
		span = 1e-9;
	m->lat_heat = n > TL_LAT_HEAT;
	size_t cells = m->lat_heat ? (size_t)HEAT_X * HEAT_Y : n;
	m->lat = calloc(cells, sizeof(*m->lat));
	if (!m->lat)
		return -ENOMEM;
	if (!m->lat_heat) {
		for (size_t i = 0; i < n; i++)
			m->lat[i] =
			    (struct tl_latpt){ (double)(q[i].t_send - m->run0) / 1e9,
					       (double)(q[i].t_end - q[i].t_send) / 1e6, 0, 0, 1 };
		m->nlat = n;
		return 0;
	}
	double ly0 = log(lo), ly1 = log(m->lat_max > lo ? m->lat_max : lo * 10) + 1e-9;
	double cx = span / HEAT_X, cy = (ly1 - ly0) / HEAT_Y;
	for (size_t i = 0; i < n; i++) {
		double x = (double)(q[i].t_send - m->run0) / 1e9;
		double y = (double)(q[i].t_end - q[i].t_send) / 1e6;
		size_t kx = (size_t)(x / cx), ky = y > lo ? (size_t)((log(y) - ly0) / cy) : 0;
		kx = kx < HEAT_X ? kx : HEAT_X - 1;
		ky = ky < HEAT_Y ? ky : HEAT_Y - 1;
		m->lat[ky * HEAT_X + kx].count++;
	}
	/* Only the cells that hold requests, in place. */
	for (size_t k = 0; k < cells; k++) {
		if (!m->lat[k].count)
			continue;
		size_t kx = k % HEAT_X, ky = k / HEAT_X;
		m->lat[m->nlat++] =
		    (struct tl_latpt){ (double)kx * cx, exp(ly0 + (double)ky * cy),
				       (double)(kx + 1) * cx, exp(ly0 + (double)(ky + 1) * cy),
				       m->lat[k].count };
	}
	return 0;
}
