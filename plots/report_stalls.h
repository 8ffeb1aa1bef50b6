/* The report's section on event-loop stalls (report.c's helper): a part for
 * every cell whose stalls.csv has rows, with the verdict the run printed
 * (stalls.txt), its longest stalls in a table and links to its timeline. */
#ifndef ASPLOTS_REPORT_STALLS_H
#define ASPLOTS_REPORT_STALLS_H

#include "doc.h"
#include "summary.h"

void rstall_section(struct doc *d, const struct sum *s, const char *dir);

#endif
