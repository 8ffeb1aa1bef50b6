/* One run directory in memory: the client's requests, the scheduler intervals,
 * the server's marks and meta.json, read from the files DESIGN.md describes. */
#ifndef ASPLOTS_RUNDATA_H
#define ASPLOTS_RUNDATA_H

#include "schema_ids.h"
#include <stddef.h>
#include <stdint.h>

struct json_object;

/* The schema's states and marks (schema_ids.h); marks count from 0 here, as
 * indexes into a request's marks. */
enum rd_state {
	RD_UNKNOWN = AS_STATE_UNKNOWN,
	RD_RUNNING = AS_STATE_RUNNING,
	RD_RUNNABLE = AS_STATE_RUNNABLE,
	RD_SLEEPING = AS_STATE_SLEEPING,
	RD_BLOCKED = AS_STATE_BLOCKED,
};
enum rd_event {
	RD_START = AS_MARK_REQUEST_START - 1,
	RD_HANDLER = AS_MARK_HANDLER_ENTER - 1,
	RD_WAIT_START = AS_MARK_WAIT_START - 1,
	RD_WAIT_END = AS_MARK_WAIT_END - 1,
	RD_END = AS_MARK_REQUEST_END - 1,
};

/* A request as the client saw it. t_send is when the client started it (t_start),
 * conn the connection that carried it (RD_NOCONN when unknown). */
#define RD_NOCONN UINT64_MAX
struct rd_req {
	uint64_t id, t_send, t_end;
	/* The client's own stamps between (load_curl.c): about to send the request
	 * (kept only when it lies between t_send and t_end), and its first response
	 * byte; 0 when unknown. */
	uint64_t t_connected, t_first_byte;
	uint64_t conn;
	int status;
	int failed; /* an error, or no 2xx/3xx status */
};

struct rd_iv {
	uint64_t a, b;
	uint32_t tid;
	uint8_t state;
	char syscall[23];
};

struct rd_mark {
	uint64_t id, t;
	uint32_t tid;
	uint8_t ev;
};

struct rd_thread {
	uint32_t tid;
	uint32_t tgid; /* its process, from threads.csv; 0 when unknown */
	char comm[20];
};

/* A row of stalls.csv: an event loop away from its wait (bpf/stalls.h). ns
 * is indexed by state (RD_RUNNING .. RD_BLOCKED); ready and requests are -1
 * when unknown; stack is NULL when the tracer gave none (frames innermost
 * first, ';'-separated, printable ASCII). */
struct rd_stall {
	uint64_t t_start, t_end;
	uint64_t ns[5];
	int64_t ready, requests;
	uint32_t tid;
	uint8_t cause;
	char syscall[23];
	char comm[20];
	char *stack;
};

struct rd_run {
	struct rd_req *req;
	size_t nreq;
	struct rd_iv *iv;
	size_t niv;
	struct rd_mark *mark;
	size_t nmark;
	struct rd_thread *thr; /* sorted by tid */
	size_t nthr;
	struct rd_stall *stall; /* stalls.csv, by start time */
	size_t nstall;
	struct json_object *meta; /* meta.json (pjson.h), or NULL when absent or garbled */
	int have_requests, have_sched, have_marks, have_threads, have_stalls;
};

/* Reads what dir has. -ENOENT when it has neither requests.csv nor sched.csv;
 * -EBADMSG when a file is garbled (a missing column, a non-number); -errno. */
int rd_load(struct rd_run *r, const char *dir);
void rd_free(struct rd_run *r);

/* rd_stalls.c: path's stalls.csv by start time, into *out (rd_stalls_free).
 * -ENOENT when absent, -EBADMSG when garbled (said through perr), -ENOMEM. */
int rd_stalls_load(const char *path, struct rd_stall **out, size_t *n);
void rd_stalls_free(struct rd_stall *v, size_t n);
/* "stall: sleeping clock_nanosleep", the name trace.json and the timeline use. */
const char *rd_stall_name(const struct rd_stall *s, char *buf, size_t len);

/* The thread with this tid, or NULL. */
const struct rd_thread *rd_thread_find(const struct rd_run *r, uint32_t tid);

#endif
