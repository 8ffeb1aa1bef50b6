/* load/spread.h: how a thread's connections are shared over its multi handles
 * (never more than SPREAD_MULTI_CONNS in one, sizes within one of each other,
 * every slot in exactly one) and paced by the connect ramp (the run as a whole
 * at the asked rate, threads interleaved, nothing admitted early or late). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "spread.h"

static void parts(void **state)
{
	(void)state;
	assert_int_equal(spread_parts(0, 128), 1);
	assert_int_equal(spread_parts(1, 128), 1);
	assert_int_equal(spread_parts(128, 128), 1);
	assert_int_equal(spread_parts(129, 128), 2);
	assert_int_equal(spread_parts(10000, 128), 79);
	assert_int_equal(spread_parts(1000000, SPREAD_MULTI_CONNS),
			 (1000000 + SPREAD_MULTI_CONNS - 1) / SPREAD_MULTI_CONNS);
}

/* For many n: sizes add up to n, none above the bound, none two apart, and
 * spread_part_of puts exactly size(i) slots, contiguous, in part i. */
static void sizes_and_membership(void **state)
{
	(void)state;
	static const int ns[] = { 1, 2, 127, 128, 129, 255, 256, 257, 1000, 2000, 4999, 10000 };
	for (size_t t = 0; t < sizeof(ns) / sizeof(ns[0]); t++) {
		int n = ns[t], p = spread_parts(n, SPREAD_MULTI_CONNS), sum = 0, lo = n, hi = 0;
		for (int i = 0; i < p; i++) {
			int sz = spread_size(n, p, i);
			assert_true(sz >= 1 && sz <= SPREAD_MULTI_CONNS);
			lo = sz < lo ? sz : lo;
			hi = sz > hi ? sz : hi;
			sum += sz;
		}
		assert_int_equal(sum, n);
		assert_true(hi - lo <= 1);
		int part = 0, in_part = 0;
		for (int j = 0; j < n; j++) {
			int q = spread_part_of(n, p, j);
			if (q != part) {
				assert_int_equal(in_part, spread_size(n, p, part));
				assert_int_equal(q, part + 1);
				part = q;
				in_part = 0;
			}
			in_part++;
		}
		assert_int_equal(part, p - 1);
		assert_int_equal(in_part, spread_size(n, p, part));
	}
}

static void ramp_times(void **state)
{
	(void)state;
	/* No ramp: everything at once. */
	assert_int_equal(spread_ramp_ns(5000, 0, 1, 0), 0);
	assert_int_equal(spread_ramp_admitted(0, 300, 0, 1, 0), 300);
	/* 1000/s on one thread: one every millisecond from the start. */
	assert_int_equal(spread_ramp_ns(0, 0, 1, 1000), 0);
	assert_int_equal(spread_ramp_ns(1, 0, 1, 1000), 1000000);
	assert_int_equal(spread_ramp_ns(999, 0, 1, 1000), 999000000);
	/* Two threads share the rate, interleaved: thread 1's first is the run's
	 * second, thread 0's second the run's third. */
	assert_int_equal(spread_ramp_ns(0, 1, 2, 1000), 1000000);
	assert_int_equal(spread_ramp_ns(1, 0, 2, 1000), 2000000);
	/* 10,000 connections at 10,000/s open within the first second. */
	assert_true(spread_ramp_ns(9999, 0, 1, 10000) < 1000000000ull);
}

/* admitted(elapsed) is exactly the count of j with ramp_ns(j) <= elapsed, for
 * every elapsed around each step, several thread splits and odd rates. */
static void ramp_admitted(void **state)
{
	(void)state;
	static const double rates[] = { 1, 7, 1000, 3333, 10000, 1e6 };
	for (size_t r = 0; r < sizeof(rates) / sizeof(rates[0]); r++)
		for (int nt = 1; nt <= 3; nt++)
			for (int idx = 0; idx < nt; idx++) {
				const int n = 50;
				for (int j = 0; j < n; j++) {
					uint64_t t = spread_ramp_ns((uint64_t)j, idx, nt, rates[r]);
					assert_int_equal(
					    spread_ramp_admitted(t, n, idx, nt, rates[r]), j + 1);
					if (t > 0)
						assert_int_equal(spread_ramp_admitted(t - 1, n, idx,
										       nt, rates[r]),
								 j);
				}
				assert_int_equal(spread_ramp_admitted(UINT64_MAX / 4, n, idx, nt,
								      rates[r]),
						 n);
			}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parts),
		cmocka_unit_test(sizes_and_membership),
		cmocka_unit_test(ramp_times),
		cmocka_unit_test(ramp_admitted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
