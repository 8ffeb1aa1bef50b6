/* The target process while a cell's load runs, as /proc shows it: peak memory and
 * thread count, sampled every 50 ms on a thread of its own (a peak between two
 * samples is missed), and CPU time and context switches read at both ends. The
 * figures read after sampler_stop. */
#ifndef ASYNCSCOPE_SAMPLER_H
#define ASYNCSCOPE_SAMPLER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

struct sampler {
	/* the figures */
	long rss_peak_kib;
	int threads_peak;
	double cpu_s; /* user + system between start and stop, exited threads included */
	/* switches of the threads alive at stop: one that exited took its counts */
	uint64_t vol_switches, invol_switches;

	/* the sampler's own */
	pid_t pid;
	pthread_t thread;
	int running;
	atomic_int stop;
	uint64_t cpu0_ns;
};

/* Starts sampling pid. When the thread cannot start, the peaks are those of the
 * two ends only; nothing else changes, so this cannot fail. */
void sampler_start(struct sampler *s, pid_t pid);

/* Takes the last sample and the end figures; joins the thread. */
void sampler_stop(struct sampler *s);

#endif
