/* The reorder buffer between the ring buffer and the state machine.
 *
 * The ring buffer holds records in the order they were reserved, which differs
 * from timestamp order across CPUs: one CPU stamps an event, and another reserves
 * a later one before the first reserves its own. The gap is microseconds, so
 * events wait here for a window (the loader uses 2 ms) before they are fed:
 *
 *	sm_reorder_push(r, e);            each record the ring buffer hands over
 *	sm_reorder_release(r, sm, now);   feed, in order, what is older than now - window
 *	sm_reorder_flush(r, sm);          at the end: feed everything left
 *
 * An event that turns up later than the window, after newer events were fed,
 * cannot be put back in order: it is fed as it is, and the state machine counts
 * it in sm->late and clamps it, so no interval runs backwards.
 *
 * Pure like sched_sm.c: no clock (the caller says what time it is), no I/O. */
#ifndef ASTRACE_SM_REORDER_H
#define ASTRACE_SM_REORDER_H

#include <stddef.h>
#include <stdint.h>

#include "sched_sm.h"

struct sm_reorder {
	struct as_event *ev, *scratch; /* scratch: same capacity, for the sort */
	size_t n, cap;
	size_t first_cap; /* capacity of the first allocation, in events */
	uint64_t window_ns;
	uint64_t dropped; /* could not be buffered: no memory */
};

/* first_cap 0: 65536 events, enough for a busy drain interval without growing. */
void sm_reorder_init(struct sm_reorder *r, uint64_t window_ns, size_t first_cap);
void sm_reorder_free(struct sm_reorder *r);

/* Buffers a copy of e. 0, or -ENOMEM: the event is dropped and counted. Grows
 * by doubling, so a steady stream allocates nothing once the size is found. */
int sm_reorder_push(struct sm_reorder *r, const struct as_event *e);

/* Feeds sm, in timestamp order, every buffered event stamped at or before
 * now - window; the rest stay for the next call. */
void sm_reorder_release(struct sm_reorder *r, struct sm *sm, uint64_t now);

/* Feeds sm everything buffered, in timestamp order. */
void sm_reorder_flush(struct sm_reorder *r, struct sm *sm);

#endif
