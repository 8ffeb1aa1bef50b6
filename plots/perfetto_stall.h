/* A stall's args in trace.json (perfetto.c): its row of stalls.csv as a JSON
 * object, each column under the column's own name (schema_stalls). */
#ifndef ASPLOTS_PERFETTO_STALL_H
#define ASPLOTS_PERFETTO_STALL_H

#include <stdio.h>

#include "rundata.h"

/* {"tid":..,"comm":..,...,"stack":..}: numbers as in the file, ready -1 when
 * unknown, requests_waiting and stack null when empty. */
void pf_stall_args(FILE *f, const struct rd_stall *s);

#endif
