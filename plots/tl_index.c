/* The timeline's lookups, built once: the marks sorted by request and by
 * thread, and one entry per request sorted by id that holds both its rank (its
 * colour) and where its marks are. Every question "what of request N" goes
 * through tl_req_find; every "what did thread T do at t" through a binary
 * search of by_tid or of the service stretches. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "colours.h"
#include "tl_model.h"

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

static int cmp_ix(const void *a, const void *b)
{
	const struct tl_reqix *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

int tl_index_build(struct tl_model *m)
{
	const struct rd_run *r = m->r;
	size_t nm = r->nmark ? r->nmark : 1, nq = r->nreq ? r->nreq : 1;
	m->by_id = malloc(nm * sizeof(*m->by_id));
	m->by_tid = malloc(nm * sizeof(*m->by_tid));
	m->ix = malloc(nq * sizeof(*m->ix));
	if (!m->by_id || !m->by_tid || !m->ix)
		return -ENOMEM;
	if (r->nmark) {
		memcpy(m->by_id, r->mark, r->nmark * sizeof(*m->by_id));
		memcpy(m->by_tid, r->mark, r->nmark * sizeof(*m->by_tid));
	}
	qsort(m->by_id, r->nmark, sizeof(*m->by_id), cmp_mark_id);
	qsort(m->by_tid, r->nmark, sizeof(*m->by_tid), cmp_mark_tid);
	/* A drawn request's colour is its place on its lane, offset by the lane:
	 * neighbours on a lane always differ (5 and the 12 colours share no
	 * factor), which a colour by send rank would not promise with 12 or 24
	 * connections. The others keep their rank. */
	uint32_t seq[PLOTS_MAX_REQ_LANES] = { 0 };
	for (size_t i = 0; i < r->nreq; i++) {
		int l = m->lane_of[m->order[i]];
		uint32_t c = l >= 0 ? seq[l]++ * 5 + (uint32_t)l : (uint32_t)i;
		m->ix[i] = (struct tl_reqix){ r->req[m->order[i]].id, (uint32_t)i, c, 0, 0 };
	}
	qsort(m->ix, r->nreq, sizeof(*m->ix), cmp_ix);
	/* Both sorted by id: one walk finds every request's marks. */
	size_t j = 0;
	for (size_t i = 0; i < r->nreq; i++) {
		while (j < r->nmark && m->by_id[j].id < m->ix[i].id)
			j++;
		size_t k = j;
		while (k < r->nmark && m->by_id[k].id == m->ix[i].id)
			k++;
		m->ix[i].mark0 = j;
		m->ix[i].nmark = k - j;
		m->nmarked += k > j;
	}
	return 0;
}

const struct tl_reqix *tl_req_find(const struct tl_model *m, uint64_t id)
{
	size_t lo = 0, hi = m->r->nreq;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (m->ix[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->r->nreq && m->ix[lo].id == id ? &m->ix[lo] : NULL;
}

const struct rd_mark *tl_marks_of(const struct tl_model *m, uint64_t id, size_t *n)
{
	const struct tl_reqix *q = tl_req_find(m, id);
	*n = q ? q->nmark : 0;
	return q ? &m->by_id[q->mark0] : NULL;
}

unsigned tl_colour_of(const struct tl_model *m, uint64_t id)
{
	const struct tl_reqix *q = tl_req_find(m, id);
	/* Marks of a request the client did not record (another client, or id 0
	 * when the header was missing): still a request, so not the idle grey. */
	return col_request(q ? q->colour : id);
}

/* First mark in by_tid with this tid and t >= t0. */
size_t tl_first_mark(const struct tl_model *m, uint32_t tid, uint64_t t0)
{
	const struct rd_mark *k = m->by_tid;
	size_t lo = 0, hi = m->r->nmark;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (k[mid].tid < tid || (k[mid].tid == tid && k[mid].t < t0))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* First service stretch of thread tid ending after time a. */
size_t tl_first_serve(const struct tl_model *m, uint32_t tid, uint64_t a)
{
	size_t lo = 0, hi = m->nserve;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct tl_serve *s = &m->serve[mid];
		if (s->tid < tid || (s->tid == tid && s->b <= a))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct tl_thread *tl_find_thread(const struct tl_model *m, uint32_t tid)
{
	size_t lo = 0, hi = m->nthr;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (m->thr[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->nthr && m->thr[lo].tid == tid ? &m->thr[lo] : NULL;
}
