/* The one clock: CLOCK_MONOTONIC in nanoseconds, the same that bpf_ktime_get_ns()
 * stamps in the kernel, so client, server and kernel views line up unconverted. */
#ifndef ASYNCSCOPE_CLOCK_H
#define ASYNCSCOPE_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif
