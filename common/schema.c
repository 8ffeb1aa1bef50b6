#include "schema.h"

#include <errno.h>
#include <string.h>

/* ---- CSV files ---- */

static const char *const requests_cols[REQCOL_N] = {
    [REQCOL_ID] = "id",
    [REQCOL_THREAD] = "thread",
    [REQCOL_CONN] = "conn",
    [REQCOL_T_INTENDED] = "t_intended",
    [REQCOL_T_START] = "t_start",
    [REQCOL_T_CONNECTED] = "t_connected",
    [REQCOL_T_FIRST_BYTE] = "t_first_byte",
    [REQCOL_T_END] = "t_end",
    [REQCOL_STATUS] = "status",
    [REQCOL_BYTES] = "bytes",
    [REQCOL_ERROR] = "error",
    [REQCOL_SAMPLED] = "sampled",
};
static const char *const sched_cols[SCHEDCOL_N] = {
    [SCHEDCOL_TID] = "tid",	    [SCHEDCOL_COMM] = "comm",	[SCHEDCOL_STATE] = "state",
    [SCHEDCOL_T_START] = "t_start", [SCHEDCOL_T_END] = "t_end", [SCHEDCOL_CPU] = "cpu",
    [SCHEDCOL_SYSCALL] = "syscall",
};
static const char *const marks_cols[MARKCOL_N] = {
    [MARKCOL_TID] = "tid",
    [MARKCOL_REQUEST_ID] = "request_id",
    [MARKCOL_EVENT] = "event",
    [MARKCOL_T] = "t",
};
static const char *const threads_cols[THRCOL_N] = {
    [THRCOL_TID] = "tid",
    [THRCOL_TGID] = "tgid",
    [THRCOL_COMM] = "comm",
    [THRCOL_CPU_NS] = "cpu_ns",
    [THRCOL_RUNNING_NS] = "running_ns",
    [THRCOL_RUNNABLE_NS] = "runnable_ns",
    [THRCOL_SLEEPING_NS] = "sleeping_ns",
    [THRCOL_BLOCKED_NS] = "blocked_ns",
    [THRCOL_UNKNOWN_NS] = "unknown_ns",
    [THRCOL_VOLUNTARY] = "voluntary",
    [THRCOL_INVOLUNTARY] = "involuntary",
    [THRCOL_MIGRATIONS] = "migrations",
    [THRCOL_RQ_N] = "rq_n",
    [THRCOL_RQ_P50_NS] = "rq_p50_ns",
    [THRCOL_RQ_P99_NS] = "rq_p99_ns",
    [THRCOL_RQ_MAX_NS] = "rq_max_ns",
};
static const char *const stalls_cols[STALLCOL_N] = {
    [STALLCOL_TID] = "tid",
    [STALLCOL_COMM] = "comm",
    [STALLCOL_T_START] = "t_start",
    [STALLCOL_T_END] = "t_end",
    [STALLCOL_DURATION_NS] = "duration_ns",
    [STALLCOL_CAUSE] = "cause",
    [STALLCOL_SYSCALL] = "syscall",
    [STALLCOL_RUNNING_NS] = "running_ns",
    [STALLCOL_RUNNABLE_NS] = "runnable_ns",
    [STALLCOL_SLEEPING_NS] = "sleeping_ns",
    [STALLCOL_BLOCKED_NS] = "blocked_ns",
    [STALLCOL_READY] = "ready",
    [STALLCOL_REQUESTS_WAITING] = "requests_waiting",
    [STALLCOL_STACK] = "stack",
};
static const char *const summary_cols[SUMCOL_N] = {
    [SUMCOL_SCENARIO] = "scenario",   [SUMCOL_TARGET] = "target",
    [SUMCOL_ENDPOINT] = "endpoint",   [SUMCOL_CONCURRENCY] = "concurrency",
    [SUMCOL_REQUESTS] = "requests",   [SUMCOL_OK] = "ok",
    [SUMCOL_ERRORS] = "errors",	      [SUMCOL_DURATION_S] = "duration_s",
    [SUMCOL_RPS] = "rps",	      [SUMCOL_P50_MS] = "p50_ms",
    [SUMCOL_P99_MS] = "p99_ms",	      [SUMCOL_MAX_MS] = "max_ms",
    [SUMCOL_BATCH_MS] = "batch_ms",   [SUMCOL_RSS_KIB] = "rss_kib",
    [SUMCOL_THREADS] = "threads",     [SUMCOL_CPU_S] = "cpu_s",
    [SUMCOL_TARGET_CPUS] = "target_cpus", [SUMCOL_TARGET_BUSY] = "target_busy",
    [SUMCOL_TARGET_CPU_US] = "target_cpu_us_per_request",
    [SUMCOL_LOAD_CPUS] = "load_cpus", [SUMCOL_LOAD_BUSY] = "load_busy",
    [SUMCOL_LOAD_CPU_US] = "load_cpu_us_per_request", [SUMCOL_BOUND] = "bound",
    [SUMCOL_STATUS] = "status",	      [SUMCOL_DIR] = "dir",
};

const struct schema_csv schema_requests = {SCHEMA_REQUESTS, requests_cols, REQCOL_N};
const struct schema_csv schema_sched = {SCHEMA_SCHED, sched_cols, SCHEDCOL_N};
const struct schema_csv schema_marks = {SCHEMA_MARKS, marks_cols, MARKCOL_N};
const struct schema_csv schema_summary = {SCHEMA_SUMMARY_CSV, summary_cols, SUMCOL_N};
const struct schema_csv schema_threads = {SCHEMA_THREADS, threads_cols, THRCOL_N};
const struct schema_csv schema_stalls = {SCHEMA_STALLS, stalls_cols, STALLCOL_N};

int schema_csv_header(char *buf, size_t len, const struct schema_csv *c)
{
	size_t n = 0;
	for (int i = 0; i < c->ncols; i++) {
		size_t w = strlen(c->cols[i]);
		if (n + w + 2 > len)
			return -ENAMETOOLONG;
		memcpy(buf + n, c->cols[i], w);
		n += w;
		buf[n++] = i + 1 < c->ncols ? ',' : '\n';
	}
	buf[n] = '\0';
	return (int)n;
}

/* ---- names ---- */

static const char *const state_names[AS_NSTATES] = {
    [AS_STATE_UNKNOWN] = "unknown",   [AS_STATE_RUNNING] = "running",
    [AS_STATE_RUNNABLE] = "runnable", [AS_STATE_SLEEPING] = "sleeping",
    [AS_STATE_BLOCKED] = "blocked",
};

static const char *const mark_names[AS_MARK_MAX] = {
    [AS_MARK_REQUEST_START] = "request_start", [AS_MARK_HANDLER_ENTER] = "handler_enter",
    [AS_MARK_WAIT_START] = "wait_start",       [AS_MARK_WAIT_END] = "wait_end",
    [AS_MARK_REQUEST_END] = "request_end",
};

const char *schema_state_name(int state)
{
	return state >= 0 && state < AS_NSTATES ? state_names[state] : "?";
}

int schema_state_parse(const char *s)
{
	for (int i = 0; i < AS_NSTATES; i++)
		if (!strcmp(s, state_names[i]))
			return i;
	return -1;
}

const char *schema_mark_name(int mark)
{
	return mark > 0 && mark < AS_MARK_MAX ? mark_names[mark] : "unknown";
}

int schema_mark_parse(const char *s)
{
	for (int i = 1; i < AS_MARK_MAX; i++)
		if (!strcmp(s, mark_names[i]))
			return i;
	return -1;
}

/* ---- what there is to run ---- */

const struct schema_target schema_targets[] = {
    {"blocking", "one thread: accept, serve the connection to its end, accept the next",
     "no knob: --idle-timeout bounds how long one client holds it", 0xd62728},
    {"threaded", "a thread per connection", "--max-threads N", 0x1f77b4},
    {"hybrid", "one event loop; plain (def) handlers offloaded to a worker pool", "--pool N",
     0x9467bd},
    {"epoll", "an event loop per thread, timers in the loop, waits as continuations",
     "--threads N", 0x2ca02c},
    {"coroutine", "a stackful coroutine per connection over an epoll scheduler",
     "--stack-kib N", 0xff7f0e},
    {"uring", "a completion loop on io_uring per thread: multishot accept and receive, timeouts as completions",
     "--threads N", 0x8c564b},
    {"fastapi", "the original experiment: FastAPI under uvicorn (def on a pool, async def on the loop)",
     "Debian's python3-fastapi", 0x17becf},
    {0},
};

const struct schema_endpoint schema_endpoints[] = {
    {"/hello", "plaintext, for throughput"},
    {"/sync?ms=N", "blocking sleep on the thread that runs the handler (FastAPI def)"},
    {"/async?ms=N", "non-blocking wait through the model's own mechanism, two nested calls"},
    {"/wrong?ms=N", "blocking sleep inside an async handler (the mistake)"},
    {"/cpu?us=N", "burn CPU for N microseconds"},
    {0},
};

const struct schema_target *schema_target_find(const char *name)
{
	for (const struct schema_target *t = schema_targets; t->name; t++)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

int schema_ntargets(void)
{
	return (int)(sizeof(schema_targets) / sizeof(schema_targets[0])) - 1;
}

const struct schema_endpoint *schema_endpoint_find(const char *path)
{
	size_t n = strcspn(path, "?");
	for (const struct schema_endpoint *e = schema_endpoints; e->path; e++)
		if (strcspn(e->path, "?") == n && !strncmp(e->path, path, n))
			return e;
	return NULL;
}

unsigned schema_colour(const char *target)
{
	const struct schema_target *t = schema_target_find(target);
	if (t)
		return t->colour;
	unsigned h = 0;
	for (; *target; target++)
		h = h * 31 + (unsigned char)*target;
	return (h & 0x7f7f7f) + 0x202020; /* never too light to see on white */
}
