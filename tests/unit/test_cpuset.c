/* cpulists read and written (cpuset.c), the default split between target and
 * generator, and a child pinned before exec (proc_fork_on). */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cpuset.h"
#include "proc.h"

/* s parsed and written back. */
static const char *round_trip(const char *s, char *buf, size_t len)
{
	cpu_set_t set;
	if (cpuset_parse(s, &set))
		fail_msg("'%s' was refused", s);
	if (cpuset_format(&set, buf, len) < 0)
		fail_msg("'%s' does not format in %zu bytes", s, len);
	return buf;
}

static void parse_good(void **state)
{
	(void)state;
	char b[256];
	assert_string_equal(round_trip("0", b, sizeof(b)), "0");
	assert_string_equal(round_trip("1", b, sizeof(b)), "1");
	assert_string_equal(round_trip("0-2,5", b, sizeof(b)), "0-2,5");
	assert_string_equal(round_trip("5,0-2", b, sizeof(b)), "0-2,5");
	assert_string_equal(round_trip("0,1,2,3", b, sizeof(b)), "0-3");
	assert_string_equal(round_trip("1,1-2", b, sizeof(b)), "1-2");
	assert_string_equal(round_trip("3-3", b, sizeof(b)), "3");
	assert_string_equal(round_trip("0,2,4", b, sizeof(b)), "0,2,4");
	assert_string_equal(round_trip("007", b, sizeof(b)), "7");
	assert_string_equal(round_trip("1023", b, sizeof(b)), "1023");
	cpu_set_t set;
	assert_int_equal(cpuset_parse("0-2,5", &set), 0);
	assert_int_equal(CPU_COUNT(&set), 4);
	assert_true(CPU_ISSET(5, &set) && !CPU_ISSET(3, &set));
}

static void parse_bad(void **state)
{
	(void)state;
	static const char *const bad[] = { "",	     ",",    "0,", ",0",   "1,,2", "3-1",
					   "-1",     "1-",   "a",  "0-2x", " 0",   "0 ",
					   "0;1",    "1--2", "+1", "0x1",  "1024", "99999999999",
					   "0-1024", "1.5",  NULL };
	for (int i = 0; bad[i]; i++) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(7, &set);
		if (cpuset_parse(bad[i], &set) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
		/* a refused list leaves the set as it was */
		assert_true(CPU_ISSET(7, &set) && CPU_COUNT(&set) == 1);
	}
	assert_int_equal(cpuset_parse(NULL, &(cpu_set_t){ 0 }), -EINVAL);
}

static void format_small(void **state)
{
	(void)state;
	cpu_set_t set;
	char b[4];
	assert_int_equal(cpuset_parse("0-2,5", &set), 0);
	assert_int_equal(cpuset_format(&set, b, sizeof(b)), -ENAMETOOLONG);
	assert_string_equal(b, "");
	char ok[6];
	assert_int_equal(cpuset_format(&set, ok, sizeof(ok)), 5);
	CPU_ZERO(&set);
	assert_int_equal(cpuset_format(&set, ok, sizeof(ok)), 0);
	assert_string_equal(ok, "");
}

/* The split of a usable list: what the generator and the target get. */
static void split_of(const char *usable, const char *load, const char *target, int rc)
{
	cpu_set_t u, t, l;
	char bt[256], bl[256];
	assert_int_equal(cpuset_parse(usable, &u), 0);
	assert_int_equal(cpuset_split(&u, &t, &l), rc);
	cpuset_format(&t, bt, sizeof(bt));
	cpuset_format(&l, bl, sizeof(bl));
	if (strcmp(bl, load) || strcmp(bt, target))
		fail_msg("%s: load %s target %s, want load %s target %s", usable, bl, bt, load,
			 target);
}

static void split(void **state)
{
	(void)state;
	split_of("0", "0", "0", -ENOSPC); /* nothing to split: both share it */
	split_of("3", "3", "3", -ENOSPC);
	split_of("0-1", "0", "1", 0);
	split_of("0-2", "0", "1-2", 0);
	split_of("0-3", "0", "1-3", 0);
	split_of("0-4", "0-1", "2-4", 0);
	split_of("0-7", "0-1", "2-7", 0);
	split_of("0-8", "0-2", "3-8", 0);
	split_of("2,5,9", "2", "5,9", 0);
	split_of("0-63", "0-15", "16-63", 0);
}

/* A child forked onto one CPU sees only that CPU; its exit status says how many
 * it saw and whether it was the one asked for. */
static void fork_pinned(void **state)
{
	(void)state;
	cpu_set_t usable, one;
	assert_int_equal(cpuset_usable(&usable), 0);
	int last = -1;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &usable))
			last = c;
	assert_true(last >= 0);
	CPU_ZERO(&one);
	CPU_SET(last, &one);
	pid_t pid = proc_fork_on(&one);
	assert_true(pid >= 0);
	if (pid == 0) {
		cpu_set_t now;
		if (sched_getaffinity(0, sizeof(now), &now))
			_exit(100);
		_exit(CPU_COUNT(&now) == 1 && CPU_ISSET(last, &now) ? 0 : 101);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	/* NULL: the child keeps the caller's affinity. */
	int n = CPU_COUNT(&usable);
	pid = proc_fork_on(NULL);
	assert_true(pid >= 0);
	if (pid == 0) {
		cpu_set_t now;
		_exit(sched_getaffinity(0, sizeof(now), &now) ? 100
		      : CPU_COUNT(&now) == n		      ? 0
							      : 101);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_good),	cmocka_unit_test(parse_bad),
		cmocka_unit_test(format_small), cmocka_unit_test(split),
		cmocka_unit_test(fork_pinned),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
