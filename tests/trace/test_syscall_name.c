/* The tracer's syscall tables (bpf/syscall_name.c) against the numbers the
 * installed headers give: the host's table against its <sys/syscall.h>, and the
 * aarch64 table against the generic one wherever the test runs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>

#include <cmocka.h>

#include "syscall_generic.h"
#include "trace_out.h"

#define N(x) { #x, SYS_##x },
static const struct {
	const char *name;
	long nr;
} native[] = {
#include "syscall_list.h"
};

static long native_nr(const char *name)
{
	for (size_t i = 0; i < sizeof(native) / sizeof(native[0]); i++)
		if (!strcmp(native[i].name, name))
			return native[i].nr;
	return -1;
}

/* Every entry of the table has a number in the headers, and it is that one;
 * no name or number is listed twice. */
static void check_table(const char *arch, long (*nr_of)(const char *))
{
	size_t n;
	const struct trace_syscall *s = trace_syscall_table(arch, &n);
	assert_non_null(s);
	assert_true(n > 20);
	for (size_t i = 0; i < n; i++) {
		long want = nr_of(s[i].name);
		if (want != s[i].nr)
			fail_msg("%s: %s is %d in the table, %ld in the headers", arch, s[i].name,
				 s[i].nr, want);
		for (size_t j = 0; j < i; j++) {
			assert_int_not_equal(s[j].nr, s[i].nr);
			assert_string_not_equal(s[j].name, s[i].name);
		}
	}
}

/* The syscalls a sleeping thread is seen in have a name on each architecture. */
static void check_sleepers(const char *arch, const char *const *names)
{
	size_t n;
	const struct trace_syscall *s = trace_syscall_table(arch, &n);
	for (const char *const *w = names; *w; w++) {
		size_t i = 0;
		while (i < n && strcmp(s[i].name, *w))
			i++;
		if (i == n)
			fail_msg("%s: no %s in the table", arch, *w);
	}
}

static const char *const sleepers_generic[] = {
	"futex",	   "epoll_pwait", "epoll_pwait2",   "ppoll",	"pselect6", "nanosleep",
	"clock_nanosleep", "read",	  "write",	    "recvfrom", "sendto",   "accept",
	"accept4",	   "connect",	  "io_uring_enter", "wait4",	NULL,
};

static const char *const sleepers_x86_64[] = { "epoll_wait", "poll", "select", NULL };

static void test_x86_64_table(void **state)
{
	(void)state;
#if defined(__x86_64__)
	check_table("x86_64", native_nr);
#endif
	check_sleepers("x86_64", sleepers_generic);
	check_sleepers("x86_64", sleepers_x86_64);
}

static void test_aarch64_table(void **state)
{
	(void)state;
	check_table("aarch64", syscall_generic_nr);
#if defined(__aarch64__)
	check_table("aarch64", native_nr);
#endif
	check_sleepers("aarch64", sleepers_generic);
}

/* Named from the table built for; an unknown number prints as the number. */
static void test_syscall_names(void **state)
{
	(void)state;
	char b[16];
#if defined(__x86_64__)
	assert_string_equal(trace_syscall_name(230, b, sizeof(b)), "clock_nanosleep");
	assert_string_equal(trace_syscall_name(232, b, sizeof(b)), "epoll_wait");
	assert_string_equal(trace_syscall_name(202, b, sizeof(b)), "futex");
#endif
#if defined(__x86_64__) || defined(__aarch64__)
	assert_string_equal(trace_syscall_name(SYS_clock_nanosleep, b, sizeof(b)),
			    "clock_nanosleep");
	assert_string_equal(trace_syscall_name(SYS_epoll_pwait, b, sizeof(b)), "epoll_pwait");
	assert_string_equal(trace_syscall_name(SYS_futex, b, sizeof(b)), "futex");
#endif
	assert_string_equal(trace_syscall_name(9999, b, sizeof(b)), "9999");
	assert_string_equal(trace_syscall_name(-1, b, sizeof(b)), "");
	size_t n = 1;
	assert_null(trace_syscall_table("mips", &n));
	assert_int_equal(n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_x86_64_table),
		cmocka_unit_test(test_aarch64_table),
		cmocka_unit_test(test_syscall_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
