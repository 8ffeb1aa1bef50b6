/* The report's ways into its cells (report.c's helper): each cell's status in a
 * word and a row class, its anchor, its links (folder, timeline PNG and SVG,
 * trace.json, those that exist), the list of cells under a chart, and the
 * timelines of every cell as thumbnails. */
#ifndef ASPLOTS_REPORT_CELLS_H
#define ASPLOTS_REPORT_CELLS_H

#include <stddef.h>

#include "doc.h"
#include "summary.h"

/* "failed", "unsupported", "degraded" or "ok": what the table says. */
const char *rcell_status(const struct sum_row *r);

/* The table row's class, by status first and then error count: "fail",
 * "degraded", "errors" (ran, some requests failed), or NULL. */
const char *rcell_class(const struct sum_row *r);

/* An HTML id for the cell: "cell-" and its folder, letters and digits kept. */
void rcell_id(const struct sum_row *r, char *out, size_t len);

/* A cell's links; n 0 when the row names no folder. */
struct rcell_links {
	struct doc_link l[4];
	char href[4][300];
	int n;
};
void rcell_links(const char *dir, const struct sum_row *r, struct rcell_links *out);

/* Under a chart: every cell of the scenario, each linked to its timeline (or
 * its folder when it has none). */
void rcell_chart_list(struct doc *d, const struct sum *s, const char *dir, const char *scenario);

/* "Timelines of every cell": the blog's embedded, three to a row; the other
 * scenarios' read from the cell folders. */
void rcell_timelines(struct doc *d, const struct sum *s, const char *dir);

#endif
