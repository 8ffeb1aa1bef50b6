/* The load generator's engine: libcurl multi handles driven by curl_multi_socket_action
 * from our own level-triggered epoll loops, one loop and one multi handle per thread,
 * each thread owning its share of the connections. Nothing is shared between
 * threads per request: every thread has its own histograms, counters, id range and
 * records buffer, merged once at the end.
 *
 * Three load models:
 *   closed loop  each connection sends the next request when the last one ends (wrk)
 *   burst        one request per connection, all started at the same instant
 *   open loop    requests at a fixed (or linearly ramped) rate, on a schedule that
 *                does not wait for responses (wrk2); latency counts from the
 *                scheduled time, so a stalled server cannot hide (no coordinated
 *                omission)
 *
 * load_run prints nothing; load_report.h turns a result into text or JSON. */
#ifndef ASYNCSCOPE_LOAD_H
#define ASYNCSCOPE_LOAD_H

#include <stdint.h>

#include "hist.h"

#define LOAD_MAX_HEADERS 32

enum load_mode { LOAD_CLOSED, LOAD_BURST, LOAD_OPEN };

/* The highest open-loop rate, requests per second, at either end of a ramp. The
 * schedule puts send k at t0 plus a whole number of nanoseconds; above one send
 * per nanosecond successive sends share a timestamp, and neither their order nor
 * how late each went out can be told any more. It also keeps the schedule exact
 * in a double: a month (the longest -d) at this rate is 2.6e15 sends, below 2^53.
 * No client machine comes near it (libcurl manages about 1e5 requests/s per
 * core), so nothing real is refused; what it refuses, like 1e12 or 1e308, used to
 * make a run that could not be represented, let alone sent. */
#define LOAD_RATE_MAX 1e9

/* The default connect ramp, connections a second. Linux's default listen backlog
 * (net.core.somaxconn) is 4096 and its SYN backlog 2048: a connect storm of 10,000
 * overflows them and the excess waits for SYN retransmits (1 s, then 3 s), which
 * measures the kernel's retransmit timer, not the server. At 10,000 a second an
 * accept loop needs to take one connection every 100 us to keep the backlog near
 * empty; every target here does, and 10,000 connections open in a second. */
#define LOAD_CONNECT_RATE_DEFAULT_INT 10000 /* as written in the usage */
#define LOAD_CONNECT_RATE_DEFAULT     ((double)LOAD_CONNECT_RATE_DEFAULT_INT)

/* Why a request did not succeed. The names (load_err_name) are the error column of
 * requests.csv and the keys of the JSON summary. */
enum load_err {
	LOAD_OK,
	LOAD_E_CONNECT,	  /* refused, unreachable, name not resolved */
	LOAD_E_TIMEOUT,	  /* --timeout expired */
	LOAD_E_RESET,	  /* connection reset or closed before the response ended */
	LOAD_E_MALFORMED, /* the peer did not speak HTTP, or spoke it wrong */
	LOAD_E_STATUS_3XX,
	LOAD_E_STATUS_4XX,
	LOAD_E_STATUS_5XX,
	LOAD_E_STATUS_OTHER, /* 1xx or outside 100..599 as a final status */
	LOAD_E_ABORTED,	     /* still in flight when the run stopped */
	LOAD_E_OTHER,	     /* any other libcurl error */
	LOAD_E_COUNT
};

const char *load_err_name(enum load_err e);

/* A snapshot for a live display, taken by the thread that called load_run. */
struct load_progress {
	uint64_t completed; /* every completion, warmup included */
	uint64_t errors;
	uint64_t elapsed_ns;
	uint64_t total_ns; /* planned run length (warmup included); 0 when unknown */
	uint64_t requests; /* planned request count; 0 when unknown */
};

struct load_config {
	const char *url;
	const char *method;		       /* NULL: GET */
	const char *headers[LOAD_MAX_HEADERS]; /* "Name: value" */
	int nheaders;

	enum load_mode mode;
	int connections;      /* -c: in flight at most, split over the threads */
	int threads;	      /* -t */
	uint64_t requests;    /* -n: measured requests; 0 means run for duration_ns */
	uint64_t duration_ns; /* -d: measured time, after the warmup */
	uint64_t warmup_ns;   /* excluded from statistics; only with duration_ns */
	uint64_t timeout_ns;  /* per request, connect included */
	double rate_from;     /* open loop: requests per second at the start... */
	double rate_to;	      /* ...and at the end (linear ramp; equal for a fixed rate) */
	int new_conn;	      /* a fresh connection per request instead of keep-alive */
	uint32_t mark_every;  /* --mark-every: 1 in N requests sampled; 0: the default */
	/* --connect-rate: a closed loop's connections send their first request (and
	 * so connect) at most this many a second over the run, so a large -c does not
	 * flood the server's listen backlog; 0: all at once. LOAD_CONNECT_RATE_DEFAULT
	 * unless told. */
	double connect_rate;

	const char *records_path; /* requests.csv; NULL for none; "-" for stdout */
	/* Many generators, one load (docs/multihost.md): this one is shard shard_i
	 * of shard_n (0 of 1 alone). loadopts already split -c, -n and --rate; here
	 * the ids interleave (shard i sends ids i+1, i+1+n, ...) so the target's
	 * marks join every generator's records, and a fixed-rate schedule starts
	 * i/n of a period late, so the shards together keep the one schedule. */
	uint32_t shard_i, shard_n;
	double rate_total;	  /* the whole --rate before the split (fixed rate) */
	uint64_t start_at_ns; /* --start-at: CLOCK_REALTIME ns of t0; 0: now */

	/* Called about every progress_ms (default 250) from load_run's thread. */
	void (*progress)(const struct load_progress *p, void *arg);
	void *progress_arg;
	int progress_ms;
};

/* Fills the defaults: GET, closed loop, 10 connections, 1 thread, 10 s, 30 s timeout. */
void load_config_init(struct load_config *cfg);

/* Which requests the targets mark (fire their USDT probes for). Every request
 * carries a W3C traceparent header whose sampled flag says so; the decision is
 * the client's, made here, and deterministic: request id 1 and every Nth after
 * it, so a run's sampled set is known from its ids alone and the first request is
 * always marked. A burst is the blog's picture, every request drawn: all of it by
 * default; closed and open loops run long enough that a sample shows the shape
 * and keeps the probes' uprobe traps off most requests. */
#define LOAD_MARK_EVERY_DEFAULT 64
#define LOAD_MARK_EVERY_MAX	1000000000u

/* N of "1 in N", with the default resolved for cfg's load model. */
uint32_t load_mark_every(const struct load_config *cfg);

static inline int load_sampled(uint64_t id, uint32_t every)
{
	return every <= 1 || (id - 1) % every == 0;
}

struct load_latency {
	struct hist *corrected; /* t_end - t_intended: what a user at the schedule saw */
	struct hist *service;	/* t_end - t_start: the uncorrected figure */
	/* Connect times: from each connection's first send to that request going out
	 * on a connected socket (t_connected - t_start), first requests only. Apart
	 * from the latency: a connect storm is the kernel's story, not the server's. */
	struct hist *connect;
};

struct load_result {
	/* Requests whose intended start fell in the measured window (after warmup). */
	uint64_t sent;
	uint64_t completed; /* a response or an error came back */
	uint64_t ok;	    /* completed with a 2xx */
	uint64_t errors;    /* completed without a 2xx, plus aborted */
	uint64_t aborted;   /* cut off at the end of the run */
	uint64_t by_kind[LOAD_E_COUNT];
	uint64_t by_class[6]; /* responses by status / 100 (index 0: no status) */
	uint64_t bytes;	      /* response body bytes */
	uint64_t warmup_requests;

	/* Connections: asked for (-c), opened over the run, open at most at once,
	 * and connection attempts that failed. */
	uint64_t conns_asked;
	uint64_t conns_opened;
	uint64_t conns_peak;
	uint64_t conns_failed;
	/* The connect phase: first requests that got a connection, and when the last
	 * of them did (ns after t0); how the ramp went. */
	uint64_t conns_connected;
	uint64_t connect_phase_ns;

	/* Open loop: sends that went out more than 1 ms after their scheduled time
	 * (every connection busy, or the generator itself behind). */
	uint64_t late;
	uint64_t late_sum_ns;
	uint64_t late_max_ns;
	/* Open loop: sends that were due before the run stopped but never went out
	 * (still waiting for a free connection). Not in sent; a backlog, not errors. */
	uint64_t unsent;
	/* Requests never answered: those still waiting when the run ended (cut off,
	 * the warmup's included, as they waited through the measured window), plus
	 * those that ended without a response on a connection never served. A
	 * backlog the server never reached, not a latency it kept. */
	uint64_t unserved;
	/* Connections (slots) that carried a request but never got a response within
	 * the run: a server that serves one kept-alive client at a time starves the
	 * rest. Out of conns_asked. */
	uint64_t conns_unserved;
	/* The histograms hold the cut-off requests' wait so far (until the run gave
	 * up on them): their percentiles are lower bounds, shown as ">=". */
	int lat_lower_bound;

	uint64_t t0_ns;	     /* when the first request was due (CLOCK_MONOTONIC) */
	uint64_t measure_ns; /* start of the measured window */
	uint64_t end_ns;     /* end of the measured window */
	double elapsed_s;    /* measured window */
	double rps;	     /* completed / elapsed */
	double bytes_per_s;
	uint64_t burst_ns; /* burst: from the common start to the last response */
	int interrupted;   /* load_stop() was called */
	uint64_t start_late_ns; /* --start-at was this far in the past at the start */

	struct load_latency lat;
};

/* Runs the load described by cfg (already validated: loadopts_parse or by hand)
 * and fills res, which the caller frees with load_result_free. 0 or a negative
 * errno for a failure to run at all (-EMFILE: not enough file descriptors for -c,
 * -EINVAL: libcurl rejected an option, -errno from the records file, ...); request
 * failures are counted in res, not returned. */
int load_run(const struct load_config *cfg, struct load_result *res);

void load_result_free(struct load_result *res);

/* Asks a running load_run to stop sending, give in-flight requests a second, and
 * return. Async-signal-safe: meant for a SIGINT handler. */
void load_stop(void);

#endif
