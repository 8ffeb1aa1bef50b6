/* The timeline's gnuplot script from a built model (tl_model.h): prints only. */
#ifndef ASPLOTS_TL_EMIT_H
#define ASPLOTS_TL_EMIT_H

#include <stdio.h>

#include "tl_model.h"

/* The datablocks, then the page into gp_run's output 0 (PNG) and 1 (SVG). */
void tl_emit(const struct tl_model *m, FILE *f);

#endif
