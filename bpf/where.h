/* Where loops stalled: the stack snapshots the kernel side sends, unwound and
 * named as they arrive (symbols.h), while the traced process is still there
 * to read its maps from. The tracer's reader thread adds; the tracer's owner
 * reads after the stop. */
#ifndef ASTRACE_WHERE_H
#define ASTRACE_WHERE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "stalls.h"
#include "symbols.h"

#define WHERE_MAX   4096 /* stacks kept; more are counted in dropped */
#define WHERE_PROCS 16	 /* processes whose maps are kept (the traced one, its children) */

struct where {
	struct {
		pid_t tgid;
		struct sym *sym;
	} procs[WHERE_PROCS]; /* each opened at its first stack */
	int nprocs;
	struct stall_stack *v;
	size_t n, cap;
	uint64_t unnamed; /* unwound or named only in part: the process had gone */
	uint64_t dropped; /* beyond WHERE_MAX, or out of memory */
	char text[SYM_MAX_FRAMES * 160], callers[512]; /* scratch */
};

void where_init(struct where *w);
/* Unwinds, names and keeps ev (a struct as_stack_ev of size bytes). */
void where_add(struct where *w, const void *ev, size_t size);
void where_free(struct where *w);

#endif
