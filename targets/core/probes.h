/* USDT probes, provider "asyncscope". Each marks one phase of a request and
 * carries the request id from X-Request-Id (0 when absent) as its first argument.
 * A probe is a nop until a tracer attaches, so they stay on in release builds.
 *
 *   request_start(id, fd)     the request head was parsed
 *   handler_enter(id, fd)     a thread started running its handler
 *   wait_start(id, ms)        the handler starts waiting (sleep or timer)
 *   wait_end(id, ms)          the wait is over
 *   request_end(id, status)   the response is queued for writing
 */
#ifndef ASYNCSCOPE_PROBES_H
#define ASYNCSCOPE_PROBES_H

#include <sys/sdt.h>

#define PROBE_REQUEST_START(id, fd)   DTRACE_PROBE2(asyncscope, request_start, id, fd)
#define PROBE_HANDLER_ENTER(id, fd)   DTRACE_PROBE2(asyncscope, handler_enter, id, fd)
#define PROBE_WAIT_START(id, ms)      DTRACE_PROBE2(asyncscope, wait_start, id, ms)
#define PROBE_WAIT_END(id, ms)	      DTRACE_PROBE2(asyncscope, wait_end, id, ms)
#define PROBE_REQUEST_END(id, status) DTRACE_PROBE2(asyncscope, request_end, id, status)

#endif
