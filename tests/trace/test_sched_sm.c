/* The events -> intervals state machine, driven with synthetic event streams. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "schema.h"
#include "sched_sm.h"
#include "trace_out.h"

#define TGID	100
#define T_BEGIN 1000

static struct as_event sw(uint64_t ts, int cpu, uint32_t prev, uint32_t state, uint32_t next,
			  uint8_t flags)
{
	struct as_event e = { .ts = ts,
			      .kind = AS_EV_SWITCH,
			      .flags = flags,
			      .cpu = (uint16_t)cpu,
			      .syscall = -1,
			      .pid = prev,
			      .tgid = TGID,
			      .pid2 = next,
			      .tgid2 = TGID,
			      .state = state };
	strcpy(e.comm, "prev");
	strcpy(e.comm2, "next");
	return e;
}

static struct as_event ev(uint64_t ts, uint8_t kind, int cpu, uint32_t pid)
{
	struct as_event e = { .ts = ts,
			      .kind = kind,
			      .cpu = (uint16_t)cpu,
			      .syscall = -1,
			      .pid = pid,
			      .tgid = TGID };
	strcpy(e.comm, "w");
	return e;
}

/* Switch-out of tid (next untraced) / switch-in of tid (prev untraced). */
static struct as_event out(uint64_t ts, int cpu, uint32_t tid, uint32_t state, uint64_t rt)
{
	struct as_event e = sw(ts, cpu, tid, state, 0, AS_SW_PREV);
	e.rt = rt;
	return e;
}

static struct as_event in(uint64_t ts, int cpu, uint32_t tid, uint64_t rt)
{
	struct as_event e = sw(ts, cpu, 0, 0, tid, AS_SW_NEXT);
	e.rt2 = rt;
	return e;
}

static void feed_all(struct sm *sm, struct as_event *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(sm_feed(sm, &e[i]), 0);
}

static void expect_iv(const struct sm_interval *iv, uint32_t tid, int state, uint64_t a, uint64_t b)
{
	assert_int_equal(iv->tid, tid);
	assert_string_equal(schema_state_name(iv->state), schema_state_name(state));
	assert_int_equal(iv->t_start, a);
	assert_int_equal(iv->t_end, b);
}

/* Preempted: runnable, involuntary. Switched out sleeping: voluntary. */
static void test_preempt_vs_voluntary(void **state)
{
	(void)state;
	struct sm sm;
	sm_init(&sm, T_BEGIN);
	struct as_event e[] = {
		in(1100, 0, 7, 0),
		out(1200, 0, 7, AS_TASK_RUNNING, 100),
		in(1250, 0, 7, 100),
		out(1300, 0, 7, AS_TASK_INTERRUPTIBLE, 150),
		ev(1400, AS_EV_WAKEUP, 1, 7),
		in(1420, 1, 7, 150),
		/* preempt flag wins over a state word that says sleeping */
		sw(1500, 1, 7, AS_TASK_INTERRUPTIBLE, 0, AS_SW_PREV | AS_SW_PREEMPT),
	};
	feed_all(&sm, e, sizeof(e) / sizeof(e[0]));
	sm_finish(&sm, 2000);
	assert_int_equal(sm.niv, 8);
	expect_iv(&sm.iv[0], 7, SM_UNKNOWN, 1000, 1100);
	expect_iv(&sm.iv[1], 7, SM_RUNNING, 1100, 1200);
	expect_iv(&sm.iv[2], 7, SM_RUNNABLE, 1200, 1250);
	expect_iv(&sm.iv[3], 7, SM_RUNNING, 1250, 1300);
	expect_iv(&sm.iv[4], 7, SM_SLEEPING, 1300, 1400);
	expect_iv(&sm.iv[5], 7, SM_RUNNABLE, 1400, 1420);
	expect_iv(&sm.iv[6], 7, SM_RUNNING, 1420, 1500);
	expect_iv(&sm.iv[7], 7, SM_RUNNABLE, 1500, 2000);
	assert_true(sm.iv[7].cut);
	assert_int_equal(sm.iv[5].cpu, 1);
	struct sm_thread *t = sm_find(&sm, 7);
	assert_non_null(t);
	assert_int_equal(t->invol, 2);
	assert_int_equal(t->vol, 1);
	assert_int_equal(t->migrations, 1);
	assert_int_equal(t->ns[SM_RUNNING], 100 + 50 + 80);
	sm_free(&sm);
}

/* Interruptible sleeps, disk waits, and idle waits that only look uninterruptible. */
static void test_sleep_blocked_idle(void **state)
{
	(void)state;
	struct sm sm;
	sm_init(&sm, T_BEGIN);
	struct as_event e[] = {
		in(1000, 0, 7, 0),
		out(1100, 0, 7, AS_TASK_UNINTERRUPTIBLE, 100),
		ev(1200, AS_EV_WAKEUP, 0, 7),
		in(1210, 0, 7, 100),
		out(1300, 0, 7, AS_TASK_UNINTERRUPTIBLE | AS_TASK_NOLOAD, 190),
		ev(1400, AS_EV_WAKEUP, 0, 7),
		ev(1405, AS_EV_WAKEUP, 0, 7), /* a second wakeup changes nothing */
		in(1410, 0, 7, 190),
	};
	e[4].syscall = 230;
	feed_all(&sm, e, sizeof(e) / sizeof(e[0]));
	sm_finish(&sm, 1500);
	assert_int_equal(sm.niv, 7); /* no empty unknown stretch at 1000 */
	expect_iv(&sm.iv[0], 7, SM_RUNNING, 1000, 1100);
	expect_iv(&sm.iv[1], 7, SM_BLOCKED, 1100, 1200);
	expect_iv(&sm.iv[4], 7, SM_SLEEPING, 1300, 1400);
	assert_int_equal(sm.iv[4].syscall, 230);
	assert_int_equal(sm.iv[1].syscall, -1);
	expect_iv(&sm.iv[5], 7, SM_RUNNABLE, 1400, 1410);
	/* 1410..1500 running, cut */
	assert_int_equal(sm_cpu_ns(sm_find(&sm, 7)), 190);
	sm_free(&sm);
}

/* A thread born mid-trace has no unknown past; one dying ends with its last run. */
static void test_birth_and_death(void **state)
{
	(void)state;
	struct sm sm;
	sm_init(&sm, T_BEGIN);
	struct as_event fork = ev(1100, AS_EV_FORK, 0, 7);
	fork.pid2 = 8;
	fork.tgid2 = TGID;
	strcpy(fork.comm2, "child");
	struct as_event e[] = {
		fork,
		ev(1110, AS_EV_WAKEUP_NEW, 1, 8),
		in(1120, 1, 8, 0),
		ev(1200, AS_EV_EXIT, 1, 8),
		out(1210, 1, 8, AS_TASK_DEAD, 90),
	};
	feed_all(&sm, e, sizeof(e) / sizeof(e[0]));
	sm_finish(&sm, 2000);
	/* thread 7 only forked: unknown from the start to the end */
	size_t n8 = 0;
	for (size_t i = 0; i < sm.niv; i++)
		if (sm.iv[i].tid == 8)
			n8++;
	assert_int_equal(n8, 2);
	const struct sm_interval *iv = NULL;
	for (size_t i = 0; i < sm.niv; i++)
		if (sm.iv[i].tid == 8) {
			iv = &sm.iv[i];
			break;
		}
	expect_iv(iv, 8, SM_RUNNABLE, 1110, 1120);
	expect_iv(iv + 1, 8, SM_RUNNING, 1120, 1210);
	struct sm_thread *t = sm_find(&sm, 8);
	assert_true(t->born);
	assert_true(t->exited);
	assert_int_equal(sm_cpu_ns(t), 90);
	assert_string_equal(t->comm, "prev"); /* the last name seen wins */
	sm_free(&sm);
}

/* Found by fuzz_sched: a dead thread switched out once more (a stray or reordered
 * event, or its tid recycled) came back to life with a gap in its intervals. Dead
 * stays dead, on either side of a switch. */
static void test_dead_stays_dead(void **state)
{
	(void)state;
	struct sm sm;
	sm_init(&sm, T_BEGIN);
	struct as_event e[] = {
		out(1100, 0, 9, AS_TASK_DEAD, 10),
		out(1200, 0, 9, AS_TASK_RUNNING, 20),
		in(1300, 0, 9, 30),
	};
	feed_all(&sm, e, sizeof(e) / sizeof(e[0]));
	sm_finish(&sm, 2000);
	size_t n9 = 0;
	for (size_t i = 0; i < sm.niv; i++)
		if (sm.iv[i].tid == 9) {
			expect_iv(&sm.iv[i], 9, SM_UNKNOWN, T_BEGIN, 1100);
			n9++;
		}
	assert_int_equal(n9, 1);
	sm_free(&sm);
}

/* A thread known at attach that never runs still shows, as unknown. A thread
 * whose first event is a switch-out was running then, but since when is not
 * known: the stretch before is unknown, never invented. */
static void test_unknown_before_attach(void **state)
{
	(void)state;
	struct sm sm;
	sm_init(&sm, T_BEGIN);
	assert_int_equal(sm_add_thread(&sm, 5, TGID, "idle"), 0);
	assert_int_equal(sm_add_thread(&sm, 6, TGID, "busy"), 0);
	struct as_event o = out(1500, 0, 6, AS_TASK_INTERRUPTIBLE, 5000);
	feed_all(&sm, &o, 1);
	sm_finish(&sm, 3000);
	assert_int_equal(sm.niv, 3);
	expect_iv(&sm.iv[0], 6, SM_UNKNOWN, 1000, 1500);
	expect_iv(&sm.iv[1], 5, SM_UNKNOWN, 1000, 3000);
	assert_true(sm.iv[1].cut);
	expect_iv(&sm.iv[2], 6, SM_SLEEPING, 1500, 3000);
	/* The slice that was running at attach is not counted. */
	assert_int_equal(sm_cpu_ns(sm_find(&sm, 6)), 0);
	assert_string_equal(sm_find(&sm, 5)->comm, "idle");
	sm_free(&sm);
}

/* A thread asleep through the attach has no switch to name its syscall: the
 * name read from /proc at the listing goes on its unknown stretch, which stays
 * unknown; once the thread has had an event, a late name changes nothing. */
static void test_unknown_syscall_at_attach(void **state)
{
	(void)state;
	struct sm sm;
	sm_init(&sm, T_BEGIN);
	assert_int_equal(sm_add_thread(&sm, 5, TGID, "idle"), 0);
	assert_int_equal(sm_add_thread(&sm, 6, TGID, "busy"), 0);
	sm_unknown_syscall(&sm, 5, 230);
	sm_unknown_syscall(&sm, 6, 7);
	struct as_event o = out(1500, 0, 6, AS_TASK_INTERRUPTIBLE, 5000);
	o.syscall = 232;
	feed_all(&sm, &o, 1);
	sm_unknown_syscall(&sm, 6, 99);
	sm_unknown_syscall(&sm, 42, 1); /* not a known thread */
	sm_finish(&sm, 3000);
	assert_int_equal(sm.niv, 3);
	expect_iv(&sm.iv[0], 6, SM_UNKNOWN, 1000, 1500);
	assert_int_equal(sm.iv[0].syscall, 7);
	expect_iv(&sm.iv[1], 5, SM_UNKNOWN, 1000, 3000);
	assert_int_equal(sm.iv[1].syscall, 230);
	expect_iv(&sm.iv[2], 6, SM_SLEEPING, 1500, 3000);
	assert_int_equal(sm.iv[2].syscall, 232);
	assert_null(sm_find(&sm, 42));
	sm_free(&sm);
}

/* Two CPUs' events interleaved out of order come out the same after sm_sort. */
static void test_out_of_order_across_cpus(void **state)
{
	(void)state;
	struct as_event e[] = {
		in(1100, 0, 7, 0),
		in(1105, 1, 8, 0),
		out(1200, 0, 7, AS_TASK_INTERRUPTIBLE, 100),
		sw(1300, 1, 8, AS_TASK_RUNNING, 7, AS_SW_PREV | AS_SW_NEXT), /* 8 -> 7 on cpu 1 */
		ev(1250, AS_EV_WAKEUP, 1, 7),
		out(1400, 1, 7, AS_TASK_INTERRUPTIBLE, 250),
		in(1401, 1, 8, 195),
	};
	e[3].rt = 195;
	e[3].rt2 = 100;
	size_t n = sizeof(e) / sizeof(e[0]);
	struct sm ref;
	sm_init(&ref, T_BEGIN);
	struct as_event sorted[sizeof(e) / sizeof(e[0])];
	memcpy(sorted, e, sizeof(e));
	sm_sort(sorted, n, NULL);
	for (size_t i = 1; i < n; i++)
		assert_true(sorted[i - 1].ts <= sorted[i].ts);
	feed_all(&ref, sorted, n);
	sm_finish(&ref, 2000);
	assert_int_equal(ref.late, 0);

	/* Reverse order, then sorted: identical intervals. */
	struct as_event rev[sizeof(e) / sizeof(e[0])];
	for (size_t i = 0; i < n; i++)
		rev[i] = e[n - 1 - i];
	struct as_event scratch[sizeof(e) / sizeof(e[0])];
	sm_sort(rev, n, scratch);
	struct sm b;
	sm_init(&b, T_BEGIN);
	feed_all(&b, rev, n);
	sm_finish(&b, 2000);
	assert_int_equal(b.niv, ref.niv);
	assert_memory_equal(b.iv, ref.iv, ref.niv * sizeof(*ref.iv));

	/* Fed unsorted, it counts the late events and never runs time backwards. */
	struct sm c;
	sm_init(&c, T_BEGIN);
	feed_all(&c, e, n);
	sm_finish(&c, 2000);
	assert_true(c.late > 0);
	for (size_t i = 0; i < c.niv; i++)
		assert_true(c.iv[i].t_end >= c.iv[i].t_start);

	struct sm_thread *t7 = sm_find(&ref, 7), *t8 = sm_find(&ref, 8);
	assert_int_equal(t7->ns[SM_SLEEPING], 50 + 600); /* the last one cut at 2000 */
	assert_int_equal(t7->ns[SM_RUNNABLE], 50);
	assert_int_equal(t8->invol, 1);
	assert_int_equal(sm_cpu_ns(t7), 250);
	sm_free(&ref);
	sm_free(&b);
	sm_free(&c);
}

/* Many threads: the tid index grows and every thread stays findable. */
static void test_many_threads(void **state)
{
	(void)state;
	struct sm sm;
	sm_init(&sm, T_BEGIN);
	for (uint32_t tid = 1; tid <= 5000; tid++) {
		struct as_event e = in(1000 + tid, 0, tid * 7, 0);
		assert_int_equal(sm_feed(&sm, &e), 0);
	}
	assert_int_equal(sm.nthreads, 5000);
	for (uint32_t tid = 1; tid <= 5000; tid++)
		assert_non_null(sm_find(&sm, tid * 7));
	assert_null(sm_find(&sm, 3));
	sm_finish(&sm, 100000);
	sm_free(&sm);
}

static void test_marks(void **state)
{
	(void)state;
	struct sm sm;
	sm_init(&sm, T_BEGIN);
	struct as_event m = ev(1500, AS_EV_MARK, 0, 7);
	m.state = AS_MARK_WAIT_START;
	m.rt = 42;
	m.rt2 = 1000;
	assert_int_equal(sm_feed(&sm, &m), 0);
	assert_int_equal(sm.nmarks, 1);
	assert_int_equal(sm.marks[0].request_id, 42);
	assert_int_equal(sm.marks[0].arg, 1000);
	assert_string_equal(schema_mark_name((int)sm.marks[0].event), "wait_start");
	sm_free(&sm);
}

/* Run-queue delay percentiles per thread from the runnable intervals. */
static void test_summary_percentiles(void **state)
{
	(void)state;
	struct sm sm;
	sm_init(&sm, 0);
	uint64_t ts = 10, rt = 0;
	for (int i = 1; i <= 100; i++) {
		struct as_event w = ev(ts, AS_EV_WAKEUP, 0, 7);
		struct as_event s = in(ts + (uint64_t)i, 0, 7, rt);
		rt += 5;
		struct as_event o = out(ts + (uint64_t)i + 5, 0, 7, AS_TASK_INTERRUPTIBLE, rt);
		assert_int_equal(sm_feed(&sm, &w), 0);
		assert_int_equal(sm_feed(&sm, &s), 0);
		assert_int_equal(sm_feed(&sm, &o), 0);
		ts += 1000;
	}
	sm_finish(&sm, ts);
	struct trace_thread_sum *s;
	size_t n;
	assert_int_equal(trace_summarize(&sm, &s, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(s[0].rq_n, 100);
	assert_int_equal(s[0].rq_p50, 50);
	assert_int_equal(s[0].rq_p99, 99);
	assert_int_equal(s[0].rq_max, 100);
	assert_int_equal(s[0].cpu_ns, 500);
	assert_int_equal(s[0].vol, 100);
	free(s);
	sm_free(&sm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_preempt_vs_voluntary),
		cmocka_unit_test(test_sleep_blocked_idle),
		cmocka_unit_test(test_birth_and_death),
		cmocka_unit_test(test_dead_stays_dead),
		cmocka_unit_test(test_unknown_before_attach),
		cmocka_unit_test(test_out_of_order_across_cpus),
		cmocka_unit_test(test_many_threads),
		cmocka_unit_test(test_marks),
		cmocka_unit_test(test_unknown_syscall_at_attach),
		cmocka_unit_test(test_summary_percentiles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
