/* bench trace --plot: one lane per thread, coloured by scheduler state. */
#ifndef ASYNCSCOPE_TRACE_PLOT_H
#define ASYNCSCOPE_TRACE_PLOT_H

#include "sched_sm.h"

/* Draws png_path with gnuplot (pngcairo), fed through a pipe. 0, -ENOENT when
 * gnuplot is missing, or another negative errno. */
int trace_plot_png(const struct sm *sm, const char *png_path);

#endif
