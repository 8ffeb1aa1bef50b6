/* Inside the load engine: what load.c (the run), load_curl.c (libcurl's side:
 * callbacks, handles) and load_thread.c (the per-thread loop and the load models)
 * share. Not part of the API; names carry load__. */
#ifndef ASYNCSCOPE_LOAD_INT_H
#define ASYNCSCOPE_LOAD_INT_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "load.h"
#include "records.h"

#define NS	      1000000000ull
#define MS	      1000000ull
#define LATE_NS	      MS       /* a send this far behind its schedule is late */
#define DRAIN_MAX_NS  (2 * NS) /* in-flight requests get this long after -d ends */
#define DRAIN_STOP_NS NS       /* ...and this long after load_stop() */
#define ID_HEADER     "X-Request-Id: "
#define ID_WIDTH      20 /* digits of UINT64_MAX */
/* W3C trace context, version 00: trace-id (32 hex) fixed for the run, parent-id
 * (16 hex) the request id, flags 01 (sampled) or 00. */
#define TP_HEADER    "traceparent: "
#define TP_TRACE_HEX 32

/* What every thread reads and nobody writes once the threads run. */
struct run {
	const struct load_config *cfg;
	int nthreads;
	uint64_t t0;	  /* first request due */
	uint64_t measure; /* t0 + warmup */
	uint64_t t_stop;  /* end of the schedule for -d runs; 0 for -n and burst */
	uint64_t span_ns; /* warmup + duration: the open loop's ramp length */
	int stop_fd;	  /* eventfd, readable once load_stop() was called */
	int done_fd;	  /* eventfd the threads bump when they finish */
	int rec_fd;
	uint32_t mark_every;		 /* load_mark_every(cfg) */
	char trace_id[TP_TRACE_HEX + 1]; /* lowercase hex, not all zeros */
	/* The start gate: threads set up, report ready, and wait for go (t0 set). */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int nready;
	int go;
	int failed; /* a thread could not set up: nobody sends */
};

struct fdinfo {
	uint64_t conn;	 /* REC_NONE when the socket is not one of our connections */
	uint32_t events; /* what epoll watches; 0 when not registered */
	uint16_t wanted; /* libcurl watches it (between its first poll and REMOVE) */
	uint16_t port;	 /* local port, looked up when first needed */
	uint32_t multi;	 /* index of the multi handle whose socket it is */
};

struct lthread;

/* One of a thread's multi handles, with its share of the slots (at most
 * SPREAD_MULTI_CONNS, spread.h says why) and its own libcurl timer. All of them
 * are driven by the thread's one epoll loop. */
struct lmulti {
	CURLM *multi;
	struct lthread *th;
	uint32_t index;
	int dirty;	   /* socket_action ran on it: messages may be waiting */
	uint64_t deadline; /* its libcurl timer; UINT64_MAX: none pending */
};

/* One connection's worth of in-flight capacity: an easy handle that is reused for
 * every request it carries, and the header list whose first two entries we
 * rewrite in place with the request id and its traceparent. */
struct slot {
	CURL *easy;
	struct lmulti *m; /* the multi handle it is added to, for its whole life */
	struct curl_slist *hdrs;
	char *id_digits; /* inside hdrs->data */
	char *tp_parent; /* the traceparent's parent-id, then '-' and the flags */
	int sampled;	 /* this request's sampled flag */
	struct lthread *th;
	uint64_t id;
	uint64_t t_intended;
	uint64_t t_start;
	/* Our own stamps (now_ns, the clock the server's marks use) from libcurl's
	 * callbacks, 0 until they come: when the request was about to be sent on a
	 * connected socket, and when the response's first header arrived. */
	uint64_t t_connected;
	uint64_t t_first_byte;
	uint64_t bytes;
	uint64_t conn;
	int fd; /* the socket it last waited on; -1 before any */
	int busy;
	int first; /* its first request: the one whose connect time is recorded */
	/* For connections never served: sent at least once, any response yet, and
	 * the requests that ended without one while none had come. */
	int used;
	int served;
	uint64_t unanswered;
};

struct lthread {
	/* Progress counters on their own cache line: the owner stores, load_run's
	 * thread reads a few times a second. */
	_Alignas(64) _Atomic uint64_t prog_done;
	_Atomic uint64_t prog_errors;

	_Alignas(64) struct run *run;
	const struct load_config *cfg;
	int index;
	pthread_t tid;
	int started;
	int err;

	/* What to do with a finished transfer (load_thread.c's accounting), given
	 * at setup: the libcurl side calls up through it, never by name. */
	void (*done)(struct lthread *th, struct slot *s, CURLcode rc, enum load_err forced);
	struct lmulti *multis;
	int nmultis;
	uint32_t *dirty; /* stack of multi indexes with messages to read */
	int ndirty;
	CURLU *url;
	int ep;
	int pace_fd;

	struct slot *slots;
	int nslots;
	int *free_slots; /* stack of idle slot indexes */
	int nfree;
	int inflight;
	/* The connect ramp (closed loop): slots [0, admitted) may send; the rest
	 * join the free stack as spread_ramp_ns lets them in. */
	int admitted;
	double ramp_rate; /* connections a second over the run; 0: no ramp */
	uint64_t first_connected; /* latest connect of a first request */

	struct fdinfo *fds;
	size_t nfds;
	uint64_t conn_seq;
	uint64_t open_now;

	int limited; /* closed loop -n: stop after quota requests */
	uint64_t quota;
	uint64_t seq;	 /* requests started by this thread */
	uint64_t next_k; /* open loop: next schedule index this thread owns */
	int stopping;
	uint64_t drain_deadline;
	uint64_t stop_at;  /* when stopping began */
	uint64_t sweep_ns; /* how often in-flight requests are checked for --timeout */
	uint64_t next_sweep;
	uint64_t last_done; /* latest completion of a measured request */

	struct rec_writer rec;
	int rec_on;

	struct load_result r;
};

/* One eventfd for the life of the process, never closed: load_stop may run in a
 * signal handler at any moment, and must never write to a descriptor that a
 * finished run closed and something else reused. "active" limits it to runs. */

/* load_curl.c. Setup takes the thread's done function (see struct lthread). */
int load__thread_setup(struct lthread *th, int nslots,
		       void (*done)(struct lthread *, struct slot *, CURLcode, enum load_err));
void load__thread_teardown(struct lthread *th);
uint64_t load__conn_by_port(struct lthread *th, CURL *easy);
/* A socket's events (or CURL_SOCKET_TIMEOUT) to multi m; m is then read for
 * finished transfers by load__drain_dirty, after all of a loop turn's events. */
void load__socket_action(struct lthread *th, struct lmulti *m, curl_socket_t fd, int flags);
void load__drain_dirty(struct lthread *th);
/* The earliest libcurl timer of the thread's multis (UINT64_MAX: none), and
 * running the due ones: 1 if any was. */
uint64_t load__curl_next(const struct lthread *th);
int load__curl_timers(struct lthread *th);

/* load_thread.c: a worker thread's body, given its struct lthread. */
void *load__thread_main(void *arg);

#endif
