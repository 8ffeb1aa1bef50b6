/* The event loops' stalls on the timeline (stalls.csv, bpf/stalls.h): each an
 * outlined band over its loop's lane from the return from the wait to the
 * next entry, drawn at its true extent (only clipped to the window, never
 * widened: a stall is at least --stall-ms, so at any window tl_lanes.c picks
 * it is a few pixels wide or more), with a label on its top edge when the
 * band has room, and a hover text giving its whole row. A stall of a thread
 * without a lane, or outside the window, is counted in stl_out; the panel's
 * title says so. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "tl_model.h"

/* About the width of a character of the labels' font (',7') in pixels, and
 * the box around them: to say whether a label fits its band. */
#define LBL_CHAR_PX 5.2
#define LBL_PAD_PX  10

#define add tl_text_add

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

/* "asleep in clock_nanosleep": what the largest part was (stalls_out.c's words). */
static void cause_text(char *t, size_t len, const struct rd_stall *s)
{
	const char *sc = s->syscall[0] ? s->syscall : "a syscall the kernel could not name";
	switch (s->cause) {
	case RD_RUNNING: add(t, len, "running on a CPU"); break;
	case RD_RUNNABLE: add(t, len, "runnable, waiting for a CPU"); break;
	case RD_SLEEPING: add(t, len, "asleep in %s", sc); break;
	default: add(t, len, "blocked (uninterruptible) in %s", sc);
	}
}

void tl_stall_text(const struct tl_model *m, const struct rd_stall *s, char *t)
{
	char d[32];
	t[0] = '\0';
	add(t, TL_HOVER_TEXT, "STALL of %.19s  \xc2\xb7  tid %u  \xc2\xb7  %s\n", s->comm, s->tid,
	    tl_dur(d, sizeof(d), s->t_end - s->t_start));
	cause_text(t, TL_HOVER_TEXT, s);
	add(t, TL_HOVER_TEXT,
	    "\n%.3f to %.3f ms\nrunning %.1f, runnable %.1f, sleeping %.1f, "
	    "blocked %.1f ms",
	    tl_xms(m, s->t_start), tl_xms(m, s->t_end), ms(s->ns[RD_RUNNING]),
	    ms(s->ns[RD_RUNNABLE]), ms(s->ns[RD_SLEEPING]), ms(s->ns[RD_BLOCKED]));
	if (s->ready >= 0)
		add(t, TL_HOVER_TEXT, "\nready when it got back: at least %lld",
		    (long long)s->ready);
	else
		add(t, TL_HOVER_TEXT, "\nready when it got back: not known");
	if (s->requests >= 0)
		add(t, TL_HOVER_TEXT, "\nrequests waiting: %lld", (long long)s->requests);
	if (!s->stack) {
		add(t, TL_HOVER_TEXT, "\nstack: not collected");
		return;
	}
	/* Frames on lines of their own, innermost first, as far as room goes. */
	add(t, TL_HOVER_TEXT, "\nstack:");
	const char *p = s->stack;
	while (*p && strlen(t) + 8 < TL_HOVER_TEXT) {
		size_t n = strcspn(p, ";");
		size_t room = TL_HOVER_TEXT - strlen(t) - 8;
		add(t, TL_HOVER_TEXT, "\n  %.*s%s", (int)(n < room ? n : room), p,
		    n < room ? "" : "...");
		p += n;
		p += *p == ';';
	}
	if (*p)
		add(t, TL_HOVER_TEXT, "\n  ...");
}

/* The label: cause and length when they fit, the length alone, or none. */
static void label(const struct tl_model *m, struct tl_stall *b, const struct rd_stall *s)
{
	char d[32], full[64];
	double px = (b->x1 - b->x0) / (m->ms_per_px > 0 ? m->ms_per_px : 1);
	/* Whole milliseconds, as the verdict says them: a label is short. */
	uint64_t ns = s->t_end - s->t_start;
	if (ns >= 10000000000ull)
		snprintf(d, sizeof(d), "%.1f s", (double)ns / 1e9);
	else
		snprintf(d, sizeof(d), "%.0f ms", (double)ns / 1e6);
	snprintf(full, sizeof(full), "stall %s: %s%s%s", d, schema_state_name(s->cause),
		 s->syscall[0] ? " " : "", s->syscall);
	if (px >= strlen(full) * LBL_CHAR_PX + LBL_PAD_PX)
		snprintf(b->label, sizeof(b->label), "%s", full);
	else if (px >= (strlen(d) + 6) * LBL_CHAR_PX + LBL_PAD_PX)
		snprintf(b->label, sizeof(b->label), "stall %s", d);
	else
		b->label[0] = '\0';
}

int tl_build_stalls(struct tl_model *m)
{
	const struct rd_run *r = m->r;
	m->nstl = m->stl_out = 0;
	if (!r->nstall || !m->nthr_lanes)
		return 0;
	m->stl = calloc(r->nstall, sizeof(*m->stl));
	if (!m->stl)
		return -ENOMEM;
	double h = tl_half(m->thr_ppu, 0.47, 17);
	for (size_t i = 0; i < r->nstall; i++) {
		const struct rd_stall *s = &r->stall[i];
		const struct tl_thread *th = tl_find_thread(m, s->tid);
		if (!th || th->lane < 0 || s->t_end <= m->w0 || s->t_start >= m->w1) {
			m->stl_out++;
			continue;
		}
		struct tl_stall *b = &m->stl[m->nstl++];
		b->x0 = tl_xms(m, s->t_start < m->w0 ? m->w0 : s->t_start);
		b->x1 = tl_xms(m, s->t_end > m->w1 ? m->w1 : s->t_end);
		b->h = h;
		b->lane = th->lane;
		b->row = i;
		label(m, b, s);
	}
	/* Labels of one lane must not cover each other: in time order (rows are
	 * by start), a label is dropped when it would reach into the previous
	 * one kept on its lane. */
	for (size_t i = 0; i < m->nstl; i++) {
		struct tl_stall *b = &m->stl[i];
		if (!b->label[0])
			continue;
		double half = (strlen(b->label) * LBL_CHAR_PX + LBL_PAD_PX) / 2 * m->ms_per_px;
		for (size_t k = i; k-- > 0;) {
			const struct tl_stall *p = &m->stl[k];
			if (p->lane != b->lane || !p->label[0])
				continue;
			double ph =
			    (strlen(p->label) * LBL_CHAR_PX + LBL_PAD_PX) / 2 * m->ms_per_px;
			if ((p->x0 + p->x1) / 2 + ph > (b->x0 + b->x1) / 2 - half)
				b->label[0] = '\0';
			break;
		}
	}
	return 0;
}
