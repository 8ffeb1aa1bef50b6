/* Who set the pace (harness/bound.c): busy fractions, CPU per request, and the
 * verdict at and around the threshold. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bound.h"

static void side(void **state)
{
	(void)state;
	struct bound_side s;
	bound_side_set(&s, 1.0, 0, 2.0, 1, 1000);
	assert_int_equal(s.cpus, 1);
	assert_true(fabs(s.busy - 0.5) < 1e-9);
	assert_true(fabs(s.cpu_us_per_request - 1000) < 1e-9);
	bound_side_set(&s, 3.0, 0, 2.0, 2, 0); /* 0.75 of two CPUs, no requests */
	assert_true(fabs(s.busy - 0.75) < 1e-9);
	assert_true(isnan(s.cpu_us_per_request));
	bound_side_set(&s, 2.1, 0, 2.0, 1, 10); /* tick rounding past the window */
	assert_true(s.busy == 1.0);
	bound_side_set(&s, -1, 0, 2.0, 1, 10);
	assert_true(s.busy == 0 && s.cpu_s == 0);
	bound_side_set(&s, 1, 0, 0, 1, 10); /* no window: nothing to divide by */
	assert_true(s.busy == 0);
	/* waiting: of the room the side left, never more */
	bound_side_set(&s, 0.6, 1.0, 2.0, 1, 10);
	assert_true(fabs(s.busy - 0.3) < 1e-9 && fabs(s.waiting - 0.5) < 1e-9);
	bound_side_set(&s, 1.0, 64.0, 2.0, 1, 10); /* 64 threads waiting on one CPU */
	assert_true(fabs(s.waiting - 0.5) < 1e-9);
}

static enum bound_kind verdict_w(double tb, double tw, double lb, double lw, int open, int shared,
				 char *why, size_t len)
{
	struct bound b;
	memset(&b, 0, sizeof(b));
	bound_side_set(&b.target, tb * 2, tw * 2, 2, 1, 100);
	bound_side_set(&b.load, lb * 2, lw * 2, 2, 1, 100);
	bound_judge(&b, open, shared);
	snprintf(why, len, "%s", b.why);
	return b.kind;
}

static enum bound_kind verdict(double tb, double lb, int open, int shared, char *why, size_t len)
{
	return verdict_w(tb, 0, lb, 0, open, shared, why, len);
}

static void judge(void **state)
{
	(void)state;
	char why[192];
	assert_int_equal(verdict(0.97, 0.40, 0, 0, why, sizeof(why)), BOUND_TARGET);
	assert_string_equal(why, "target 97% busy on 1 CPU, load 40% on 1: the target saturated");
	assert_int_equal(verdict(0.40, 0.97, 0, 0, why, sizeof(why)), BOUND_LOAD);
	assert_int_equal(verdict(0.90, 0.90, 0, 0, why, sizeof(why)), BOUND_MIXED);
	assert_int_equal(verdict(BOUND_BUSY, 0.1, 0, 0, why, sizeof(why)), BOUND_TARGET);
	assert_int_equal(verdict(0.84, 0.84, 0, 0, why, sizeof(why)), BOUND_TARGET);
	assert_non_null(strstr(why, "waited on the target"));
	/* an open loop nobody saturated: the rate */
	assert_int_equal(verdict(0.3, 0.2, 1, 0, why, sizeof(why)), BOUND_RATE);
	assert_int_equal(verdict(0.95, 0.2, 1, 0, why, sizeof(why)), BOUND_TARGET);
	/* shared CPUs filled between the two */
	assert_int_equal(verdict(0.5, 0.45, 0, 1, why, sizeof(why)), BOUND_MIXED);
	assert_non_null(strstr(why, "(shared)"));
	assert_int_equal(verdict(0.5, 0.2, 0, 1, why, sizeof(why)), BOUND_TARGET);
	/* another process on the target's CPU: busy a third, runnable the rest */
	assert_int_equal(verdict_w(0.33, 0.6, 0.05, 0, 0, 0, why, sizeof(why)), BOUND_TARGET);
	assert_string_equal(why, "target 33% busy + 60% waiting for it on 1 CPU, load 5% on 1: the "
				 "target saturated");
	assert_int_equal(verdict_w(0.3, 0, 0.4, 0.5, 0, 0, why, sizeof(why)), BOUND_LOAD);
	assert_non_null(strstr(why, "load 40% + 50% waiting on 1"));
	assert_string_equal(bound_name(BOUND_RATE), "rate");
	assert_null(bound_name(BOUND_UNKNOWN));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(side),
		cmocka_unit_test(judge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
