/* bench load's command line: what each option sets, and every bad value refused
 * with a reason that names it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "loadopts.h"

#define ARGV(...) ((char *[]){ "load", __VA_ARGS__, NULL })
#define ARGC(a)	  ((int)(sizeof(a) / sizeof(a[0])) - 1)

static struct loadopts o;
static char err[256];

static int parse_v(char **argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	return loadopts_parse(&o, argc, argv, err, sizeof(err));
}

#define PARSE(...) parse_v(ARGV(__VA_ARGS__))

static void refused(char **argv, const char *mention)
{
	err[0] = '\0';
	assert_int_equal(parse_v(argv), -EINVAL);
	if (!strstr(err, mention))
		fail_msg("reason '%s' does not mention '%s'", err, mention);
}

#define REFUSED(mention, ...) refused(ARGV(__VA_ARGS__), mention)

static void defaults(void **state)
{
	(void)state;
	assert_int_equal(PARSE("http://127.0.0.1:8080/hello"), 0);
	assert_string_equal(o.cfg.url, "http://127.0.0.1:8080/hello");
	assert_int_equal(o.cfg.mode, LOAD_CLOSED);
	assert_int_equal(o.cfg.connections, 10);
	assert_int_equal(o.cfg.threads, 1);
	assert_int_equal(o.cfg.requests, 0);
	assert_int_equal(o.cfg.duration_ns, 10000000000ull);
	assert_int_equal(o.cfg.timeout_ns, 30000000000ull);
	assert_null(o.cfg.records_path);
	assert_null(o.json_path);
	assert_int_equal(o.quiet, 0);
	/* Marks: 1 in 64 for a closed or open loop, every request of a burst. */
	assert_int_equal(o.cfg.mark_every, 0);
	assert_int_equal(load_mark_every(&o.cfg), LOAD_MARK_EVERY_DEFAULT);
	assert_int_equal(PARSE("http://h/", "--burst"), 0);
	assert_int_equal(load_mark_every(&o.cfg), 1);
	assert_true(load_sampled(1, 64) && load_sampled(65, 64) && !load_sampled(64, 64));
	assert_true(load_sampled(2, 1) && load_sampled(3, 0));
}

static void every_option(void **state)
{
	(void)state;
	assert_int_equal(PARSE("-c", "64", "-t2", "-d", "5s", "--rate", "100:2000", "--warmup=1s",
			       "--timeout", "250ms", "-X", "POST", "-H", "A: b", "--header", "C:d",
			       "--new-conn", "--records", "r.csv", "--json", "-", "-q",
			       "http://h/x"),
			 0);
	assert_int_equal(o.cfg.connections, 64);
	assert_int_equal(o.cfg.threads, 2);
	assert_int_equal(o.cfg.duration_ns, 5000000000ull);
	assert_int_equal(o.cfg.mode, LOAD_OPEN);
	assert_true(o.cfg.rate_from == 100 && o.cfg.rate_to == 2000);
	assert_int_equal(o.cfg.warmup_ns, 1000000000ull);
	assert_int_equal(o.cfg.timeout_ns, 250000000ull);
	assert_string_equal(o.cfg.method, "POST");
	assert_int_equal(o.cfg.nheaders, 2);
	assert_string_equal(o.cfg.headers[1], "C:d");
	assert_int_equal(o.cfg.new_conn, 1);
	assert_string_equal(o.cfg.records_path, "r.csv");
	assert_string_equal(o.json_path, "-");
	assert_int_equal(o.quiet, 1);

	assert_int_equal(PARSE("http://h/", "--mark-every", "8", "--burst"), 0);
	assert_int_equal(load_mark_every(&o.cfg), 8);

	assert_int_equal(PARSE("http://h/", "-n", "1000"), 0);
	assert_int_equal(o.cfg.requests, 1000);
	assert_int_equal(o.cfg.duration_ns, 0);

	assert_int_equal(PARSE("http://h/", "--burst", "-c", "8"), 0);
	assert_int_equal(o.cfg.mode, LOAD_BURST);
	assert_int_equal(o.cfg.duration_ns, 0);

	assert_int_equal(PARSE("http://h/", "--rate", "500", "-n", "100"), 0);
	assert_int_equal(o.cfg.mode, LOAD_OPEN);
	assert_true(o.cfg.rate_from == 500 && o.cfg.rate_to == 500);

	assert_int_equal(PARSE("--help"), LOADOPTS_HELP);
	assert_int_equal(PARSE("http://h/", "-h"), LOADOPTS_HELP);
}

/* The parser reads every form of the one grammar (the grammar itself, and the
 * durations, are tested in tests/unit: test_cliopt, test_duration). */
static void grammar(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--connections=64", "http://h/", "--threads", "2", "-d1m30s"), 0);
	assert_int_equal(o.cfg.connections, 64);
	assert_int_equal(o.cfg.threads, 2);
	assert_int_equal(o.cfg.duration_ns, 90000000000ull);
	assert_int_equal(PARSE("http://h/", "-c", "8", "--duration=2.5s", "--timeout=250ms"), 0);
	assert_int_equal(o.cfg.connections, 8);
	assert_int_equal(o.cfg.duration_ns, 2500000000ull);
	assert_int_equal(o.cfg.timeout_ns, 250000000ull);
	assert_int_equal(PARSE("http://h/", "-d", "5"), 0);
	assert_int_equal(o.cfg.duration_ns, 5000000000ull);
	/* Options after the URL, and a unique abbreviation of a long name (--conn
	 * would be --connections or --connect-rate: refused as ambiguous). */
	assert_int_equal(PARSE("http://h/", "--connection", "3", "-q"), 0);
	assert_int_equal(o.cfg.connections, 3);
	assert_int_equal(o.quiet, 1);
	assert_true(o.given & LOADOPTS_GIVEN_C);
	REFUSED("--burst takes no value", "http://h/", "--burst=yes");
	REFUSED("--json needs a value", "http://h/", "--json");
	REFUSED("unknown option '-z'", "http://h/", "-z");
	REFUSED("-d", "http://h/", "-d", "1m30");
	REFUSED("-d", "http://h/", "-d", "ms");
}

static void bad_counts(void **state)
{
	(void)state;
	REFUSED("-c", "http://h/", "-c", "-1");
	REFUSED("-c", "http://h/", "-c", "0");
	REFUSED("-c", "http://h/", "-c", "ten");
	REFUSED("-c", "http://h/", "-c", "10x");
	REFUSED("-c", "http://h/", "-c", "99999999999999999999999");
	REFUSED("-t", "http://h/", "-t", "0");
	REFUSED("-t", "http://h/", "-t", "-2");
	REFUSED("-n", "http://h/", "-n", "-5");
	REFUSED("-n", "http://h/", "-n", "0");
	REFUSED("-n", "http://h/", "-n", "1.5");
	REFUSED("-c 2 is fewer than -t 4", "http://h/", "-c", "2", "-t", "4");
	REFUSED("needs a value", "http://h/", "-c");
	REFUSED("--mark-every", "http://h/", "--mark-every", "0");
	REFUSED("--mark-every", "http://h/", "--mark-every", "1e3");
	REFUSED("--mark-every", "http://h/", "--mark-every", "1000000001");
}

static void bad_durations_and_rates(void **state)
{
	(void)state;
	REFUSED("-d", "http://h/", "-d", "xyz");
	REFUSED("-d", "http://h/", "-d", "0");
	REFUSED("-d", "http://h/", "-d", "-3s");
	REFUSED("--timeout", "http://h/", "--timeout", "0");
	REFUSED("--timeout", "http://h/", "--timeout", "soon");
	REFUSED("--warmup", "http://h/", "-d", "5s", "--warmup", "-1");
	REFUSED("--rate", "http://h/", "--rate", "0");
	REFUSED("--rate", "http://h/", "--rate", "-10");
	REFUSED("--rate", "http://h/", "--rate", "fast");
	REFUSED("--rate", "http://h/", "--rate", "0:0");
	REFUSED("--rate", "http://h/", "--rate", "10:");
	REFUSED("--rate", "http://h/", "--rate", "10:20:30");
	REFUSED("ramp needs -d", "http://h/", "--rate", "10:20");
	/* Above one send per nanosecond the schedule cannot be represented. */
	REFUSED("above 1e9", "http://h/", "--rate", "1e12");
	REFUSED("above 1e9", "http://h/", "--rate", "1e308");
	REFUSED("above 1e9", "http://h/", "--rate", "1000000001");
	REFUSED("above 1e9", "http://h/", "-d", "1s", "--rate", "1:2e9");
	REFUSED("above 1e9", "http://h/", "-d", "1s", "--rate", "2e9:1");
	assert_int_equal(PARSE("http://h/", "--rate", "1e9"), 0);
	assert_true(o.cfg.rate_from == 1e9);
	REFUSED("--warmup needs -d", "http://h/", "-n", "5", "--warmup", "1s");
}

static void bad_combinations(void **state)
{
	(void)state;
	REFUSED("-n and -d", "http://h/", "-n", "5", "-d", "1s");
	REFUSED("--burst", "http://h/", "--burst", "-n", "5");
	REFUSED("--burst", "http://h/", "--burst", "--rate", "5");
	REFUSED("only one of them", "http://h/", "--json", "-", "--records", "-");
	REFUSED("--connect-rate paces a closed loop", "http://h/", "--burst", "--connect-rate",
		"100");
	REFUSED("--connect-rate paces a closed loop", "http://h/", "--rate", "50", "-d", "1s",
		"--connect-rate", "100");
}

/* --connect-rate: the connect ramp, on by default for a closed loop, 0 turns it
 * off; anything but a whole count in range is refused with the flag named. */
static void connect_rate(void **state)
{
	(void)state;
	assert_int_equal(PARSE("http://h/"), 0);
	assert_true(o.cfg.connect_rate == LOAD_CONNECT_RATE_DEFAULT);
	assert_int_equal(PARSE("http://h/", "--connect-rate", "0"), 0);
	assert_true(o.cfg.connect_rate == 0);
	assert_int_equal(PARSE("http://h/", "--connect-rate=2500", "-c", "100"), 0);
	assert_true(o.cfg.connect_rate == 2500);
	assert_true(o.given & LOADOPTS_GIVEN_CONNECT_RATE);
	REFUSED("--connect-rate: '-1'", "http://h/", "--connect-rate", "-1");
	REFUSED("--connect-rate: 'fast'", "http://h/", "--connect-rate", "fast");
	REFUSED("--connect-rate: '1.5'", "http://h/", "--connect-rate", "1.5");
	REFUSED("--connect-rate: '100000001'", "http://h/", "--connect-rate", "100000001");
	REFUSED("--connect-rate needs a value", "http://h/", "--connect-rate");
	REFUSED("ambiguous", "http://h/", "--conn", "3");
}

static void bad_urls_and_requests(void **state)
{
	(void)state;
	REFUSED("missing URL", "-c", "4");
	REFUSED("bad URL", "not a url");
	REFUSED("bad URL", "http://");
	REFUSED("only http", "ftp://example.com/");
	REFUSED("bad URL", "http://exa mple.com/");
	REFUSED("one URL only", "http://a/", "http://b/");
	REFUSED("unknown option", "http://h/", "--frobnicate");
	REFUSED("-X", "http://h/", "-X", "GE T");
	REFUSED("-H", "http://h/", "-H", "no colon");
	REFUSED("-H", "http://h/", "-H", ": empty name");
	REFUSED("--records", "http://h/", "--records", "");
	REFUSED("its own traceparent", "http://h/", "-H", "TraceParent: 00-1-2-01");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(every_option),
		cmocka_unit_test(connect_rate),
		cmocka_unit_test(grammar),
		cmocka_unit_test(bad_counts),
		cmocka_unit_test(bad_durations_and_rates),
		cmocka_unit_test(bad_combinations),
		cmocka_unit_test(bad_urls_and_requests),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
