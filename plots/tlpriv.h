/* What timeline.c computes and tl_layout.c lays out: shared by the two only. */
#ifndef ASPLOTS_TLPRIV_H
#define ASPLOTS_TLPRIV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rundata.h"

/* Horizontal pixels of the plot area, to size "2 px" in ms. */
#define TL_W	   1400
#define TL_LEFT	   180
#define TL_RIGHT   270
#define TL_PLOT_PX (TL_W - TL_LEFT - TL_RIGHT)

/* Syscall names written on the thread lanes, at most. */
#define TL_MAX_LABELS 60

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
	int serves_lane; /* ran the handler of a request that has a lane */
};

struct tl {
	struct rd_run r;
	struct rd_mark *by_id, *by_tid; /* the marks, sorted two ways */
	struct tl_serve *serve;		/* sorted by tid, then time */
	size_t nserve;
	size_t *order;	      /* request indices in send order */
	struct tl_rank *rank; /* by id */
	size_t *lane;	      /* request index per lane, top first */
	size_t nlane;
	struct tl_thread *thr; /* by tid */
	size_t nthr, nthr_lanes, thr_total, thr_idle, thr_cut;
	uint64_t t0, w0, w1; /* origin of the axis, window shown */
	double ms_per_px;
	size_t nhand;				     /* hand-offs drawn */
	double last_y, last_end;		     /* the last widened request burst drawn */
	double req_ppu, thr_ppu;		     /* pixels per lane unit in each panel */
	size_t thr_intervals, thr_boxes, thr_joined; /* drawn on the thread lanes */
	double thr_bucket_px;			     /* its bucket, in pixels */
};

/* Boxes the thread panel draws, at most: past this the bucket grows (2, 4, ...
 * pixels) until they fit. 40 lanes of 950 pixels, about one box a pixel. */
#define TL_MAX_BOXES 40000

/* Panel heights in pixels for n lanes: shared so that the data can size its
 * thin lines in pixels. */
int tl_panel_px(size_t n);

unsigned tl_colour_of(const struct tl *t, uint64_t id);

#define C_CLIENT   0xa0a0a0
#define C_FAILED   0xd62728
#define C_QUEUED   0xf0c808
#define C_NOREQ	   0x505050
#define C_RUNNABLE 0xff7f0e
#define C_SLEEPING 0x9ecae1
#define C_BLOCKED  0xd62728
#define C_UNKNOWN  0xdddddd

/* Boxes in one datablock, with neighbours of one colour on one lane merged
 * when they touch within `merge` ms: at 1000 requests this keeps the SVG small.
 *
 * With `bucket` > 0 (the thread lanes), pieces narrower than `bucket` ms (a
 * pixel, or more when a chart would hold too many boxes) that start within
 * `bucket` of the start of a box of such pieces join it whatever their colour,
 * and the box takes the colour of the highest `rank` among them (sleeping over
 * unknown; a request over no request). Each state has its own layer, written in
 * its own pass (tl_threads.c, emit_boxes), so a piece only joins pieces of its
 * own state and no merge can hide a state: a pixel where a thread was blocked,
 * however briefly, shows blocked. One pixel of a lane holds at most two boxes
 * per layer; what a box cannot say is how the pixel's time was shared. */
struct boxw {
	FILE *f;
	double merge, bucket;
	int have, narrow, rank;
	double x0, x1, y0, y1;
	unsigned col;
	size_t pieces, boxes, joined; /* in, out, and pieces narrower than a bucket merged */
};

static inline void tl_box_flush(struct boxw *w)
{
	if (w->have) {
		fprintf(w->f, "%.4f %.4f %.3f %.3f %u\n", w->x0, w->x1, w->y0, w->y1, w->col);
		w->boxes++;
	}
	w->have = 0;
}

/* A piece drawn from x0 to x1 (widened to a minimum width) that lasted nat ms. */
static inline void tl_piece(struct boxw *w, double x0, double x1, double nat, double y0, double y1,
			    unsigned col, int rank)
{
	int narrow = w->bucket > 0 && nat < w->bucket;
	w->pieces++;
	if (w->have && y0 == w->y0 && y1 == w->y1 && x0 >= w->x0) {
		if (col == w->col && x0 <= w->x1 + w->merge) {
			if (x1 > w->x1)
				w->x1 = x1;
			w->narrow &= narrow;
			w->joined += narrow;
			return;
		}
		if (narrow && w->narrow && x0 < w->x0 + w->bucket) {
			if (x1 > w->x1)
				w->x1 = x1;
			if (rank > w->rank) {
				w->col = col;
				w->rank = rank;
			}
			w->joined++;
			return;
		}
	}
	tl_box_flush(w);
	w->have = 1;
	w->narrow = narrow;
	w->rank = rank;
	w->x0 = x0;
	w->x1 = x1;
	w->y0 = y0;
	w->y1 = y1;
	w->col = col;
}

static inline void tl_box(struct boxw *w, double x0, double x1, double y0, double y1, unsigned col)
{
	tl_piece(w, x0, x1, x1 - x0, y0, y1, col, 0);
}

/* A half-height in lane units: `units` when lanes are small, at most `px`
 * pixels when they are tall, so a lone lane does not become a slab. */
static inline double tl_half(double ppu, double units, double px)
{
	return px / ppu < units ? px / ppu : units;
}

/* ns of monotonic time -> ms on the chart's axis. */
static inline double tl_xms(const struct tl *t, uint64_t ns)
{
	return ((double)ns - (double)t->t0) / 1e6;
}

/* tl_threads.c: the thread panel. */
size_t tl_first_mark(const struct rd_mark *m, size_t n, uint32_t tid, uint64_t t0);
struct tl_thread *tl_find_thread(struct tl *t, uint32_t tid);
int tl_build_service(struct tl *t);
int tl_pick_threads(struct tl *t);
/* The thread lanes' datablocks; -ENOMEM. */
int tl_emit_threads(struct tl *t, FILE *f);

/* Titles, panels, legends and the two terminals, the PNG into gp_run's output 0
 * and the SVG into output 1; the datablocks come first. */
void tl_emit_layout(const struct tl *t, FILE *f, const char *dir);

#endif
