/* dur_parse: the one way every duration option is read. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "duration.h"

static uint64_t ok(const char *s)
{
	uint64_t ns = 12345;
	if (dur_parse(s, &ns))
		fail_msg("'%s' was refused", s);
	return ns;
}

static void good(void **state)
{
	(void)state;
	/* Moved from test_loadopts (loadopts_duration, its predecessor). */
	assert_int_equal(ok("1.5"), 1500000000ull);
	assert_int_equal(ok("250ms"), 250000000ull);
	assert_int_equal(ok("100us"), 100000ull);
	assert_int_equal(ok("2m"), 120000000000ull);
	assert_int_equal(ok("1h"), 3600000000000ull);
	assert_int_equal(ok("0"), 0);
	/* The forms every usage text names. */
	assert_int_equal(ok("5"), 5000000000ull);
	assert_int_equal(ok("5s"), 5000000000ull);
	assert_int_equal(ok("2.5s"), 2500000000ull);
	assert_int_equal(ok("1m30s"), 90000000000ull);
	assert_int_equal(ok("1h2m3.5s"), 3723500000000ull);
	assert_int_equal(ok("1s500ms"), 1500000000ull);
	assert_int_equal(ok("10ns"), 10);
	assert_int_equal(ok(".5s"), 500000000ull);
	assert_int_equal(ok("5."), 5000000000ull);
	assert_int_equal(ok("0s"), 0);
	assert_int_equal(ok("720h"), DUR_MAX_NS); /* a month, the longest */
}

static void bad(void **state)
{
	(void)state;
	static const char *const bad[] = {
		/* from test_loadopts */
		"", "abc", "-1", "5x", "1e400", "nan", "inf", "5 s", "1000h",
		/* empty, negative, overflow */
		" ", "-5s", "+5s", "99999999999999999999999999", "721h", "1e3",
		/* a unit without a number */
		"s", "ms", "m30s", ".s", ".",
		/* trailing garbage, unknown, repeated or misordered units */
		"5s ", "5sec", "1m30", "30s1m", "1s1s", "5ms5s", "0x10", "5,5s", "1h-1m", NULL
	};
	for (int i = 0; bad[i]; i++) {
		uint64_t ns = 7;
		if (dur_parse(bad[i], &ns) != -EINVAL)
			fail_msg("'%s' was accepted as %llu ns", bad[i], (unsigned long long)ns);
		assert_int_equal(ns, 7); /* untouched */
	}
	uint64_t ns;
	assert_int_equal(dur_parse(NULL, &ns), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good),
		cmocka_unit_test(bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
