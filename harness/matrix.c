#include "matrix.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"

const struct scenario matrix_scenarios[] = {
	{ "blog", "the original experiment: /sync, /async, /wrong, N at once, on every target" },
	{ "throughput", "/hello, closed loop at rising connection counts" },
	{ "io-bound", "/async?ms=50 at rising concurrency: throughput, p99, memory, threads" },
	{ "cpu-bound", "/cpu?us=500 at rising connections: where async does not help" },
	{ 0 },
};

/* Is name in the comma list (NULL: everything is)? */
static int listed(const char *list, const char *name)
{
	if (!list)
		return 1;
	size_t len = strlen(name);
	for (const char *p = list; *p;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == len && !strncmp(p, name, n))
			return 1;
		p += n + (e ? 1 : 0);
	}
	return 0;
}

/* Every name in list must be one of names[]. */
static int check_list(const char *list, const char *const *names, const char *what, char *err,
		      size_t errlen)
{
	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		int found = 0;
		for (const char *const *k = names; *k; k++)
			found |= strlen(*k) == n && !strncmp(*k, p, n);
		if (!found) {
			snprintf(err, errlen, "unknown %s '%.*s'", what, (int)n, p);
			return -EINVAL;
		}
		p += n + (e ? 1 : 0);
	}
	return 0;
}

struct plan {
	struct matrix_cell *cells;
	size_t n, cap;
};

static int add(struct plan *p, const char *scenario, const char *target, const char *endpoint,
	       int conc, int burst, int trace, double secs, const char *label)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct matrix_cell *c = realloc(p->cells, cap * sizeof(*c));
		if (!c)
			return -ENOMEM;
		p->cells = c;
		p->cap = cap;
	}
	struct matrix_cell *c = &p->cells[p->n++];
	memset(c, 0, sizeof(*c));
	c->scenario = scenario;
	c->target = target;
	snprintf(c->endpoint, sizeof(c->endpoint), "%s", endpoint);
	c->concurrency = conc;
	c->burst = burst;
	c->trace = trace;
	c->secs = secs;
	snprintf(c->dir, sizeof(c->dir), "%s/%s-%s", scenario, target, label);
	return 0;
}

int matrix_plan(const struct matrix_opts *o, struct matrix_cell **cells, size_t *n, char *err,
		size_t errlen)
{
	const char *tnames[16], *snames[8];
	size_t nt = 0, ns = 0;
	for (const struct schema_target *t = schema_targets; t->name && nt < 15; t++)
		tnames[nt++] = t->name;
	tnames[nt] = NULL;
	for (const struct scenario *s = matrix_scenarios; s->name && ns < 7; s++)
		snames[ns++] = s->name;
	snames[ns] = NULL;
	if (check_list(o->targets, tnames, "target", err, errlen) ||
	    check_list(o->scenarios, snames, "scenario", err, errlen))
		return -EINVAL;

	/* Sizes: the default run fits in about 5 minutes on 2 cores, --quick in one. */
	int blog_n = o->quick ? 5 : 10, blog_ms = o->quick ? 200 : 1000;
	double secs = o->quick ? 0.5 : 2;
	static const int thr_quick[] = { 1, 32, 0 }, thr_def[] = { 1, 8, 64, 256, 0 };
	static const int io_quick[] = { 10, 100, 0 }, io_def[] = { 10, 100, 1000, 0 },
			 io_full[] = { 10, 100, 1000, 10000, 0 };
	static const int cpu_quick[] = { 1, 4, 0 }, cpu_def[] = { 1, 4, 16, 0 };

	/* Traced: the blog cells, and io-bound's (a thousand threads, or one loop,
	 * holding the requests), which the default run has time for (about 1.4 s a
	 * cell to load the tracer and write its files) and --quick has not.
	 * Throughput and cpu-bound stay untraced: their numbers carry no tracer. */
	int io_trace = !o->quick;
	struct plan p = { 0 };
	int rc = 0;
	char ep[64], label[64];
	for (const struct scenario *s = matrix_scenarios; s->name && !rc; s++) {
		if (!listed(o->scenarios, s->name))
			continue;
		for (const struct schema_target *t = schema_targets; t->name && !rc; t++) {
			if (!listed(o->targets, t->name))
				continue;
			/* The Python original is part of the experiment it comes from only. */
			int fastapi = !strcmp(t->name, "fastapi");
			if (!strcmp(s->name, "blog")) {
				static const char *const eps[] = { "sync", "async", "wrong" };
				for (int i = 0; i < 3 && !rc; i++) {
					snprintf(ep, sizeof(ep), "/%s?ms=%d", eps[i], blog_ms);
					rc = add(&p, s->name, t->name, ep, blog_n, 1, 1, 0, eps[i]);
				}
				continue;
			}
			if (fastapi)
				continue;
			const int *levels =
			    !strcmp(s->name, "throughput") ? (o->quick ? thr_quick : thr_def)
			    : !strcmp(s->name, "io-bound") ? (o->quick	? io_quick
							      : o->full ? io_full
									: io_def)
							   : (o->quick ? cpu_quick : cpu_def);
			const char *path = !strcmp(s->name, "throughput") ? "/hello"
					   : !strcmp(s->name, "io-bound") ? "/async?ms=50"
									  : "/cpu?us=500";
			for (const int *c = levels; *c && !rc; c++) {
				snprintf(label, sizeof(label), "c%d", *c);
				rc = add(&p, s->name, t->name, path, *c, 0,
					 io_trace && !strcmp(s->name, "io-bound"), secs, label);
			}
		}
	}
	if (rc) {
		free(p.cells);
		return rc;
	}
	*cells = p.cells;
	*n = p.n;
	return 0;
}
