/* cliopt: the grammar every bench command reads its options with. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cliopt.h"

enum { O_OUT = CLIOPT_LONG, O_FLAG };
static const struct cliopt table[] = {
	{ NULL, 0, NULL, "a heading:" },
	{ "count", 'c', "N", "how many (default 1)" },
	{ "out", O_OUT, "DIR", "where\non two lines" },
	{ "flag", O_FLAG, NULL, "a flag" },
	{ "quiet", 'q', NULL, "say less" },
	CLIOPT_HELP,
	CLIOPT_END,
};

struct seen {
	int keys[16];
	const char *args[16];
	const char *names[16];
	char names_buf[16][64];
	int n, ret, ind, dashdash;
	char err[128];
};

static void run(struct seen *s, int in_order, char **argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	const struct cliopt *const tables[] = { table, NULL };
	struct cliopt_state st;
	memset(s, 0, sizeof(*s));
	assert_int_equal(cliopt_begin(&st, tables, argc, argv, in_order), 0);
	for (;;) {
		int k = cliopt_next(&st, s->err, sizeof(s->err));
		if (k == CLIOPT_DONE || k == CLIOPT_BAD) {
			s->ret = k;
			s->ind = st.ind;
			s->dashdash = st.dashdash;
			return;
		}
		s->keys[s->n] = k;
		s->args[s->n] = st.arg;
		snprintf(s->names_buf[s->n], sizeof(s->names_buf[0]), "%s", st.name);
		s->names[s->n] = s->names_buf[s->n];
		s->n++;
	}
}

#define RUN(s, in_order, ...) run(s, in_order, (char *[]){ "cmd", __VA_ARGS__, NULL })

static void forms(void **state)
{
	(void)state;
	struct seen s;
	RUN(&s, 0, "-c", "1", "-c2", "--count", "3", "--count=4", "--cou=5", "--out=d", "--flag",
	    "-q");
	assert_int_equal(s.ret, CLIOPT_DONE);
	assert_int_equal(s.n, 8);
	const char *vals[] = { "1", "2", "3", "4", "5" };
	for (int i = 0; i < 5; i++) {
		assert_int_equal(s.keys[i], 'c');
		assert_string_equal(s.args[i], vals[i]);
	}
	assert_string_equal(s.names[0], "-c");
	assert_string_equal(s.names[1], "-c");
	assert_string_equal(s.names[2], "--count");
	assert_string_equal(s.names[3], "--count");
	assert_string_equal(s.names[4], "--count"); /* written --cou */
	assert_int_equal(s.keys[5], O_OUT);
	assert_string_equal(s.args[5], "d");
	assert_int_equal(s.keys[6], O_FLAG);
	assert_int_equal(s.keys[7], 'q');
}

static void operands(void **state)
{
	(void)state;
	struct seen s;
	char *argv[] = { "cmd", "a", "-c", "1", "b", "--flag", NULL };
	run(&s, 0, argv);
	assert_int_equal(s.ret, CLIOPT_DONE);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.ind, 4); /* the operands, moved to the end */
	assert_string_equal(argv[4], "a");
	assert_string_equal(argv[5], "b");

	/* In order: the first operand ends the options; "--" ends them too. */
	char *argv2[] = { "cmd", "-q", "x", "--flag", NULL };
	run(&s, 1, argv2);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.ind, 2);
	assert_int_equal(s.dashdash, 0);
	char *argv3[] = { "cmd", "-q", "--", "--flag", NULL };
	run(&s, 1, argv3);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.ind, 3);
	assert_int_equal(s.dashdash, 1);
	/* A "--" that is an option's value ends nothing. */
	char *argv4[] = { "cmd", "--out", "--", "x", NULL };
	run(&s, 1, argv4);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.args[0], "--");
	assert_int_equal(s.dashdash, 0);
	assert_int_equal(s.ind, 3);
	/* A value may look like an option. */
	RUN(&s, 0, "-c", "-1", "--out", "-q");
	assert_int_equal(s.n, 2);
	assert_string_equal(s.args[0], "-1");
	assert_string_equal(s.args[1], "-q");
}

static void refused(void **state)
{
	(void)state;
	struct seen s;
	RUN(&s, 0, "--bogus");
	assert_int_equal(s.ret, CLIOPT_BAD);
	assert_string_equal(s.err, "unknown option '--bogus'");
	RUN(&s, 0, "--bogus=3");
	assert_string_equal(s.err, "unknown option '--bogus'");
	RUN(&s, 0, "-z");
	assert_string_equal(s.err, "unknown option '-z'");
	RUN(&s, 0, "-c");
	assert_string_equal(s.err, "-c needs a value");
	RUN(&s, 0, "--count");
	assert_string_equal(s.err, "--count needs a value");
	RUN(&s, 0, "-q", "--out");
	assert_string_equal(s.err, "--out needs a value");
	RUN(&s, 0, "--flag=1");
	assert_string_equal(s.err, "--flag takes no value");
	RUN(&s, 0, "--f");
	assert_int_equal(s.ret, CLIOPT_DONE); /* --flag: the only one starting so */
	RUN(&s, 0, "--");
	assert_int_equal(s.ret, CLIOPT_DONE);
}

static void ambiguous(void **state)
{
	(void)state;
	static const struct cliopt two[] = { { "threads", 't', "N", "a" },
					     { "timeout", 1000, "D", "b" },
					     CLIOPT_END };
	const struct cliopt *const tables[] = { two, NULL };
	char *argv[] = { "cmd", "--t", "1", NULL }, err[128];
	struct cliopt_state st;
	assert_int_equal(cliopt_begin(&st, tables, 3, argv, 0), 0);
	assert_int_equal(cliopt_next(&st, err, sizeof(err)), CLIOPT_BAD);
	assert_string_equal(err, "ambiguous option '--t'");
}

static void usage_lists_every_option(void **state)
{
	(void)state;
	char buf[2048] = "";
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	assert_non_null(f);
	cliopt_print(f, table);
	fclose(f);
	assert_non_null(strstr(buf, "a heading:\n"));
	assert_non_null(strstr(buf, "  -c, --count N"));
	assert_non_null(strstr(buf, "how many (default 1)"));
	assert_non_null(strstr(buf, "  --out DIR"));
	assert_non_null(strstr(buf, "\n                          on two lines\n"));
	assert_non_null(strstr(buf, "  -h, --help"));
}

static void numbers(void **state)
{
	(void)state;
	uint64_t v;
	assert_int_equal(cliopt_uint("42", 1, 100, &v), 0);
	assert_int_equal(v, 42);
	const char *bad[] = { "",   "0",  "101",  "-1",	 "+1",
			      " 1", "1x", "0x10", "1.0", "99999999999999999999999",
			      NULL };
	for (int i = 0; bad[i]; i++)
		assert_int_equal(cliopt_uint(bad[i], 1, 100, &v), -EINVAL);
}

static void too_many(void **state)
{
	(void)state;
	static struct cliopt big[CLIOPT_MAX + 2];
	for (int i = 0; i < CLIOPT_MAX + 1; i++)
		big[i] = (struct cliopt){ "x", CLIOPT_LONG + i, NULL, "x" };
	const struct cliopt *const tables[] = { big, NULL };
	struct cliopt_state st;
	char *argv[] = { "cmd", NULL };
	assert_int_equal(cliopt_begin(&st, tables, 1, argv, 0), -E2BIG);
}

/* --help wins over everything before or around it: a bad value, an option
 * that would take it as its value, an unknown option; but not after "--". */
static void help_wins(void **state)
{
	(void)state;
	struct seen s;
	RUN(&s, 0, "--out", "--help");
	assert_int_equal(s.keys[0], 'h'); /* first; the callers stop there */
	assert_string_equal(s.names[0], "--help");
	RUN(&s, 0, "-c", "abc", "--nosuch", "-h");
	assert_int_equal(s.keys[0], 'h');
	RUN(&s, 1, "op", "--help");
	assert_int_equal(s.keys[0], 'h');
	RUN(&s, 1, "-c", "1", "--", "cmd", "--help");
	assert_int_equal(s.ret, CLIOPT_DONE);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.keys[0], 'c');
	assert_int_equal(s.ind, 4);
	assert_int_equal(s.dashdash, 1);
	/* "--help=x" and "--helpful" are not the word itself */
	RUN(&s, 0, "--help=x");
	assert_int_equal(s.ret, CLIOPT_BAD);
	assert_string_equal(s.err, "--help takes no value");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(forms),
		cmocka_unit_test(operands),
		cmocka_unit_test(refused),
		cmocka_unit_test(ambiguous),
		cmocka_unit_test(usage_lists_every_option),
		cmocka_unit_test(numbers),
		cmocka_unit_test(too_many),
		cmocka_unit_test(help_wins),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
