#include "perfetto_join.h"

#include <stdlib.h>

struct pf_join {
	struct pf_marks *m; /* by id */
	size_t n;
	uint8_t *flags; /* per mark of the run */
};

/* Mark indices by request id, then time; the marks are qsort_r's argument. */
static int by_id_time(const void *a, const void *b, void *marks)
{
	const struct rd_mark *x = &((const struct rd_mark *)marks)[*(const size_t *)a];
	const struct rd_mark *y = &((const struct rd_mark *)marks)[*(const size_t *)b];
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->t < y->t ? -1 : x->t > y->t;
}

struct pf_join *pf_join_new(const struct rd_run *r)
{
	struct pf_join *j = calloc(1, sizeof(*j));
	size_t *ix = malloc((r->nmark ? r->nmark : 1) * sizeof(*ix));
	if (!j || !ix)
		goto fail;
	j->flags = calloc(r->nmark ? r->nmark : 1, 1);
	j->m = calloc(r->nmark ? r->nmark : 1, sizeof(*j->m));
	if (!j->flags || !j->m)
		goto fail;
	for (size_t i = 0; i < r->nmark; i++)
		ix[i] = i;
	qsort_r(ix, r->nmark, sizeof(*ix), by_id_time, (void *)r->mark);
	for (size_t k = 0; k < r->nmark; k++) {
		const struct rd_mark *mk = &r->mark[ix[k]];
		if (!mk->id || mk->ev >= 5)
			continue;
		if (!j->n || j->m[j->n - 1].id != mk->id)
			j->m[j->n++].id = mk->id;
		struct pf_marks *m = &j->m[j->n - 1];
		if (m->has[mk->ev])
			continue; /* the first of each kind: a repeated id is not joined twice */
		m->has[mk->ev] = 1;
		m->t[mk->ev] = mk->t;
		m->tid[mk->ev] = mk->tid;
		m->idx[mk->ev] = ix[k];
	}
	free(ix);
	return j;
fail:
	free(ix);
	pf_join_free(j);
	return NULL;
}

void pf_join_free(struct pf_join *j)
{
	if (!j)
		return;
	free(j->m);
	free(j->flags);
	free(j);
}

static int by_id(const void *key, const void *elem)
{
	uint64_t id = *(const uint64_t *)key, e = ((const struct pf_marks *)elem)->id;
	return id < e ? -1 : id > e;
}

struct pf_marks *pf_join_find(struct pf_join *j, uint64_t id)
{
	return j->n ? bsearch(&id, j->m, j->n, sizeof(*j->m), by_id) : NULL;
}

struct pf_marks *pf_join_first(struct pf_join *j)
{
	return j->n ? j->m : NULL;
}

struct pf_marks *pf_join_next(struct pf_join *j, struct pf_marks *m)
{
	return m + 1 < j->m + j->n ? m + 1 : NULL;
}

void pf_join_flow(struct pf_join *j, const struct pf_marks *m, int ev, int flag)
{
	if (m->has[ev])
		j->flags[m->idx[ev]] |= (uint8_t)flag;
}

int pf_join_flags(const struct pf_join *j, size_t i)
{
	return j->flags[i];
}
