/* summary.csv of a matrix (bench all): one row per cell, read into memory, and
 * the small questions the charts and the report ask of it. */
#ifndef ASPLOTS_SUMMARY_H
#define ASPLOTS_SUMMARY_H

#include <stddef.h>

struct sum_row {
	char scenario[24], target[24], endpoint[96], status[256], dir[256];
	double concurrency, requests, ok, errors, duration_s, rps, p50_ms, p99_ms, max_ms, batch_ms,
	    rss_kib, threads, cpu_s; /* NAN when empty */
	/* Each side's CPUs, busy fraction (0-1) and CPU µs per request over the
	 * measured window; NAN when empty (a failed cell, an older summary.csv). */
	double target_cpus, target_busy, target_cpu_us, load_cpus, load_busy, load_cpu_us;
	char bound[8]; /* "target", "load", "mixed", "rate", or "" when unknown */
	int failed;    /* status is not "ok" */
};

struct sum {
	struct sum_row *row;
	size_t n;
	char target[8][24]; /* targets in a fixed order (the models', then others) */
	int ntarget;
};

enum sum_field { F_RPS, F_P50, F_P99, F_BATCH, F_RSS, F_THREADS, F_CPU_US };
double sum_get(const struct sum_row *r, enum sum_field f);

/* -ENOENT, -EBADMSG (a missing column, a non-number), -ENOMEM. */
int sum_load(struct sum *s, const char *path);
void sum_free(struct sum *s);

/* More than 1% of the cell's requests failed: its latencies are of the
 * survivors only, so charts and sentences leave them out. */
int sum_lossy(const struct sum_row *r);

/* The load generator was the limit, alone ("load") or with the target ("mixed"):
 * the cell's req/s measures the generator at least as much as the target, so
 * charts mark it and sentences never rank it by req/s. */
int sum_load_bound(const struct sum_row *r);

int sum_has(const struct sum *s, const char *scenario);

/* The N of "ms=N" in an endpoint, or 0. */
double sum_wait_ms(const char *endpoint);

/* The endpoint's path without its query: "/sync?ms=1000" -> "/sync". */
void sum_path(const char *endpoint, char *out, size_t len);

#endif
