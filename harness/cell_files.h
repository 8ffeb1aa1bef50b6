/* The results files of one cell, written once it has run: meta.json (what ran),
 * summary.json (what came of it), the tracer's sched.csv, marks.csv and
 * threads.csv, and trace.json, which is drawn from all of them. Each is written whole under a temporary name and renamed into
 * place; each returns 0 or the first -errno and prints nothing. */
#ifndef ASYNCSCOPE_CELL_FILES_H
#define ASYNCSCOPE_CELL_FILES_H

#include <stdint.h>
#include <sys/types.h>

#include "run.h"
#include "sched_sm.h"

/* url is what the load was sent to ("" when the target never listened),
 * target_pid 0 when it never started, t0 when the load began (or the cell did,
 * when the load never ran). */
int cell_write_meta(const struct run_cell *c, const struct run_outcome *o, const char *url,
		    pid_t target_pid, uint64_t t0);

/* cfg is the load as it ran; a load that never ran is "load": null. */
int cell_write_summary(const struct run_cell *c, const struct load_config *cfg,
		       const struct run_outcome *o);

int cell_write_trace(const char *dir, const struct sm *sm);

/* trace.json (plots/perfetto.h) from the files of dir: call it once
 * requests.csv, the tracer's files and meta.json are in place. */
int cell_write_perfetto(const char *dir);

#endif
