/* The clock estimator (plots/clockjoin.h) on synthetic requests whose true
 * offset is known: it lies inside the reported bound, the bound narrows with
 * tighter requests, contradictions are reported, and drift is seen. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "clockjoin.h"
#include "spans.h"

static uint64_t rng_state = 0x2545f4914f6cdd1dull;
static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* n requests gap ns apart on a client whose clock reads server - offset (plus
 * drift_ppm per second of server time): each spends a random 20..520 µs on the
 * way in and out, and 0..2 ms in the server. */
static struct cj_req *make(size_t n, uint64_t gap, int64_t offset, double drift_ppm)
{
	struct cj_req *r = calloc(n, sizeof(*r));
	uint64_t s = 5000000000ull;
	for (size_t i = 0; i < n; i++, s += gap) {
		uint64_t in = 20000 + rng() % 500000, out = 20000 + rng() % 500000;
		uint64_t work = rng() % 2000000;
		double d = drift_ppm * 1e-6 * (double)(s - 5000000000ull);
		r[i].id = i + 1;
		r[i].s_start = s;
		r[i].s_end = s + work;
		r[i].c_sent = (uint64_t)((int64_t)(s - in) - offset - (int64_t)d);
		r[i].c_first = (uint64_t)((int64_t)(s + work + out) - offset - (int64_t)d);
	}
	return r;
}

static void recovers_offset(void **state)
{
	(void)state;
	const int64_t offsets[] = { 0, -1000000000000ll, 1000000000000ll, 12345 };
	for (size_t k = 0; k < sizeof(offsets) / sizeof(offsets[0]); k++) {
		struct cj_req *r = make(2000, 1000000, offsets[k], 0);
		struct cj_est e;
		assert_int_equal(cj_estimate(r, 2000, &e), 0);
		assert_true(e.consistent);
		assert_int_equal(e.joined, 2000);
		assert_true(e.all.lo <= offsets[k] && offsets[k] <= e.all.hi);
		int64_t err = e.offset_ns - offsets[k];
		assert_true(err <= e.uncertainty_ns && -err <= e.uncertainty_ns);
		/* 2000 requests with 20 µs minimum legs: the bound is tight. */
		assert_true(e.uncertainty_ns < 50000);
		assert_true(e.have_drift);
		assert_true(e.drift_ppm - e.drift_uncertainty_ppm <= 0 &&
			    0 <= e.drift_ppm + e.drift_uncertainty_ppm);
		free(r);
	}
}

static void one_request(void **state)
{
	(void)state;
	struct cj_req q = { 7, 100, 900, 1300, 1500 };
	struct cj_est e;
	assert_int_equal(cj_estimate(&q, 1, &e), 0);
	/* 1500 - 900 <= offset <= 1300 - 100 */
	assert_int_equal(e.all.lo, 600);
	assert_int_equal(e.all.hi, 1200);
	assert_int_equal(e.offset_ns, 900);
	assert_int_equal(e.uncertainty_ns, 300);
	assert_int_equal(cj_estimate(&q, 0, &e), -ENODATA);
}

static void contradiction_reported(void **state)
{
	(void)state;
	struct cj_req r[] = {
		{ 1, 100, 200, 1100, 1150 }, /* offset in [950, 1000] */
		{ 2, 300, 400, 2300, 2350 }, /* offset in [1950, 2000] */
	};
	struct cj_est e;
	assert_int_equal(cj_estimate(r, 2, &e), 0);
	assert_false(e.consistent);
	assert_true(e.uncertainty_ns < 0);
	assert_int_equal(e.lo_id, 2);
	assert_int_equal(e.hi_id, 1);
}

static void drift_seen(void **state)
{
	(void)state;
	/* 2 ppm over 20 s is 40 µs: the halves stay consistent (their spread of
	 * 20 µs is under the fastest legs), and the drift is within its bound. */
	struct cj_req *r = make(2000, 10000000, 777, 2);
	struct cj_est e;
	assert_int_equal(cj_estimate(r, 2000, &e), 0);
	assert_true(e.have_drift);
	assert_true(e.drift_ppm - e.drift_uncertainty_ppm <= 2 &&
		    2 <= e.drift_ppm + e.drift_uncertainty_ppm);
	free(r);
	/* 100 ppm over 2 s (200 µs) contradicts a constant offset: reported as
	 * inconsistent, not averaged into a wider bound. */
	r = make(2000, 1000000, 777, 100);
	assert_int_equal(cj_estimate(r, 2000, &e), 0);
	assert_false(e.consistent);
	free(r);
}

/* A request's server span: the first start and the last end of its id, however
 * its marks came; ids the server never marked are not found. */
static void spans_folded(void **state)
{
	(void)state;
	struct span v[] = { { 7, 0, 900 }, { 3, 100, 0 }, { 7, 500, 0 }, { 3, 0, 400 },
			    { 7, 450, 0 }, { 7, 0, 950 }, { 9, 0, 1000 } };
	size_t n = spans_fold(v, sizeof(v) / sizeof(v[0]));
	assert_int_equal(n, 3);
	const struct span *a = spans_find(v, n, 3), *b = spans_find(v, n, 7),
			  *c = spans_find(v, n, 9);
	assert_non_null(a);
	assert_true(a->start == 100 && a->end == 400);
	assert_non_null(b);
	assert_true(b->start == 450 && b->end == 950);
	assert_non_null(c);
	assert_true(c->start == 0 && c->end == 1000); /* its start never seen */
	assert_null(spans_find(v, n, 8));
	assert_int_equal(spans_fold(NULL, 0), 0);
	assert_null(spans_find(NULL, 0, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* clang-format off */
		cmocka_unit_test(recovers_offset),
		cmocka_unit_test(one_request),
		cmocka_unit_test(contradiction_reported),
		cmocka_unit_test(drift_seen),
		cmocka_unit_test(spans_folded),
		/* clang-format on */
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
