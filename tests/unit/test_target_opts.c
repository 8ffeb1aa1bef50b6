/* target_opts: the targets' one command line, as target-* and bench target read it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "schema.h"
#include "target_opts.h"

struct parsed {
	struct topt v;
	int rc;
	char err[256];
};

static void parse(struct parsed *p, const char *target, char **argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	memset(p, 0, sizeof(*p));
	p->rc = topt_parse(&p->v, target, argc, argv, p->err, sizeof(p->err));
}

#define PARSE(p, target, ...) parse(p, target, (char *[]){ "target-x", __VA_ARGS__, NULL })

static void test_defaults(void **state)
{
	(void)state;
	struct parsed p;
	parse(&p, "epoll", (char *[]){ "target-epoll", NULL });
	assert_int_equal(p.rc, 0);
	assert_string_equal(p.v.bind, "127.0.0.1");
	assert_int_equal(p.v.port, 8080);
	assert_int_equal(p.v.ready_fd, -1);
	assert_int_equal(p.v.verbose, 0);
	assert_int_equal(p.v.idle_ms, 10000);
	assert_int_equal(p.v.max_threads, 1000);
	assert_int_equal(p.v.pool, 40);
	assert_int_equal(p.v.threads, 1);
	assert_int_equal(p.v.stack_kib, 64);
}

/* The defaults the usage states are the ones parsed: the help text of each
 * option says "default N" with N its value. */
static void test_usage_states_defaults(void **state)
{
	(void)state;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	topt_print(f, ~0u);
	fclose(f);
	const char *want[] = { "default 127.0.0.1", "default 8080", "default 10s",
			       "default 1000",	    "default 40",   "default 1)",
			       "default 64",	    "--bind ADDR",  "--port N",
			       "--ready-fd FD",	    "--verbose",    "--idle-timeout D",
			       "--max-threads N",   "--pool N",	    "--threads N",
			       "--stack-kib N",	    "--help" };
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(text, want[i]))
			fail_msg("the usage does not say '%s':\n%s", want[i], text);
	free(text);

	/* One model's usage: its own knob and no other; none, no heading. */
	text = NULL;
	f = open_memstream(&text, &len);
	topt_print(f, topt_knobs_of("hybrid"));
	fclose(f);
	assert_non_null(strstr(text, "--pool N"));
	assert_null(strstr(text, "--threads"));
	assert_null(strstr(text, "--max-threads"));
	assert_null(strstr(text, "--stack-kib"));
	free(text);
	text = NULL;
	f = open_memstream(&text, &len);
	topt_print(f, topt_knobs_of("blocking"));
	fclose(f);
	assert_null(strstr(text, "knob"));
	assert_non_null(strstr(text, "--idle-timeout D"));
	free(text);
}

static void test_values(void **state)
{
	(void)state;
	struct parsed p;
	PARSE(&p, "threaded", "--bind", "::1", "--port=0", "--ready-fd", "3", "--verbose",
	      "--idle-timeout", "250ms", "--max-threads", "4");
	assert_int_equal(p.rc, 0);
	assert_string_equal(p.v.bind, "::1");
	assert_int_equal(p.v.port, 0);
	assert_int_equal(p.v.ready_fd, 3);
	assert_int_equal(p.v.verbose, 1);
	assert_int_equal(p.v.idle_ms, 250);
	assert_int_equal(p.v.max_threads, 4);
	/* A unique abbreviation, as everywhere in bench. */
	PARSE(&p, "coroutine", "--stack=128", "--idle", "2s");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.v.stack_kib, 128);
	assert_int_equal(p.v.idle_ms, 2000);
}

/* Each knob is taken by the targets schema_targets gives it, refused by name by
 * every other target. */
static void test_knobs_by_model(void **state)
{
	(void)state;
	static const struct {
		const char *flag;
		const char *owners;
	} knobs[] = {
		{ "--max-threads", " threaded " },
		{ "--pool", " hybrid " },
		{ "--threads", " epoll uring " },
		{ "--stack-kib", " coroutine " },
	};
	for (const struct schema_target *t = schema_targets; t->name; t++) {
		char own[32];
		snprintf(own, sizeof(own), " %s ", t->name);
		for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
			struct parsed p;
			PARSE(&p, t->name, (char *)knobs[i].flag, "16");
			if (strstr(knobs[i].owners, own)) {
				assert_int_equal(p.rc, 0);
				continue;
			}
			assert_int_equal(p.rc, -EINVAL);
			char want[96];
			snprintf(want, sizeof(want), "%s is not a knob of %s", knobs[i].flag,
				 t->name);
			if (!strstr(p.err, want))
				fail_msg("%s %s: '%s', want '%s'", t->name, knobs[i].flag, p.err,
					 want);
		}
	}
	/* Every knob of the table is some target's. */
	unsigned all = 0;
	for (const struct schema_target *t = schema_targets; t->name; t++)
		all |= topt_knobs_of(t->name);
	assert_int_equal(all, topt_knob(TOPT_MAX_THREADS) | topt_knob(TOPT_POOL) |
				  topt_knob(TOPT_THREADS) | topt_knob(TOPT_STACK_KIB));
	assert_int_equal(topt_knobs_of("blocking"), 0);
	assert_int_equal(topt_knobs_of("fastapi"), 0);
	assert_int_equal(topt_knobs_of("nosuch"), 0);
	assert_int_equal(topt_knobs_of("epoll"), topt_knob(TOPT_THREADS));
	assert_int_equal(topt_knob(TOPT_PORT), 0);

	struct parsed p;
	PARSE(&p, "epoll", "--pool", "4");
	assert_string_equal(p.err, "--pool is not a knob of epoll (its own: --threads N)");
	PARSE(&p, "blocking", "--threads", "4");
	assert_string_equal(p.err, "--threads is not a knob of blocking (it has none)");
}

static void test_ranges(void **state)
{
	(void)state;
	static const struct {
		const char *target, *flag, *lo, *hi, *below, *above;
	} r[] = {
		{ "epoll", "--port", "0", "65535", NULL, "65536" },
		{ "epoll", "--ready-fd", "0", "1048576", "-1", "1048577" },
		{ "threaded", "--max-threads", "1", "100000", "0", "100001" },
		{ "hybrid", "--pool", "1", "10000", "0", "10001" },
		{ "uring", "--threads", "1", "1024", "0", "1025" },
		{ "coroutine", "--stack-kib", "16", "65536", "15", "65537" },
	};
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		struct parsed p;
		const char *good[] = { r[i].lo, r[i].hi };
		for (int k = 0; k < 2; k++) {
			PARSE(&p, r[i].target, (char *)r[i].flag, (char *)good[k]);
			assert_int_equal(p.rc, 0);
		}
		const char *bad[] = {
			r[i].below, r[i].above, "abc", "", "12x", "+5", " 5", "0x10"
		};
		for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
			if (!bad[k])
				continue;
			PARSE(&p, r[i].target, (char *)r[i].flag, (char *)bad[k]);
			assert_int_equal(p.rc, -EINVAL);
			char want[128];
			snprintf(want, sizeof(want), "%s: '%s' is not a number from %s to %s",
				 r[i].flag, bad[k], r[i].lo, r[i].hi);
			assert_string_equal(p.err, want);
		}
	}
}

/* --idle-timeout: a duration, a bare number in milliseconds, as the targets
 * always took it. */
static void test_idle_timeout(void **state)
{
	(void)state;
	const char *same[] = { "500", "500ms", "0.5s", "500000us", "500000000ns" };
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		struct parsed p;
		PARSE(&p, "epoll", "--idle-timeout", (char *)same[i]);
		assert_int_equal(p.rc, 0);
		assert_int_equal(p.v.idle_ms, 500);
		PARSE(&p, "blocking", "--idle-timeout=500");
		assert_int_equal(p.v.idle_ms, 500);
	}
	int ms;
	assert_int_equal(topt_idle_ms("1", &ms), 0);
	assert_int_equal(ms, 1);
	assert_int_equal(topt_idle_ms("1h", &ms), 0);
	assert_int_equal(ms, 3600000);
	assert_int_equal(topt_idle_ms("3600000", &ms), 0);
	assert_int_equal(topt_idle_ms("1m30s", &ms), 0);
	assert_int_equal(ms, 90000);
	assert_int_equal(topt_idle_ms("1.5", &ms), 0); /* 1.5 ms: whole ms, rounded down */
	assert_int_equal(ms, 1);
	const char *bad[] = { "0", "0ms", "999us", "0.5",  "3600001", "1h1ms", "soon",
			      "",  "-5",  "5x",	   "1m30", "30s1m",   "ms" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct parsed p;
		PARSE(&p, "epoll", "--idle-timeout", (char *)bad[i]);
		assert_int_equal(p.rc, -EINVAL);
		char want[96];
		snprintf(want, sizeof(want),
			 "--idle-timeout: '%s' is not a duration from 1ms to 1h", bad[i]);
		assert_string_equal(p.err, want);
	}
	assert_int_equal(topt_idle_ms(NULL, &ms), -EINVAL);
}

static void test_bad_lines(void **state)
{
	(void)state;
	struct parsed p;
	PARSE(&p, "epoll", "--bogus");
	assert_int_equal(p.rc, -EINVAL);
	assert_string_equal(p.err, "unknown option '--bogus'");
	PARSE(&p, "epoll", "--port");
	assert_string_equal(p.err, "--port needs a value");
	PARSE(&p, "epoll", "--verbose=1");
	assert_string_equal(p.err, "--verbose takes no value");
	PARSE(&p, "epoll", "extra");
	assert_string_equal(p.err, "unexpected argument 'extra'");
	/* Help wins, even beside a bad value. */
	PARSE(&p, "epoll", "--port", "abc", "--help");
	assert_int_equal(p.rc, 1);
	PARSE(&p, "epoll", "-h");
	assert_int_equal(p.rc, 1);
}

/* The binaries themselves (their directory in ASYNCSCOPE_TARGET_BIN): "target-MODEL: <reason>"
 * and the usage on stderr, exit 2; --help on stdout, exit 0, with the model's
 * own knob only. Nothing listens: every case ends before the socket. */
static const char *bin_dir;

static int run_target(const char *model, char **args, char *out, size_t outlen, char *err,
		      size_t errlen)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/target-%s", bin_dir, model);
	char *argv[8] = { path };
	for (int i = 0; args[i] && i < 6; i++)
		argv[i + 1] = args[i];
	int po[2], pe[2];
	assert_int_equal(pipe(po), 0);
	assert_int_equal(pipe(pe), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		execv(path, argv);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	/* Small outputs: the usage fits a pipe, so reading one after the other is safe. */
	ssize_t n = read(po[0], out, outlen - 1), k = n > 0 ? n : 0;
	while (n > 0 && (size_t)k < outlen - 1 && (n = read(po[0], out + k, outlen - 1 - k)) > 0)
		k += n;
	out[k] = '\0';
	n = read(pe[0], err, errlen - 1), k = n > 0 ? n : 0;
	while (n > 0 && (size_t)k < errlen - 1 && (n = read(pe[0], err + k, errlen - 1 - k)) > 0)
		k += n;
	err[k] = '\0';
	close(po[0]);
	close(pe[0]);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void test_binaries(void **state)
{
	(void)state;
	if (!bin_dir)
		skip();
	char out[8192], err[8192], want[160];
	int ran = 0;
	for (const struct schema_target *t = schema_targets; t->name; t++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/target-%s", bin_dir, t->name);
		/* fastapi is argparse's (serve.py); a target not built here is skipped. */
		if (!strcmp(t->name, "fastapi") || access(path, X_OK))
			continue;
		ran++;
		assert_int_equal(run_target(t->name, (char *[]){ "--help", NULL }, out, sizeof(out),
					    err, sizeof(err)),
				 0);
		snprintf(want, sizeof(want), "usage: target-%s ", t->name);
		assert_true(!strncmp(out, want, strlen(want)));
		assert_string_equal(err, "");
		unsigned own = topt_knobs_of(t->name);
		for (const struct cliopt *o = topt_table; o->name || o->help; o++) {
			if (!o->name)
				continue;
			snprintf(want, sizeof(want), "--%s", o->name);
			int listed = strstr(out, want) != NULL;
			if (listed != (!topt_knob(o->key) || (own & topt_knob(o->key))))
				fail_msg("target-%s --help: %s %s", t->name, want,
					 listed ? "listed, not its own" : "missing");
		}
		char *bad[][3] = {
			{ "--bogus", NULL },
			{ "--port", "65536", NULL },
			{ "--idle-timeout", "soon", NULL },
			{ own & topt_knob(TOPT_POOL) ? "--threads" : "--pool", "2", NULL },
			{ "extra", NULL },
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			assert_int_equal(
			    run_target(t->name, bad[i], out, sizeof(out), err, sizeof(err)), 2);
			snprintf(want, sizeof(want), "target-%s: ", t->name);
			if (strncmp(err, want, strlen(want)) || !strstr(err, "\nusage: target-"))
				fail_msg("target-%s %s: stderr '%s'", t->name, bad[i][0], err);
			assert_string_equal(out, "");
		}
	}
	print_message("  %d target binaries checked\n", ran);
	assert_true(ran >= 4); /* blocking, threaded, hybrid, epoll are always built */
}

int main(void)
{
	bin_dir = getenv("ASYNCSCOPE_TARGET_BIN");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),  cmocka_unit_test(test_usage_states_defaults),
		cmocka_unit_test(test_values),	  cmocka_unit_test(test_knobs_by_model),
		cmocka_unit_test(test_ranges),	  cmocka_unit_test(test_idle_timeout),
		cmocka_unit_test(test_bad_lines), cmocka_unit_test(test_binaries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
