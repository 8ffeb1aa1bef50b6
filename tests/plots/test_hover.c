/* The SVG's hover layer (tl_hover.c), without gnuplot: which requests and
 * thread intervals get a point, what their texts say, the cap, and
 * gp_hypertext's escaping. test_plot_hover.sh checks the SVG gnuplot makes. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "gp.h"
#include "rundata.h"
#include "synth.h"
#include "tl_model.h"

static char root[256];

static void build(const char *name, struct rd_run *r, struct tl_model *m, char *dir, size_t len)
{
	snprintf(dir, len, "%s/%s", root, name);
	assert_int_equal(rd_load(r, dir), 0);
	assert_int_equal(tl_model_build(m, r, dir), 0);
}

static const struct tl_hover *find(const struct tl_model *m, int panel, const char *prefix)
{
	for (size_t i = 0; i < m->nhov; i++)
		if (m->hov[i].panel == panel && !strncmp(m->hov[i].text, prefix, strlen(prefix)))
			return &m->hov[i];
	return NULL;
}

/* Every hover point sits inside its panel: on the time axis shown, on a lane. */
static void assert_placed(const struct tl_model *m)
{
	double x0 = tl_xms(m, m->w0), x1 = tl_xms(m, m->w1);
	assert_true(m->nhov <= TL_MAX_HOVER);
	for (size_t i = 0; i < m->nhov; i++) {
		const struct tl_hover *h = &m->hov[i];
		assert_true(h->x >= x0 && h->x <= x1);
		assert_true(h->y >= 0);
		assert_true(h->y <
			    (h->panel == TL_PANEL_REQ ? (double)m->nlane : (double)m->nthr_lanes));
		assert_true((i < m->nhov_req) == (h->panel == TL_PANEL_REQ));
		assert_true(strlen(h->text) > 10);
	}
}

/* A closed loop with marks on every request: each drawn request has a point
 * whose text gives id, status, latency and every phase; the loop thread's
 * intervals name their state, syscall and the request they served. */
static void test_closed(void **state)
{
	(void)state;
	char d[512];
	struct rd_run r;
	struct tl_model m;
	snprintf(d, sizeof(d), "%s/closed", root);
	assert_int_equal(synth_load(d, 0, 20, 500, 200, 1), 0);
	build("closed", &r, &m, d, sizeof(d));
	assert_int_equal(m.nhov_req, m.ndrawn);
	assert_int_equal(m.nhov_req, 500);
	assert_placed(&m);
	const struct tl_hover *h = find(&m, TL_PANEL_REQ, "request 1 ");
	assert_non_null(h);
	static const char *const want[] = { "status 200",
					    "200.3 ms", /* latency: wait + 300 us */
					    "connection 0",
					    "connect 5.0 \xc2\xb5s",
					    "sent, in the kernel's queue 35 \xc2\xb5s",
					    "queued in the server 10 \xc2\xb5s",
					    "handler 40 \xc2\xb5s",
					    "wait 200.2 ms",
					    "response 60 \xc2\xb5s",
					    "thread 4000" };
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(h->text, want[i]))
			fail_msg("request hover lacks '%s': %s", want[i], h->text);
	/* The request's point is on its lane, in the middle of its span. */
	const struct rd_req *q = NULL;
	for (size_t i = 0; i < r.nreq; i++)
		if (r.req[i].id == 1)
			q = &r.req[i];
	assert_non_null(q);
	assert_true(h->x > tl_xms(&m, q->t_send) && h->x < tl_xms(&m, q->t_end));
	const struct tl_hover *s =
	    find(&m, TL_PANEL_THR, "target-epoll  \xc2\xb7  tid 4000\nsleeping");
	assert_non_null(s);
	assert_non_null(strstr(s->text, "in epoll_wait"));
	int serving = 0;
	for (size_t i = m.nhov_req; i < m.nhov; i++)
		serving += strstr(m.hov[i].text, "\nrunning\n") &&
			   strstr(m.hov[i].text, "serving request");
	assert_true(serving > 0);
	assert_non_null(strstr(m.page.hover, "Hover for details: 500 requests"));
	tl_model_free(&m);
	rd_free(&r);
}

/* Sampled marks: a request without them says so rather than show no phases. */
static void test_sampled(void **state)
{
	(void)state;
	char d[512];
	struct rd_run r;
	struct tl_model m;
	snprintf(d, sizeof(d), "%s/open", root);
	assert_int_equal(synth_load(d, 1, 8, 300, 40, 8), 0);
	build("open", &r, &m, d, sizeof(d));
	assert_placed(&m);
	size_t bare = 0, phased = 0;
	for (size_t i = 0; i < m.nhov_req; i++) {
		bare += strstr(m.hov[i].text, "no server marks") != NULL;
		phased += strstr(m.hov[i].text, "\nwait ") != NULL;
	}
	assert_true(bare > 0 && phased > 0);
	assert_int_equal(bare + phased, m.nhov_req);
	tl_model_free(&m);
	rd_free(&r);
}

/* 40 busy threads, 2000 intervals each, and no requests: more places than the
 * cap allows. TL_MAX_HOVER points, the longest, and the page says so. */
static void test_cap(void **state)
{
	(void)state;
	char d[512], p[600];
	struct rd_run r;
	struct tl_model m;
	snprintf(d, sizeof(d), "%s/cap", root);
	assert_true(!mkdir(d, 0755));
	snprintf(p, sizeof(p), "%s/sched.csv", d);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs("tid,comm,state,t_start,t_end,cpu,syscall\n", f);
	for (int k = 0; k < 40; k++) {
		unsigned long long t = 1000000000000ull;
		for (int i = 0; i < 2000; i++) {
			unsigned long long len =
			    1000 + (unsigned long long)((i * 7919 + k) % 97) * 1000;
			fprintf(f, "%d,w%d,%s,%llu,%llu,0,%s\n", 5000 + k, k,
				i % 2 ? "sleeping" : "running", t, t + len, i % 2 ? "futex" : "");
			t += len;
		}
	}
	assert_int_equal(fclose(f), 0);
	build("cap", &r, &m, d, sizeof(d));
	assert_int_equal(m.nthr_lanes, 40);
	assert_int_equal(m.nhov_req, 0);
	assert_int_equal(m.nhov, TL_MAX_HOVER);
	assert_int_equal(m.hov_thr_all, 80000);
	assert_true(m.hov_thr_placed > TL_MAX_HOVER);
	assert_placed(&m);
	assert_non_null(strstr(m.page.hover, "4000 of 80000 thread intervals (the longest"));
	tl_model_free(&m);
	rd_free(&r);
}

static char *printed(void (*fn)(FILE *, const char *), const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	fn(f, s);
	fclose(f);
	return buf;
}

/* A hover text goes into JavaScript inside an XML attribute, which gnuplot
 * escapes only for < and &: quotes and backslashes become look-alikes, a
 * newline a line break of the text, the rest as gp_str writes it. */
static void test_hypertext(void **state)
{
	(void)state;
	char *s = printed(gp_hypertext, "a'b\"c\\d$e`f<g&h\nline 2\x01\xff");
	assert_string_equal(s, "'a\xe2\x80\x99"
			       "b\xe2\x80\x9d"
			       "c\xe2\xa7\xb5"
			       "d$e`f<g&h' . \"\\n\" . 'line 2 ?'");
	free(s);
	s = printed(gp_str, "a'b\nc");
	assert_string_equal(s, "'a\xe2\x80\x99"
			       "b c'");
	free(s);
	/* gnuplot 5.4 reads '''x' and 'x''''y' as syntax errors: no quote goes in. */
	s = printed(gp_str, "''x''");
	assert_string_equal(s, "'\xe2\x80\x99\xe2\x80\x99x\xe2\x80\x99\xe2\x80\x99'");
	free(s);
}

static int setup(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	snprintf(root, sizeof(root), "%s/ashover-test-XXXXXX", tmp ? tmp : "/tmp");
	return mkdtemp(root) ? 0 : -1;
}

static int rm_one(const char *p, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(p);
}

static int teardown(void **state)
{
	(void)state;
	return nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_closed),
		cmocka_unit_test(test_sampled),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_hypertext),
	};
	return cmocka_run_group_tests_name("plots.hover", tests, setup, teardown);
}
