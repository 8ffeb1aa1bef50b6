/* The symbolizer (bpf/symbols.c) on this test's own process: an address of a
 * known function names it, a stack snapshot taken here the way the kernel
 * side takes one (registers and the top of the stack) unwinds through this
 * file's functions, and a process that is gone gives an error, not a guess.
 * Needs no privilege: the process reads its own maps. */
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

#include "symbols.h"

__attribute__((noinline)) int sym_test_target(int x)
{
	return x * 3 + 1;
}

static void test_addr(void **state)
{
	(void)state;
	struct sym *s;
	assert_int_equal(sym_open(&s, getpid()), 0);
	char out[256];
	assert_int_equal(sym_addr(s, (uint64_t)(uintptr_t)&sym_test_target, out, sizeof(out)), 0);
	assert_string_equal(out, "sym_test_target+0x0");
	/* Inside it, a little further on. */
	assert_int_equal(sym_addr(s, (uint64_t)(uintptr_t)&sym_test_target + 1, out, sizeof(out)),
			 0);
	assert_string_equal(out, "sym_test_target+0x1");
	/* libc's: named without the symbol version. */
	assert_int_equal(sym_addr(s, (uint64_t)(uintptr_t)&getpid, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "getpid"));
	assert_null(strchr(out, '@'));
	/* Nothing is mapped at page 1. */
	assert_int_equal(sym_addr(s, 4096, out, sizeof(out)), 0);
	assert_string_equal(out, "0x1000");
	sym_close(s);
}

#if defined(__x86_64__)
/* The end of the mapping that holds addr (the stack), from /proc/self/maps. */
static uint64_t mapping_end(uint64_t addr)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long long a, b, end = 0;
	char line[512];
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx-%llx", &a, &b) == 2 && a <= addr && addr < b)
			end = b;
	if (f)
		fclose(f);
	return end;
}

/* Copies stack bytes as the kernel does, redzones and all: under the
 * sanitizer a memcpy of live stack is (rightly, elsewhere) an error. */
__attribute__((no_sanitize("address"))) static void copy_raw(uint8_t *dst, uintptr_t src,
							      size_t n)
{
	const volatile uint8_t *p = (const volatile uint8_t *)src;
	for (size_t i = 0; i < n; i++)
		dst[i] = p[i];
}

/* A snapshot of this very frame, as astrace.bpf.c's snapshot() takes one from
 * the saved registers: the callee-saved ones, the stack pointer and a pc, all
 * read at the same label, so the unwinder's rules for that pc hold. */
__attribute__((noinline)) void sym_test_snapshot(struct as_stack_ev *ev)
{
	uint64_t rip, rsp, rbp, rbx, r12, r13, r14, r15;
	__asm__ volatile("lea 1f(%%rip), %0\n\t"
			 "1:\n\t"
			 "mov %%rsp, %1\n\t"
			 "mov %%rbp, %2\n\t"
			 "mov %%rbx, %3\n\t"
			 "mov %%r12, %4\n\t"
			 "mov %%r13, %5\n\t"
			 "mov %%r14, %6\n\t"
			 "mov %%r15, %7\n\t"
			 : "=r"(rip), "=m"(rsp), "=m"(rbp), "=m"(rbx), "=m"(r12), "=m"(r13),
			   "=m"(r14), "=m"(r15));
	memset(ev, 0, sizeof(*ev));
	ev->kind = AS_EV_STACK;
	ev->pid = (uint32_t)getpid(); /* the main thread: tid == pid */
	ev->tgid = ev->pid;
	ev->regs[3] = rbx;
	ev->regs[6] = rbp;
	ev->regs[7] = rsp;
	ev->regs[12] = r12;
	ev->regs[13] = r13;
	ev->regs[14] = r14;
	ev->regs[15] = r15;
	ev->regs[16] = rip;
	uint64_t end = mapping_end(rsp), n = end - rsp;
	ev->size = (uint32_t)(n < AS_STACK_BYTES ? n : AS_STACK_BYTES);
	copy_raw(ev->data, (uintptr_t)rsp, ev->size);
}

__attribute__((noinline)) void sym_test_caller(struct as_stack_ev *ev)
{
	sym_test_snapshot(ev);
	__asm__ volatile("" ::: "memory"); /* not a tail call */
}

static void test_stack(void **state)
{
	(void)state;
	struct as_stack_ev *ev = malloc(sizeof(*ev));
	assert_non_null(ev);
	sym_test_caller(ev);
	assert_true(ev->size > 64);
	struct sym *s;
	assert_int_equal(sym_open(&s, getpid()), 0);
	char text[SYM_MAX_FRAMES * 160], callers[512];
	int n = sym_stack(s, ev, text, sizeof(text), callers, sizeof(callers));
	assert_true(n >= 3);
	/* Innermost first, ';' between, each with its offset. */
	char *a = strstr(text, "sym_test_snapshot+0x"), *b = strstr(text, ";sym_test_caller+0x"),
	     *c = strstr(text, ";test_stack+0x");
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_true(a == text && a < b && b < c);
	assert_int_equal(strncmp(callers, "sym_test_snapshot <- sym_test_caller <- test_stack", 50),
			 0);
	sym_close(s);
	free(ev);
}
#endif

/* A process that has exited: its maps cannot be read, which is an error, not
 * a wrong name. */
static void test_gone(void **state)
{
	(void)state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (!pid)
		_exit(0);
	waitpid(pid, NULL, 0);
	struct sym *s;
	assert_int_equal(sym_open(&s, pid), 0);
	char out[64];
	assert_true(sym_addr(s, 4096, out, sizeof(out)) < 0);
	sym_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr),
#if defined(__x86_64__)
		cmocka_unit_test(test_stack),
#endif
		cmocka_unit_test(test_gone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
