/* The timeline as a gnuplot script, printed from a model that is already
 * decided (tl_model.h): the datablocks first, then the page drawn twice, into
 * the PNG (gp_run's output 0) and the SVG (output 1). Nothing here chooses;
 * every text goes through gp_str and every colour comes from colours.h. */
#include <stdio.h>

#include "colours.h"
#include "gp.h"
#include "tl_emit.h"

static void boxes(FILE *f, const char *name, const struct tl_boxes *b)
{
	fprintf(f, "$%s << EOD\n", name);
	for (size_t i = 0; i < b->n; i++) {
		const struct tl_box *x = &b->b[i];
		fprintf(f, "%.4f %.4f %.3f %.3f %u\n", x->x0, x->x1, x->y0, x->y1, x->col);
	}
	fputs("EOD\n", f);
}

/* The names go in an array set through gp_str and the datablock holds only the
 * index: text in a datablock would be parsed by gnuplot's own rules. */
static void data(const struct tl_model *m, FILE *f)
{
	if (m->nlane)
		boxes(f, "REQ", &m->req_boxes);
	boxes(f, "THR", &m->thr_boxes);
	fputs("$HAND << EOD\n", f);
	for (size_t i = 0; i < m->nhand; i++) {
		const struct tl_hand *h = &m->hand[i];
		fprintf(f, "%.4f %d %.4f %d %u\n", h->x, h->lane, h->dx, h->dlane, h->col);
	}
	fputs("EOD\n", f);
	fprintf(f, "array LBL[%zu]\n", m->nlbl ? m->nlbl : 1);
	for (size_t k = 0; k < m->nlbl; k++) {
		fprintf(f, "LBL[%zu] = ", k + 1);
		gp_str(f, m->lbl[k].text);
		fputc('\n', f);
	}
	fputs("$LBL << EOD\n", f);
	for (size_t k = 0; k < m->nlbl; k++)
		fprintf(f, "%.4f %d %zu\n", m->lbl[k].x, m->lbl[k].lane, k + 1);
	fputs("EOD\n", f);
}

/* One legend entry: a sample drawn as the key says, with its label. */
static void key(FILE *f, enum col_key_id id)
{
	const struct col_key *k = &col_keys[id];
	static const char *const how[] = {
		[COL_BOX] = "boxes", [COL_LINE] = "lines lw 3", [COL_ARROW] = "vectors head filled"
	};
	fprintf(f, ", \\\n NaN with %s lc rgb '#%06x' title ", how[k->how], k->rgb);
	gp_str(f, k->label);
}

static double sy(const struct tl_page *p, int px)
{
	return 1.0 - (double)px / p->h;
}

static void ytics_requests(const struct tl_model *m, FILE *f)
{
	fputs("set ytics (", f);
	for (size_t l = 0; l < m->nlane; l++) {
		char lbl[32];
		snprintf(lbl, sizeof(lbl), "#%llu", (unsigned long long)m->r->req[m->lane[l]].id);
		fputs(l ? ", " : "", f);
		gp_str(f, lbl);
		fprintf(f, " %zu", m->nlane - 1 - l);
	}
	fputs(") font ',8'\n", f);
}

static void ytics_threads(const struct tl_model *m, FILE *f)
{
	fputs("set ytics (", f);
	int first = 1;
	for (size_t i = 0; i < m->nthr; i++) {
		if (m->thr[i].lane < 0)
			continue;
		char lbl[64];
		snprintf(lbl, sizeof(lbl), "%.16s %u", m->thr[i].comm, m->thr[i].tid);
		fputs(first ? "" : ", ", f);
		gp_str(f, lbl);
		fprintf(f, " %d", m->thr[i].lane);
		first = 0;
	}
	fputs(") font ',8'\n", f);
}

static void panel_frame(const struct tl_page *p, FILE *f, int top, int bot, const char *title)
{
	fprintf(f, "set tmargin at screen %.5f\nset bmargin at screen %.5f\n", sy(p, top),
		sy(p, bot));
	fprintf(f, "set lmargin at screen %.5f\nset rmargin at screen %.5f\n",
		(double)TL_LEFT / TL_W, (double)(TL_W - TL_RIGHT) / TL_W);
	fprintf(f, "set key at screen %.5f,%.5f left top Left reverse samplen 1.2 font ',9'\n",
		(double)(TL_W - TL_RIGHT + 14) / TL_W, sy(p, top));
	fprintf(f, "set label 10 ");
	gp_str(f, title);
	fprintf(f, " at screen %.5f,%.5f left font ',11'\n", (double)TL_LEFT / TL_W,
		sy(p, top - 8));
}

static void request_panel(const struct tl_model *m, FILE *f, const char *xlabel)
{
	const struct tl_page *p = &m->page;
	panel_frame(p, f, p->req_top, p->req_bot,
		    "Requests: each lane from send to response, as the client saw it");
	fprintf(f, "set yrange [-0.6:%.1f]\n", (double)m->nlane - 0.4);
	ytics_requests(m, f);
	if (!m->nthr_lanes) {
		fputs("set xlabel ", f);
		gp_str(f, xlabel);
		fputc('\n', f);
	}
	fputs("plot $REQ using (($1+$2)/2):(($3+$4)/2):1:2:3:4:5 with boxxyerror lc rgb "
	      "variable notitle",
	      f);
	key(f, KEY_CLIENT);
	if (m->r->nmark) {
		key(f, KEY_QUEUED);
		key(f, KEY_ON_CPU);
		key(f, KEY_WAITING);
	}
	if (m->nfailed)
		key(f, KEY_FAILED);
	fputs("\n", f);
	fputs("unset label 1\nunset label 2\nunset label 3\nunset label 4\nunset label 5\n"
	      "unset label 6\n",
	      f);
}

static void thread_panel(const struct tl_model *m, FILE *f, const char *xlabel)
{
	const struct tl_page *p = &m->page;
	panel_frame(p, f, p->thr_top, p->thr_bot,
		    m->nlane ? "Threads of the server: what each was doing, from the "
			       "kernel's scheduler"
			     : "Threads: what each was doing, from the kernel's scheduler");
	fprintf(f, "set yrange [-0.6:%.1f]\n", (double)m->nthr_lanes - 0.4);
	ytics_threads(m, f);
	fputs("set xlabel ", f);
	gp_str(f, xlabel);
	fputc('\n', f);
	fprintf(f,
		"plot $THR using (($1+$2)/2):(($3+$4)/2):1:2:3:4:5 with boxxyerror lc rgb "
		"variable notitle, \\\n"
		" $HAND using 1:2:3:4:5 with vectors head size screen 0.005,25 filled lw 1 "
		"lc rgb variable notitle, \\\n"
		" $LBL using 1:2:(LBL[int($3)]) with labels boxed font ',7' tc rgb '#%06x' "
		"notitle",
		COL_INK_LABEL);
	if (m->r->nmark) {
		key(f, KEY_RUN_REQUEST);
		key(f, KEY_RUN_NOREQ);
	} else {
		key(f, KEY_RUN);
	}
	key(f, KEY_RUNNABLE);
	key(f, KEY_SLEEPING);
	key(f, KEY_BLOCKED);
	if (m->nhand)
		key(f, KEY_HANDOFF);
	fputc('\n', f);
}

static void draw(const struct tl_model *m, FILE *f)
{
	const struct tl_page *p = &m->page;
	double x0 = tl_xms(m, m->w0), x1 = tl_xms(m, m->w1);
	fputs("set multiplot\nset style fill solid 1.0 noborder\n", f);
	fprintf(f, "set style textbox opaque fillcolor rgb '#%06x' noborder margins 1,0\n",
		COL_PAPER);
	fprintf(f, "set grid xtics lc rgb '#%06x' lt 1\nset border 3 lc rgb '#%06x'\n", COL_RULE,
		COL_INK_FRAME);
	fputs("set tics nomirror\n", f);
	fprintf(f, "set xrange [%.4f:%.4f]\n", x0, x1);
	fputs("set label 1 ", f);
	gp_str(f, p->title);
	fprintf(f, " at screen 0.5,%.5f center font ',15'\n", sy(p, 26));
	fputs("set label 2 ", f);
	gp_str(f, p->sub);
	fprintf(f, " at screen 0.5,%.5f center font ',10' tc rgb '#%06x'\n", sy(p, 48),
		COL_INK_SUB);
	for (int i = 0; i < p->nnotes; i++) {
		fprintf(f, "set label %d ", 3 + i);
		gp_str(f, p->notes[i]);
		fprintf(f, " at screen 0.5,%.5f center font ',9' tc rgb '#%06x'\n",
			sy(p, 66 + 17 * i), COL_WARN);
	}
	fputs("set label 6 ", f);
	/* bench trace --plot draws the thread panel alone: "both" only for two. */
	gp_str(f, !m->r->nmark ? "Bursts shorter than 2 px are drawn 2 px wide."
		  : m->nlane && m->nthr_lanes
		      ? "One colour per request, the same in both panels (cycling after 12). "
			"Bursts shorter than 2 px are drawn 2 px wide."
		      : "One colour per request (cycling after 12). Bursts shorter than 2 px are "
			"drawn 2 px wide.");
	fprintf(f, " at screen %.5f,%.5f left font ',8' tc rgb '#%06x'\n", (double)TL_LEFT / TL_W,
		sy(p, p->h - 12), COL_INK_FOOT);
	const char *xlabel =
	    m->nlane ? "ms since the first request was sent" : "ms since the trace started";
	if (m->nlane)
		request_panel(m, f, xlabel);
	if (m->nthr_lanes)
		thread_panel(m, f, xlabel);
	fputs("unset multiplot\nunset label\nunset xlabel\n", f);
}

void tl_emit(const struct tl_model *m, FILE *f)
{
	const struct tl_page *p = &m->page;
	data(m, f);
	fputs("set encoding utf8\n", f);
	fprintf(f, "set terminal pngcairo noenhanced size %d,%d font 'sans,9'\n", TL_W, p->h);
	gp_output(f, 0);
	draw(m, f);
	fputs("set output\n", f);
	fprintf(f, "set terminal svg noenhanced size %d,%d font 'sans,9' background rgb '#%06x'\n",
		TL_W, p->h, COL_PAPER);
	gp_output(f, 1);
	draw(m, f);
	fputs("set output\n", f);
}
