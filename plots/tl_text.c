/* The two helpers every hover text is built with (tl_hover.c for requests and
 * thread intervals, tl_stalls.c for stalls): in a file of their own, below
 * both, so that neither of those calls the other's helpers and the other calls
 * it back. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tl_model.h"

void tl_text_add(char *t, size_t len, const char *fmt, ...)
{
	size_t n = strlen(t);
	if (n + 1 >= len)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t + n, len - n, fmt, ap);
	va_end(ap);
}

const char *tl_dur(char *b, size_t len, uint64_t ns)
{
	double ms = (double)ns / 1e6;
	if (ms < 0.01)
		snprintf(b, len, "%.1f \xc2\xb5s", ms * 1e3);
	else if (ms < 1)
		snprintf(b, len, "%.0f \xc2\xb5s", ms * 1e3);
	else if (ms < 100)
		snprintf(b, len, "%.2f ms", ms);
	else if (ms < 10000)
		snprintf(b, len, "%.1f ms", ms);
	else
		snprintf(b, len, "%.2f s", ms / 1e3);
	return b;
}
