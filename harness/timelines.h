/* The timelines of a whole matrix: every cell's timeline.png and .svg, drawn by
 * a few threads while the matrix goes on, at the lowest priority the kernel
 * has (SCHED_IDLE), and finished at normal priority once the last cell ran. */
#ifndef ASYNCSCOPE_TIMELINES_H
#define ASYNCSCOPE_TIMELINES_H

#include <sched.h>
#include <stddef.h>

struct timelines;

/* A pool for up to `cap` cells on `workers` threads (1 to 4), which keep to the
 * CPUs in `during` (NULL: any) until timelines_finish, then to the caller's
 * affinity. NULL when out of memory or no thread starts: then draw nothing, say
 * so. */
struct timelines *timelines_start(size_t cap, int workers, const cpu_set_t *during);

/* Queues dir (copied). -ENOSPC beyond cap. */
int timelines_add(struct timelines *t, const char *dir);

/* Normal priority from here on; waits for every queued cell. Once stop()
 * returns nonzero (Ctrl-C) no new drawing starts. Then calls done() for each
 * cell in queue order with plots_timeline's rc (-ECANCELED: not drawn) and
 * plots_error's words for it, and frees the pool. Says nothing itself. */
void timelines_finish(struct timelines *t, int (*stop)(void),
		      void (*done)(const char *dir, int rc, const char *why, void *arg), void *arg);

/* How many to draw at once: the online CPUs, at most 4. */
int timelines_workers(void);

#endif
