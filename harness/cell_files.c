#include "cell_files.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cpuset.h"
#include "files.h"
#include "json.h"
#include "load_report.h"
#include "meta.h"
#include "perfetto.h"
#include "schema.h"
#include "trace_out.h"

static const char *mode_name(enum load_mode m)
{
	return m == LOAD_BURST	? META_MODE_BURST
	       : m == LOAD_OPEN ? META_MODE_OPEN
				: META_MODE_CLOSED;
}

int cell_write_meta(const struct run_cell *c, const struct run_outcome *o, const char *url,
		    pid_t target_pid, uint64_t t0)
{
	struct meta m;
	int err = meta_create(&m, c->dir, "bench run", t0);
	if (err)
		return err;
	const struct load_config *l = &c->load;
	meta_str(&m, META_TARGET, c->target);
	meta_str(&m, META_ENDPOINT, c->endpoint);
	meta_str(&m, META_SCENARIO, c->scenario ? c->scenario : "run");
	meta_str(&m, META_URL, url);
	meta_strs(&m, META_TARGET_ARGS, c->target_args);
	meta_int(&m, META_TARGET_PID, target_pid);
	meta_object(&m, META_LOAD);
	meta_str(&m, META_LOAD_MODE, mode_name(l->mode));
	meta_int(&m, META_LOAD_CONNS, l->connections);
	meta_int(&m, META_LOAD_THREADS, l->threads);
	meta_u64(&m, META_LOAD_REQUESTS, l->requests);
	meta_num(&m, META_LOAD_DURATION, (double)l->duration_ns / 1e9);
	meta_num(&m, META_LOAD_RATE_FROM, l->rate_from);
	meta_num(&m, META_LOAD_RATE_TO, l->rate_to);
	meta_bool(&m, META_LOAD_NEW_CONN, l->new_conn);
	meta_u64(&m, META_LOAD_MARK_EVERY, load_mark_every(l));
	meta_end(&m);
	meta_bool(&m, META_TRACED, o->traced);
	meta_str(&m, META_TRACE_NOTE, o->trace_note);
	meta_u64(&m, META_T0, t0);
	if (o->traced && o->stall_ns) { /* as bench trace --out says them */
		meta_num(&m, META_STALL_MS, (double)o->stall_ns / 1e6);
		meta_u64(&m, META_LOOPS, o->loops);
		meta_u64(&m, META_STALLS, o->stalls);
	}
	if (c->cpus) {
		meta_cpus(&m, c->cpus->pinned, &c->cpus->target, &c->cpus->load, &c->cpus->usable);
	} else {
		cpu_set_t all;
		cpuset_usable(&all);
		meta_cpus(&m, 0, &all, &all, &all);
	}
	return meta_commit(&m, 0);
}

/* A number, or null when there is none. */
static void num_or_null(FILE *f, const char *fmt, double v)
{
	if (isfinite(v))
		fprintf(f, fmt, v);
	else
		fputs("null", f);
}

static void side(FILE *f, const struct bound_side *s, int known)
{
	if (!known) {
		fputs("\"cpus\": null, \"busy\": null, \"waiting\": null, "
		      "\"cpu_us_per_request\": null",
		      f);
		return;
	}
	fprintf(f, "\"cpus\": %d, \"busy\": %.3f, \"waiting\": %.3f, \"cpu_us_per_request\": ",
		s->cpus, s->busy, s->waiting);
	num_or_null(f, "%.2f", s->cpu_us_per_request);
}

/* The end of target_process, then load_process, bound and bound_why (bound.h);
 * nulls when the load did not run to its end. */
static void write_bound(FILE *f, const struct run_outcome *o)
{
	int known = o->bound_known && !o->failed;
	const struct bound *b = &o->bound;
	fputs(", ", f);
	side(f, &b->target, known);
	fputs("},\n  \"load_process\": {\"cpu_s\": ", f);
	num_or_null(f, "%.3f", known ? b->load.cpu_s : NAN);
	fputs(", ", f);
	side(f, &b->load, known);
	fputs("},\n  \"bound\": ", f);
	if (known) {
		json_str(f, bound_name(b->kind));
		fputs(",\n  \"bound_why\": ", f);
		json_str(f, b->why);
	} else {
		fputs("null,\n  \"bound_why\": null", f);
	}
	fputs(",\n", f);
}

int cell_write_summary(const struct run_cell *c, const struct load_config *cfg,
		       const struct run_outcome *o)
{
	char path[PATH_MAX];
	if (files_join(path, sizeof(path), c->dir, SCHEMA_SUMMARY_JSON))
		return -ENAMETOOLONG;
	FILE *f = files_create(path);
	if (!f)
		return -errno;
	fputs("{\n  \"status\": ", f);
	json_str(f, run_status(o));
	fputs(",\n  \"reason\": ", f);
	json_str(f, o->reason);
	fputs(",\n  \"target\": ", f);
	json_str(f, c->target);
	fputs(",\n  \"endpoint\": ", f);
	json_str(f, c->endpoint);
	fputs(",\n  \"load\": ", f);
	/* A load that never ran (the target never listened, the records file could not
	 * be opened) has no numbers at all, which is not the same as zeros. */
	int err = 0;
	if (o->load.lat.corrected)
		err = load_report_json(f, cfg, &o->load);
	else
		fputs("null", f);
	fprintf(f,
		",\n  \"target_process\": {\"cpu_s\": %.3f, \"rss_peak_kib\": %ld, "
		"\"threads_peak\": %d, \"voluntary_switches\": %llu, "
		"\"involuntary_switches\": %llu",
		o->cpu_s, o->rss_peak_kib, o->threads_peak, (unsigned long long)o->vol_switches,
		(unsigned long long)o->invol_switches);
	write_bound(f, o);
	fprintf(f,
		"  \"trace\": {\"traced\": %s, \"events\": %llu, \"lost_events\": %llu, \"note\": ",
		o->traced ? "true" : "false", (unsigned long long)o->events,
		(unsigned long long)o->lost_events);
	json_str(f, o->trace_note);
	/* Client stamps against server marks, request by request (causality.h);
	 * null when there are no marks to join to. */
	if (o->causality_checked)
		fprintf(f, "},\n  \"causality\": {\"joined\": %llu, \"violations\": %llu}\n}\n",
			(unsigned long long)o->causality.joined,
			(unsigned long long)o->causality.violations);
	else
		fputs("},\n  \"causality\": null\n}\n", f);
	return files_commit(f, path, err);
}

/* threads.csv from the state machine's per-thread sums; the other writers
 * take the state machine itself. */
static int write_threads(const struct sm *sm, const char *path)
{
	struct trace_thread_sum *sum = NULL;
	size_t n = 0;
	int err = trace_summarize(sm, &sum, &n);
	if (!err)
		err = trace_write_threads_csv(sum, n, path);
	free(sum);
	return err;
}

int cell_write_trace(const char *dir, const struct sm *sm)
{
	static const struct {
		const char *name;
		int (*write)(const struct sm *, const char *);
	} outs[] = {
		{ SCHEMA_SCHED, trace_write_sched_csv },
		{ SCHEMA_MARKS, trace_write_marks_csv },
		{ SCHEMA_THREADS, write_threads },
	};
	for (size_t i = 0; i < sizeof(outs) / sizeof(outs[0]); i++) {
		char path[PATH_MAX], tmp[PATH_MAX];
		int err = files_join(path, sizeof(path), dir, outs[i].name);
		if (!err)
			err = files_tmp_path(tmp, sizeof(tmp), path);
		if (err)
			return err;
		err = outs[i].write(sm, tmp);
		if (!err)
			err = files_rename_tmp(path);
		if (err) {
			unlink(tmp);
			return err;
		}
	}
	return 0;
}

int cell_write_perfetto(const char *dir)
{
	return perfetto_write_dir(dir, NULL, NULL);
}
