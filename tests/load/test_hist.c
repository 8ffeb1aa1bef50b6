/* The histogram against exact percentiles of synthetic data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "hist.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The exact percentile with hist_percentile's definition: the value of rank
 * ceil(p/100 n) in sorted order. */
static uint64_t exact(const uint64_t *sorted, size_t n, double p)
{
	size_t rank = (size_t)__builtin_ceil(p / 100.0 * (double)n);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

/* Never below the exact value, and above it by at most one bucket width:
 * 1/1024 of the value (exact below 2048). */
static void assert_close(uint64_t got, uint64_t want)
{
	assert_true(got >= want);
	assert_true(got - want <= want / 1024);
}

static uint64_t rng_state = 88172645463325252ull;
static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void check_dataset(uint64_t *v, size_t n)
{
	struct hist *h = hist_new();
	assert_non_null(h);
	long double sum = 0;
	for (size_t i = 0; i < n; i++) {
		hist_record(h, v[i]);
		sum += v[i];
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	const double ps[] = { 1, 10, 50, 75, 90, 99, 99.9, 99.99 };
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++)
		assert_close(hist_percentile(h, ps[i]), exact(v, n, ps[i]));
	assert_int_equal(hist_percentile(h, 100), v[n - 1]);
	assert_int_equal(hist_percentile(h, 0), v[0]);
	assert_int_equal(h->min, v[0]);
	assert_int_equal(h->max, v[n - 1]);
	assert_int_equal(h->n, n);
	double mean = (double)(sum / n);
	assert_true(hist_mean(h) > mean * 0.999999 && hist_mean(h) < mean * 1.000001);

	long double var = 0;
	for (size_t i = 0; i < n; i++)
		var += ((long double)v[i] - mean) * ((long double)v[i] - mean);
	double sd = (double)__builtin_sqrtl(var / n);
	/* Midpoints shift each value by at most half a bucket: 0.05%. */
	assert_true(hist_stdev(h) >= sd * 0.995 - 1 && hist_stdev(h) <= sd * 1.005 + 1);
	hist_free(h);
}

static void uniform_microseconds(void **state)
{
	(void)state;
	size_t n = 100000;
	uint64_t *v = malloc(n * sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = 1000 + rng() % 10000000; /* 1 us .. 10 ms */
	check_dataset(v, n);
	free(v);
}

static void log_spread_to_an_hour(void **state)
{
	(void)state;
	size_t n = 50000;
	uint64_t *v = malloc(n * sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		/* Exponent spread from 1 ns to about 2^42 ns (over an hour). */
		unsigned e = (unsigned)(rng() % 42);
		v[i] = (1ull << e) + rng() % (1ull << e);
	}
	check_dataset(v, n);
	free(v);
}

static void bimodal_tail(void **state)
{
	(void)state;
	/* 99% fast, 1% stalled: the shape a blocked event loop makes. */
	size_t n = 20000;
	uint64_t *v = malloc(n * sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = i % 100 == 7 ? 300000000 + rng() % 1000000 : 50000 + rng() % 5000;
	check_dataset(v, n);
	free(v);
}

static void bucket_precision(void **state)
{
	(void)state;
	/* Every bucket's range holds exactly the values that map to it. */
	for (uint64_t v = 1; v < (1ull << 42); v = v * 3 + 1) {
		uint64_t lo, hi;
		hist_bucket_range(hist_index(v), &lo, &hi);
		assert_true(lo <= v && v <= hi);
		assert_true(hi - lo <= lo / 1024);
		assert_int_equal(hist_index(lo), hist_index(v));
		assert_int_equal(hist_index(hi), hist_index(v));
		assert_int_not_equal(hist_index(hi + 1), hist_index(v));
	}
	assert_true(hist_index(UINT64_MAX) < HIST_BUCKETS);
	assert_true(hist_index(HIST_MAX) < HIST_BUCKETS);
	/* An hour is within the resolved range. */
	assert_true(3600ull * 1000000000ull < HIST_MAX);
}

static void merge_equals_single(void **state)
{
	(void)state;
	struct hist *a = hist_new(), *b = hist_new(), *all = hist_new();
	for (int i = 0; i < 30000; i++) {
		uint64_t v = rng() % 100000000;
		hist_record(i % 3 ? a : b, v);
		hist_record(all, v);
	}
	struct hist *m = hist_new();
	hist_merge(m, a);
	hist_merge(m, b);
	assert_int_equal(m->n, all->n);
	assert_int_equal(m->sum, all->sum);
	assert_int_equal(m->min, all->min);
	assert_int_equal(m->max, all->max);
	for (double p = 0; p <= 100; p += 0.5)
		assert_int_equal(hist_percentile(m, p), hist_percentile(all, p));
	/* Merging an empty histogram changes nothing, min included. */
	struct hist *empty = hist_new();
	hist_merge(m, empty);
	assert_int_equal(m->min, all->min);
	hist_free(a);
	hist_free(b);
	hist_free(all);
	hist_free(m);
	hist_free(empty);
}

static void empty_and_single(void **state)
{
	(void)state;
	struct hist *h = hist_new();
	assert_int_equal(hist_percentile(h, 50), 0);
	assert_true(hist_mean(h) == 0.0);
	hist_record(h, 123456789);
	assert_int_equal(hist_percentile(h, 50), 123456789);
	assert_int_equal(hist_percentile(h, 99.99), 123456789);
	assert_true(hist_stdev(h) == 0.0);
	/* Beyond the resolved range: clamped into the top bucket, max exact. */
	hist_record(h, UINT64_MAX / 2);
	assert_int_equal(h->max, UINT64_MAX / 2);
	assert_int_equal(hist_percentile(h, 100), UINT64_MAX / 2);
	hist_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(uniform_microseconds), cmocka_unit_test(log_spread_to_an_hour),
		cmocka_unit_test(bimodal_tail),		cmocka_unit_test(bucket_precision),
		cmocka_unit_test(merge_equals_single),	cmocka_unit_test(empty_and_single),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
