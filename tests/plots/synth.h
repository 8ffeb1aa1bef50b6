/* Synthetic results directories for the plots tests: the files a real run
 * writes (requests.csv, sched.csv, marks.csv, meta.json), made up to show one
 * scheduling story each, so the charts can be tested without BPF or targets. */
#ifndef ASPLOTS_SYNTH_H
#define ASPLOTS_SYNTH_H

enum synth_kind {
	SYNTH_STAIR,	/* blocking /wrong: one thread, one request after another */
	SYNTH_PARALLEL, /* threaded /sync: a thread per request, waits in parallel */
	SYNTH_LOOP,	/* epoll /async: one thread, short bursts, waits overlap */
	SYNTH_POOL,	/* hybrid /sync: a loop hands each request to one of 40 workers */
};

/* Writes the run into dir (created if missing). sched_only leaves out
 * requests.csv and marks.csv, as `bench trace` alone would. 0 or -errno. */
int synth_run(const char *dir, enum synth_kind kind, int n, int wait_ms, int sched_only);

/* A load run on one event-loop thread: a closed loop (nconn connections, each
 * carrying its requests back to back) or an open loop (nreq requests sent at
 * a fixed rate on reused connections, latencies varying so that up to a few
 * dozen overlap). Server marks only on every mark_every-th request (1: all),
 * as sampling leaves them. 0 or -errno. */
int synth_load(const char *dir, int open_loop, int nconn, int nreq, int wait_ms, int mark_every);

/* A matrix directory: summary.csv over every scenario and target, meta.json,
 * blog cells with their run directories, and one failed cell with stderr.txt.
 * With blog_only, only the blog scenario. */
int synth_matrix(const char *dir, int blog_only);

#endif
