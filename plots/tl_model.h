/* The timeline decided before anything is written: which window, which request
 * and thread lanes, which colour each request has, every box, arrow and label,
 * and the page's texts and pixel positions. tl_model_build does no I/O; the
 * emitters (tl_emit.c) take the model const and only print it.
 *
 * The files, each using only those above it:
 *   tl_lanes.c    the request lanes (a connection each, or packed), the
 *                 window shown when they must be cut, the in-flight strip
 *   tl_index.c    the lookups: a request by id (its rank and its marks), a
 *                 thread by tid, a thread's marks and service stretches by time
 *   tl_stack.c    threads counted by state over time; latency over send time
 *   tl_threads.c  the join of threads to requests; which threads get a lane
 *   tl_boxes.c    the boxes of both panels, the hand-off arrows, the labels
 *   tl_stalls.c   the event loops' stalls over their lanes, and their texts
 *   tl_hover.c    the SVG's hover points and their texts, capped
 *   tl_page.c     title, subtitle, notes; the panels' heights in pixels
 *   tl_model.c    tl_model_build: window, request lanes, then all of the above
 *   tl_emit.c     the gnuplot script from a const model
 *   timeline.c    plots_timeline: read the run, build, write, run gnuplot */
#ifndef ASPLOTS_TL_MODEL_H
#define ASPLOTS_TL_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "plots.h"
#include "rundata.h"

/* Horizontal pixels of the plot area, to size "2 px" in ms. */
#define TL_W	   1400
#define TL_LEFT	   180
#define TL_RIGHT   270
#define TL_PLOT_PX (TL_W - TL_LEFT - TL_RIGHT)

/* Heights in pixels of the in-flight strip, the stacked thread counts and the
 * latency panel. */
#define TL_INFLIGHT_PX 70
#define TL_STACK_PX    130
#define TL_LAT_PX      200

/* Syscall names written on the thread lanes, at most. */
#define TL_MAX_LABELS 60

/* Boxes the thread panel draws, at most: past this the bucket grows (2, 4, ...
 * pixels) until they fit. 40 lanes of 950 pixels, about one box a pixel. */
#define TL_MAX_BOXES 40000

/* Requests drawn at most: past this (or past TL_MAX_PER_LANE on one lane, a
 * request then being a few pixels wide) the window narrows. */
#define TL_MAX_REQS	2000
#define TL_MAX_PER_LANE 240
/* The slowest requests of the window given lanes of their own when lanes are cut. */
#define TL_NSLOW 20
/* The window when the run does not fit: the busiest stretch of this length. */
#define TL_WINDOW_NS 2000000000ull
/* Above this many requests a latency panel (send time, whole run) is added; above
 * TL_LAT_HEAT it is a heat map rather than one point per request. */
#define TL_LAT_MIN  2000
#define TL_LAT_HEAT 20000

/* A request of requests.csv by id: its colour (its rank in send order, or its
 * place on its lane), and its marks are by_id[mark0 .. mark0 + nmark). */
struct tl_reqix {
	uint64_t id;
	uint32_t rank, colour;
	size_t mark0, nmark;
};

/* How requests share lanes: one each (few requests), one lane per connection
 * (closed loops: its requests back to back), or packed into the fewest lanes
 * with no overlap (bursts, open loops, a connection per request). */
enum tl_lane_kind { TL_LANES_ONE, TL_LANES_CONN, TL_LANES_PACKED };

/* One step of the in-flight strip: from x (ms) to the next step, n in flight. */
struct tl_step {
	double x;
	uint32_t n;
};

/* Threads counted by state in one bucket of time (tl_stack.c). */
#define TL_NSTACK 4 /* running, runnable, sleeping, blocked */
struct tl_stackbin {
	double x0, x1;
	float n[TL_NSTACK];
};

/* The latency panel: a point per request, or a heat map's cells. */
struct tl_latpt {
	double x, y;	/* s since the first send, ms */
	double x1, y1;	/* heat map: the cell's far corner */
	uint32_t count; /* heat map: requests in the cell */
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
	int role;	 /* TL_ROLE_ bits, from the marks */
};
/* What a thread's marks say it did: read requests that others handled (an
 * event loop handing to a pool), handled requests another read (a pool
 * worker). These, and then the busiest, get the few lanes drawn beside the
 * stacked counts when threads are too many for a lane each. */
#define TL_ROLE_STALL  8 /* an event loop that stalled in the window */
#define TL_ROLE_LOOP   4
#define TL_ROLE_POOL   2
#define TL_STACK_LANES 12

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

/* The SVG's hover layer (tl_hover.c): an invisible point at the middle of a
 * drawn request or thread interval carrying its text. At most TL_MAX_HOVER,
 * since each costs the SVG about 700 bytes; on a thread lane at most one per
 * TL_HOVER_PX pixels, as closer points would cover each other. */
#define TL_MAX_HOVER  4000
#define TL_HOVER_PX   4
#define TL_HOVER_TEXT 512 /* a stall's: its row, stack included */
enum tl_panel { TL_PANEL_REQ, TL_PANEL_THR };
struct tl_hover {
	double x, y; /* in its panel's units: ms, lane */
	int panel;
	char text[TL_HOVER_TEXT]; /* lines split by '\n' (gp_hypertext) */
};

/* A stall of stalls.csv over its loop's lane (tl_stalls.c): the band from
 * x0 to x1 (ms, clipped to the window), half-height h in lane units, and a
 * label on its top edge when it has room ("" when not). */
struct tl_stall {
	double x0, x1, h;
	int lane;
	size_t row; /* in r->stall */
	char label[64];
};

struct tl_page {
	int h;		      /* total height, px */
	int req_top, req_bot; /* panel edges, px from the top; -1 without the panel */
	int inf_top, inf_bot;
	int stk_top, stk_bot;
	int thr_top, thr_bot;
	int lat_top, lat_bot;
	char title[256], sub[512], notes[4][320];
	char hover[256]; /* what has hover text: drawn in the SVG only */
	int nnotes;
};

struct tl_model {
	const struct rd_run *r;
	/* tl_index.c */
	struct rd_mark *by_id, *by_tid; /* the marks, sorted two ways */
	struct tl_reqix *ix;		/* one per request, by id */
	size_t nmarked;			/* requests with marks */
	/* tl_threads.c */
	struct tl_serve *serve; /* sorted by tid, then time */
	size_t nserve;
	struct tl_thread *thr; /* by tid */
	size_t nthr, nthr_lanes, thr_total, thr_idle, thr_cut;
	/* tl_lanes.c */
	size_t *order; /* request indices in send order */
	int *lane_of;  /* per request index: its lane (0 on top), -1 when not drawn */
	size_t *drawn; /* the requests drawn, in send order */
	size_t ndrawn;
	size_t nlane;	  /* lanes drawn, the last nslow of them one slow request each */
	size_t nlane_all; /* lanes the whole run needs */
	size_t nlane_win; /* lanes with a request in the window */
	size_t nslow, nfailed;
	size_t lane_lo, lane_hi; /* the first and last lane of the run drawn, from 1 */
	enum tl_lane_kind lane_kind;
	int cut; /* the window is narrower than the run */
	char lane_lbl[PLOTS_MAX_REQ_LANES][32];
	struct tl_step *infl; /* the in-flight strip over the window */
	size_t ninfl;
	uint32_t infl_max;   /* most in flight at once, in the window */
	int infl_binned;     /* steps are the most per pixel */
	uint64_t run0, run1; /* first send, last response */
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
	/* tl_stack.c */
	struct tl_stackbin *stack; /* when threads are too many for lanes */
	size_t nstack;
	float stack_max;
	struct tl_latpt *lat;
	size_t nlat;
	int lat_heat;
	double lat_p50, lat_p99, lat_max; /* ms */
	/* tl_stalls.c */
	struct tl_stall *stl;
	size_t nstl, stl_out; /* drawn; of the run's, not drawn (outside, no lane) */
	/* tl_hover.c: requests first, then stalls and thread intervals */
	struct tl_hover *hov;
	size_t nhov, nhov_req;
	size_t nhov_stl;       /* stalls', after the requests' */
	size_t hov_thr_all;    /* thread intervals drawn, each one a candidate */
	size_t hov_thr_placed; /* of those, one per TL_HOVER_PX of a lane */
	/* tl_page.c */
	struct tl_page page;
};

/* tl_model.c. r must outlive m; name (the run directory) is the title of last
 * resort. 0, -ENODATA when there is nothing to draw, -ENOMEM. tl_model_free
 * also after a failed build. */
int tl_model_build(struct tl_model *m, const struct rd_run *r, const char *name);
void tl_model_free(struct tl_model *m);

/* tl_lanes.c: order, lanes, window, the in-flight strip. -ENOMEM */
int tl_pick_lanes(struct tl_model *m);
int tl_build_inflight(struct tl_model *m);

/* tl_stack.c: -ENOMEM */
int tl_build_stack(struct tl_model *m);
int tl_build_latency(struct tl_model *m);

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

/* tl_text.c: appends printf-style text to t (len bytes in all), silently cut
 * at the end: the one way the hover texts are built (tl_hover.c, tl_stalls.c). */
void tl_text_add(char *t, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A duration as a reader wants it: 45 µs, 3.21 ms, 203.4 ms, 1.25 s. */
const char *tl_dur(char *b, size_t len, uint64_t ns);

/* tl_stalls.c: after the thread lanes. -ENOMEM */
int tl_build_stalls(struct tl_model *m);

/* A stall's hover text: the whole row. */
void tl_stall_text(const struct tl_model *m, const struct rd_stall *s, char *t);

/* tl_hover.c: after the boxes. -ENOMEM */
int tl_build_hover(struct tl_model *m);

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
