/* Events held back a moment and sorted before the state machine sees them
 * (see sm_reorder.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sm_reorder.h"

void sm_reorder_init(struct sm_reorder *r, uint64_t window_ns, size_t first_cap)
{
	memset(r, 0, sizeof(*r));
	r->window_ns = window_ns;
	r->first_cap = first_cap ? first_cap : 65536;
}

void sm_reorder_free(struct sm_reorder *r)
{
	free(r->ev);
	free(r->scratch);
	r->ev = r->scratch = NULL;
	r->n = r->cap = 0;
}

int sm_reorder_push(struct sm_reorder *r, const struct as_event *e)
{
	if (r->n == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : r->first_cap;
		struct as_event *p = realloc(r->ev, ncap * sizeof(*p));
		if (!p)
			goto drop;
		r->ev = p;
		/* Sized with the buffer, so sorting never allocates. When this one
		 * fails, ev keeps its larger block and the next push tries again. */
		p = realloc(r->scratch, ncap * sizeof(*p));
		if (!p)
			goto drop;
		r->scratch = p;
		r->cap = ncap;
	}
	r->ev[r->n++] = *e;
	return 0;
drop:
	r->dropped++;
	return -ENOMEM;
}

/* Sorts the buffer and feeds the events stamped at or before upto. */
static void feed_upto(struct sm_reorder *r, struct sm *sm, uint64_t upto)
{
	sm_sort(r->ev, r->n, r->scratch);
	size_t i = 0;
	while (i < r->n && r->ev[i].ts <= upto)
		sm_feed(sm, &r->ev[i++]);
	if (i && i < r->n)
		memmove(r->ev, r->ev + i, (r->n - i) * sizeof(*r->ev));
	r->n -= i;
}

void sm_reorder_release(struct sm_reorder *r, struct sm *sm, uint64_t now)
{
	/* Before one window has passed, nothing is old enough. */
	if (now < r->window_ns)
		return;
	feed_upto(r, sm, now - r->window_ns);
}

void sm_reorder_flush(struct sm_reorder *r, struct sm *sm)
{
	feed_upto(r, sm, UINT64_MAX);
}
