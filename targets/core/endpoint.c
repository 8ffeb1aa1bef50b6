#include "endpoint.h"

#include <errno.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "probes.h"

/* The two waits before a handler runs: in the kernel's socket queue (from the
 * kernel's receive stamp to the read that parsed the head) and in the server's
 * own queue (from that parse to here: a pool's queue, a loop busy with others).
 * A request that waited behind a blocked loop waited in the first; a loop only
 * ever sees the second, which is why both are said. */
static void log_enter(const struct job *job)
{
	uint64_t now = now_ns(); /* read only when the line is printed */
	unsigned long long server_us = (now - job->t_parsed) / 1000;
	if (job->t_arrived && job->t_arrived <= job->t_parsed)
		log_job(job,
			"handler enter (request %llu, fd %d), in the kernel's queue %llu us, "
			"in the server's queue %llu us",
			(unsigned long long)job->id, job->fd,
			(unsigned long long)((job->t_parsed - job->t_arrived) / 1000), server_us);
	else
		log_job(job,
			"handler enter (request %llu, fd %d), in the kernel's queue: not measured, "
			"in the server's queue %llu us",
			(unsigned long long)job->id, job->fd, server_us);
}

void endpoint_enter(struct job *job)
{
	job->handler_tid = log_tid();
	PROBE_HANDLER_ENTER(job);
	if (log_verbose)
		log_enter(job);
}

void endpoint_wait_start(struct job *job)
{
	PROBE_WAIT_START(job);
}

void endpoint_wait_end(struct job *job)
{
	PROBE_WAIT_END(job);
}

/* Sleeps to an absolute deadline, so a signal (shutdown) does not cut it short. */
void endpoint_sleep(struct job *job)
{
	log_job(job, "blocking sleep %u ms", job->arg);
	endpoint_wait_start(job);
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += job->arg / 1000;
	until.tv_nsec += (long)(job->arg % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR)
		;
	endpoint_wait_end(job);
	log_job(job, "slept %u ms", job->arg);
}

void endpoint_burn(struct job *job)
{
	log_job(job, "burning %u us of CPU", job->arg);
	/* The thread's own CPU clock, so being preempted does not count as burning. */
	struct timespec start, now;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start);
	uint64_t want = (uint64_t)job->arg * 1000;
	volatile uint64_t sink = 0;
	for (;;) {
		for (int i = 0; i < 1000; i++)
			sink += (uint64_t)i * i;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
		uint64_t spent = (uint64_t)(now.tv_sec - start.tv_sec) * 1000000000ull +
				 (uint64_t)now.tv_nsec - (uint64_t)start.tv_nsec;
		if (spent >= want)
			break;
	}
	(void)sink; /* volatile: the loop above is not optimised away */
}

/* On a thread that may block, /async has no better mechanism than sleeping, but it
 * still goes through its two nested calls so the log reads the same everywhere. */
static void async_depth2(struct job *job)
{
	log_job(job, "depth 2: waiting %u ms", job->arg);
	endpoint_sleep(job);
	log_job(job, "depth 2: done");
}

static void async_depth1(struct job *job)
{
	log_job(job, "depth 1: calling depth 2");
	async_depth2(job);
	log_job(job, "depth 1: done");
}

void endpoint_run(struct job *job)
{
	endpoint_enter(job);
	switch (job->ep) {
	case EP_SYNC:
	case EP_WRONG: endpoint_sleep(job); break;
	case EP_ASYNC: async_depth1(job); break;
	case EP_CPU: endpoint_burn(job); break;
	case EP_HELLO:
	case EP_ERROR: break;
	}
}
