/* bench load --shard I/N and --start-at, as loadopts reads them: each shard's
 * share of -c, -n and --rate adds up to the whole, and what cannot be split is
 * refused with the reason. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "loadopts.h"

static struct loadopts o;
static char err[256];

static int parse(const char *a, const char *b, const char *c, const char *d, const char *e)
{
	char *argv[] = { "load",    "http://127.0.0.1:9/",
			 (char *)a, (char *)b,
			 (char *)c, (char *)d,
			 (char *)e, NULL };
	int argc = 2;
	while (argv[argc])
		argc++;
	return loadopts_parse(&o, argc, argv, err, sizeof(err));
}

static void shares_add_up(void **state)
{
	(void)state;
	for (unsigned n = 1; n <= 7; n++) {
		uint64_t conns = 0, reqs = 0;
		double rate = 0;
		for (unsigned i = 0; i < n; i++) {
			char shard[32];
			snprintf(shard, sizeof(shard), "--shard=%u/%u", i, n);
			assert_int_equal(parse("-c", "23", "--rate=700", shard, NULL), 0);
			assert_int_equal(o.cfg.shard_i, i);
			assert_int_equal(o.cfg.shard_n, n);
			assert_true(o.cfg.rate_total == 700);
			conns += (uint64_t)o.cfg.connections;
			rate += o.cfg.rate_from;
			/* Shares differ by one connection at most. */
			assert_true(o.cfg.connections == 23 / (int)n ||
				    o.cfg.connections == 23 / (int)n + 1);
			assert_int_equal(parse("-c", "23", "-n", "1001", shard), 0);
			reqs += o.cfg.requests;
		}
		assert_int_equal(conns, 23);
		assert_int_equal(reqs, 1001);
		assert_true(rate > 699.999 && rate < 700.001);
	}
	/* Alone, nothing changes. */
	assert_int_equal(parse("-c", "5", NULL, NULL, NULL), 0);
	assert_int_equal(o.cfg.shard_n, 1);
	assert_int_equal(o.cfg.connections, 5);
}

static void refusals(void **state)
{
	(void)state;
	assert_int_equal(parse("--shard", "2/2", NULL, NULL, NULL), -EINVAL);
	assert_non_null(strstr(err, "--shard"));
	assert_int_equal(parse("--shard", "0/0", NULL, NULL, NULL), -EINVAL);
	assert_int_equal(parse("--shard", "-1/2", NULL, NULL, NULL), -EINVAL);
	assert_int_equal(parse("--shard", "1/2x", NULL, NULL, NULL), -EINVAL);
	assert_int_equal(parse("--shard", "1/20000", NULL, NULL, NULL), -EINVAL);
	/* Three connections over four shards: the last has none. */
	assert_int_equal(parse("-c", "3", "--shard", "3/4", NULL), -EINVAL);
	assert_non_null(strstr(err, "fewer than -t"));
	assert_int_equal(parse("-n", "2", "-c", "8", "--shard=3/4"), -EINVAL);
	assert_non_null(strstr(err, "leaves this shard none"));
	/* --out writes the records and the summary itself. */
	assert_int_equal(parse("--out", "/tmp/x", "--json", "-", NULL), -EINVAL);
	assert_int_equal(parse("--out", "/tmp/x", NULL, NULL, NULL), 0);
	assert_string_equal(o.cfg.records_path, "/tmp/x/requests.csv");
}

static void start_at(void **state)
{
	(void)state;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	char ok[64], far[64];
	snprintf(ok, sizeof(ok), "--start-at=%lld.25", (long long)now.tv_sec + 60);
	snprintf(far, sizeof(far), "--start-at=%lld", (long long)now.tv_sec + 3 * 86400);
	assert_int_equal(parse(ok, NULL, NULL, NULL, NULL), 0);
	assert_true(o.cfg.start_at_ns ==
		    (uint64_t)(now.tv_sec + 60) * 1000000000ull + 250000000ull);
	assert_int_equal(parse(far, NULL, NULL, NULL, NULL), -EINVAL);
	assert_int_equal(parse("--start-at=123", NULL, NULL, NULL, NULL), -EINVAL);
	assert_int_equal(parse("--start-at=soon", NULL, NULL, NULL, NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shares_add_up),
		cmocka_unit_test(refusals),
		cmocka_unit_test(start_at),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
