/* A request as the server marked it: its first request_start and its last
 * request_end, by request id. A request the server saw twice is held to its
 * widest reading, the strictest test of the client's stamps around it. Used by
 * the clock join (clockjoin.c) and by bench run's causality count. */
#ifndef ASYNCSCOPE_SPANS_H
#define ASYNCSCOPE_SPANS_H

#include <stddef.h>
#include <stdint.h>

struct span {
	uint64_t id, start, end; /* start or end 0: that mark was not seen */
};

/* Sorts v by id and folds each id's entries into one (first start, last end):
 * the new count. Each entry comes in with one of start and end set. */
size_t spans_fold(struct span *v, size_t n);

/* The span of id in a folded v, or NULL. */
const struct span *spans_find(const struct span *v, size_t n, uint64_t id);

#endif
