/* Every colour plots draws with, defined once and named for what it shows: the
 * timeline, the comparison charts and the report's HTML take them from here. A
 * target's own colour is the schema's (schema_colour), the same in every chart.
 * Values are 0xRRGGBB; gnuplot and CSS both get them as "#rrggbb". */
#ifndef ASPLOTS_COLOURS_H
#define ASPLOTS_COLOURS_H

#include <stdint.h>

/* A request's phases, on its lane of the timeline. Its time in the handler is
 * drawn in the request's own colour (col_request), its waits in the pale of it. */
#define COL_CLIENT   0xa0a0a0 /* the client's span: sent, awaiting the response */
#define COL_KQUEUE   0xa6761d /* sent, in the kernel's socket queue: not yet read */
#define COL_QUEUED   0xf0c808 /* read by the server, no handler yet */
#define COL_INFLIGHT 0x4a6fa5 /* the in-flight strip's line, and its pale fill */

/* A thread's states, on its lane. Running is the colour of the request it
 * served, or COL_NOREQ. */
#define COL_NOREQ    0x505050
#define COL_RUNNABLE 0xff7f0e
#define COL_SLEEPING 0x9ecae1
#define COL_BLOCKED  0xd62728
#define COL_UNKNOWN  0xdddddd /* before a thread's first event */
#define COL_HANDOFF  0x606060 /* the legend's sample of the hand-off arrows */
/* An event loop's stall (stalls.csv): an outline over its lane, its pale
 * behind the states. Apart from the request colours and the states'. */
#define COL_STALL 0xc0007a

/* Status: a failed request or cell, and its row in the report's table. */
#define COL_FAILED	0xd62728
#define COL_FAILED_BG	0xfde8e8
#define COL_DEGRADED_BG 0xfff1d6 /* a cell that left connections unserved */
#define COL_ERRORS_BG	0xfdf3f3 /* a cell that ran, with failed requests */
#define COL_WARN	0xa03000 /* notes saying what a chart left out */

/* The blog chart's bars, one per endpoint: the mistake in the failure red. */
#define COL_EP_SYNC  0x1f77b4
#define COL_EP_ASYNC 0x2ca02c
#define COL_EP_WRONG 0xd62728

/* Ink and paper of charts and pages, darkest first. */
#define COL_INK	       0x222222 /* the report's text */
#define COL_INK_LABEL  0x303030 /* labels on a chart, the "one wait" line */
#define COL_INK_SUB    0x404040 /* a chart's subtitle */
#define COL_INK_SOFT   0x555555 /* captions */
#define COL_INK_FRAME  0x606060 /* axes, notes over a chart */
#define COL_INK_FOOT   0x707070 /* footnotes */
#define COL_RULE_TABLE 0xcccccc
#define COL_RULE       0xdddddd /* grid lines, headings' rules */
#define COL_RULE_LIGHT 0xeeeeee
#define COL_PAPER_HEAD 0xf4f4f4 /* table headings */
#define COL_PAPER_CODE 0xf6f6f6
#define COL_PAPER      0xffffff

/* gnuplot's alpha byte over a colour: about half transparent. */
#define COL_ALPHA_HALF 0x60000000u

/* Request n's colour (n: its rank in send order, or its id when the client did
 * not record it), cycling through COL_NREQUEST colours chosen apart from the
 * state colours above. */
#define COL_NREQUEST 12
#define COL_REQUEST0 0x1f77b4 /* the first, which the legends show */
unsigned col_request(uint64_t n);

/* The pale of a request's colour, for its waits: 3/5 of the way to white. */
#define COL_PALE_(x) ((x) + (255u - (x)) * 3 / 5)
#define COL_PALE(c)                                                                                \
	(COL_PALE_(((c) >> 16) & 0xffu) << 16 | COL_PALE_(((c) >> 8) & 0xffu) << 8 |               \
	 COL_PALE_((c)&0xffu))
unsigned col_pale(unsigned c);

/* The entries of the timeline's legends, which the report's HTML legend shows
 * too: the colour, what it means, and how the sample is drawn. */
enum col_how { COL_BOX, COL_LINE, COL_ARROW };
struct col_key {
	unsigned rgb;
	enum col_how how;
	const char *label;
};
enum col_key_id {
	KEY_CLIENT,
	KEY_CLIENT_ONLY,
	KEY_KQUEUE,
	KEY_QUEUED,
	KEY_ON_CPU,
	KEY_WAITING,
	KEY_FAILED,
	KEY_RUN_REQUEST,
	KEY_RUN_NOREQ,
	KEY_RUN,
	KEY_RUNNABLE,
	KEY_SLEEPING,
	KEY_BLOCKED,
	KEY_HANDOFF,
	KEY_STALL,
	KEY_N
};
extern const struct col_key col_keys[KEY_N];

#endif
