/* USDT probes, provider "asyncscope". Each marks one phase of a request and
 * carries the request id from X-Request-Id (0 when absent) as its first argument.
 * A probe is a nop until a tracer attaches, so they stay on in release builds.
 *
 *   request_start(id, fd)     the request head was parsed
 *   handler_enter(id, fd)     a thread started running its handler
 *   wait_start(id, ms)        the handler starts waiting (sleep or timer)
 *   wait_end(id, ms)          the wait is over
 *   request_end(id, status)   the response is queued for writing
 *
 * Only sampled requests reach a probe (job->sampled: the sampled flag of the
 * request's traceparent, set unless a client said otherwise). An unsampled one
 * branches around the probe site: with a tracer attached, a probe hit is a uprobe
 * trap, a few microseconds, and the branch is what makes it cost nothing. Each
 * macro takes the struct job (route.h) whose phase it marks. */
#ifndef ASYNCSCOPE_PROBES_H
#define ASYNCSCOPE_PROBES_H

#include <sys/sdt.h>

#define PROBE_IF_SAMPLED(job, name, arg)                                                           \
	do {                                                                                       \
		if ((job)->sampled)                                                                \
			DTRACE_PROBE2(asyncscope, name, (job)->id, arg);                           \
	} while (0)

#define PROBE_REQUEST_START(job) PROBE_IF_SAMPLED(job, request_start, (job)->fd)
#define PROBE_HANDLER_ENTER(job) PROBE_IF_SAMPLED(job, handler_enter, (job)->fd)
#define PROBE_WAIT_START(job)	 PROBE_IF_SAMPLED(job, wait_start, (job)->arg)
#define PROBE_WAIT_END(job)	 PROBE_IF_SAMPLED(job, wait_end, (job)->arg)
#define PROBE_REQUEST_END(job)	 PROBE_IF_SAMPLED(job, request_end, (job)->status)

#endif
