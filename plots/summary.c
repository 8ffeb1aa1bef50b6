#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcsv.h"
#include "schema.h"
#include "summary.h"

double sum_get(const struct sum_row *r, enum sum_field f)
{
	switch (f) {
	case F_RPS: return r->rps;
	case F_P50: return r->p50_ms;
	case F_P99: return r->p99_ms;
	case F_BATCH: return r->batch_ms;
	case F_RSS: return r->rss_kib;
	case F_THREADS: return r->threads;
	case F_CPU_US: return r->target_cpu_us;
	}
	return NAN;
}

double sum_wait_ms(const char *endpoint)
{
	const char *q = strstr(endpoint, "ms=");
	return q ? atof(q + 3) : 0;
}

void sum_path(const char *endpoint, char *out, size_t len)
{
	size_t n = strcspn(endpoint, "?");
	snprintf(out, len, "%.*s", (int)n, endpoint);
}

int sum_lossy(const struct sum_row *r)
{
	/* Any loss: in a closed loop the errors are bounded by the connections, not the
	 * requests, so one starved connection in 32 is a small share of requests but
	 * means the latency of the rest describes only the lucky ones. */
	return !isnan(r->errors) && r->errors > 0;
}

int sum_load_bound(const struct sum_row *r)
{
	return !strcmp(r->bound, "load") || !strcmp(r->bound, "mixed");
}

int sum_has(const struct sum *s, const char *scenario)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->row[i].scenario, scenario))
			return 1;
	return 0;
}

/* What summary.csv may name. Names reach the charts' axes and titles and the
 * report, and a results directory travels: a name outside these rules is not
 * drawn "as well as we can", the file is garbled and said so with its line.
 * Quoting alone would make a hostile name harmless, but a name no matrix could
 * have written means the file is not what it claims to be.
 *   scenario, target: letters, digits and . _ + - (ours are lowercase words; a
 *     merged or hand-made summary may add "nginx-1.25"), 1 to 23 bytes;
 *   endpoint: a path and query as bench sends them, '/' first;
 *   dir: relative, below the matrix, no "..": the report embeds the cell's
 *     timeline.png and quotes its stderr.txt, which must not be any file. */
static int name_ok(const char *s, const char *extra, size_t max)
{
	size_t n = strlen(s);
	if (n >= max)
		return 0;
	for (; *s; s++)
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') &&
		    !(*s >= '0' && *s <= '9') && !strchr(extra, *s))
			return 0;
	return 1;
}

/* r only sizes the fields it will be copied into. */
static int field_ok(const struct sum_row *r, int col, const char *v)
{
	switch (col) {
	case SUMCOL_SCENARIO:
	case SUMCOL_TARGET: return v[0] && name_ok(v, "._+-", sizeof(r->target));
	case SUMCOL_ENDPOINT: return v[0] == '/' && name_ok(v, "/?=&%._~+,:-", sizeof(r->endpoint));
	case SUMCOL_DIR:
		return !v[0] ||
		       (v[0] != '/' && !strstr(v, "..") && name_ok(v, "/._+-", sizeof(r->dir)));
	case SUMCOL_BOUND:
		return !v[0] || !strcmp(v, "target") || !strcmp(v, "load") || !strcmp(v, "mixed") ||
		       !strcmp(v, "rate");
	}
	return 1;
}

static int num(const char *f, double *v)
{
	int rc = pcsv_dbl(f, v);
	if (rc == -ENODATA) {
		*v = NAN;
		return 0;
	}
	return rc;
}

static void add_target(struct sum *s, const char *t)
{
	for (int i = 0; i < s->ntarget; i++)
		if (!strcmp(s->target[i], t))
			return;
	if (s->ntarget < 8)
		snprintf(s->target[s->ntarget++], sizeof(s->target[0]), "%s", t);
}

/* Ours in the schema's order (the models' story), then any other. */
static int target_rank(const char *t)
{
	const struct schema_target *k = schema_target_find(t);
	return k ? (int)(k - schema_targets) : schema_ntargets();
}

int sum_load(struct sum *s, const char *path)
{
	const struct schema_csv *sc = &schema_summary;
	struct pcsv c;
	size_t cap = 0;
	memset(s, 0, sizeof(*s));
	int rc = pcsv_open(&c, path, sc->cols, sc->ncols,
			   1u << SUMCOL_SCENARIO | 1u << SUMCOL_TARGET | 1u << SUMCOL_ENDPOINT |
			       1u << SUMCOL_STATUS);
	if (rc)
		return rc;
	while ((rc = pcsv_next(&c)) > 0) {
		if (s->n == cap) {
			cap = cap ? cap * 2 : 64;
			void *p = realloc(s->row, cap * sizeof(*s->row));
			if (!p) {
				rc = -ENOMEM;
				goto out;
			}
			s->row = p;
		}
		struct sum_row *r = &s->row[s->n];
		memset(r, 0, sizeof(*r));
		static const int names[] = { SUMCOL_SCENARIO, SUMCOL_TARGET, SUMCOL_ENDPOINT,
					     SUMCOL_DIR, SUMCOL_BOUND };
		for (int i = 0; i < 5; i++)
			if (!field_ok(r, names[i], pcsv_get(&c, names[i]))) {
				rc = pcsv_bad(&c, names[i]);
				goto out;
			}
		snprintf(r->scenario, sizeof(r->scenario), "%s", pcsv_get(&c, SUMCOL_SCENARIO));
		snprintf(r->target, sizeof(r->target), "%s", pcsv_get(&c, SUMCOL_TARGET));
		snprintf(r->endpoint, sizeof(r->endpoint), "%s", pcsv_get(&c, SUMCOL_ENDPOINT));
		snprintf(r->status, sizeof(r->status), "%s", pcsv_get(&c, SUMCOL_STATUS));
		snprintf(r->dir, sizeof(r->dir), "%s", pcsv_get(&c, SUMCOL_DIR));
		snprintf(r->bound, sizeof(r->bound), "%s", pcsv_get(&c, SUMCOL_BOUND));
		double *v[] = { &r->concurrency, &r->requests, &r->ok,	    &r->errors,
				&r->duration_s,	 &r->rps,      &r->p50_ms,  &r->p99_ms,
				&r->max_ms,	 &r->batch_ms, &r->rss_kib, &r->threads,
				&r->cpu_s };
		/* The numeric columns, concurrency to cpu_s, in the schema's order. */
		for (int i = 0; i < 13; i++)
			if (num(pcsv_get(&c, SUMCOL_CONCURRENCY + i), v[i])) {
				rc = pcsv_bad(&c, SUMCOL_CONCURRENCY + i);
				goto out;
			}
		/* Then each side's figures, target_cpus to load_cpu_us_per_request. */
		double *w[] = { &r->target_cpus, &r->target_busy, &r->target_cpu_us,
				&r->load_cpus,	 &r->load_busy,	  &r->load_cpu_us };
		for (int i = 0; i < 6; i++)
			if (num(pcsv_get(&c, SUMCOL_TARGET_CPUS + i), w[i])) {
				rc = pcsv_bad(&c, SUMCOL_TARGET_CPUS + i);
				goto out;
			}
		r->failed = strcmp(r->status, "ok") != 0;
		s->n++;
	}
	/* Targets in the models' order, whatever order the matrix ran them in. */
	for (int k = 0; k <= schema_ntargets(); k++)
		for (size_t i = 0; i < s->n; i++)
			if (target_rank(s->row[i].target) == k)
				add_target(s, s->row[i].target);
out:
	pcsv_close(&c);
	if (rc)
		sum_free(s);
	return rc;
}

void sum_free(struct sum *s)
{
	free(s->row);
	memset(s, 0, sizeof(*s));
}
