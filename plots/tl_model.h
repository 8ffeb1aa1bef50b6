/* The timeline decided before anything is written: which window, which request
 * and thread lanes, which colour each request has, every box, arrow and label,
 * and the page's texts and pixel positions. tl_model_build does no I/O; the
 * emitters (tl_emit.c) take the model const and only print it.
 *
 * The files, each using only those above it:
 *   tl_index.c    the lookups: a request by id (its rank and its marks), a
 *                 thread by tid, a thread's marks and service stretches by time
 *   tl_threads.c  the join of threads to requests; which threads get a lane
 *   tl_boxes.c    the boxes of both panels, the hand-off arrows, the labels
 *   tl_page.c     title, subtitle, notes; the panels' heights in pixels
 *   tl_model.c    tl_model_build: window, request lanes, then all of the above
 *   tl_emit.c     the gnuplot script from a const model
 *   timeline.c    plots_timeline: read the run, build, write, run gnuplot */
#ifndef ASPLOTS_TL_MODEL_H
#define ASPLOTS_TL_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "rundata.h"

/* Horizontal pixels of the plot area, to size "2 px" in ms. */
#define TL_W	   1400
#define TL_LEFT	   180
#define TL_RIGHT   270
#define TL_PLOT_PX (TL_W - TL_LEFT - TL_RIGHT)

/* Syscall names written on the thread lanes, at most. */
#define TL_MAX_LABELS 60

/* Boxes the thread panel draws, at most: past this the bucket grows (2, 4, ...
 * pixels) until they fit. 40 lanes of 950 pixels, about one box a pixel. */
#define TL_MAX_BOXES 40000

/* A request of requests.csv by id: its rank in send order picks its colour, and
 * its marks are by_id[mark0 .. mark0 + nmark). */
struct tl_reqix {
	uint64_t id;
	uint32_t rank;
	size_t mark0, nmark;
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

/* One box of a datablock, in chart units (ms, lanes). */
struct tl_box {
	double x0, x1, y0, y1;
	unsigned col;
};

struct tl_boxes {
	struct tl_box *b;
	size_t n, cap;
};

/* An arrow from a request's reading thread to its handling thread. */
struct tl_hand {
	double x, dx;
	int lane, dlane;
	unsigned col; /* with gnuplot's alpha byte */
};

/* A syscall name written over a long wait. */
struct tl_label {
	double x;
	int lane;
	const char *text;
};

struct tl_page {
	int h;		      /* total height, px */
	int req_top, req_bot; /* panel edges, px from the top; -1 without the panel */
	int thr_top, thr_bot;
	char title[256], sub[512], notes[3][256];
	int nnotes;
};

struct tl_model {
	const struct rd_run *r;
	/* tl_index.c */
	struct rd_mark *by_id, *by_tid; /* the marks, sorted two ways */
	struct tl_reqix *ix;		/* one per request, by id */
	/* tl_threads.c */
	struct tl_serve *serve; /* sorted by tid, then time */
	size_t nserve;
	struct tl_thread *thr; /* by tid */
	size_t nthr, nthr_lanes, thr_total, thr_idle, thr_cut;
	/* tl_model.c */
	size_t *order; /* request indices in send order */
	size_t *lane;  /* request index per lane, top first */
	size_t nlane, nfailed;
	uint64_t t0, w0, w1; /* origin of the axis, window shown */
	double ms_per_px;
	double req_ppu, thr_ppu; /* pixels per lane unit in each panel */
	/* tl_boxes.c: what is drawn */
	struct tl_boxes req_boxes, thr_boxes;
	struct tl_hand *hand;
	size_t nhand;
	struct tl_label lbl[TL_MAX_LABELS];
	size_t nlbl;
	size_t thr_intervals, thr_joined; /* intervals in, pieces merged into a bucket */
	double thr_bucket_px;		  /* the bucket, in pixels */
	/* tl_page.c */
	struct tl_page page;
};

/* tl_model.c. r must outlive m; name (the run directory) is the title of last
 * resort. 0, -ENODATA when there is nothing to draw, -ENOMEM. tl_model_free
 * also after a failed build. */
int tl_model_build(struct tl_model *m, const struct rd_run *r, const char *name);
void tl_model_free(struct tl_model *m);

/* tl_index.c */
int tl_index_build(struct tl_model *m); /* by_id, by_tid, ix (needs order); -ENOMEM */
const struct tl_reqix *tl_req_find(const struct tl_model *m, uint64_t id);
/* The marks of request id in time order (*n of them, maybe 0). */
const struct rd_mark *tl_marks_of(const struct tl_model *m, uint64_t id, size_t *n);
unsigned tl_colour_of(const struct tl_model *m, uint64_t id);
size_t tl_first_mark(const struct tl_model *m, uint32_t tid, uint64_t t0);
size_t tl_first_serve(const struct tl_model *m, uint32_t tid, uint64_t a);
struct tl_thread *tl_find_thread(const struct tl_model *m, uint32_t tid);

/* tl_threads.c */
int tl_build_service(struct tl_model *m);
int tl_pick_threads(struct tl_model *m);

/* tl_boxes.c: -ENOMEM */
int tl_build_requests(struct tl_model *m);
int tl_build_threads(struct tl_model *m);

/* tl_page.c */
int tl_panel_px(size_t n);
void tl_build_page(struct tl_model *m, const char *name);

/* ns of monotonic time -> ms on the chart's axis. */
static inline double tl_xms(const struct tl_model *m, uint64_t ns)
{
	return ((double)ns - (double)m->t0) / 1e6;
}

/* A half-height in lane units: `units` when lanes are small, at most `px`
 * pixels when they are tall, so a lone lane does not become a slab. */
static inline double tl_half(double ppu, double units, double px)
{
	return px / ppu < units ? px / ppu : units;
}

#endif
