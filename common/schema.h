/* The results directory, defined once (DESIGN.md, "Results directory"): its file
 * names, the columns of each CSV file, the names of states and marks, the target
 * and endpoint lists, and the keys of meta.json. Every writer and every reader
 * takes them from here, so a new column, state, probe or target is one change
 * here plus its implementation. */
#ifndef ASYNCSCOPE_SCHEMA_H
#define ASYNCSCOPE_SCHEMA_H

#include <stddef.h>

#include "schema_ids.h"

/* ---- files of one run (a cell) and of a matrix ---- */
#define SCHEMA_META	    "meta.json"
#define SCHEMA_REQUESTS	    "requests.csv"
#define SCHEMA_SCHED	    "sched.csv"
#define SCHEMA_MARKS	    "marks.csv"
#define SCHEMA_THREADS	    "threads.csv"
#define SCHEMA_STALLS	    "stalls.csv"
#define SCHEMA_STALLS_TXT   "stalls.txt" /* the stall verdict in words, as printed */
#define SCHEMA_SUMMARY_JSON "summary.json"
#define SCHEMA_TRACE_JSON   "trace.json"
#define SCHEMA_STDERR	    "stderr.txt"
#define SCHEMA_TIMELINE_PNG "timeline.png"
#define SCHEMA_TIMELINE_SVG "timeline.svg"
#define SCHEMA_SUMMARY_CSV  "summary.csv" /* a matrix: one row per cell */
#define SCHEMA_REPORT_HTML  "report.html"
#define SCHEMA_REPORT_MD    "report.md"
/* HdrHistogram interval log of the latency (load/hdrlog.h): what bench merge adds */
#define SCHEMA_LATENCY_HLOG "latency.hlog"

/* ---- CSV files: name and columns, in order ---- */
struct schema_csv {
	const char *file;
	const char *const *cols;
	int ncols;
};
extern const struct schema_csv schema_requests, schema_sched, schema_marks, schema_summary;
extern const struct schema_csv schema_threads; /* threads.csv: the tracer's per-thread totals */
extern const struct schema_csv schema_stalls;  /* stalls.csv: event-loop stalls (bpf/stalls.h) */

/* Column indexes: a reader passes c.cols to the CSV reader and asks by these. */
enum {
	REQCOL_ID,
	REQCOL_THREAD,
	REQCOL_CONN,
	REQCOL_T_INTENDED,
	REQCOL_T_START,
	REQCOL_T_CONNECTED,
	REQCOL_T_FIRST_BYTE,
	REQCOL_T_END,
	REQCOL_STATUS,
	REQCOL_BYTES,
	REQCOL_ERROR,
	REQCOL_SAMPLED, /* 1: the request's traceparent asked for server marks */
	REQCOL_N
};
enum {
	SCHEDCOL_TID,
	SCHEDCOL_COMM,
	SCHEDCOL_STATE,
	SCHEDCOL_T_START,
	SCHEDCOL_T_END,
	SCHEDCOL_CPU,
	SCHEDCOL_SYSCALL,
	SCHEDCOL_N
};
enum { MARKCOL_TID, MARKCOL_REQUEST_ID, MARKCOL_EVENT, MARKCOL_T, MARKCOL_N };
enum {
	THRCOL_TID,
	THRCOL_TGID,
	THRCOL_COMM,
	THRCOL_CPU_NS,
	THRCOL_RUNNING_NS,
	THRCOL_RUNNABLE_NS,
	THRCOL_SLEEPING_NS,
	THRCOL_BLOCKED_NS,
	THRCOL_UNKNOWN_NS,
	THRCOL_VOLUNTARY,
	THRCOL_INVOLUNTARY,
	THRCOL_MIGRATIONS,
	THRCOL_RQ_N,
	THRCOL_RQ_P50_NS,
	THRCOL_RQ_P99_NS,
	THRCOL_RQ_MAX_NS,
	THRCOL_N
};
enum {
	STALLCOL_TID,
	STALLCOL_COMM,
	STALLCOL_T_START,
	STALLCOL_T_END,
	STALLCOL_DURATION_NS,
	STALLCOL_CAUSE, /* a state name: running, runnable, sleeping or blocked */
	STALLCOL_SYSCALL,
	STALLCOL_RUNNING_NS,
	STALLCOL_RUNNABLE_NS,
	STALLCOL_SLEEPING_NS,
	STALLCOL_BLOCKED_NS,
	STALLCOL_READY,		   /* -1 unknown; else a lower bound */
	STALLCOL_REQUESTS_WAITING, /* empty outside bench run */
	STALLCOL_STACK,		   /* frames innermost first, ';'-separated */
	STALLCOL_N
};
enum {
	SUMCOL_SCENARIO,
	SUMCOL_TARGET,
	SUMCOL_ENDPOINT,
	SUMCOL_CONCURRENCY,
	SUMCOL_REQUESTS,
	SUMCOL_OK,
	SUMCOL_ERRORS,
	SUMCOL_DURATION_S,
	SUMCOL_RPS,
	SUMCOL_P50_MS,
	SUMCOL_P99_MS,
	SUMCOL_MAX_MS,
	SUMCOL_BATCH_MS,
	SUMCOL_RSS_KIB,
	SUMCOL_THREADS,
	SUMCOL_CPU_S,
	/* Who set the pace (bound.h): each side's CPUs, busy fraction and CPU per
	 * request, then the verdict; empty when unknown. */
	SUMCOL_TARGET_CPUS,
	SUMCOL_TARGET_BUSY,
	SUMCOL_TARGET_CPU_US,
	SUMCOL_LOAD_CPUS,
	SUMCOL_LOAD_BUSY,
	SUMCOL_LOAD_CPU_US,
	SUMCOL_BOUND,
	SUMCOL_STATUS,
	SUMCOL_DIR,
	SUMCOL_N
};

/* The header line of c, newline included, into buf. Its length, or -ENAMETOOLONG
 * when it does not fit. */
int schema_csv_header(char *buf, size_t len, const struct schema_csv *c);

/* ---- names ---- */
const char *schema_state_name(int state); /* "?" out of range */
int schema_state_parse(const char *s);	  /* enum as_state, or -1 */
const char *schema_mark_name(int mark);	  /* "unknown" out of range */
int schema_mark_parse(const char *s);	  /* enum as_mark, or -1 */

/* ---- what there is to run ---- */
struct schema_target {
	const char *name;
	const char *how;   /* one line: how it schedules */
	/* its own options, a knob written as the usage writes it ("--threads N"):
	 * target_opts.c reads from here which knobs a target takes */
	const char *knobs;
	unsigned colour;   /* 0xRRGGBB, the same in every chart */
};
struct schema_endpoint {
	const char *path; /* "/sync?ms=N" */
	const char *meaning;
};
/* A target that cannot run on this machine (uring where io_uring is disabled)
 * exits 2 before its port, having written "target-NAME: unsupported: why" to
 * stderr; bench marks its cells with this status instead of "failed". */
#define SCHEMA_UNSUPPORTED "unsupported"
extern const struct schema_target schema_targets[]; /* ends with a NULL name */
extern const struct schema_endpoint schema_endpoints[];

const struct schema_target *schema_target_find(const char *name);
int schema_ntargets(void);
/* The endpoint a request path like "/sync?ms=100" is (its path before the '?'),
 * or NULL. The values are the target's to check: a bad one gets 400. */
const struct schema_endpoint *schema_endpoint_find(const char *path);
/* A colour for any target name: its own when it is ours, else one from its name. */
unsigned schema_colour(const char *target);

/* ---- meta.json: its keys, for the writer (meta.h) and readers (plots) ----
 * Every meta.json has the first two groups; the rest belong to one tool. */
#define META_TOOL	 "tool"	    /* "bench run" (any cell), "bench trace", "bench all" */
#define META_STARTED	 "started"  /* ISO 8601 UTC, when the measured part began */
#define META_FINISHED	 "finished" /* ISO 8601 UTC, when meta.json was written */
/* the machine block, written by meta_commit */
#define META_KERNEL	 "kernel"
#define META_ARCH	 "arch"
#define META_CPU	 "cpu"
#define META_NCPU	 "ncpu"
#define META_MEMORY	 "memory_mib"
#define META_VERSIONS	 "versions" /* object: the three below */
#define META_VERSION	 "asyncscope"
#define META_LIBCURL	 "libcurl"
#define META_LIBBPF	 "libbpf"
#define META_CLOCK	 "clock" /* "CLOCK_MONOTONIC ns": every t_* in the files */
/* A directory joined across hosts (bench plot --client --server) has "clock" as
 * an object instead: the source, and the client's offset onto the server's clock
 * (plots/clockjoin.h), the first client's at the top, every client's in "clients". */
#define META_CLOCK_SOURCE      "source"	     /* "CLOCK_MONOTONIC ns" of the server */
#define META_CLOCK_OFFSET      "offset_ns"	     /* add to a client time: the server's */
#define META_CLOCK_UNCERTAINTY "uncertainty_ns" /* half the width of the bound */
#define META_CLOCK_JOINED      "joined"	     /* requests that bound it */
#define META_CLOCK_CONSISTENT  "consistent"     /* false: the bounds do not intersect */
#define META_CLOCK_DRIFT       "drift_ppm"      /* null when not estimable */
#define META_CLOCK_DRIFT_UNC   "drift_uncertainty_ppm"
#define META_CLOCK_CLIENTS     "clients"	     /* array, one object per client DIR */
#define META_CLOCK_DIR	       "dir"
#define META_MERGED	       "merged" /* bench merge: the input directories */
#define META_SERVER	       "server" /* bench plot --server: the trace directory */
/* a cell (bench run, a cell of bench all) */
#define META_TARGET	 "target"
#define META_ENDPOINT	 "endpoint"
#define META_SCENARIO	 "scenario"
#define META_URL	 "url"
#define META_TARGET_ARGS "target_args" /* array of strings */
#define META_TARGET_PID	 "target_pid"  /* 0 when the target never started */
#define META_LOAD	 "load" /* object: the LOAD_* keys below */
#define META_LOAD_MODE	 "mode" /* one of the three below */
/* The load engine's three models (load.h), as meta.json's load.mode and
 * summary.json's config.mode say them */
#define META_MODE_CLOSED "closed"
#define META_MODE_BURST	 "burst"
#define META_MODE_OPEN	 "open"
#define META_LOAD_CONNS	 "connections"
#define META_LOAD_THREADS "threads"
#define META_LOAD_REQUESTS "requests"
#define META_LOAD_DURATION "duration_s"
#define META_LOAD_RATE_FROM "rate_from"
#define META_LOAD_RATE_TO "rate_to"
#define META_LOAD_NEW_CONN "new_conn"
#define META_LOAD_MARK_EVERY "mark_every" /* the target marks 1 in N requests (load.h) */
#define META_TRACED	 "traced"
#define META_TRACE_NOTE	 "trace_note"
#define META_T0		 "t0" /* CLOCK_MONOTONIC ns when the load began */
#define META_CPUS	 "cpus" /* object: the CPUS_* keys below (meta_cpus) */
#define META_CPUS_PINNED "pinned" /* false: both sides shared every CPU */
#define META_CPUS_TARGET "target" /* cpulist, "1" or "2-7" */
#define META_CPUS_LOAD	 "load"	  /* cpulist of the load generator */
#define META_CPUS_USABLE "usable" /* cpulist bench might use (its affinity) */
#define META_CPUS_ONLINE "online" /* cpulist the kernel has online */
/* bench trace */
#define META_COMMAND	 "command" /* array: -- CMD ARGS */
#define META_PID	 "pid"
#define META_T_START	 "t_start"
#define META_T_STOP	 "t_stop"
#define META_DURATION	 "duration_s"
#define META_TRACEPOINTS "tracepoints" /* "tp_btf" or "raw_tp" */
#define META_SYSCALLS	 "syscalls"
#define META_EVENTS	 "events"
#define META_LOST_EVENTS "lost_events"
#define META_LATE_EVENTS "late_events"
#define META_THREADS	 "threads"
#define META_MARKS	 "marks"
#define META_USDT_PROBES "usdt_probes"
#define META_WAIT_SYSCALLS "wait_syscalls" /* event-wait syscalls hooked to find loops */
#define META_STALL_MS	 "stall_ms"	 /* the stall threshold (stalls.csv) */
#define META_LOOPS	 "loops"	 /* event-loop threads found */
#define META_STALLS	 "stalls"	 /* rows of stalls.csv */
#define META_BPF_PROGRAMS "bpf_programs" /* array of {name, run_time_ns, run_cnt} */
#define META_BPF_NAME	 "name"
#define META_BPF_RUN_NS	 "run_time_ns"
#define META_BPF_RUN_CNT "run_cnt"
#define META_EXIT_STATUS "exit_status" /* the command's, as a shell reports it */
/* bench all's matrix */
#define META_QUICK	 "quick"
#define META_FULL	 "full"
#define META_TARGETS	 "targets"
#define META_SCENARIOS	 "scenarios"
#define META_CELLS	 "cells"
#define META_RAN	 "ran"
#define META_FAILED	 "failed"
#define META_INTERRUPTED "interrupted"

#endif
