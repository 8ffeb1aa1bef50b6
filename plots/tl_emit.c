/* The timeline as a gnuplot script, printed from a model that is already
 * decided (tl_model.h): the datablocks first, then the page drawn twice, into
 * the PNG (gp_run's output 0) and the SVG (output 1). The SVG pass adds the
 * hover layer (tl_hover.c) and gnuplot's mouse script, inlined, so the file
 * works alone from disk; the PNG pass is as it was without them. Nothing here
 * chooses; every text goes through gp_str (hover texts through gp_hypertext)
 * and every colour comes from colours.h. */
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

/* The hover texts, in an array like the labels' (one string may hold several
 * lines), and a datablock of points per panel indexing it. */
static void hover_data(const struct tl_model *m, FILE *f)
{
	fprintf(f, "array HOV[%zu]\n", m->nhov ? m->nhov : 1);
	for (size_t k = 0; k < m->nhov; k++) {
		fprintf(f, "HOV[%zu] = ", k + 1);
		gp_hypertext(f, m->hov[k].text);
		fputc('\n', f);
	}
	static const char *const name[] = { [TL_PANEL_REQ] = "HREQ", [TL_PANEL_THR] = "HTHR" };
	for (int p = TL_PANEL_REQ; p <= TL_PANEL_THR; p++) {
		fprintf(f, "$%s << EOD\n", name[p]);
		for (size_t k = 0; k < m->nhov; k++)
			if (m->hov[k].panel == p)
				fprintf(f, "%.4f %.3f %zu\n", m->hov[k].x, m->hov[k].y, k + 1);
		fputs("EOD\n", f);
	}
}

/* The hover layer of one panel, in the SVG pass only: invisible points (alpha
 * ff is gnuplot's fully transparent) that still take the mouse. */
static void hover_term(FILE *f, int svg, const char *block, size_t n)
{
	if (svg && n)
		fprintf(f,
			", \\\n $%s using 1:2:(HOV[int($3)]) with labels hypertext point pt 7 "
			"ps 0.9 lc rgb '#ff000000' notitle",
			block);
}

/* The names go in an array set through gp_str and the datablock holds only the
 * index: text in a datablock would be parsed by gnuplot's own rules. */
static void data(const struct tl_model *m, FILE *f)
{
	if (m->nlane)
		boxes(f, "REQ", &m->req_boxes);
	fputs("$INF << EOD\n", f);
	for (size_t i = 0; i < m->ninfl; i++)
		fprintf(f, "%.4f %u\n", m->infl[i].x, m->infl[i].n);
	fputs("EOD\n$STK << EOD\n", f);
	static const unsigned stk_col[TL_NSTACK] = { COL_NOREQ, COL_RUNNABLE, COL_BLOCKED,
						     COL_SLEEPING };
	for (size_t i = 0; i < m->nstack; i++) {
		double base = 0;
		for (int l = 0; l < TL_NSTACK; l++) {
			double h = m->stack[i].n[l];
			if (h <= 0)
				continue;
			fprintf(f, "%.4f %.4f %.3f %.3f %u\n", m->stack[i].x0, m->stack[i].x1, base,
				base + h, stk_col[l]);
			base += h;
		}
	}
	fputs("EOD\n$LAT << EOD\n", f);
	for (size_t i = 0; i < m->nlat; i++) {
		const struct tl_latpt *q = &m->lat[i];
		if (m->lat_heat)
			fprintf(f, "%.5f %.5f %.5g %.5g %u\n", q->x, q->x1, q->y, q->y1, q->count);
		else
			fprintf(f, "%.5f %.5g\n", q->x, q->y);
	}
	fputs("EOD\n", f);
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
	/* The stalls: bands, then their labels through an array like LBL's. */
	fputs("$STL << EOD\n", f);
	for (size_t k = 0; k < m->nstl; k++)
		fprintf(f, "%.4f %.4f %.3f %.3f\n", m->stl[k].x0, m->stl[k].x1,
			m->stl[k].lane - m->stl[k].h, m->stl[k].lane + m->stl[k].h);
	fputs("EOD\n", f);
	size_t nl = 0;
	for (size_t k = 0; k < m->nstl; k++)
		nl += m->stl[k].label[0] != '\0';
	fprintf(f, "array STLL[%zu]\n", nl ? nl : 1);
	fputs("$STLL << EOD\n", f);
	for (size_t k = 0, j = 0; k < m->nstl; k++)
		if (m->stl[k].label[0])
			fprintf(f, "%.4f %.3f %zu\n", (m->stl[k].x0 + m->stl[k].x1) / 2,
				m->stl[k].lane + m->stl[k].h, ++j);
	fputs("EOD\n", f);
	for (size_t k = 0, j = 0; k < m->nstl; k++) {
		if (!m->stl[k].label[0])
			continue;
		fprintf(f, "STLL[%zu] = ", ++j);
		gp_str(f, m->stl[k].label);
		fputc('\n', f);
	}
	hover_data(m, f);
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
		fputs(l ? ", " : "", f);
		gp_str(f, m->lane_lbl[l]);
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

static void xlabel_if(FILE *f, int last, const char *xlabel)
{
	if (!last) {
		fputs("unset xlabel\n", f);
		return;
	}
	fputs("set xlabel ", f);
	gp_str(f, xlabel);
	fputc('\n', f);
}

static void request_panel(const struct tl_model *m, FILE *f, int svg)
{
	const struct tl_page *p = &m->page;
	panel_frame(p, f, p->req_top, p->req_bot,
		    m->lane_kind == TL_LANES_CONN
			? "Requests: each connection's requests from send to response, as the "
			  "client saw them"
			: "Requests: each from send to response, as the client saw it");
	fprintf(f, "set yrange [-0.6:%.1f]\n", (double)m->nlane - 0.4);
	ytics_requests(m, f);
	fputs("unset xlabel\n", f);
	fputs("plot $REQ using (($1+$2)/2):(($3+$4)/2):1:2:3:4:5 with boxxyerror lc rgb "
	      "variable notitle",
	      f);
	hover_term(f, svg, "HREQ", m->nhov_req);
	if (m->nmarked) {
		key(f, KEY_CLIENT);
		key(f, KEY_KQUEUE);
		key(f, KEY_QUEUED);
		key(f, KEY_ON_CPU);
		key(f, KEY_WAITING);
	}
	if (m->nmarked < m->r->nreq)
		key(f, KEY_CLIENT_ONLY);
	if (m->nfailed)
		key(f, KEY_FAILED);
	fputs("\n", f);
	fputs("unset label 1\nunset label 2\nunset label 3\nunset label 4\nunset label 5\n"
	      "unset label 6\nunset label 7\n",
	      f);
}

/* Requests in flight over the window, a step line from the client's stamps. */
static void inflight_panel(const struct tl_model *m, FILE *f, const char *xlabel)
{
	const struct tl_page *p = &m->page;
	char t[200];
	snprintf(t, sizeof(t),
		 "In flight: requests sent and not yet answered (client), at most %u%s",
		 m->infl_max, m->infl_binned ? " (each pixel its most)" : "");
	panel_frame(p, f, p->inf_top, p->inf_bot, t);
	/* Whole requests: tics at integers, about four of them. */
	fprintf(f, "set yrange [0:%.1f]\nset ytics 0,%u font ',8'\n",
		m->infl_max ? m->infl_max * 1.15 : 1.0,
		m->infl_max > 4 ? (m->infl_max + 3) / 4 : 1);
	xlabel_if(f, !m->nstack && !m->nthr_lanes, xlabel);
	fprintf(f,
		"plot $INF using 1:2 with fillsteps fc rgb '#%06x' notitle, \\\n"
		" $INF using 1:2 with steps lc rgb '#%06x' lw 1.5 notitle\n",
		col_pale(COL_INFLIGHT), COL_INFLIGHT);
}

/* Every thread counted by state, stacked: what the lanes below cannot show. */
static void stack_panel(const struct tl_model *m, FILE *f, const char *xlabel)
{
	const struct tl_page *p = &m->page;
	char t[200];
	snprintf(t, sizeof(t), "Threads by state: all %zu that ran, counted (mean per %.3g ms)",
		 m->nthr_lanes + m->thr_cut, m->nstack ? m->stack[0].x1 - m->stack[0].x0 : 0);
	panel_frame(p, f, p->stk_top, p->stk_bot, t);
	fprintf(f, "set yrange [0:%.1f]\nset ytics autofreq font ',8'\n",
		m->stack_max > 0 ? m->stack_max * 1.1 : 1.0);
	xlabel_if(f, !m->nthr_lanes, xlabel);
	fputs("plot $STK using (($1+$2)/2):(($3+$4)/2):1:2:3:4:5 with boxxyerror lc rgb "
	      "variable notitle",
	      f);
	key(f, KEY_RUN);
	key(f, KEY_RUNNABLE);
	key(f, KEY_BLOCKED);
	key(f, KEY_SLEEPING);
	fputc('\n', f);
}

/* Latency over send time for the whole run, its own x axis, the window above
 * shaded in it. */
static void latency_panel(const struct tl_model *m, FILE *f)
{
	const struct tl_page *p = &m->page;
	char t[200];
	snprintf(t, sizeof(t), "Latency of all %zu requests over their send time%s", m->r->nreq,
		 m->lat_heat ? " (a heat map: darker cells hold more requests)" : "");
	panel_frame(p, f, p->lat_top, p->lat_bot, t);
	double span = ((double)m->run1 - (double)m->run0) / 1e9;
	fprintf(f, "set xrange [0:%.6f]\nset autoscale y\nset ytics autofreq font ',8'\n",
		span > 0 ? span : 1e-6);
	fputs("set logscale y\nset ylabel 'ms' offset 1,0\n", f);
	xlabel_if(f, 1, "s since the first request was sent (the whole run)");
	if (m->cut)
		fprintf(f,
			"set object 30 rect from %.6f, graph 0 to %.6f, graph 1 fc rgb '#%06x' "
			"fs solid 1.0 noborder behind\n",
			((double)m->w0 - (double)m->t0) / 1e9,
			((double)m->w1 - (double)m->t0) / 1e9, COL_RULE_LIGHT);
	if (m->lat_heat)
		fprintf(f,
			"set palette defined (0 '#%06x', 1 '#%06x')\nset logscale cb\n"
			"unset colorbox\nplot $LAT using (($1+$2)/2):(sqrt($3*$4)):1:2:3:4:5 "
			"with boxxyerror fs solid 1.0 lc palette z notitle",
			col_pale(COL_INFLIGHT), COL_INK);
	else
		fprintf(f, "plot $LAT using 1:2 with points pt 7 ps 0.25 lc rgb '#%06x' notitle",
			COL_INFLIGHT);
	char b[64];
	snprintf(b, sizeof(b), "p50 %.3g ms", m->lat_p50);
	fprintf(f, ", \\\n %.6g with lines lw 1.5 dt 2 lc rgb '#%06x' title ", m->lat_p50,
		COL_EP_ASYNC);
	gp_str(f, b);
	snprintf(b, sizeof(b), "p99 %.3g ms", m->lat_p99);
	fprintf(f, ", \\\n %.6g with lines lw 1.5 lc rgb '#%06x' title ", m->lat_p99, COL_FAILED);
	gp_str(f, b);
	fputs("\nunset object 30\nunset logscale\nunset ylabel\n", f);
}

/* The stalls as a frame around the loop's lane: its pale behind the states
 * (the gaps of a stalled loop show it), its outline over them. */
static void stall_terms(const struct tl_model *m, FILE *f, int front)
{
	if (!m->nstl)
		return;
	if (!front) {
		fprintf(f,
			" $STL using (($1+$2)/2):(($3+$4)/2):1:2:3:4 with boxxyerror fs solid "
			"1.0 noborder lc rgb '#%06x' notitle, \\\n",
			col_pale(col_pale(COL_STALL)));
		return;
	}
	fprintf(f,
		", \\\n $STL using (($1+$2)/2):(($3+$4)/2):1:2:3:4 with boxxyerror fs empty "
		"border lw 2 lc rgb '#%06x' notitle",
		COL_STALL);
	fprintf(f,
		", \\\n $STLL using 1:2:(STLL[int($3)]) with labels boxed font ',7' "
		"tc rgb '#%06x' notitle",
		COL_STALL);
}

static void thread_panel(const struct tl_model *m, FILE *f, const char *xlabel, int svg)
{
	const struct tl_page *p = &m->page;
	char t[256];
	size_t n = snprintf(t, sizeof(t), "%s",
			    m->nlane ? "Threads of the server: what each was doing, from the "
				       "kernel's scheduler"
				     : "Threads: what each was doing, from the kernel's scheduler");
	if (m->nstl || m->stl_out)
		snprintf(t + n, sizeof(t) - n, "; %zu event-loop stall%s framed%s", m->nstl,
			 m->nstl == 1 ? "" : "s",
			 m->stl_out ? ", more outside the window or the lanes" : "");
	panel_frame(p, f, p->thr_top, p->thr_bot, t);
	fprintf(f, "set yrange [-0.6:%.1f]\n", (double)m->nthr_lanes - 0.4);
	ytics_threads(m, f);
	fputs("set xlabel ", f);
	gp_str(f, xlabel);
	fputc('\n', f);
	fputs("plot", f);
	stall_terms(m, f, 0);
	fprintf(f,
		" $THR using (($1+$2)/2):(($3+$4)/2):1:2:3:4:5 with boxxyerror lc rgb "
		"variable notitle, \\\n"
		" $HAND using 1:2:3:4:5 with vectors head size screen 0.005,25 filled lw 1 "
		"lc rgb variable notitle, \\\n"
		" $LBL using 1:2:(LBL[int($3)]) with labels boxed font ',7' tc rgb '#%06x' "
		"notitle",
		COL_INK_LABEL);
	stall_terms(m, f, 1);
	hover_term(f, svg, "HTHR", m->nhov - m->nhov_req);
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
	if (m->nstl)
		key(f, KEY_STALL);
	fputc('\n', f);
}

static void draw(const struct tl_model *m, FILE *f, int svg)
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
			"Bursts shorter than 2 px are drawn 2 px wide. The kernel's queue runs "
			"from the client's send to the server's read (request_start)."
		      : "One colour per request (cycling after 12). Bursts shorter than 2 px are "
			"drawn 2 px wide.");
	fprintf(f, " at screen %.5f,%.5f left font ',8' tc rgb '#%06x'\n", (double)TL_LEFT / TL_W,
		sy(p, p->h - 12), COL_INK_FOOT);
	if (svg && p->hover[0]) {
		fputs("set label 7 ", f);
		gp_str(f, p->hover);
		fprintf(f, " at screen %.5f,%.5f right font ',9' tc rgb '#%06x'\n",
			(double)(TL_W - 12) / TL_W, sy(p, 14), COL_INK_SUB);
	}
	const char *xlabel =
	    m->nlane ? "ms since the first request was sent" : "ms since the trace started";
	if (m->nlane) {
		request_panel(m, f, svg);
		inflight_panel(m, f, xlabel);
	}
	if (m->nstack)
		stack_panel(m, f, xlabel);
	if (m->nthr_lanes)
		thread_panel(m, f, xlabel, svg);
	if (m->nlat)
		latency_panel(m, f);
	fputs("unset multiplot\nunset label\nunset xlabel\n", f);
}

void tl_emit(const struct tl_model *m, FILE *f)
{
	const struct tl_page *p = &m->page;
	data(m, f);
	fputs("set encoding utf8\n", f);
	fprintf(f, "set terminal pngcairo noenhanced size %d,%d font 'sans,9'\n", TL_W, p->h);
	gp_output(f, 0);
	draw(m, f, 0);
	fputs("set output\n", f);
	/* mouse standalone: gnuplot's script inlined, nothing fetched. */
	fprintf(f,
		"set terminal svg noenhanced mouse standalone size %d,%d font 'sans,9' "
		"background rgb '#%06x'\n",
		TL_W, p->h, COL_PAPER);
	gp_output(f, 1);
	draw(m, f, 1);
	fputs("set output\n", f);
}
