#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "clock.h"

int log_verbose;

int log_tid(void)
{
	static __thread int tid;
	if (!tid)
		tid = gettid();
	return tid;
}

static void emit(const char *what, const char *fmt, va_list ap)
{
	char line[512];
	uint64_t t = now_ns();
	int n = snprintf(line, sizeof(line), "pid %d | tid %d | %s | ", getpid(), log_tid(), what);
	if (n < 0 || n >= (int)sizeof(line))
		return;
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	if (m < 0)
		return;
	n += m;
	if (n > (int)sizeof(line) - 32)
		n = (int)sizeof(line) - 32;
	n += snprintf(line + n, sizeof(line) - (size_t)n, " | t=%llu.%09llu\n",
		      (unsigned long long)(t / 1000000000ull),
		      (unsigned long long)(t % 1000000000ull));
	ssize_t w = write(2, line, (size_t)n);
	(void)w;
}

void log_job(const struct job *job, const char *fmt, ...)
{
	if (!log_verbose)
		return;
	va_list ap;
	va_start(ap, fmt);
	emit(endpoint_name(job->ep), fmt, ap);
	va_end(ap);
}

void log_server(const char *fmt, ...)
{
	if (!log_verbose)
		return;
	va_list ap;
	va_start(ap, fmt);
	emit("server", fmt, ap);
	va_end(ap);
}
