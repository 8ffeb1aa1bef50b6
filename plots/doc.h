/* One document written twice: Markdown (images by relative path) and a
 * self-contained HTML page (images embedded as base64 data URIs, CSS and the
 * table-sorting script inline). Text given here is plain; each writer escapes
 * it for its format. Links are relative paths (a cell's folder or one of its
 * files) or "#anchor"s, percent-encoded by one function for both formats. */
#ifndef ASPLOTS_DOC_H
#define ASPLOTS_DOC_H

#include <stdio.h>

#include "colours.h"

struct doc {
	FILE *md, *html;
	const char *dir; /* images are relative to it */
	int sortable;	 /* a sortable table was written: the script goes in */
};

void doc_begin(struct doc *d, const char *title);
void doc_end(struct doc *d);
void doc_h(struct doc *d, int level, const char *text);
void doc_p(struct doc *d, const char *text);
/* An image at dir/rel, `width` px wide in HTML (0: full width). A missing file
 * becomes a line saying so. */
void doc_img(struct doc *d, const char *rel, const char *alt, int width);
void doc_pre(struct doc *d, const char *text);

/* A link: what it says, and where it goes. */
struct doc_link {
	const char *text, *href;
};

/* A paragraph: lead text, then the links separated by " · ". */
void doc_links(struct doc *d, const char *lead, const struct doc_link *l, int n);

/* Tables: cells are plain text; a row of n cells. A sortable table's headers
 * sort it when clicked (numbers as numbers, a "≥" lower bound as its number,
 * "-" and empty cells last), by the page's one inline script. */
void doc_table(struct doc *d, const char *const *head, int n);
void doc_table_sortable(struct doc *d, const char *const *head, int n);
void doc_row(struct doc *d, const char *const *cells, int n);
/* A row with an HTML class (for its colour: "fail", "degraded", "errors"; the
 * row says it in words too, the colour only repeats it), an anchor id, and a
 * last cell of links; any may be NULL or 0. */
void doc_row_x(struct doc *d, const char *const *cells, int n, const char *cls, const char *id,
	       const struct doc_link *links, int nlinks);
void doc_table_end(struct doc *d);

/* A grid of thumbnails: open, thumbnails, close. */
void doc_grid(struct doc *d, int columns);
/* A thumbnail that opens the full image (img, NULL when there is none), with
 * an anchor id and links under it. embed: the image inside the page as a data
 * URI; otherwise read from its folder when shown (lazily), so that dozens of
 * timelines do not make the page tens of megabytes. */
void doc_thumb(struct doc *d, const char *img, int embed, const char *caption, const char *id,
	       const struct doc_link *links, int nlinks);
void doc_grid_end(struct doc *d);

/* A legend of colour keys (colours.h): swatches in HTML, names and values in
 * Markdown. */
void doc_legend(struct doc *d, const enum col_key_id *keys, int n);

#endif
