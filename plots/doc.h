/* One document written twice: Markdown (images by relative path) and a
 * self-contained HTML page (images embedded as base64 data URIs, CSS inline).
 * Text given here is plain; each writer escapes it for its format. */
#ifndef ASPLOTS_DOC_H
#define ASPLOTS_DOC_H

#include <stdio.h>

#include "colours.h"

struct doc {
	FILE *md, *html;
	const char *dir; /* images are relative to it */
};

void doc_begin(struct doc *d, const char *title);
void doc_end(struct doc *d);
void doc_h(struct doc *d, int level, const char *text);
void doc_p(struct doc *d, const char *text);
/* An image at dir/rel, `width` px wide in HTML (0: full width). A missing file
 * becomes a line saying so. */
void doc_img(struct doc *d, const char *rel, const char *alt, int width);
void doc_pre(struct doc *d, const char *text);

/* Tables: cells are plain text; a row of n cells. */
void doc_table(struct doc *d, const char *const *head, int n);
void doc_row(struct doc *d, const char *const *cells, int n);
void doc_table_end(struct doc *d);

/* A grid of thumbnails: open, cells (caption + image), close. */
void doc_grid(struct doc *d, int columns);
void doc_cell(struct doc *d, const char *rel, const char *caption);
void doc_grid_end(struct doc *d);

/* A legend of colour keys (colours.h): swatches in HTML, names and values in
 * Markdown. */
void doc_legend(struct doc *d, const enum col_key_id *keys, int n);

#endif
