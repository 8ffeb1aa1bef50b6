/* What timeline.c computes and tl_layout.c lays out: shared by the two only. */
#ifndef ASPLOTS_TLPRIV_H
#define ASPLOTS_TLPRIV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rundata.h"

/* Horizontal pixels of the plot area, to size "2 px" in ms. */
#define TL_W 1400
#define TL_LEFT 180
#define TL_RIGHT 270
#define TL_PLOT_PX (TL_W - TL_LEFT - TL_RIGHT)

struct tl_rank {
	uint64_t id;
	uint32_t rank; /* position in send order: picks the colour */
};

/* A thread serving one request from a to b (UINT64_MAX: to the end). */
struct tl_serve {
	uint32_t tid;
	uint64_t id, a, b;
};

struct tl_thread {
	uint32_t tid;
	const char *comm;
	uint64_t run_ns; /* running time inside the window */
	int lane;	 /* -1 when not drawn */
};

struct tl {
	struct rd_run r;
	struct rd_mark *by_id, *by_tid; /* the marks, sorted two ways */
	struct tl_serve *serve;		/* sorted by tid, then time */
	size_t nserve;
	size_t *order; /* request indices in send order */
	struct tl_rank *rank; /* by id */
	size_t *lane;	      /* request index per lane, top first */
	size_t nlane;
	struct tl_thread *thr; /* by tid */
	size_t nthr, nthr_lanes, thr_total, thr_idle, thr_cut;
	uint64_t t0, w0, w1; /* origin of the axis, window shown */
	double ms_per_px;
	size_t nhand; /* hand-offs drawn */
	double req_ppu, thr_ppu; /* pixels per lane unit in each panel */
};

/* Panel heights in pixels for n lanes: shared so that the data can size its
 * thin lines in pixels. */
int tl_panel_px(size_t n);

unsigned tl_colour_of(const struct tl *t, uint64_t id);

/* Titles, panels, legends and the two terminals; the datablocks come first. */
void tl_emit_layout(const struct tl *t, FILE *f, const char *dir, const char *png,
		    const char *svg);

#endif
