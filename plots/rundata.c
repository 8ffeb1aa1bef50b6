#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcsv.h"
#include "pjson.h"
#include "rundata.h"
#include "schema.h"

/* Grows *arr to hold one more element of size sz. */
static int grow(void **arr, size_t n, size_t *cap, size_t sz)
{
	if (n < *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 256;
	void *p = realloc(*arr, nc * sz);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = nc;
	return 0;
}

static int path_in(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* Column i of the row as a number; a garbled one is named (file, line, field). */
static int need_u64(const struct pcsv *c, int i, uint64_t *v)
{
	return pcsv_u64(pcsv_get(c, i), v) ? pcsv_bad(c, i) : 0;
}

/* An empty optional time reads as 0 (unknown); garbage is an error. */
static int opt_u64(const struct pcsv *c, int i, uint64_t *v)
{
	int rc = pcsv_u64(pcsv_get(c, i), v);
	if (rc == -ENODATA) {
		*v = 0;
		return 0;
	}
	return rc ? pcsv_bad(c, i) : 0;
}

static int load_requests(struct rd_run *r, const char *path)
{
	const struct schema_csv *s = &schema_requests;
	struct pcsv c;
	size_t cap = 0;
	int rc = pcsv_open(&c, path, s->cols, s->ncols,
			   1u << REQCOL_ID | 1u << REQCOL_T_START | 1u << REQCOL_T_END);
	if (rc)
		return rc;
	while ((rc = pcsv_next(&c)) > 0) {
		uint64_t id, ts, tc, tf, te, st, conn;
		int crc = pcsv_u64(pcsv_get(&c, REQCOL_CONN), &conn);
		if (crc == -ENODATA)
			conn = RD_NOCONN;
		else if (crc) {
			rc = pcsv_bad(&c, REQCOL_CONN);
			goto out;
		}
		if ((rc = need_u64(&c, REQCOL_ID, &id)) ||
		    (rc = opt_u64(&c, REQCOL_T_START, &ts)) ||
		    (rc = opt_u64(&c, REQCOL_T_CONNECTED, &tc)) ||
		    (rc = opt_u64(&c, REQCOL_T_FIRST_BYTE, &tf)) ||
		    (rc = opt_u64(&c, REQCOL_T_END, &te)) || (rc = opt_u64(&c, REQCOL_STATUS, &st)))
			goto out;
		if (!ts) /* never sent: nothing to draw */
			continue;
		if (!te) /* no response: the last thing the client saw */
			te = tf > tc ? tf : tc > ts ? tc : ts;
		if ((rc = grow((void **)&r->req, r->nreq, &cap, sizeof(*r->req))))
			goto out;
		struct rd_req *q = &r->req[r->nreq++];
		q->id = id;
		q->t_send = ts;
		q->t_connected = tc >= ts && tc <= te ? tc : 0;
		q->t_first_byte = tf;
		q->conn = conn;
		q->t_end = te < ts ? ts : te;
		q->status = (int)st;
		q->failed = pcsv_get(&c, REQCOL_ERROR)[0] || st < 200 || st >= 400;
	}
out:
	pcsv_close(&c);
	return rc;
}

static enum rd_state state_of(const char *s)
{
	int st = schema_state_parse(s);
	return st < 0 ? RD_UNKNOWN : (enum rd_state)st;
}

/* A syscall name as the tracer writes it: a name from its table or a number
 * for one it cannot name. Anything else is not a syscall, so the file is
 * garbled (said with its line) rather than drawn. */
static int syscall_ok(const char *s, size_t max)
{
	if (strlen(s) >= max)
		return 0;
	for (; *s; s++)
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= '0' && *s <= '9') && *s != '_')
			return 0;
	return 1;
}

/* A thread names itself (prctl PR_SET_NAME, or writing /proc/self/comm) with
 * any bytes, and the kernel cuts the name at 15 bytes, even inside a UTF-8
 * character. So a comm is not checked but made safe: what is not printable
 * ASCII becomes '?'. Quotes stay; gp_str quotes them like any text. */
static void safe_comm(char *out, size_t len, const char *s)
{
	size_t n = 0;
	for (; *s && n + 1 < len; s++)
		out[n++] = *s >= 0x20 && *s < 0x7f ? *s : '?';
	out[n] = '\0';
}

static int cmp_thr(const void *a, const void *b)
{
	const struct rd_thread *x = a, *y = b;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

static int load_sched(struct rd_run *r, const char *path)
{
	const struct schema_csv *s = &schema_sched;
	struct pcsv c;
	size_t cap = 0, tcap = 0;
	int rc = pcsv_open(&c, path, s->cols, s->ncols,
			   1u << SCHEDCOL_TID | 1u << SCHEDCOL_STATE | 1u << SCHEDCOL_T_START |
			       1u << SCHEDCOL_T_END);
	if (rc)
		return rc;
	while ((rc = pcsv_next(&c)) > 0) {
		uint64_t tid, a, b;
		if ((rc = need_u64(&c, SCHEDCOL_TID, &tid)) ||
		    (rc = need_u64(&c, SCHEDCOL_T_START, &a)) ||
		    (rc = need_u64(&c, SCHEDCOL_T_END, &b)))
			goto out;
		if (tid > UINT32_MAX) {
			rc = pcsv_bad(&c, SCHEDCOL_TID);
			goto out;
		}
		if (b < a)
			continue;
		if ((rc = grow((void **)&r->iv, r->niv, &cap, sizeof(*r->iv))))
			goto out;
		struct rd_iv *v = &r->iv[r->niv++];
		v->tid = (uint32_t)tid;
		v->a = a;
		v->b = b;
		v->state = (uint8_t)state_of(pcsv_get(&c, SCHEDCOL_STATE));
		const char *sc = pcsv_get(&c, SCHEDCOL_SYSCALL);
		if (!syscall_ok(sc, sizeof(v->syscall))) {
			rc = pcsv_bad(&c, SCHEDCOL_SYSCALL);
			goto out;
		}
		snprintf(v->syscall, sizeof(v->syscall), "%s", sc);
		/* Threads: a linear look-back is enough, rows come grouped by thread. */
		size_t k = r->nthr;
		while (k > 0 && r->thr[k - 1].tid != v->tid)
			k--;
		if (k == 0 || r->thr[k - 1].tid != v->tid) {
			if ((rc = grow((void **)&r->thr, r->nthr, &tcap, sizeof(*r->thr))))
				goto out;
			r->thr[r->nthr].tid = v->tid;
			safe_comm(r->thr[r->nthr].comm, sizeof(r->thr[0].comm),
				  pcsv_get(&c, SCHEDCOL_COMM));
			r->nthr++;
		}
	}
	if (r->nthr)
		qsort(r->thr, r->nthr, sizeof(*r->thr), cmp_thr);
out:
	pcsv_close(&c);
	return rc;
}

static int load_marks(struct rd_run *r, const char *path)
{
	const struct schema_csv *s = &schema_marks;
	struct pcsv c;
	size_t cap = 0;
	int rc = pcsv_open(&c, path, s->cols, s->ncols, (1u << MARKCOL_N) - 1);
	if (rc)
		return rc;
	while ((rc = pcsv_next(&c)) > 0) {
		uint64_t tid, id, t;
		if ((rc = need_u64(&c, MARKCOL_TID, &tid)) ||
		    (rc = need_u64(&c, MARKCOL_REQUEST_ID, &id)) ||
		    (rc = need_u64(&c, MARKCOL_T, &t)))
			goto out;
		if (tid > UINT32_MAX) {
			rc = pcsv_bad(&c, MARKCOL_TID);
			goto out;
		}
		int ev = schema_mark_parse(pcsv_get(&c, MARKCOL_EVENT)) - 1;
		if (ev < 0) /* a probe added later: not ours to draw */
			continue;
		if ((rc = grow((void **)&r->mark, r->nmark, &cap, sizeof(*r->mark))))
			goto out;
		struct rd_mark *m = &r->mark[r->nmark++];
		m->tid = (uint32_t)tid;
		m->id = id;
		m->t = t;
		m->ev = (uint8_t)ev;
	}
out:
	pcsv_close(&c);
	return rc;
}

/* The process of each thread sched.csv names, from threads.csv (the tracer
 * writes both); threads it does not list keep tgid 0. */
static int load_threads(struct rd_run *r, const char *path)
{
	const struct schema_csv *s = &schema_threads;
	struct pcsv c;
	int rc = pcsv_open(&c, path, s->cols, s->ncols, 1u << THRCOL_TID | 1u << THRCOL_TGID);
	if (rc)
		return rc;
	while ((rc = pcsv_next(&c)) > 0) {
		uint64_t tid, tgid;
		if ((rc = need_u64(&c, THRCOL_TID, &tid)) || (rc = need_u64(&c, THRCOL_TGID, &tgid)))
			goto out;
		if (tid > UINT32_MAX || tgid > UINT32_MAX) {
			rc = pcsv_bad(&c, tid > UINT32_MAX ? THRCOL_TID : THRCOL_TGID);
			goto out;
		}
		struct rd_thread key = { .tid = (uint32_t)tid };
		struct rd_thread *t = r->nthr ? bsearch(&key, r->thr, r->nthr, sizeof(*t), cmp_thr)
					      : NULL;
		if (t)
			t->tgid = (uint32_t)tgid;
	}
out:
	pcsv_close(&c);
	return rc;
}

int rd_load(struct rd_run *r, const char *dir)
{
	char path[4096];
	int rc;
	memset(r, 0, sizeof(*r));
	if ((rc = path_in(path, sizeof(path), dir, SCHEMA_REQUESTS)))
		return rc;
	rc = load_requests(r, path);
	if (rc && rc != -ENOENT)
		goto out;
	r->have_requests = !rc;
	if ((rc = path_in(path, sizeof(path), dir, SCHEMA_SCHED)))
		goto out;
	rc = load_sched(r, path);
	if (rc && rc != -ENOENT)
		goto out;
	r->have_sched = !rc;
	if ((rc = path_in(path, sizeof(path), dir, SCHEMA_MARKS)))
		goto out;
	rc = load_marks(r, path);
	if (rc && rc != -ENOENT)
		goto out;
	r->have_marks = !rc;
	if ((rc = path_in(path, sizeof(path), dir, SCHEMA_THREADS)))
		goto out;
	rc = load_threads(r, path);
	if (rc && rc != -ENOENT)
		goto out;
	r->have_threads = !rc;
	if ((rc = path_in(path, sizeof(path), dir, SCHEMA_STALLS)))
		goto out;
	rc = rd_stalls_load(path, &r->stall, &r->nstall);
	if (rc && rc != -ENOENT)
		goto out;
	r->have_stalls = !rc;
	rc = 0;
	if (!r->have_requests && !r->have_sched) {
		rc = -ENOENT;
		goto out;
	}
	if (!path_in(path, sizeof(path), dir, SCHEMA_META)) {
		/* Absent is an older run; garbled is said, as for every other file. */
		r->meta = pjson_load(path);
		if (!r->meta && errno == EBADMSG)
			rc = -EBADMSG;
	}
out:
	if (rc)
		rd_free(r);
	return rc;
}

const struct rd_thread *rd_thread_find(const struct rd_run *r, uint32_t tid)
{
	struct rd_thread key = { .tid = tid };
	return r->nthr ? bsearch(&key, r->thr, r->nthr, sizeof(key), cmp_thr) : NULL;
}

void rd_free(struct rd_run *r)
{
	free(r->req);
	free(r->iv);
	free(r->mark);
	free(r->thr);
	rd_stalls_free(r->stall, r->nstall);
	pjson_free(r->meta);
	memset(r, 0, sizeof(*r));
}
