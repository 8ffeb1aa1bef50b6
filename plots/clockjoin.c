/* The client-to-server clock offset from Dapper's bound (clockjoin.h). */
#include "clockjoin.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pjson.h"
#include "spans.h"
#include "rundata.h"
#include "schema.h"

static void bound_init(struct cj_bound *b)
{
	b->lo = INT64_MIN;
	b->hi = INT64_MAX;
	b->n = 0;
	b->t = 0;
}

/* One request's interval, intersected into b; sets *lo_set / *hi_set when this
 * request moved that side. */
static void bound_add(struct cj_bound *b, const struct cj_req *q, int *lo_set, int *hi_set)
{
	int64_t lo = (int64_t)q->s_end - (int64_t)q->c_first;
	int64_t hi = (int64_t)q->s_start - (int64_t)q->c_sent;
	*lo_set = lo > b->lo;
	*hi_set = hi < b->hi;
	if (*lo_set)
		b->lo = lo;
	if (*hi_set)
		b->hi = hi;
	b->n++;
}

int cj_estimate(const struct cj_req *r, size_t n, struct cj_est *e)
{
	memset(e, 0, sizeof(*e));
	if (!n)
		return -ENODATA;
	e->joined = n;
	bound_init(&e->all);
	bound_init(&e->early);
	bound_init(&e->late);
	uint64_t t0 = UINT64_MAX, t1 = 0;
	for (size_t i = 0; i < n; i++) {
		int l, h;
		bound_add(&e->all, &r[i], &l, &h);
		if (l)
			e->lo_id = r[i].id;
		if (h)
			e->hi_id = r[i].id;
		if (r[i].c_sent < t0)
			t0 = r[i].c_sent;
		if (r[i].c_sent > t1)
			t1 = r[i].c_sent;
	}
	e->all.t = t0 + (t1 - t0) / 2;
	/* The halves, split at the middle of the send times. */
	uint64_t mid = e->all.t;
	uint64_t lo_min[2] = { UINT64_MAX, UINT64_MAX }, hi_max[2] = { 0, 0 };
	for (size_t i = 0; i < n; i++) {
		int half = r[i].c_sent > mid;
		struct cj_bound *b = half ? &e->late : &e->early;
		int l, h;
		bound_add(b, &r[i], &l, &h);
		if (r[i].c_sent < lo_min[half])
			lo_min[half] = r[i].c_sent;
		if (r[i].c_sent > hi_max[half])
			hi_max[half] = r[i].c_sent;
	}
	for (int k = 0; k < 2; k++) {
		struct cj_bound *b = k ? &e->late : &e->early;
		if (b->n)
			b->t = lo_min[k] + (hi_max[k] - lo_min[k]) / 2;
	}
	e->consistent = e->all.lo <= e->all.hi;
	/* Halved before adding: lo and hi may each be near the int64 range. */
	e->offset_ns = e->all.lo / 2 + e->all.hi / 2 + (e->all.lo % 2 + e->all.hi % 2) / 2;
	e->uncertainty_ns = e->all.hi / 2 - e->all.lo / 2;
	if (e->consistent && e->uncertainty_ns < 0)
		e->uncertainty_ns = 0;
	if (e->early.n && e->late.n && e->early.lo <= e->early.hi && e->late.lo <= e->late.hi &&
	    e->late.t > e->early.t) {
		double dt = (double)(e->late.t - e->early.t);
		double m0 = ((double)e->early.lo + (double)e->early.hi) / 2;
		double m1 = ((double)e->late.lo + (double)e->late.hi) / 2;
		double w = ((double)e->early.hi - (double)e->early.lo) / 2 +
			   ((double)e->late.hi - (double)e->late.lo) / 2;
		e->have_drift = 1;
		e->drift_ppm = (m1 - m0) / dt * 1e6;
		e->drift_uncertainty_ppm = w / dt * 1e6;
	}
	return 0;
}

int cj_join(const struct rd_run *client, const struct rd_run *server, struct cj_req **out,
	    size_t *n)
{
	*out = NULL;
	*n = 0;
	struct span *m = calloc(server->nmark ? server->nmark : 1, sizeof(*m));
	struct cj_req *r = calloc(client->nreq ? client->nreq : 1, sizeof(*r));
	size_t nm = 0;
	if (!m || !r) {
		free(m);
		free(r);
		return -ENOMEM;
	}
	for (size_t i = 0; i < server->nmark; i++) {
		const struct rd_mark *k = &server->mark[i];
		if (k->ev == RD_START || k->ev == RD_END)
			m[nm++] = (struct span){ k->id, k->ev == RD_START ? k->t : 0,
						 k->ev == RD_END ? k->t : 0 };
	}
	size_t u = spans_fold(m, nm);
	size_t k = 0;
	for (size_t i = 0; i < client->nreq; i++) {
		const struct rd_req *q = &client->req[i];
		if (!q->t_connected || !q->t_first_byte || q->t_first_byte < q->t_connected)
			continue;
		const struct span *s = spans_find(m, u, q->id);
		if (!s || !s->start || !s->end || s->end < s->start)
			continue;
		r[k++] =
		    (struct cj_req){ q->id, q->t_connected, q->t_first_byte, s->start, s->end };
	}
	free(m);
	*out = r;
	*n = k;
	return 0;
}

/* One client's figures from its clock object; 0 when it has an offset. */
static int one(struct json_object *c, double *off, double *unc, char *joined, size_t jl, int *ok)
{
	char o[32], u[32], k[16] = "true";
	if (pjson_get(c, META_CLOCK_OFFSET, o, sizeof(o)) ||
	    pjson_get(c, META_CLOCK_UNCERTAINTY, u, sizeof(u)))
		return -ENOENT;
	if (pjson_get(c, META_CLOCK_JOINED, joined, jl))
		snprintf(joined, jl, "?");
	pjson_get(c, META_CLOCK_CONSISTENT, k, sizeof(k));
	*off = strtod(o, NULL);
	*unc = strtod(u, NULL);
	*ok = !strcmp(k, "true");
	return 0;
}

void cj_note(struct json_object *meta, char *out, size_t len)
{
	struct json_object *clock, *clients;
	out[0] = '\0';
	if (!meta || !json_object_object_get_ex(meta, META_CLOCK, &clock) ||
	    !json_object_is_type(clock, json_type_object))
		return;
	size_t n = 0;
	if (json_object_object_get_ex(clock, META_CLOCK_CLIENTS, &clients) &&
	    json_object_is_type(clients, json_type_array))
		n = json_object_array_length(clients);
	if (n <= 1) {
		double o, u;
		char joined[32];
		int ok;
		if (one(clock, &o, &u, joined, sizeof(joined), &ok))
			return;
		if (!ok)
			snprintf(out, len,
				 "Client clock: NO consistent offset: the %s joined requests "
				 "contradict each other by %.0f \xc2\xb5s (shifted by the midpoint "
				 "%+.6f s anyway).  ",
				 joined, -u * 2 / 1e3, o / 1e9);
		else
			snprintf(out, len,
				 "Client clock shifted by %+.6f s \xc2\xb1 %.0f \xc2\xb5s onto the "
				 "server's, from %s joined requests.  ",
				 o / 1e9, u / 1e3, joined);
		return;
	}
	snprintf(out, len, "%zu client clocks shifted onto the server's:", n);
	for (size_t i = 0; i < n && i < 4; i++) {
		double o, u;
		char joined[32], b[96];
		int ok;
		if (one(json_object_array_get_idx(clients, i), &o, &u, joined, sizeof(joined), &ok))
			continue;
		if (ok)
			snprintf(b, sizeof(b), "%s %+.6f s \xc2\xb1 %.0f \xc2\xb5s (%s req.)",
				 i ? "," : "", o / 1e9, u / 1e3, joined);
		else
			snprintf(b, sizeof(b), "%s NO consistent offset (%s req.)", i ? "," : "",
				 joined);
		size_t l = strlen(out);
		snprintf(out + l, len - l, "%s", b);
	}
	size_t l = strlen(out);
	snprintf(out + l, len - l, "%s.  ", n > 4 ? ", ..." : "");
}
