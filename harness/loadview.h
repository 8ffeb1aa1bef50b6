/* What a load on the command line shows and writes for the user, the same in
 * bench load and bench run: the live progress line, the --json summary and the
 * one line that names a file that could not be written. */
#ifndef ASYNCSCOPE_LOADVIEW_H
#define ASYNCSCOPE_LOADVIEW_H

#include "load.h"

struct loadview {
	uint64_t last_done;
	uint64_t last_ns;
	int shown; /* a progress line is on the terminal */
};

/* Hooks the live line into cfg when stderr is a terminal and not quiet. */
void loadview_progress(struct loadview *v, struct load_config *cfg, int quiet);
/* Clears the live line, if one was shown. */
void loadview_clear(struct loadview *v);

/* The JSON summary into path ("-": stdout), written whole or not at all. 0 or
 * -errno. */
int loadview_json(const char *path, const struct load_config *cfg, const struct load_result *r);

/* "bench CMD: WHAT PATH: No space left on device (ENOSPC)". */
void loadview_file_error(const char *cmd, const char *what, const char *path, int err);

#endif
