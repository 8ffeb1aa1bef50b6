/* bench-coro-switch: nanoseconds per context switch, side by side for the
 * assembly switch, glibc's swapcontext, and coro_resume/coro_yield over the
 * switch ascoro was built with (what the coroutine target pays). Each is a
 * ping-pong between two contexts: one round trip is two switches. Prints the
 * best of several runs, since a shared machine only ever adds time.
 *
 *   bench-coro-switch [-n SWITCHES] [-r RUNS] */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "clock.h"
#include "coro.h"
#include "switch.h"

#define STACK_BYTES (64 << 10)

static char raw_stack[STACK_BYTES] __attribute__((aligned(16)));

#ifdef CORO_BENCH_ASM
static struct coro_asm_ctx asm_main, asm_co;

static void asm_pong(void *arg)
{
	(void)arg;
	for (;;)
		coro_asm_swap(&asm_co, &asm_main);
}

static uint64_t run_asm(long rounds)
{
	coro_asm_make(&asm_co, raw_stack, sizeof(raw_stack), asm_pong, NULL);
	uint64_t t0 = now_ns();
	for (long i = 0; i < rounds; i++)
		coro_asm_swap(&asm_main, &asm_co);
	return now_ns() - t0;
}
#endif

static struct coro_uc_ctx uc_main, uc_co;

static void uc_pong(void *arg)
{
	(void)arg;
	for (;;)
		coro_uc_swap(&uc_co, &uc_main);
}

static uint64_t run_uc(long rounds)
{
	if (coro_uc_make(&uc_co, raw_stack, sizeof(raw_stack), uc_pong, NULL) < 0)
		return UINT64_MAX;
	uint64_t t0 = now_ns();
	for (long i = 0; i < rounds; i++)
		coro_uc_swap(&uc_main, &uc_co);
	return now_ns() - t0;
}

static void api_pong(void *arg)
{
	long rounds = *(long *)arg;
	/* The first resume starts us; each later one returns from a yield. */
	for (long i = 1; i < rounds; i++)
		coro_yield();
}

static uint64_t run_api(long rounds)
{
	struct coro *c = coro_new(api_pong, &rounds, STACK_BYTES);
	if (!c)
		return UINT64_MAX;
	uint64_t t0 = now_ns();
	for (long i = 0; i < rounds; i++)
		coro_resume(c);
	uint64_t t = now_ns() - t0;
	coro_free(c);
	return t;
}

static void row(const char *name, uint64_t (*run)(long), long switches, int runs)
{
	uint64_t best = UINT64_MAX;
	for (int r = 0; r < runs; r++) {
		uint64_t t = run(switches / 2);
		if (t < best)
			best = t;
	}
	if (best == UINT64_MAX)
		printf("%-36s %10s\n", name, "failed");
	else
		printf("%-36s %10.1f\n", name, (double)best / (double)switches);
	fflush(stdout);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: bench-coro-switch [-n SWITCHES] [-r RUNS]\n"
		   "  -n  switches per run, even, >= 2 (default 10000000)\n"
		   "  -r  runs per switch, the best is printed (default 5)\n");
}

static int parse_long(const char *s, long min, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min)
		return -EINVAL;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	long switches = 10000000, runs = 5;
	int opt;
	while ((opt = getopt(argc, argv, "n:r:h")) != -1) {
		switch (opt) {
		case 'n':
			if (parse_long(optarg, 2, &switches) < 0) {
				fprintf(stderr, "bench-coro-switch: -n wants an integer >= 2, not '%s'\n",
					optarg);
				usage(stderr);
				return 2;
			}
			break;
		case 'r':
			if (parse_long(optarg, 1, &runs) < 0 || runs > 1000) {
				fprintf(stderr, "bench-coro-switch: -r wants 1..1000, not '%s'\n", optarg);
				usage(stderr);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "bench-coro-switch: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	switches &= ~1L;

	printf("%-36s %10s   (best of %ld runs of %ld switches)\n", "switch", "ns/switch", runs,
	       switches);
#ifdef CORO_BENCH_ASM
	row("asm (coro_asm_swap)", run_asm, switches, (int)runs);
#endif
	row("ucontext (swapcontext)", run_uc, switches, (int)runs);
	row("coro_resume/coro_yield (" CORO_BENCH_API ")", run_api, switches, (int)runs);
	return 0;
}
