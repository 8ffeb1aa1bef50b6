/* Unit tests for targets/coro, built twice: against ascoro (the assembly
 * switch on x86-64 and aarch64) and against ascoro_ucontext. Assertions run in
 * the scheduler context where they can: a failing cmocka assert longjmps, and
 * longjmp out of a coroutine's stack is not something to rely on. */
#include <errno.h>
#include <fenv.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "coro.h"

#ifndef CORO_TEST_BACKEND
#define CORO_TEST_BACKEND "default"
#endif

#define STACK (64 << 10) /* the coroutine target's default --stack-kib */

/* --- a coroutine that finishes ------------------------------------------- */

struct steps {
	struct coro *self;
	int steps;
	int saw_self; /* coro_current() was self at every step */
};

static void steps_fn(void *arg)
{
	struct steps *s = arg;
	for (int i = 0; i < 3; i++) {
		s->steps++;
		s->saw_self += coro_current() == s->self;
		coro_yield();
	}
	s->steps++;
}

static void test_runs_to_done(void **state)
{
	(void)state;
	struct steps s = { 0 };
	assert_null(coro_current());
	coro_yield(); /* in the scheduler context: nothing to switch to */
	s.self = coro_new(steps_fn, &s, STACK);
	assert_non_null(s.self);
	assert_int_equal(s.steps, 0); /* not run until resumed */
	assert_false(coro_done(s.self));
	for (int i = 1; i <= 3; i++) {
		coro_resume(s.self);
		assert_int_equal(s.steps, i);
		assert_false(coro_done(s.self));
		assert_null(coro_current());
	}
	coro_resume(s.self);
	assert_int_equal(s.steps, 4);
	assert_int_equal(s.saw_self, 3);
	assert_true(coro_done(s.self));
	coro_resume(s.self); /* done: returns at once */
	assert_int_equal(s.steps, 4);
	coro_free(s.self);
}

static void never_fn(void *arg)
{
	*(int *)arg = 1;
}

static void test_new_and_free(void **state)
{
	(void)state;
	int ran = 0;
	struct coro *c = coro_new(never_fn, &ran, STACK);
	assert_non_null(c);
	coro_free(c); /* never resumed: allowed */
	assert_int_equal(ran, 0);
	coro_free(NULL);

	/* Odd sizes are rounded up; one byte still gives a usable page. */
	c = coro_new(never_fn, &ran, 1000);
	assert_non_null(c);
	coro_resume(c);
	assert_int_equal(ran, 1);
	assert_true(coro_done(c));
	coro_free(c);

	errno = 0;
	assert_null(coro_new(never_fn, &ran, 0));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(coro_new(NULL, &ran, STACK));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(coro_new(never_fn, &ran, SIZE_MAX / 2));
	assert_int_equal(errno, ENOMEM);
}

/* --- many alive at once, round robin -------------------------------------- */

#define MANY 10000
#define MANY_ROUNDS 5

struct many {
	unsigned *seq; /* shared: the order in which steps happened */
	unsigned order[MANY_ROUNDS]; /* this coroutine's position at each step */
};

static void many_fn(void *arg)
{
	struct many *m = arg;
	for (int r = 0; r < MANY_ROUNDS; r++) {
		m->order[r] = (*m->seq)++;
		coro_yield();
	}
}

static void test_many_round_robin(void **state)
{
	(void)state;
	unsigned seq = 0;
	struct many *m = calloc(MANY, sizeof(*m));
	struct coro **c = calloc(MANY, sizeof(*c));
	assert_non_null(m);
	assert_non_null(c);
	for (int i = 0; i < MANY; i++) {
		m[i].seq = &seq;
		c[i] = coro_new(many_fn, &m[i], STACK);
		assert_non_null(c[i]);
	}
	/* One extra round lets every coroutine return. */
	for (int r = 0; r <= MANY_ROUNDS; r++)
		for (int i = 0; i < MANY; i++)
			coro_resume(c[i]);
	int bad = 0;
	for (int i = 0; i < MANY; i++) {
		bad += !coro_done(c[i]);
		for (int r = 0; r < MANY_ROUNDS; r++)
			bad += m[i].order[r] != (unsigned)(r * MANY + i);
		coro_free(c[i]);
	}
	assert_int_equal(bad, 0);
	assert_int_equal(seq, MANY * MANY_ROUNDS);
	free(c);
	free(m);
}

/* --- nested resume ---------------------------------------------------------
 * Level L resumes level L+1, which yields back to L (not to the scheduler).
 * Expected order: E0..E7 (each enters and resumes the next), M7..M0 (each
 * yields to its resumer), then on the second resume of level 0: A0..A7 (each
 * continues and resumes the next again), X7..X0 (each returns to its resumer). */

#define DEPTH 8

struct nest {
	struct coro *co[DEPTH];
	char log[DEPTH * 4 * 4 + 1];
	size_t len;
	int current_ok; /* coro_current() was the right level everywhere */
};

struct level {
	struct nest *n;
	int level;
};

static void nest_log(struct nest *n, char what, int level, struct coro *self)
{
	n->len += (size_t)snprintf(n->log + n->len, sizeof(n->log) - n->len, "%c%d ", what,
				   level);
	n->current_ok += coro_current() == self;
}

static void nest_fn(void *arg)
{
	struct level *l = arg;
	struct nest *n = l->n;
	struct coro *self = n->co[l->level];
	struct coro *child = l->level + 1 < DEPTH ? n->co[l->level + 1] : NULL;
	nest_log(n, 'E', l->level, self);
	if (child)
		coro_resume(child);
	nest_log(n, 'M', l->level, self);
	coro_yield();
	nest_log(n, 'A', l->level, self);
	if (child) {
		coro_resume(child);
		n->current_ok += coro_done(child) ? 1 : -1000;
	}
	nest_log(n, 'X', l->level, self);
}

static void test_nested(void **state)
{
	(void)state;
	struct nest n = { 0 };
	struct level lv[DEPTH];
	for (int i = 0; i < DEPTH; i++) {
		lv[i] = (struct level){ &n, i };
		n.co[i] = coro_new(nest_fn, &lv[i], STACK);
		assert_non_null(n.co[i]);
	}
	coro_resume(n.co[0]);
	assert_null(coro_current());
	assert_false(coro_done(n.co[0]));
	coro_resume(n.co[0]);
	assert_true(coro_done(n.co[0]));

	char want[sizeof(n.log)];
	size_t len = 0;
	const char *phase = "EMAX";
	for (int p = 0; p < 4; p++)
		for (int i = 0; i < DEPTH; i++) {
			int level = p % 2 ? DEPTH - 1 - i : i; /* M and X unwind upward */
			len += (size_t)snprintf(want + len, sizeof(want) - len, "%c%d ", phase[p],
						level);
		}
	assert_string_equal(n.log, want);
	assert_int_equal(n.current_ok, DEPTH * 4 + (DEPTH - 1));
	for (int i = 0; i < DEPTH; i++) {
		assert_true(coro_done(n.co[i]));
		coro_free(n.co[i]);
	}
}

/* --- values across switches ------------------------------------------------
 * The same body runs once with a no-op yield (the reference) and inside
 * coroutines that interleave, so every live value crosses many switches. Six
 * 64-bit accumulators live across the yield call, which is more than the
 * caller-saved registers the compiler could otherwise hide them in, and one
 * volatile local must survive on the stack. */

#define VAL_ROUNDS 200
#define VAL_COROS 8

static uint64_t mix(uint64_t x)
{
	x ^= x >> 31;
	x *= 0x9e3779b97f4a7c15ull;
	return x ^ (x >> 29);
}

static void no_yield(void)
{
}

static uint64_t int_body(uint64_t seed, void (*yield)(void))
{
	uint64_t a = seed, b = seed * 3 + 1, c = seed * 5 + 2, d = seed * 7 + 3;
	uint64_t e = seed * 11 + 4, f = seed * 13 + 5;
	volatile uint64_t g = seed * 17;
	for (int i = 0; i < VAL_ROUNDS; i++) {
		a = mix(a + f);
		b = mix(b ^ a);
		c += b * 3;
		d ^= mix(c);
		e = e * 31 + d;
		f = mix(e + (uint64_t)i);
		g += f;
		yield();
	}
	return a ^ b ^ c ^ d ^ e ^ f ^ g;
}

/* The coefficients depend on the seed too, so coroutines running this at once
 * hold different values in the same registers (d8-d15 are callee-saved on
 * aarch64; x86-64 has no callee-saved xmm, so there they cross on the stack). */
static double fp_body(double seed, void (*yield)(void))
{
	double ka = 0.5 + seed * 1e-5, kb = 0.9 - seed * 1e-6, kc = 1e-3 + seed * 1e-5;
	double x = seed, y = 1.0 / (seed + 1.0), z = seed * 0.25;
	volatile double w = seed;
	for (int i = 0; i < VAL_ROUNDS; i++) {
		x = ka * x + 1.0 / (i + 1.0 + y);
		y = kb * y + (1.0 - kb) * x;
		z = z + x * y;
		w = 0.99 * w + z * kc;
		yield();
	}
	return x + y + z + w + ka + kb + kc; /* bounded for seeds below 1e4: never NaN */
}

struct vals {
	uint64_t seed;
	uint64_t iout;
	double dout;
};

static void vals_fn(void *arg)
{
	struct vals *v = arg;
	v->iout = int_body(v->seed, coro_yield);
	v->dout = fp_body((double)v->seed, coro_yield);
}

static void test_values_preserved(void **state)
{
	(void)state;
	struct vals v[VAL_COROS];
	struct coro *c[VAL_COROS];
	for (int i = 0; i < VAL_COROS; i++) {
		v[i] = (struct vals){ .seed = (uint64_t)i * 1000 + 7 };
		c[i] = coro_new(vals_fn, &v[i], STACK);
		assert_non_null(c[i]);
	}
	/* The scheduler keeps live values of its own across its resumes. */
	uint64_t mine = 42;
	volatile uint64_t mine_v = 43;
	double mine_d = 0.5;
	int alive;
	do {
		alive = 0;
		for (int i = 0; i < VAL_COROS; i++) {
			if (coro_done(c[i]))
				continue;
			alive++;
			mine = mix(mine + (uint64_t)i);
			mine_v += mine;
			mine_d = mine_d * 0.75 + (double)i;
			coro_resume(c[i]);
		}
	} while (alive);
	uint64_t ref = 42, ref_v = 43;
	double ref_d = 0.5;
	for (int i = 0; i < 2 * VAL_ROUNDS + 1; i++)
		for (int j = 0; j < VAL_COROS; j++) {
			ref = mix(ref + (uint64_t)j);
			ref_v += ref;
			ref_d = ref_d * 0.75 + (double)j;
		}
	assert_int_equal(mine, ref);
	assert_int_equal(mine_v, ref_v);
	assert_true(mine_d == ref_d);
	for (int i = 0; i < VAL_COROS; i++) {
		assert_int_equal(v[i].iout, int_body(v[i].seed, no_yield));
		assert_true(v[i].dout == fp_body((double)v[i].seed, no_yield));
		coro_free(c[i]);
	}
}

/* --- floating-point control state ------------------------------------------
 * Each coroutine has its own rounding mode (MXCSR and the x87 control word on
 * x86-64, FPCR on aarch64): one that rounds upward must not make the scheduler
 * or another coroutine round upward, and a new one starts with its creator's.
 * A division is compared with the same division done by the scheduler in the
 * expected mode; double goes through SSE, long double through the x87. */

static volatile double d_one = 1.0, d_three = 3.0;
static volatile long double l_one = 1.0L, l_three = 3.0L;

struct fp_seen {
	int mode;
	double d;
	long double l;
};

/* Not inlined: GCC models arithmetic as independent of the rounding mode, so
 * an inlined division could move across the fesetround calls around it. The
 * tests are also built with -frounding-math, which is what GCC wants for code
 * that changes the mode. */
__attribute__((noinline)) static struct fp_seen fp_now(void)
{
	return (struct fp_seen){ fegetround(), d_one / d_three, l_one / l_three };
}

static struct fp_seen fp_in_mode(int mode)
{
	int old = fegetround();
	fesetround(mode);
	struct fp_seen s = fp_now();
	fesetround(old);
	return s;
}

static void fp_upward_fn(void *arg)
{
	struct fp_seen *s = arg;
	fesetround(FE_UPWARD);
	s[0] = fp_now();
	coro_yield();
	s[1] = fp_now(); /* still upward after the others ran */
}

static void fp_plain_fn(void *arg)
{
	struct fp_seen *s = arg;
	s[0] = fp_now();
	coro_yield();
	s[1] = fp_now();
}

static void assert_fp_seen(struct fp_seen got, struct fp_seen want)
{
	assert_int_equal(got.mode, want.mode);
	assert_true(got.d == want.d);
	assert_true(got.l == want.l);
}

static void test_fp_control(void **state)
{
	(void)state;
	assert_int_equal(fegetround(), FE_TONEAREST);
	struct fp_seen up_ref = fp_in_mode(FE_UPWARD), down_ref = fp_in_mode(FE_DOWNWARD);
	struct fp_seen near_ref = fp_in_mode(FE_TONEAREST);
	/* Otherwise the test could not tell the modes apart. */
	assert_true(up_ref.d != down_ref.d && up_ref.l != down_ref.l);

	struct fp_seen up[2] = { 0 }, plain[2] = { 0 }, inherited[2] = { 0 };
	struct coro *cu = coro_new(fp_upward_fn, up, STACK);
	struct coro *cp = coro_new(fp_plain_fn, plain, STACK);
	assert_int_equal(fesetround(FE_DOWNWARD), 0);
	struct coro *ci = coro_new(fp_plain_fn, inherited, STACK);
	assert_int_equal(fesetround(FE_TONEAREST), 0);
	assert_non_null(cu);
	assert_non_null(cp);
	assert_non_null(ci);

	for (int round = 0; round < 2; round++) {
		coro_resume(cu);
		assert_fp_seen(fp_now(), near_ref);
		coro_resume(cp);
		assert_fp_seen(fp_now(), near_ref);
		coro_resume(ci);
		assert_fp_seen(fp_now(), near_ref);
	}
	for (int i = 0; i < 2; i++) {
		assert_fp_seen(up[i], up_ref);
		assert_fp_seen(plain[i], near_ref);
		assert_fp_seen(inherited[i], down_ref);
	}
	assert_true(coro_done(cu) && coro_done(cp) && coro_done(ci));
	coro_free(cu);
	coro_free(cp);
	coro_free(ci);
}

/* --- each thread its own scheduler ---------------------------------------- */

#define THREAD_COROS 50
#define THREAD_ROUNDS 100

struct tstep {
	struct coro *self;
	int wrong; /* times coro_current() was not self */
};

static void tstep_fn(void *arg)
{
	struct tstep *t = arg;
	for (int i = 0; i < THREAD_ROUNDS; i++) {
		t->wrong += coro_current() != t->self;
		coro_yield();
	}
}

static void *thread_main(void *arg)
{
	long bad = 0;
	struct tstep t[THREAD_COROS];
	(void)arg;
	for (int i = 0; i < THREAD_COROS; i++) {
		t[i] = (struct tstep){ 0 };
		t[i].self = coro_new(tstep_fn, &t[i], STACK);
		if (!t[i].self)
			return (void *)1000L;
	}
	for (int r = 0; r <= THREAD_ROUNDS; r++)
		for (int i = 0; i < THREAD_COROS; i++) {
			coro_resume(t[i].self);
			bad += coro_current() != NULL;
		}
	for (int i = 0; i < THREAD_COROS; i++) {
		bad += t[i].wrong + !coro_done(t[i].self);
		coro_free(t[i].self);
	}
	return (void *)bad;
}

static void test_threads(void **state)
{
	(void)state;
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, thread_main, NULL), 0);
	for (int i = 0; i < 2; i++) {
		void *ret;
		assert_int_equal(pthread_join(th[i], &ret), 0);
		assert_int_equal((long)ret, 0);
	}
}

/* --- stack overflow hits the guard page ------------------------------------
 * A forked child recurses without end inside a coroutine. Its SIGSEGV handler
 * (on an alternate stack, since the coroutine's is used up) checks that the
 * fault is a protection fault (SEGV_ACCERR: the page is mapped but PROT_NONE,
 * not a hole below the stack) just below the coroutine's stack, where the
 * guard page is, then lets the signal kill the child; other faults exit with
 * 3 or 6. The parent wants death by SIGSEGV: anything else means the overflow
 * went somewhere it should not. */

static volatile uintptr_t guard_lo, guard_hi;
static volatile int recurse_limit = 1 << 30;

static void guard_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	uintptr_t addr = (uintptr_t)si->si_addr;
	if (si->si_code != SEGV_ACCERR) /* a mapping, but not ours to touch */
		_exit(3);
	if (addr < guard_lo || addr >= guard_hi)
		_exit(6);
	signal(sig, SIG_DFL); /* the faulting store runs again and kills us */
}

static int recurse(int depth)
{
	volatile char frame[256];
	frame[0] = (char)depth;
	if (depth >= recurse_limit)
		return frame[0];
	return recurse(depth + 1) + frame[0]; /* not a tail call */
}

static void overflow_fn(void *arg)
{
	(void)arg;
	/* The stack's top is just above this frame, its bottom about STACK lower;
	 * a few pages of slack cover the frames above and the page rounding. The
	 * frame address, not a local's: ASan may keep locals on a fake stack. */
	uintptr_t top = (uintptr_t)__builtin_frame_address(0);
	guard_lo = top - STACK - 3 * 4096;
	guard_hi = top - STACK + 2 * 4096;
	recurse(0);
}

static void test_stack_overflow_guard(void **state)
{
	(void)state;
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit no_core = { 0, 0 };
		setrlimit(RLIMIT_CORE, &no_core);
		static char alt[64 << 10];
		stack_t ss = { .ss_sp = alt, .ss_size = sizeof(alt) };
		struct sigaction sa = { .sa_sigaction = guard_handler,
					.sa_flags = SA_SIGINFO | SA_ONSTACK };
		sigemptyset(&sa.sa_mask);
		if (sigaltstack(&ss, NULL) < 0 || sigaction(SIGSEGV, &sa, NULL) < 0)
			_exit(4);
		struct coro *c = coro_new(overflow_fn, NULL, STACK);
		if (!c)
			_exit(5);
		coro_resume(c);
		_exit(0); /* survived an unbounded recursion: no guard */
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status))
		fail_msg("child exited with %d instead of dying by SIGSEGV "
			 "(3: not a protection fault, 6: fault outside the guard page, "
			 "0: no fault)",
			 WEXITSTATUS(status));
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSEGV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runs_to_done),
		cmocka_unit_test(test_new_and_free),
		cmocka_unit_test(test_many_round_robin),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_values_preserved),
		cmocka_unit_test(test_fp_control),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_stack_overflow_guard),
	};
	return cmocka_run_group_tests_name("coro (" CORO_TEST_BACKEND ")", tests, NULL, NULL);
}
