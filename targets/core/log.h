/* Blog-style lines, as the original experiment printed them:
 *   pid 4242 | tid 4243 | /async | depth 2: waiting 200 ms | t=1234.567890123
 * Only with --verbose; one write(2) per line so threads do not interleave. */
#ifndef ASYNCSCOPE_LOG_H
#define ASYNCSCOPE_LOG_H

#include "route.h"

extern int log_verbose;

/* This thread's kernel tid, cached. */
int log_tid(void);

/* A line about a request, when verbose. */
void log_job(const struct job *job, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A line about the server itself (startup, shutdown, trouble), when verbose. */
void log_server(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
