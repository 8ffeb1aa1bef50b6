/* What bench merge and bench plot --client --server share (merge_cmd.c). */
#ifndef ASYNCSCOPE_MERGE_H
#define ASYNCSCOPE_MERGE_H

#include <stddef.h>
#include <stdint.h>

#define MERGE_MAX 256 /* inputs; a Job of more pods merges in two steps */

struct merge_input {
	const char *dir; /* what bench load --out wrote */
	int64_t shift;	 /* added to each of its t_* */
};

/* out/requests.csv (every input's rows, shifted), out/summary.json and
 * out/latency.hlog (added exactly), the text summary on stdout. 0 or -errno with
 * a line in why. */
int merge_load(const char *out, const struct merge_input *in, int n, char *why, size_t wl);

/* out/timeline.png, .svg and trace.json; says what failed. 0 or 1. */
int merge_draw(const char *cmd, const char *out);

#endif
