#include "spans.h"

#include <stdlib.h>

static int by_id(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

size_t spans_fold(struct span *v, size_t n)
{
	if (!n) /* v may be NULL, which qsort may not get */
		return 0;
	qsort(v, n, sizeof(*v), by_id);
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		if (w && v[w - 1].id == v[i].id) {
			struct span *d = &v[w - 1];
			if (v[i].start && (!d->start || v[i].start < d->start))
				d->start = v[i].start;
			if (v[i].end > d->end)
				d->end = v[i].end;
		} else {
			v[w++] = v[i];
		}
	}
	return w;
}

const struct span *spans_find(const struct span *v, size_t n, uint64_t id)
{
	struct span key = { .id = id };
	return n ? bsearch(&key, v, n, sizeof(*v), by_id) : NULL;
}
