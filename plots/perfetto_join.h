/* The server's marks of each request, gathered by request id for trace.json
 * (perfetto.c): when and on which thread it was read, handed to its handler,
 * waited and answered, and which marks carry a flow arrow. */
#ifndef ASPLOTS_PERFETTO_JOIN_H
#define ASPLOTS_PERFETTO_JOIN_H

#include <stddef.h>
#include <stdint.h>

#include "rundata.h"

enum { PF_FLOW_IN = 1, PF_FLOW_OUT = 2 };

/* One request id's marks, the first of each kind (indexed by enum rd_event). */
struct pf_marks {
	uint64_t id;
	uint64_t t[5];
	uint32_t tid[5];
	size_t idx[5]; /* into rd_run.mark */
	uint8_t has[5];
};

struct pf_join;

/* NULL when out of memory. Marks of request 0 (a client that sent no id) join
 * nothing and are left out. */
struct pf_join *pf_join_new(const struct rd_run *r);
void pf_join_free(struct pf_join *j);

/* The marks of request id, or NULL. */
struct pf_marks *pf_join_find(struct pf_join *j, uint64_t id);
/* Every request id with marks, in id order; NULL after the last. */
struct pf_marks *pf_join_first(struct pf_join *j);
struct pf_marks *pf_join_next(struct pf_join *j, struct pf_marks *m);

/* Asks for a flow end (PF_FLOW_IN, PF_FLOW_OUT) on m's mark of kind ev, and
 * reads back what was asked of mark i of rd_run.mark. */
void pf_join_flow(struct pf_join *j, const struct pf_marks *m, int ev, int flag);
int pf_join_flags(const struct pf_join *j, size_t i);

#endif
