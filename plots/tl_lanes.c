/* The request panel's choices: which lane each request goes on, which stretch
 * of the run is shown when it does not all fit, and the in-flight strip.
 *
 * Lanes keep the run's true shape. A closed loop's connection carries one
 * request at a time, so a lane per connection shows its requests back to back
 * and the number of lanes is the concurrency. Bursts, open loops and a fresh
 * connection per request are packed instead: in send order, each request takes
 * the lowest lane free at its send (an interval graph's greedy colouring, which
 * uses exactly as many lanes as the most requests ever in flight at once).
 *
 * When there are more lanes or requests than a chart can hold, the panel shows
 * one contiguous window (the busiest stretch, narrowed until its requests are a
 * few pixels wide) and in it the first lanes plus the slowest requests, and the
 * page says exactly that. Lanes are never sampled evenly in send order: that
 * turns any concurrency into a diagonal. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pjson.h"
#include "schema.h"
#include "tl_model.h"

/* Request indices by send time, then id; the requests are qsort_r's argument. */
static int cmp_req_send(const void *a, const void *b, void *arg)
{
	const struct rd_req *req = arg;
	const struct rd_req *x = &req[*(const size_t *)a], *y = &req[*(const size_t *)b];
	if (x->t_send != y->t_send)
		return x->t_send < y->t_send ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* By connection, then send time (the order is already by send time). */
static int cmp_req_conn(const void *a, const void *b, void *arg)
{
	const struct rd_req *req = arg;
	const struct rd_req *x = &req[*(const size_t *)a], *y = &req[*(const size_t *)b];
	if (x->conn != y->conn)
		return x->conn < y->conn ? -1 : 1;
	if (x->t_send != y->t_send)
		return x->t_send < y->t_send ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* A binary min-heap of (key, value) pairs, for the packing. */
struct hent {
	uint64_t k;
	uint32_t v;
};
struct heap {
	struct hent *e;
	size_t n;
};

static int hless(const struct hent *a, const struct hent *b)
{
	return a->k != b->k ? a->k < b->k : a->v < b->v;
}

static int cmp_hent(const void *a, const void *b)
{
	return hless(a, b) ? -1 : hless(b, a);
}

static void hpush(struct heap *h, uint64_t k, uint32_t v)
{
	size_t i = h->n++;
	h->e[i] = (struct hent){ k, v };
	while (i && hless(&h->e[i], &h->e[(i - 1) / 2])) {
		struct hent t = h->e[i];
		h->e[i] = h->e[(i - 1) / 2];
		h->e[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

static struct hent hpop(struct heap *h)
{
	struct hent top = h->e[0];
	h->e[0] = h->e[--h->n];
	for (size_t i = 0;;) {
		size_t l = 2 * i + 1, r = l + 1, s = i;
		if (l < h->n && hless(&h->e[l], &h->e[s]))
			s = l;
		if (r < h->n && hless(&h->e[r], &h->e[s]))
			s = r;
		if (s == i)
			break;
		struct hent t = h->e[i];
		h->e[i] = h->e[s];
		h->e[s] = t;
		i = s;
	}
	return top;
}

/* Every request on the lowest lane free at its send; full[i] per request index. */
static int pack(struct tl_model *m, uint32_t *full)
{
	const struct rd_req *q = m->r->req;
	size_t n = m->r->nreq;
	struct heap busy = { malloc(n * sizeof(struct hent)), 0 };
	struct heap freel = { malloc(n * sizeof(struct hent)), 0 };
	int rc = -ENOMEM;
	if (!busy.e || !freel.e)
		goto out;
	m->nlane_all = 0;
	for (size_t j = 0; j < n; j++) {
		size_t i = m->order[j];
		/* Half-open spans: a lane freed at t takes a request sent at t. */
		while (busy.n && busy.e[0].k <= q[i].t_send)
			hpush(&freel, hpop(&busy).v, 0);
		uint32_t l = freel.n ? (uint32_t)hpop(&freel).k : (uint32_t)m->nlane_all++;
		full[i] = l;
		hpush(&busy, q[i].t_end, l);
	}
	rc = 0;
out:
	free(busy.e);
	free(freel.e);
	return rc;
}

/* A lane per connection, in order of each connection's first send. 1 when that
 * holds (every request's connection known, some carried several, none carried
 * two at once), 0 when the requests must be packed instead. */
static int by_conn(struct tl_model *m, uint32_t *full)
{
	const struct rd_req *q = m->r->req;
	size_t n = m->r->nreq, *s = malloc(n * sizeof(*s)), ng = 0;
	struct hent *first = malloc(n * sizeof(*first));
	uint32_t *rank = malloc(n * sizeof(*rank));
	int ok = -ENOMEM;
	if (!s || !first || !rank)
		goto out;
	ok = 0;
	memcpy(s, m->order, n * sizeof(*s));
	qsort_r(s, n, sizeof(*s), cmp_req_conn, m->r->req);
	for (size_t j = 0; j < n; j++) {
		const struct rd_req *x = &q[s[j]];
		if (x->conn == RD_NOCONN)
			goto out;
		if (j && x->conn == q[s[j - 1]].conn) {
			/* The generator starts the next transfer (t_start) a few µs
			 * before it stamps the last one's end; the send (t_connected) is
			 * what must follow it. */
			uint64_t at = x->t_connected ? x->t_connected : x->t_send;
			if (at < q[s[j - 1]].t_end)
				goto out; /* two at once on one connection */
		} else {
			first[ng] = (struct hent){ x->t_send, (uint32_t)ng };
			ng++;
		}
		full[s[j]] = (uint32_t)(ng - 1); /* the group, for now */
	}
	if (ng == n)
		goto out; /* a connection per request: packing says more */
	/* Groups in order of first send: sort and invert into a rank per group. */
	qsort(first, ng, sizeof(*first), cmp_hent);
	for (size_t g = 0; g < ng; g++)
		rank[first[g].v] = (uint32_t)g;
	for (size_t i = 0; i < n; i++)
		full[i] = rank[full[i]];
	m->nlane_all = ng;
	ok = 1;
out:
	free(s);
	free(first);
	free(rank);
	return ok;
}

/* What a window [a, b) would draw: the requests in it on the lanes kept (the
 * first `keep` lanes that have one), and the most on one lane. count has
 * nlane_all zeroed slots. */
struct wstat {
	size_t nreq, maxper, nlanes;
};

static size_t keep_of(size_t nlanes)
{
	return nlanes <= PLOTS_MAX_REQ_LANES ? nlanes : PLOTS_MAX_REQ_LANES - TL_NSLOW;
}

static struct wstat win_stat(const struct tl_model *m, const uint32_t *full, uint32_t *count,
			     uint64_t a, uint64_t b)
{
	const struct rd_req *q = m->r->req;
	struct wstat w = { 0 };
	memset(count, 0, m->nlane_all * sizeof(*count));
	for (size_t i = 0; i < m->r->nreq; i++)
		if (q[i].t_send < b && q[i].t_end > a)
			count[full[i]]++;
	for (size_t l = 0; l < m->nlane_all; l++)
		w.nlanes += count[l] > 0;
	size_t keep = keep_of(w.nlanes), k = 0;
	for (size_t l = 0; l < m->nlane_all && k < keep; l++) {
		if (!count[l])
			continue;
		k++;
		w.nreq += count[l];
		if (count[l] > w.maxper)
			w.maxper = count[l];
	}
	return w;
}

/* The stretch of length len with the most requests in flight, counted over
 * 1000 buckets of the run (a request counts in every bucket it touches). */
#define NBIN 1000
static uint64_t busiest(const struct tl_model *m, int64_t *bin, uint64_t len)
{
	const struct rd_req *q = m->r->req;
	uint64_t span = m->run1 - m->run0, bw = span / NBIN + 1;
	memset(bin, 0, (NBIN + 1) * sizeof(*bin));
	for (size_t i = 0; i < m->r->nreq; i++) {
		bin[(q[i].t_send - m->run0) / bw]++;
		bin[(q[i].t_end - m->run0) / bw + 1 > NBIN ? NBIN
							   : (q[i].t_end - m->run0) / bw + 1]--;
	}
	for (size_t i = 1; i <= NBIN; i++)
		bin[i] += bin[i - 1];
	size_t k = (size_t)(len / bw) ? (size_t)(len / bw) : 1, best = 0;
	int64_t sum = 0, top = -1;
	for (size_t i = 0; i < NBIN; i++) {
		sum += bin[i] - (i >= k ? bin[i - k] : 0);
		if (i + 1 >= k && sum > top) {
			top = sum;
			best = i + 1 - k;
		}
	}
	uint64_t a = m->run0 + best * bw;
	return a + len > m->run1 ? m->run1 - len : a;
}

static int cmp_slow(const void *a, const void *b, void *arg)
{
	const struct rd_req *q = arg;
	const struct rd_req *x = &q[*(const size_t *)a], *y = &q[*(const size_t *)b];
	uint64_t lx = x->t_end - x->t_send, ly = y->t_end - y->t_send;
	if (lx != ly)
		return lx > ly ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Lanes for the window [w0, w1): the first that have a request in it, then the
 * slowest requests of the window that are not on those, a lane each. */
static int choose(struct tl_model *m, const uint32_t *full, uint32_t *count)
{
	const struct rd_req *q = m->r->req;
	size_t n = m->r->nreq;
	int *map = malloc(m->nlane_all * sizeof(*map));
	size_t *cand = malloc(n * sizeof(*cand)), nc = 0;
	int rc = -ENOMEM;
	if (!map || !cand)
		goto out;
	struct wstat ws = win_stat(m, full, count, m->w0, m->w1);
	size_t keep = keep_of(ws.nlanes), k = 0;
	m->nlane_win = ws.nlanes;
	for (size_t l = 0; l < m->nlane_all; l++) {
		map[l] = -1;
		if (count[l] && k < keep) {
			map[l] = (int)k;
			m->lane_lo = k ? m->lane_lo : l + 1;
			m->lane_hi = l + 1;
			if (m->lane_kind == TL_LANES_CONN)
				snprintf(m->lane_lbl[k], sizeof(m->lane_lbl[k]), "conn %zu", l + 1);
			else
				snprintf(m->lane_lbl[k], sizeof(m->lane_lbl[k]), "lane %zu", l + 1);
			k++;
		}
	}
	for (size_t i = 0; i < n; i++) {
		m->lane_of[i] = -1;
		if (q[i].t_send >= m->w1 || q[i].t_end <= m->w0)
			continue;
		if (map[full[i]] >= 0)
			m->lane_of[i] = map[full[i]];
		else if (keep < ws.nlanes)
			cand[nc++] = i;
	}
	qsort_r(cand, nc, sizeof(*cand), cmp_slow, m->r->req);
	m->nslow = nc < TL_NSLOW ? nc : TL_NSLOW;
	for (size_t j = 0; j < m->nslow; j++) {
		m->lane_of[cand[j]] = (int)(k + j);
		snprintf(m->lane_lbl[k + j], sizeof(m->lane_lbl[0]), "slow #%llu",
			 (unsigned long long)q[cand[j]].id);
	}
	m->nlane = k + m->nslow;
	/* A lane that holds one request is named by it. */
	memset(count, 0, m->nlane_all * sizeof(*count));
	m->ndrawn = 0;
	for (size_t j = 0; j < n; j++) {
		size_t i = m->order[j];
		if (m->lane_of[i] < 0)
			continue;
		m->drawn[m->ndrawn++] = i;
		count[m->lane_of[i]]++;
	}
	for (size_t j = 0; j < m->ndrawn; j++) {
		size_t i = m->drawn[j];
		int l = m->lane_of[i];
		if (count[l] == 1 && (size_t)l < k)
			snprintf(m->lane_lbl[l], sizeof(m->lane_lbl[0]), "#%llu",
				 (unsigned long long)q[i].id);
	}
	rc = 0;
out:
	free(map);
	free(cand);
	return rc;
}

/* Whether the load was a closed loop, from meta.json; without it, assumed. */
static int closed_loop(const struct tl_model *m)
{
	char mode[32] = "";
	if (m->r->meta)
		pjson_get(m->r->meta, META_LOAD "." META_LOAD_MODE, mode, sizeof(mode));
	return strcmp(mode, META_MODE_BURST) && strcmp(mode, META_MODE_OPEN);
}

int tl_pick_lanes(struct tl_model *m)
{
	const struct rd_req *q = m->r->req;
	size_t n = m->r->nreq;
	uint32_t *full = malloc((n ? n : 1) * sizeof(*full)), *count = NULL;
	int64_t *bin = malloc((NBIN + 1) * sizeof(*bin));
	int rc = -ENOMEM;
	m->order = malloc((n ? n : 1) * sizeof(*m->order));
	m->drawn = malloc((n ? n : 1) * sizeof(*m->drawn));
	m->lane_of = malloc((n ? n : 1) * sizeof(*m->lane_of));
	if (!full || !bin || !m->order || !m->drawn || !m->lane_of)
		goto out;
	m->run0 = UINT64_MAX;
	m->run1 = 0;
	for (size_t i = 0; i < n; i++) {
		m->order[i] = i;
		m->nfailed += q[i].failed;
		if (q[i].t_send < m->run0)
			m->run0 = q[i].t_send;
		if (q[i].t_end > m->run1)
			m->run1 = q[i].t_end;
	}
	if (!n) {
		rc = 0;
		goto out;
	}
	qsort_r(m->order, n, sizeof(*m->order), cmp_req_send, m->r->req);
	m->lane_kind = TL_LANES_PACKED;
	if (closed_loop(m)) {
		if ((rc = by_conn(m, full)) < 0)
			goto out;
		if (rc)
			m->lane_kind = TL_LANES_CONN;
	}
	if (m->lane_kind == TL_LANES_PACKED && (rc = pack(m, full)))
		goto out;
	rc = -ENOMEM;
	if (!(count = malloc(m->nlane_all * sizeof(*count))))
		goto out;
	/* The whole run when it fits, else the busiest stretch, narrowed until
	 * its requests fit. */
	uint64_t span = m->run1 - m->run0, margin = span / 25 + 200000; /* 4% and 0.2 ms */
	struct wstat ws = win_stat(m, full, count, m->run0, m->run1 + 1);
	m->w0 = m->run0 > margin ? m->run0 - margin : 0;
	m->w1 = m->run1 + margin;
	if (ws.nreq > TL_MAX_REQS || ws.maxper > TL_MAX_PER_LANE) {
		uint64_t len = span < TL_WINDOW_NS ? span : TL_WINDOW_NS;
		for (;;) {
			uint64_t a = busiest(m, bin, len);
			ws = win_stat(m, full, count, a, a + len);
			m->w0 = a;
			m->w1 = a + len;
			if ((ws.nreq <= TL_MAX_REQS && ws.maxper <= TL_MAX_PER_LANE) ||
			    len < 2000000)
				break;
			len /= 2;
		}
		m->cut = 1;
	}
	m->t0 = m->run0;
	if ((rc = choose(m, full, count)))
		goto out;
	/* Every request on a lane of its own, all shown: nothing was packed. */
	if (m->nlane_all == n && m->nlane == n)
		m->lane_kind = TL_LANES_ONE;
	rc = 0;
out:
	free(full);
	free(count);
	free(bin);
	return rc;
}

/* Requests in flight over the window, from the client's stamps: +1 at a send,
 * -1 at a response, responses first at equal times. Past a few steps a pixel,
 * each pixel keeps its most, so the strip's peak is still the true peak. */
static int cmp_ev(const void *a, const void *b)
{
	const int64_t *x = a, *y = b;
	/* t << 1 | start: at one t, the end (0) before the start (1) */
	return *x < *y ? -1 : *x > *y;
}

int tl_build_inflight(struct tl_model *m)
{
	const struct rd_req *q = m->r->req;
	size_t n = m->r->nreq, ne = 0, j = 0;
	int64_t *ev = malloc((2 * n + 1) * sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		ev[ne++] = (int64_t)((q[i].t_send - m->run0) << 1 | 1);
		ev[ne++] = (int64_t)((q[i].t_end - m->run0) << 1);
	}
	qsort(ev, ne, sizeof(*ev), cmp_ev);
	int binned = ne > 4 * TL_PLOT_PX;
	size_t cap = (binned ? 2 * TL_PLOT_PX + 8 : ne) + 4;
	m->infl = malloc(cap * sizeof(*m->infl));
	if (!m->infl) {
		free(ev);
		return -ENOMEM;
	}
#define EV_T(k) (m->run0 + ((uint64_t)ev[k] >> 1))
	uint32_t cur = 0;
	for (; j < ne && EV_T(j) <= m->w0; j++) /* in flight when the window opens */
		cur = ev[j] & 1 ? cur + 1 : cur - 1;
	double x0 = tl_xms(m, m->w0), px = m->ms_per_px;
	uint32_t top = cur;
	int64_t lastcol = 0;
	m->ninfl = 0;
	m->infl[m->ninfl++] = (struct tl_step){ x0, cur };
	while (j < ne && EV_T(j) < m->w1 && m->ninfl + 3 < cap) {
		uint64_t t = EV_T(j);
		uint32_t prev = cur;
		for (; j < ne && EV_T(j) == t; j++)
			cur = ev[j] & 1 ? cur + 1 : cur - 1;
		if (cur > top)
			top = cur;
		double x = tl_xms(m, t);
		struct tl_step *last = &m->infl[m->ninfl - 1];
		if (!binned) {
			if (x <= last->x)
				last->n = cur;
			else
				m->infl[m->ninfl++] = (struct tl_step){ x, cur };
			continue;
		}
		int64_t col = (int64_t)((x - x0) / px);
		if (col <= lastcol) {
			if (cur > last->n)
				last->n = cur;
			continue;
		}
		if (col > lastcol + 1) /* the columns between hold what the last left */
			m->infl[m->ninfl++] =
			    (struct tl_step){ x0 + (double)(lastcol + 1) * px, prev };
		m->infl[m->ninfl++] =
		    (struct tl_step){ x0 + (double)col * px, prev > cur ? prev : cur };
		lastcol = col;
	}
#undef EV_T
	if (binned && x0 + (double)(lastcol + 1) * px < tl_xms(m, m->w1))
		m->infl[m->ninfl++] = (struct tl_step){ x0 + (double)(lastcol + 1) * px, cur };
	m->infl[m->ninfl++] = (struct tl_step){ tl_xms(m, m->w1), cur };
	free(ev);
	m->infl_max = top;
	m->infl_binned = binned;
	return 0;
}
