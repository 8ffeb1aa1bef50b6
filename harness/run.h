/* One cell of a comparison: a target started on port 0, the tracer attached to it,
 * a load driven against one endpoint, everything stopped again, and the results
 * directory written (meta.json, requests.csv, sched.csv, marks.csv, summary.json,
 * trace.json, timeline.png/.svg, stderr.txt).
 *
 * Every exit path stops the load, detaches the tracer and stops and reaps the
 * target. A target that is missing, crashes, never becomes ready, or outlives its
 * time is a failed cell, not an error of the caller: its summary.json says status
 * "failed" and the reason, with "load": null when the load never ran, next to a
 * meta.json saying what was tried. */
#ifndef ASYNCSCOPE_RUN_H
#define ASYNCSCOPE_RUN_H

#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bound.h"
#include "causality.h"
#include "cliopt.h"
#include "load.h"

/* How long a target may take to write its port, unless the cell says otherwise:
 * fastapi imports for about a second, and a sanitizer build is slow to start. A
 * string as --ready-timeout takes it, so that the usage texts say it too. */
#define RUN_READY_TIMEOUT "15s"

/* Where the two sides of a cell run. Isolated (pinned), the target gets its set
 * before exec, and the load generator, which is load_run on this process's
 * threads, gets its set on the thread that runs the load (its threads inherit it)
 * until the load ends. Not pinned, both run on every CPU bench may use. */
struct run_cpus {
	int pinned;
	cpu_set_t usable; /* bench's affinity when the sets were chosen */
	cpu_set_t target, load; /* when not pinned: usable, both */
};

/* --target-cpus, --load-cpus and --no-pin, for bench run and bench all alike. */
extern const struct cliopt run_cpus_table[];
struct run_cpus_opts {
	const char *target, *load; /* cpulists as given, or NULL */
	int no_pin;
};
/* 1 when key is one of run_cpus_table's (arg taken into o), 0 when it is not. */
int run_cpus_opt(struct run_cpus_opts *o, int key, const char *arg);
/* The sets from the options: the default split (cpuset_split) where none is
 * given; one given, the other side gets the rest of the usable CPUs. 0; 1 when
 * they overlap, with a warning in msg; -EINVAL with the reason in msg (not a
 * cpulist, a CPU bench may not use, --no-pin with a list). */
int run_cpus_resolve(const struct run_cpus_opts *o, struct run_cpus *c, char *msg, size_t len);

struct run_cell {
	const char *target;	  /* a schema target: epoll, fastapi, ... */
	char *const *target_args; /* extra flags for the target, NULL-terminated, or NULL;
				   * any number of them */
	const char *endpoint;	  /* "/async?ms=1000" */
	struct load_config load;  /* everything but url and records_path, which run sets */
	int trace;		  /* attach the tracer when privileged */
	int plot;		  /* draw timeline.png/.svg */
	const char *dir;	  /* results directory; created */
	const char *scenario;	  /* for meta.json; may be NULL */
	int ready_timeout_ms;	  /* for the target's port; 0: RUN_READY_TIMEOUT */
	const struct run_cpus *cpus; /* NULL: not pinned */
	uint64_t stall_ns;	     /* stalls.csv's threshold; 0: RUN_STALL_DEFAULT */
};

struct run_outcome {
	int failed;
	/* The target cannot run on this machine (it said so: SCHEMA_UNSUPPORTED); set
	 * with failed, so nothing else of the cell runs, but not counted as a failure. */
	int unsupported;
	/* Ran, but requests were never answered (load.unserved): its latencies are
	 * lower bounds. Neither ok nor failed; never set with failed. */
	int degraded;
	char reason[1024];    /* when failed: what happened, then the target's last stderr
			       * lines; when degraded: how many went unserved */
	int traced;	      /* kernel lanes were recorded */
	char trace_note[256]; /* why not, when not */
	char plot_note[512];  /* why the timeline could not be drawn, when it could not */
	struct load_result load;
	long rss_peak_kib;
	int threads_peak;
	double cpu_s; /* target user+system time during the load */
	/* Both sides' CPU over the load's window and who set the pace; known when
	 * the load ran. */
	int bound_known;
	struct bound bound;
	uint64_t vol_switches, invol_switches; /* the tracer's when traced, else /proc's */
	uint64_t events, lost_events;
	int causality_checked; /* traced, and requests.csv joined to marks.csv */
	/* Traced: the event loops' verdict in words (stalls.h), "" when untraced;
	 * cut short if very long. */
	char stall_verdict[2048];
	/* Traced: stalls.csv's threshold, the loops found and their stalls, for
	 * meta.json (stall_ms, loops, stalls). */
	uint64_t stall_ns, loops, stalls;
	struct causality causality;
};

/* Runs the cell. 0 when it ran (the outcome says whether it failed), or a negative
 * errno when nothing could start (results directory not writable, ...). The
 * caller frees outcome->load with load_result_free. */
int run_cell(const struct run_cell *cell, struct run_outcome *out);

/* The cell's status as summary.json and summary.csv name it: "unsupported",
 * "failed", "degraded" or "ok". */
const char *run_status(const struct run_outcome *o);

/* --ready-timeout's value ("500ms", "2s", "2") into *ms: 0, or -EINVAL unless it is
 * a duration from 1 ms to 10 minutes. */
int run_parse_ready_timeout(const char *s, int *ms);

/* The default of --stall-ms, as bench trace and bench run say it. */
#define RUN_STALL_DEFAULT "100"

/* --stall-ms's value into *ns: a bare number is milliseconds, as the option's
 * name says; anything else is a duration ("250ms", "1.5s"). 0, or -EINVAL
 * unless from 1 ms to an hour. */
int run_parse_stall(const char *s, uint64_t *ns);

/* Asks a running cell to stop early (Ctrl-C); async-signal-safe. */
void run_interrupt(void);
int run_interrupted(void);

/* Now as "2026-11-24T04:29:41Z" (iso, as meta.json has it) or "20261124-052941"
 * (local time, for directory names). */
void run_stamp(char *buf, size_t len, int iso);

#endif
