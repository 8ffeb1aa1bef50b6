/* Command line of `bench load` into a struct load_config, with every value checked.
 * Shared with `bench run`, which passes the same load options through. */
#ifndef ASYNCSCOPE_LOADOPTS_H
#define ASYNCSCOPE_LOADOPTS_H

#include <stddef.h>
#include <stdint.h>

#include "load.h"

#define LOADOPTS_HELP 1

struct loadopts {
	struct load_config cfg;
	const char *json_path; /* --json FILE, "-" for stdout; NULL for none */
	int quiet;	       /* -q: no live progress line */
};

extern const char loadopts_usage[];

/* argv[0] is the subcommand name. Returns 0, LOADOPTS_HELP for -h/--help, or
 * -EINVAL with a one-line reason naming the bad flag or value in err. Strings in
 * the result point into argv. */
int loadopts_parse(struct loadopts *o, int argc, char **argv, char *err, size_t errlen);

/* "1.5s", "250ms", "100us", "2m", "1h", or plain seconds, into ns. 0 or -EINVAL. */
int loadopts_duration(const char *s, uint64_t *ns);

#endif
