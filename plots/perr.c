#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "perr.h"
#include "plots.h"

static _Thread_local char detail[512];

const char *plots_detail(void)
{
	return detail;
}

const char *plots_error(int rc)
{
	if (detail[0])
		return detail;
	switch (rc) {
	case -ENOENT: return "input files missing";
	case -ENOPKG: return "gnuplot is not installed (apt-get install gnuplot-nox)";
	case -EBADMSG: return "a CSV or JSON file is garbled";
	case -ENODATA: return "no rows to draw";
	case -EIO: return "gnuplot failed (see gnuplot.log and the .gp script left there)";
	default: return strerror(-rc);
	}
}

void perr_clear(void)
{
	detail[0] = '\0';
}

void perr_set(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
}

int perr_file(int rc, const char *path)
{
	if (rc < 0)
		perr_set("%s: %s", path, strerror(-rc));
	return rc;
}

void perr_quote(char *out, size_t len, const char *s)
{
	size_t n = 0;
	if (!len)
		return;
	/* Long garbage is cut: the start says enough to find the line. */
	for (; *s && n + 1 < len; s++)
		out[n++] = *s >= 0x20 && *s < 0x7f ? *s : '?';
	out[n] = '\0';
	if (*s && n >= 3)
		memcpy(out + n - 3, "...", 3);
}
