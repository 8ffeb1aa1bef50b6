/* libbpf's lines, printed the libbpf-tools way (astrace_int.h). libbpf's print
 * hook is one per process, so its setting is too: the last astrace_open()
 * decides. */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "astrace_int.h"

static atomic_int libbpf_verbose;
static atomic_int libbpf_midline; /* the last message did not end its line */
static atomic_int libbpf_quiet;	  /* trying what may fail, and has a fallback */

/* libbpf's warnings reach stderr as libbpf-tools print them; debug lines only
 * when verbose. Every line starts "libbpf: ", which libbpf's own lines mostly
 * carry already but a verifier log it passes on does not. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !atomic_load(&libbpf_verbose))
		return 0;
	if (atomic_load(&libbpf_quiet) && !atomic_load(&libbpf_verbose))
		return 0;
	char small[512], *text = small, *big = NULL;
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n >= (int)sizeof(small) && (big = malloc((size_t)n + 1))) {
		vsnprintf(big, (size_t)n + 1, fmt, aq);
		text = big;
	}
	va_end(aq);
	if (n < 0)
		return n;
	int midline = atomic_load(&libbpf_midline);
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");
		int prefix = !midline && strncmp(p, "libbpf: ", 8);
		fprintf(stderr, "%s%.*s%s", prefix ? "libbpf: " : "", (int)len, p,
			p[len] ? "\n" : "");
		midline = !p[len];
		p += len + (p[len] ? 1 : 0);
	}
	atomic_store(&libbpf_midline, midline);
	free(big);
	return n;
}

void astrace__log_init(int verbose)
{
	atomic_store(&libbpf_verbose, verbose != 0);
	libbpf_set_print(libbpf_print);
}

void astrace__log_quiet(int quiet)
{
	atomic_store(&libbpf_quiet, quiet != 0);
}
