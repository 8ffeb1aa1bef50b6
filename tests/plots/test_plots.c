/* The charts and the report over synthetic results directories (synth.c).
 * `test_plots unit` runs the pure parsers; `test_plots charts` draws with
 * gnuplot and checks what came out: PNG magic and size, SVG text, the report's
 * content. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "colours.h"
#include "pcsv.h"
#include "pjson.h"
#include "plots.h"
#include "rundata.h"
#include "summary.h"
#include "synth.h"
#include "tl_model.h"

static char root[256];

static void path(char *b, size_t len, const char *a, const char *c)
{
	snprintf(b, len, "%s/%s%s%s", root, a, c ? "/" : "", c ? c : "");
}

static char *slurp(const char *p, size_t *len)
{
	FILE *f = fopen(p, "r");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = malloc((size_t)n + 1);
	if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
		free(s);
		s = NULL;
	}
	fclose(f);
	if (s)
		s[n] = '\0';
	if (len)
		*len = (size_t)n;
	return s;
}

static void write_file(const char *p, const char *text)
{
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void assert_png(const char *dir, const char *name, size_t min)
{
	char p[1100];
	size_t n = 0;
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	char *s = slurp(p, &n);
	if (!s)
		fail_msg("%s missing", p);
	assert_memory_equal(s, "\x89PNG\r\n\x1a\n", 8);
	if (n < min)
		fail_msg("%s is only %zu bytes", p, n);
	free(s);
}

/* The SVG: starts as XML or SVG, has a title containing `want`, ends closed. */
static void assert_svg(const char *dir, const char *want)
{
	char p[1100];
	snprintf(p, sizeof(p), "%s/timeline.svg", dir);
	char *s = slurp(p, NULL);
	assert_non_null(s);
	assert_true(!strncmp(s, "<?xml", 5) || !strncmp(s, "<svg", 4));
	assert_non_null(strstr(s, "<svg"));
	assert_non_null(strstr(s, "</svg>"));
	if (!strstr(s, want))
		fail_msg("timeline.svg lacks '%s'", want);
	free(s);
}

static void no_leftovers(const char *dir, const char *name)
{
	char p[1100];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	assert_int_not_equal(access(p, F_OK), 0);
}

/* ---- unit ---------------------------------------------------------------- */

static void count_member(void *ctx, const char *key, const char *val, struct json_object *obj)
{
	(void)key;
	(void)val;
	(void)obj;
	++*(int *)ctx;
}

static void test_pjson(void **state)
{
	(void)state;
	struct json_object *j = pjson_parse(
	    "{ \"target\": \"epoll\", \"n\": 10, \"load\": {\"c\": 5, \"s\": \"a\\\"b\"},"
	    " \"list\": [1, {\"x\": 2}], \"quick\": true, \"d\": 2.000 }");
	assert_non_null(j);
	char v[64];
	assert_int_equal(pjson_get(j, "target", v, sizeof(v)), 0);
	assert_string_equal(v, "epoll");
	assert_int_equal(pjson_get(j, "n", v, sizeof(v)), 0);
	assert_string_equal(v, "10");
	assert_int_equal(pjson_get(j, "load.c", v, sizeof(v)), 0);
	assert_string_equal(v, "5");
	assert_int_equal(pjson_get(j, "load.s", v, sizeof(v)), 0);
	assert_string_equal(v, "a\"b");
	assert_int_equal(pjson_get(j, "quick", v, sizeof(v)), 0);
	assert_string_equal(v, "true");
	/* A number reads back as it was written, not re-printed. */
	assert_int_equal(pjson_get(j, "d", v, sizeof(v)), 0);
	assert_string_equal(v, "2.000");
	assert_int_equal(pjson_get(j, "missing", v, sizeof(v)), -ENOENT);
	assert_int_equal(pjson_get(j, "target.x", v, sizeof(v)), -ENOENT);
	int n = 0;
	assert_int_equal(pjson_each(j, count_member, &n), 0);
	assert_int_equal(n, 6);
	pjson_free(j);
	/* Valid JSON that is not an object, and text that is not JSON. */
	j = pjson_parse("[1,2]");
	assert_non_null(j);
	assert_int_equal(pjson_get(j, "a", v, sizeof(v)), -EBADMSG);
	pjson_free(j);
	errno = 0;
	assert_null(pjson_parse("{\"a\": "));
	assert_int_equal(errno, EBADMSG);
	errno = 0;
	assert_null(pjson_parse("{\"a\": \"unterminated"));
	assert_int_equal(errno, EBADMSG);
	/* A file: absent, garbled. */
	char p[1100];
	path(p, sizeof(p), "absent.json", NULL);
	assert_null(pjson_load(p));
	assert_int_equal(errno, ENOENT);
	path(p, sizeof(p), "garbled.json", NULL);
	write_file(p, "{\"a\": tru");
	assert_null(pjson_load(p));
	assert_int_equal(errno, EBADMSG);
}

static void test_pcsv(void **state)
{
	(void)state;
	char p[1100];
	path(p, sizeof(p), "t.csv", NULL);
	write_file(p, "b,a,c\n2,1,\"x,\"\"y\"\"\"\n\n5,4,z\n");
	static const char *const want[] = { "a", "b", "c", "d" };
	struct pcsv c;
	assert_int_equal(pcsv_open(&c, p, want, 4, 0x3), 0);
	assert_int_equal(pcsv_next(&c), 1);
	assert_string_equal(pcsv_get(&c, 0), "1");
	assert_string_equal(pcsv_get(&c, 1), "2");
	assert_string_equal(pcsv_get(&c, 2), "x,\"y\"");
	assert_string_equal(pcsv_get(&c, 3), "");
	assert_int_equal(pcsv_next(&c), 1);
	assert_string_equal(pcsv_get(&c, 2), "z");
	assert_int_equal(pcsv_next(&c), 0);
	pcsv_close(&c);
	assert_int_equal(pcsv_open(&c, p, want, 4, 0x8), -EBADMSG); /* d required */
	uint64_t u;
	double d;
	assert_int_equal(pcsv_u64("12", &u), 0);
	assert_int_equal(u, 12);
	assert_int_equal(pcsv_u64("", &u), -ENODATA);
	assert_int_equal(pcsv_u64("-1", &u), -EBADMSG);
	assert_int_equal(pcsv_u64("1x", &u), -EBADMSG);
	assert_int_equal(pcsv_dbl("1.5", &d), 0);
	assert_int_equal(pcsv_dbl("abc", &d), -EBADMSG);
}

static void test_rundata_garbled(void **state)
{
	(void)state;
	char d[512], p[1100];
	struct rd_run r;
	path(d, sizeof(d), "garbled", NULL);
	mkdir(d, 0755);
	assert_int_equal(rd_load(&r, d), -ENOENT); /* empty dir */
	snprintf(p, sizeof(p), "%s/sched.csv", d);
	write_file(p, "tid,comm,state,t_start,t_end\n12,x,running,oops,5\n");
	assert_int_equal(rd_load(&r, d), -EBADMSG);
	if (!strstr(plots_detail(), "sched.csv:2: bad t_start 'oops'"))
		fail_msg("detail: %s", plots_detail());
	write_file(p, "this is not,a sched file\n1,2\n");
	assert_int_equal(rd_load(&r, d), -EBADMSG);
	write_file(p, "");
	assert_int_equal(rd_load(&r, d), -EBADMSG);
	write_file(p, "tid,comm,state,t_start,t_end,cpu,syscall\n12,x,running,10,20,0,\n");
	assert_int_equal(rd_load(&r, d), 0);
	assert_int_equal(r.niv, 1);
	assert_int_equal(r.nthr, 1);
	rd_free(&r);
	snprintf(p, sizeof(p), "%s/requests.csv", d);
	write_file(p, "id,t_start,t_end\n1,2,x\n");
	assert_int_equal(rd_load(&r, d), -EBADMSG);
}

static void test_summary(void **state)
{
	(void)state;
	char d[512], p[1100];
	path(d, sizeof(d), "sum", NULL);
	assert_int_equal(synth_matrix(d, 1), 0);
	snprintf(p, sizeof(p), "%s/summary.csv", d);
	struct sum s;
	assert_int_equal(sum_load(&s, p), 0);
	assert_int_equal(s.n, 18);
	assert_int_equal(s.ntarget, 6);
	assert_string_equal(s.target[0], "blocking");
	int failed = 0;
	for (size_t i = 0; i < s.n; i++)
		failed += s.row[i].failed;
	assert_int_equal(failed, 1);
	assert_true(sum_has(&s, "blog"));
	assert_false(sum_has(&s, "throughput"));
	assert_true(sum_wait_ms("/sync?ms=200") == 200);
	sum_free(&s);
	write_file(p, "scenario,target,endpoint,concurrency,rps,status\nblog,x,/a,ten,1,ok\n");
	assert_int_equal(sum_load(&s, p), -EBADMSG);
}

/* ---- the timeline's model, without gnuplot --------------------------------- */

/* A synthetic run read back and built into a model: what the chart would draw. */
static void model_of(const char *name, enum synth_kind kind, int n, int wait_ms, int sched_only,
		     struct rd_run *r, struct tl_model *m)
{
	char d[512];
	path(d, sizeof(d), name, NULL);
	assert_int_equal(synth_run(d, kind, n, wait_ms, sched_only), 0);
	assert_int_equal(rd_load(r, d), 0);
	assert_int_equal(tl_model_build(m, r, d), 0);
}

static int is_request_colour(unsigned c)
{
	for (int i = 0; i < COL_NREQUEST; i++)
		if (c == col_request((uint64_t)i) || c == col_pale(col_request((uint64_t)i)))
			return 1;
	return 0;
}

/* blocking /wrong: one lane per request in send order, each request's five
 * marks found by id in time order, the colours by rank, one thread serving. */
static void test_model_stair(void **state)
{
	(void)state;
	struct rd_run r;
	struct tl_model m;
	model_of("m-stair", SYNTH_STAIR, 10, 200, 0, &r, &m);
	assert_int_equal(m.nlane, 10);
	assert_int_equal(m.nthr_lanes, 1);
	assert_int_equal(m.nhand, 0);
	assert_int_equal(m.t0, r.req[m.order[0]].t_send);
	assert_true(m.w0 < m.t0);
	for (size_t i = 0; i < r.nreq; i++) {
		const struct rd_req *q = &r.req[m.order[i]];
		if (i)
			assert_true(q->t_send >= r.req[m.order[i - 1]].t_send);
		assert_int_equal(tl_colour_of(&m, q->id), col_request(i));
		size_t n;
		const struct rd_mark *k = tl_marks_of(&m, q->id, &n);
		assert_int_equal(n, 5);
		for (size_t j = 0; j < n; j++) {
			assert_int_equal(k[j].id, q->id);
			if (j)
				assert_true(k[j].t >= k[j - 1].t);
		}
		assert_int_equal(k[0].ev, RD_START);
		assert_int_equal(k[4].ev, RD_END);
	}
	size_t n;
	assert_null(tl_marks_of(&m, 999999, &n));
	assert_int_equal(n, 0);
	/* The top lane is the first request sent; every box of its lane is drawn. */
	assert_int_equal(m.lane_of[m.order[0]], 0);
	assert_true(m.req_boxes.n >= 10);
	/* Running time is coloured by requests: no box outside the table. */
	size_t coloured = 0;
	for (size_t i = 0; i < m.thr_boxes.n; i++) {
		unsigned c = m.thr_boxes.b[i].col;
		assert_true(is_request_colour(c) || c == COL_NOREQ || c == COL_SLEEPING ||
			    c == COL_UNKNOWN || c == COL_RUNNABLE || c == COL_BLOCKED);
		coloured += is_request_colour(c);
	}
	assert_true(coloured >= 10);
	assert_non_null(strstr(m.page.title, "blocking /wrong?ms=200"));
	assert_non_null(strstr(m.page.sub, "10 requests, 0 failed"));
	assert_true(m.page.req_top > 0 && m.page.thr_top > m.page.req_bot);
	tl_model_free(&m);
	rd_free(&r);
}

/* hybrid /sync with 1000 requests of a burst: packed into as many lanes as
 * were ever in flight, cut to the first lanes plus the slowest and said so;
 * threads beyond the lanes counted by state with the loop kept in a lane,
 * hand-offs from the loop to the pool drawn (at most 30). */
static void test_model_pool(void **state)
{
	(void)state;
	struct rd_run r;
	struct tl_model m;
	model_of("m-pool", SYNTH_POOL, 1000, 20, 0, &r, &m);
	assert_int_equal(m.lane_kind, TL_LANES_PACKED);
	assert_int_equal(m.nlane_all, m.infl_max);
	assert_int_equal(m.nlane, PLOTS_MAX_REQ_LANES);
	assert_int_equal(m.nslow, TL_NSLOW);
	assert_non_null(strstr(m.page.notes[0], "packed into the fewest lanes"));
	assert_non_null(strstr(m.page.notes[0], "and the 20 slowest requests of the window"));
	assert_true(m.nthr_lanes <= PLOTS_MAX_THREAD_LANES);
	assert_true(m.nhand > 0 && m.nhand <= 30);
	assert_true(tl_find_thread(&m, r.thr[0].tid)->lane >= 0); /* the loop */
	for (size_t i = 0; i < m.nhand; i++)
		assert_int_equal(m.hand[i].lane, tl_find_thread(&m, r.thr[0].tid)->lane);
	tl_model_free(&m);
	rd_free(&r);
}

/* Stalls (stalls.csv) on the thread panel: a band at the stall's true extent
 * over its thread's lane, labelled when wide enough, with a hover text; a
 * stalled thread gets a lane even where the busiest would have taken it; a
 * stall outside the window is counted, not drawn. */
static void test_model_stalls(void **state)
{
	(void)state;
	struct rd_run r;
	struct tl_model m;
	char d[512], p[600];
	model_of("m-stalls", SYNTH_POOL, 1000, 20, 0, &r, &m);
	uint32_t loop = r.thr[0].tid, idle = 0;
	for (size_t i = 0; i < m.nthr; i++)
		if (m.thr[i].lane < 0 && m.thr[i].run_ns)
			idle = m.thr[i].tid; /* ran, but not among the lanes */
	assert_true(idle != 0);
	uint64_t w0 = m.w0, w1 = m.w1, q = (w1 - w0) / 4;
	tl_model_free(&m);
	rd_free(&r);
	path(d, sizeof(d), "m-stalls", NULL);
	path(p, sizeof(p), "m-stalls", "stalls.csv");
	char csv[2048];
	snprintf(csv, sizeof(csv),
		 "tid,comm,t_start,t_end,duration_ns,cause,syscall,running_ns,runnable_ns,"
		 "sleeping_ns,blocked_ns,ready,requests_waiting,stack\n"
		 "%u,loop,%llu,%llu,%llu,sleeping,clock_nanosleep,0,0,%llu,0,3,7,a;b;c\n"
		 "%u,worker,%llu,%llu,%llu,running,,%llu,0,0,0,-1,,\n"
		 "%u,loop,%llu,%llu,1000,running,,1000,0,0,0,-1,,\n",
		 loop, (unsigned long long)(w0 + q), (unsigned long long)(w0 + 2 * q),
		 (unsigned long long)q, (unsigned long long)q, idle,
		 (unsigned long long)(w0 + q), (unsigned long long)(w0 + q + 2000000),
		 2000000ull, 2000000ull, loop, (unsigned long long)(w1 + 1000000000ull),
		 (unsigned long long)(w1 + 1000001000ull));
	write_file(p, csv);
	assert_int_equal(rd_load(&r, d), 0);
	assert_int_equal(r.nstall, 3);
	assert_int_equal(tl_model_build(&m, &r, d), 0);
	assert_int_equal(m.nstl, 2);
	assert_int_equal(m.stl_out, 1);
	const struct tl_stall *a = NULL, *b = NULL;
	for (size_t i = 0; i < m.nstl; i++) {
		if (r.stall[m.stl[i].row].tid == loop)
			a = &m.stl[i];
		else
			b = &m.stl[i];
	}
	assert_non_null(a);
	assert_non_null(b);
	/* True extents, not widened; over the thread's own lane. */
	assert_true(fabs(a->x0 - tl_xms(&m, w0 + q)) < 1e-6);
	assert_true(fabs(a->x1 - tl_xms(&m, w0 + 2 * q)) < 1e-6);
	assert_int_equal(a->lane, tl_find_thread(&m, loop)->lane);
	assert_true(tl_find_thread(&m, idle)->lane >= 0);
	assert_int_equal(b->lane, tl_find_thread(&m, idle)->lane);
	assert_true(fabs((b->x1 - b->x0) - 2.0) < 1e-6);
	/* A quarter of the window holds the whole label; 2 ms of 2 s holds none. */
	assert_non_null(strstr(a->label, "sleeping clock_nanosleep"));
	assert_string_equal(b->label, "");
	size_t hov = 0;
	for (size_t i = 0; i < m.nhov; i++) {
		if (strncmp(m.hov[i].text, "STALL of loop", 13))
			continue;
		hov++;
		assert_non_null(strstr(m.hov[i].text, "asleep in clock_nanosleep"));
		assert_non_null(strstr(m.hov[i].text, "requests waiting: 7"));
		assert_non_null(strstr(m.hov[i].text, "ready when it got back: at least 3"));
		assert_non_null(strstr(m.hov[i].text, "stack:\n  a\n  b\n  c"));
	}
	assert_int_equal(hov, 1);
	tl_model_free(&m);
	rd_free(&r);
}

/* Requests in flight at t, counted the slow way: sent at or before t and not
 * answered by then (half-open spans, as the strip counts them). */
static uint32_t true_max_inflight(const struct rd_run *r)
{
	uint32_t top = 0;
	for (size_t i = 0; i < r->nreq; i++) {
		uint32_t n = 0;
		uint64_t t = r->req[i].t_send; /* a maximum starts at some send */
		for (size_t j = 0; j < r->nreq; j++)
			n += r->req[j].t_send <= t && r->req[j].t_end > t;
		if (n > top)
			top = n;
	}
	return top;
}

static void load_model(const char *name, int open_loop, int nconn, int nreq, int wait_ms, int every,
		       struct rd_run *r, struct tl_model *m)
{
	char d[512];
	path(d, sizeof(d), name, NULL);
	assert_int_equal(synth_load(d, open_loop, nconn, nreq, wait_ms, every), 0);
	assert_int_equal(rd_load(r, d), 0);
	assert_int_equal(tl_model_build(m, r, d), 0);
}

/* A closed loop: a lane per connection, in each its own requests in send order,
 * never two at once; the strip's peak is the number of connections. */
static void test_model_closed(void **state)
{
	(void)state;
	struct rd_run r;
	struct tl_model m;
	load_model("m-closed", 0, 20, 500, 200, 1, &r, &m);
	assert_int_equal(m.lane_kind, TL_LANES_CONN);
	assert_int_equal(m.nlane, 20);
	assert_int_equal(m.ndrawn, 500);
	assert_int_equal(m.cut, 0);
	uint64_t conn[PLOTS_MAX_REQ_LANES], last_end[PLOTS_MAX_REQ_LANES] = { 0 };
	for (size_t l = 0; l < PLOTS_MAX_REQ_LANES; l++)
		conn[l] = RD_NOCONN;
	for (size_t j = 0; j < m.ndrawn; j++) { /* drawn is in send order */
		const struct rd_req *q = &r.req[m.drawn[j]];
		int l = m.lane_of[m.drawn[j]];
		assert_true(l >= 0 && l < 20);
		if (conn[l] == RD_NOCONN)
			conn[l] = q->conn;
		assert_true(conn[l] == q->conn);
		assert_true(q->t_send >= last_end[l]);
		last_end[l] = q->t_end;
		if (j)
			assert_true(q->t_send >= r.req[m.drawn[j - 1]].t_send);
	}
	assert_int_equal(m.infl_max, 20);
	assert_int_equal(m.infl_max, true_max_inflight(&r));
	assert_non_null(strstr(m.page.notes[0], "a lane per connection"));
	tl_model_free(&m);
	rd_free(&r);

	/* 100 connections: the first 40 and the 20 slowest, said exactly. */
	load_model("m-closed100", 0, 100, 1000, 50, 1, &r, &m);
	assert_int_equal(m.lane_kind, TL_LANES_CONN);
	assert_int_equal(m.nlane, PLOTS_MAX_REQ_LANES);
	assert_non_null(strstr(m.page.notes[0], "Lanes: connections 1\xe2\x80\x93"
						"40 of 100"));
	tl_model_free(&m);
	rd_free(&r);
}

/* An open loop: packed, lanes never overlap, as many as were ever in flight;
 * the strip's peak is the true one. Marks on 1 in 8: the page says so. */
static void test_model_open(void **state)
{
	(void)state;
	struct rd_run r;
	struct tl_model m;
	load_model("m-open", 1, 8, 300, 40, 8, &r, &m);
	assert_int_equal(m.lane_kind, TL_LANES_PACKED);
	uint32_t top = true_max_inflight(&r);
	assert_true(top > 8);
	assert_int_equal(m.infl_max, top);
	assert_int_equal(m.nlane_all, top);
	uint64_t last_end[PLOTS_MAX_REQ_LANES] = { 0 };
	for (size_t j = 0; j < m.ndrawn; j++) {
		const struct rd_req *q = &r.req[m.drawn[j]];
		int l = m.lane_of[m.drawn[j]];
		assert_true(q->t_send >= last_end[l]);
		last_end[l] = q->t_end;
	}
	assert_int_equal(m.nmarked, 38);
	assert_non_null(strstr(m.page.notes[1], "Server marks on 38 of 300 requests"));
	tl_model_free(&m);
	rd_free(&r);

	/* 5000 requests: a window, the strip binned to pixels yet its peak exact,
	 * a latency panel over the whole run. */
	load_model("m-open5000", 1, 50, 5000, 40, 64, &r, &m);
	assert_int_equal(m.infl_max, true_max_inflight(&r));
	assert_true(m.ndrawn <= TL_MAX_REQS);
	assert_int_equal(m.nlat, 5000);
	assert_true(m.lat_p99 >= m.lat_p50 && m.lat_p50 > 0);
	tl_model_free(&m);
	rd_free(&r);
}

/* bench trace alone: no request lanes, the window is the trace. */
static void test_model_sched_only(void **state)
{
	(void)state;
	struct rd_run r;
	struct tl_model m;
	model_of("m-sched", SYNTH_LOOP, 10, 300, 1, &r, &m);
	assert_int_equal(m.nlane, 0);
	assert_int_equal(m.req_boxes.n, 0);
	assert_true(m.nthr_lanes >= 1);
	assert_int_equal(m.t0, m.w0);
	assert_non_null(strstr(m.page.title, "what the threads did"));
	assert_int_equal(m.page.req_top, -1);
	assert_true(m.nlbl > 0); /* epoll_wait named over the long waits */
	assert_string_equal(m.lbl[0].text, "epoll_wait");
	tl_model_free(&m);
	rd_free(&r);
}

/* ---- charts (gnuplot) ------------------------------------------------------ */

static void test_timeline_stair(void **state)
{
	(void)state;
	char d[512];
	path(d, sizeof(d), "stair", NULL);
	assert_int_equal(synth_run(d, SYNTH_STAIR, 10, 200, 0), 0);
	assert_int_equal(plots_timeline(d), 0);
	assert_png(d, "timeline.png", 10000);
	assert_svg(d, "blocking /wrong?ms=200");
	no_leftovers(d, "timeline.gp");
	no_leftovers(d, "timeline.png.tmp");
	no_leftovers(d, "gnuplot.log");
}

static void test_timeline_parallel(void **state)
{
	(void)state;
	char d[512];
	path(d, sizeof(d), "parallel", NULL);
	assert_int_equal(synth_run(d, SYNTH_PARALLEL, 10, 500, 0), 0);
	assert_int_equal(plots_timeline(d), 0);
	assert_png(d, "timeline.png", 10000);
	assert_svg(d, "threaded /sync?ms=500");
	assert_svg(d, "Threads of the server");
}

/* 1000 requests: lanes are sampled and the chart says so. */
static void test_timeline_many(void **state)
{
	(void)state;
	char d[512];
	path(d, sizeof(d), "many", NULL);
	assert_int_equal(synth_run(d, SYNTH_POOL, 1000, 20, 0), 0);
	assert_int_equal(plots_timeline(d), 0);
	assert_png(d, "timeline.png", 10000);
	assert_svg(d, "20 slowest requests of the window");
	path(d, sizeof(d), "manythreads", NULL);
	assert_int_equal(synth_run(d, SYNTH_PARALLEL, 300, 100, 0), 0);
	assert_int_equal(plots_timeline(d), 0);
	assert_svg(d, "counted by state above");
	assert_svg(d, "Threads by state");
}

/* 5000 requests of an open loop: drawn in bounded time and size, with the
 * window, the strip and the latency panel, each said on the chart. */
static void test_timeline_5000(void **state)
{
	(void)state;
	char d[512], p[600];
	struct timespec a, b;
	struct stat st;
	path(d, sizeof(d), "big5000", NULL);
	assert_int_equal(synth_load(d, 1, 50, 5000, 40, 64), 0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(plots_timeline(d), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	assert_true(secs < 30); /* about 1 s alone; the machine is shared */
	snprintf(p, sizeof(p), "%s/timeline.svg", d);
	assert_int_equal(stat(p, &st), 0);
	assert_true(st.st_size < 3000000);
	assert_png(d, "timeline.png", 10000);
	assert_svg(d, "Latency of all 5000 requests");
	assert_svg(d, "In flight: requests sent");
	assert_svg(d, "the busiest stretch");
	assert_svg(d, "Server marks on 79 of 5000 requests");
}

static void test_timeline_sched_only(void **state)
{
	(void)state;
	char d[512];
	path(d, sizeof(d), "schedonly", NULL);
	assert_int_equal(synth_run(d, SYNTH_LOOP, 10, 300, 1), 0);
	assert_int_equal(plots_timeline(d), 0);
	assert_png(d, "timeline.png", 10000);
	assert_svg(d, "what the threads did");
	assert_svg(d, "ms since the trace started");
}

static void test_timeline_errors(void **state)
{
	(void)state;
	char d[512], p[1100];
	path(d, sizeof(d), "nothing-here", NULL);
	assert_int_equal(plots_timeline(d), -ENOENT);
	path(d, sizeof(d), "bad", NULL);
	mkdir(d, 0755);
	snprintf(p, sizeof(p), "%s/requests.csv", d);
	write_file(p, "id,t_start,t_end\n\x01\x02garbage\n");
	assert_int_equal(plots_timeline(d), -EBADMSG);
	no_leftovers(d, "timeline.png");
	write_file(p, "id,t_start,t_end\n"); /* a header and nothing else */
	assert_int_equal(plots_timeline(d), -ENODATA);
}

static int contains(const char *file, const char *want)
{
	char *s = slurp(file, NULL);
	int ok = s && strstr(s, want);
	free(s);
	return ok;
}

static void test_matrix_report(void **state)
{
	(void)state;
	char d[512], p[1100];
	static const char *const charts[] = { "blog.png",    "throughput.png", "latency.png",
					      "iobound.png", "memory.png",     "cpubound.png" };
	path(d, sizeof(d), "matrix", NULL);
	assert_int_equal(synth_matrix(d, 0), 0);
	assert_int_equal(plots_compare(d), 0);
	for (int i = 0; i < 6; i++)
		assert_png(d, charts[i], 10000);
	/* The report embeds cell timelines when they exist. */
	snprintf(p, sizeof(p), "%s/blog-epoll-async", d);
	assert_int_equal(plots_timeline(p), 0);
	assert_int_equal(plots_report(d), 0);
	snprintf(p, sizeof(p), "%s/report.md", d);
	assert_true(contains(p, "failed: target exited with status 1"));
	assert_true(contains(p, "synthetic crash for the test"));
	assert_true(contains(p, "](throughput.png)"));
	assert_true(contains(p, "blog-epoll-async/timeline.png"));
	snprintf(p, sizeof(p), "%s/report.html", d);
	assert_true(contains(p, "data:image/png;base64,iVBORw0KGgo"));
	assert_true(contains(p, "failed: target exited with status 1"));
	assert_true(contains(p, "RuntimeError: synthetic crash"));
	assert_true(contains(p, "</html>"));
	/* Data-driven sentences: who serialised the mistake. */
	assert_true(contains(p, "blocking (10.0)"));
	/* The timelines' legend, in the colours the timelines use. */
	assert_true(contains(p, "background:#ff7f0e"));
	assert_true(contains(p, "runnable: awaiting a CPU"));
	assert_true(contains(p, "2 x test"));
	no_leftovers(d, "report.html.tmp");
	no_leftovers(d, "compare.gp");
}

/* --scenarios blog: the other charts are skipped, not drawn empty. */
static void test_matrix_blog_only(void **state)
{
	(void)state;
	char d[512], p[1100];
	path(d, sizeof(d), "blogonly", NULL);
	assert_int_equal(synth_matrix(d, 1), 0);
	assert_int_equal(plots_compare(d), 0);
	assert_int_equal(plots_report(d), 0);
	assert_png(d, "blog.png", 10000);
	no_leftovers(d, "throughput.png");
	no_leftovers(d, "memory.png");
	snprintf(p, sizeof(p), "%s/report.html", d);
	assert_true(contains(p, "The original experiment"));
	assert_false(contains(p, "Throughput"));
}

/* Every cell of a scenario failed: the charts say so instead of failing, and
 * the report lists the reasons. */
static void test_matrix_all_failed(void **state)
{
	(void)state;
	char d[512], p[1100];
	path(d, sizeof(d), "allfailed", NULL);
	mkdir(d, 0755);
	snprintf(p, sizeof(p), "%s/summary.csv", d);
	write_file(p,
		   "scenario,target,endpoint,concurrency,requests,ok,errors,duration_s,rps,p50_ms,"
		   "p99_ms,max_ms,batch_ms,rss_kib,threads,cpu_s,status,dir\n"
		   "throughput,epoll,/hello,10,,,,,,,,,,,,,failed: never became ready,tp\n"
		   "io-bound,epoll,/async?ms=50,10,,,,,,,,,,,,,failed: timed out,io\n");
	assert_int_equal(plots_compare(d), 0);
	assert_png(d, "latency.png", 5000);
	assert_png(d, "iobound.png", 5000);
	assert_int_equal(plots_report(d), 0);
	snprintf(p, sizeof(p), "%s/report.md", d);
	assert_true(contains(p, "failed: never became ready"));
	assert_true(contains(p, "failed: timed out"));
}

static void test_matrix_errors(void **state)
{
	(void)state;
	char d[512], p[1100];
	path(d, sizeof(d), "nomatrix", NULL);
	mkdir(d, 0755);
	assert_int_equal(plots_compare(d), -ENOENT);
	assert_int_equal(plots_report(d), -ENOENT);
	snprintf(p, sizeof(p), "%s/summary.csv", d);
	write_file(p, "garbage\n1,2,3\n");
	assert_int_equal(plots_compare(d), -EBADMSG);
	assert_int_equal(plots_report(d), -EBADMSG);
}

static int setup(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	snprintf(root, sizeof(root), "%s/asplots-test-XXXXXX", tmp ? tmp : "/tmp");
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	if (getenv("ASPLOTS_KEEP")) {
		fprintf(stderr, "kept %s\n", root);
		return 0;
	}
	/* No shell: nftw would do, but the tree is ours and shallow. */
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "%s", root);
	pid_t pid = fork();
	if (pid == 0) {
		execlp("rm", "rm", "-rf", cmd, (char *)NULL);
		_exit(127);
	}
	int st;
	waitpid(pid, &st, 0);
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest unit[] = {
		cmocka_unit_test(test_pjson),
		cmocka_unit_test(test_pcsv),
		cmocka_unit_test(test_rundata_garbled),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_model_stair),
		cmocka_unit_test(test_model_pool),
		cmocka_unit_test(test_model_stalls),
		cmocka_unit_test(test_model_closed),
		cmocka_unit_test(test_model_open),
		cmocka_unit_test(test_model_sched_only),
	};
	const struct CMUnitTest charts[] = {
		cmocka_unit_test(test_timeline_stair),
		cmocka_unit_test(test_timeline_parallel),
		cmocka_unit_test(test_timeline_many),
		cmocka_unit_test(test_timeline_5000),
		cmocka_unit_test(test_timeline_sched_only),
		cmocka_unit_test(test_timeline_errors),
		cmocka_unit_test(test_matrix_report),
		cmocka_unit_test(test_matrix_blog_only),
		cmocka_unit_test(test_matrix_all_failed),
		cmocka_unit_test(test_matrix_errors),
	};
	if (argc > 1 && !strcmp(argv[1], "charts"))
		return cmocka_run_group_tests_name("plots.charts", charts, setup, teardown);
	return cmocka_run_group_tests_name("plots.unit", unit, setup, teardown);
}
