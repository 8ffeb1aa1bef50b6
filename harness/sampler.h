/* The two processes of a cell while its load runs, as the kernel accounts them.
 * The target as /proc shows it: peak memory and thread count, sampled every 50 ms
 * on a thread of its own (a peak between two samples is missed), and CPU time and
 * context switches read at both ends. The load generator, which runs inside this
 * process (load_run's threads): its CPU time over the same window. The figures
 * read after sampler_stop. */
#ifndef ASYNCSCOPE_SAMPLER_H
#define ASYNCSCOPE_SAMPLER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#define SAMPLER_MAX_OTHERS 16
#define SAMPLER_MAX_TIDS   1024 /* threads whose run-queue wait is followed, per side */

/* Run-queue waits of one process's threads, from schedstat: the first and the
 * last value seen of each. A thread is counted from when it is first seen (one
 * born in the window from 0) until the last sample before it exited. */
struct sampler_waits {
	int n;
	struct {
		pid_t tid;
		uint64_t first, last;
	} t[SAMPLER_MAX_TIDS];
};

struct sampler {
	/* the figures */
	long rss_peak_kib;
	int threads_peak;
	double cpu_s; /* target: user + system between start and stop, exited threads
		       * included */
	/* switches of the threads alive at stop: one that exited took its counts */
	uint64_t vol_switches, invol_switches;
	/* The generator: this process's user + system time between start and stop,
	 * less that of the threads alive at both ends other than the caller's (the
	 * tracer's reader, a progress thread) and less the sampler thread's own. What
	 * remains is load_run: its threads, born and gone inside the window, and the
	 * calling thread that starts, watches and merges them. The other threads'
	 * share is read from /proc in clock ticks, so it is rounded to 10 ms or so at
	 * each end. */
	double load_cpu_s;
	/* Time each side's threads spent runnable but not running, waiting for a
	 * CPU (schedstat), over the window: another process on its CPUs, or more of
	 * its threads than CPUs. The target's is read at both ends (a thread that
	 * exited meanwhile took its wait), the generator's every sample (its threads
	 * live only inside the window; the last 50 ms of each may be missed). 0 when
	 * the kernel keeps no schedstats. */
	double wait_s, load_wait_s;
	uint64_t t_start, t_stop; /* the window, CLOCK_MONOTONIC ns */

	/* the sampler's own */
	pid_t pid;
	pthread_t thread;
	int running;
	atomic_int stop;
	uint64_t cpu0_ns;
	uint64_t self0_ns;	/* this process's CPU time at start */
	uint64_t thread_cpu_ns; /* the sampler thread's own, taken as it ends */
	pid_t caller, self;	/* the thread that runs the load; the sampler thread */
	struct sampler_waits target_waits, own_waits;
	int nothers;
	struct {
		pid_t tid;
		uint64_t cpu_ns;
	} others[SAMPLER_MAX_OTHERS];
};

/* Starts sampling pid, and the window. Call it from the thread that will run the
 * load, just before. When the thread cannot start, the peaks are those of the
 * two ends only; nothing else changes, so this cannot fail. */
void sampler_start(struct sampler *s, pid_t pid);

/* Takes the last sample and the end figures; joins the thread. From the thread
 * that called sampler_start, right after the load. */
void sampler_stop(struct sampler *s);

#endif
