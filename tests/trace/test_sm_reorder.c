/* The reorder buffer in front of the state machine, driven with synthetic
 * out-of-order events the way two CPUs hand them to the ring buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sched_sm.h"
#include "sm_reorder.h"

#define TGID   100
#define WINDOW 100

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

static struct as_event in(uint64_t ts, int cpu, uint32_t tid)
{
	struct as_event e = ev(ts, AS_EV_SWITCH, cpu, 0);
	e.flags = AS_SW_NEXT;
	e.pid2 = tid;
	e.tgid2 = TGID;
	return e;
}

static struct as_event out(uint64_t ts, int cpu, uint32_t tid, uint32_t state)
{
	struct as_event e = ev(ts, AS_EV_SWITCH, cpu, tid);
	e.flags = AS_SW_PREV;
	e.state = state;
	return e;
}

static void push_all(struct sm_reorder *r, const struct as_event *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(sm_reorder_push(r, &e[i]), 0);
}

static void assert_no_backwards(const struct sm *sm)
{
	for (size_t i = 0; i < sm->niv; i++)
		assert_true(sm->iv[i].t_end >= sm->iv[i].t_start);
}

/* Events out of order by less than the window come out in order: the state
 * machine sees nothing late, and the intervals are those of the sorted stream. */
static void test_late_within_window_reordered(void **state)
{
	(void)state;
	struct sm_reorder r;
	sm_reorder_init(&r, WINDOW, 4); /* small, so pushing grows it */
	struct sm sm;
	sm_init(&sm, 1000);
	/* cpu 1's wakeup at 1250 reaches the buffer after cpu 0's switch at 1300. */
	struct as_event e[] = {
		in(1100, 0, 7),
		out(1200, 0, 7, AS_TASK_INTERRUPTIBLE),
		in(1300, 0, 7),
		ev(1250, AS_EV_WAKEUP, 1, 7),
		out(1400, 0, 7, AS_TASK_INTERRUPTIBLE),
		in(1390, 1, 8),
	};
	push_all(&r, e, sizeof(e) / sizeof(e[0]));
	assert_true(r.cap >= 6);

	/* now - window = 1299: only what is older is fed, in order. */
	sm_reorder_release(&r, &sm, 1399);
	assert_int_equal(sm.events, 3); /* 1100, 1200, 1250 */
	assert_int_equal(r.n, 3);
	assert_int_equal(sm.late, 0);

	sm_reorder_release(&r, &sm, 1600);
	assert_int_equal(sm.events, 6);
	assert_int_equal(r.n, 0);
	assert_int_equal(sm.late, 0);
	sm_finish(&sm, 2000);
	assert_no_backwards(&sm);

	/* 7: running 1100, sleeping 1200, runnable 1250, running 1300, sleeping 1400. */
	struct sm_thread *t = sm_find(&sm, 7);
	assert_non_null(t);
	assert_int_equal(t->ns[SM_RUNNING], 100 + 100);
	assert_int_equal(t->ns[SM_RUNNABLE], 50);
	assert_int_equal(t->ns[SM_SLEEPING], 50 + 600);
	assert_int_equal(r.dropped, 0);
	sm_free(&sm);
	sm_reorder_free(&r);
}

/* An event that arrives after newer ones were released cannot be put back: it
 * is counted late, and no interval runs backwards. */
static void test_later_than_window_counted_late(void **state)
{
	(void)state;
	struct sm_reorder r;
	sm_reorder_init(&r, WINDOW, 0);
	struct sm sm;
	sm_init(&sm, 1000);
	struct as_event a[] = { in(1100, 0, 7), out(1200, 0, 7, AS_TASK_INTERRUPTIBLE),
				in(1500, 0, 7) };
	push_all(&r, a, 3);
	sm_reorder_release(&r, &sm, 1700);
	assert_int_equal(sm.events, 3);
	assert_int_equal(sm.late, 0);

	/* The wakeup of the 1200 sleep, stamped at 1300, turns up 400 ns later. */
	struct as_event late = ev(1300, AS_EV_WAKEUP, 1, 7);
	struct as_event b[] = { out(1800, 0, 7, AS_TASK_INTERRUPTIBLE), late };
	push_all(&r, b, 2);
	sm_reorder_release(&r, &sm, 2000);
	assert_int_equal(sm.events, 5);
	assert_int_equal(sm.late, 1);
	sm_finish(&sm, 2500);
	assert_no_backwards(&sm);
	for (size_t i = 1; i < sm.niv; i++)
		if (sm.iv[i].tid == sm.iv[i - 1].tid)
			assert_true(sm.iv[i].t_start >= sm.iv[i - 1].t_end);
	sm_free(&sm);
	sm_reorder_free(&r);
}

/* Nothing is old enough before a window has passed; a flush feeds everything,
 * in order, whatever its age. */
static void test_release_and_flush(void **state)
{
	(void)state;
	struct sm_reorder r;
	sm_reorder_init(&r, WINDOW, 2);
	struct sm sm;
	sm_init(&sm, 0);
	struct as_event e[] = { in(50, 0, 7), in(10, 1, 8), out(30, 1, 8, AS_TASK_INTERRUPTIBLE) };
	push_all(&r, e, 3);
	sm_reorder_release(&r, &sm, WINDOW - 1); /* now < window: no underflow */
	assert_int_equal(sm.events, 0);
	sm_reorder_release(&r, &sm, WINDOW + 20); /* feeds 10 only */
	assert_int_equal(sm.events, 1);
	assert_int_equal(r.n, 2);
	sm_reorder_flush(&r, &sm);
	assert_int_equal(sm.events, 3);
	assert_int_equal(r.n, 0);
	assert_int_equal(sm.late, 0);
	assert_int_equal(sm.last_ts, 50);
	sm_free(&sm);
	sm_reorder_free(&r);
}

/* A long stream from four CPUs, each in order but skewed against the others by
 * less than the window, released in many small steps: never late, and the
 * state machine sees one ordered stream. */
static void test_many_cpus_stream(void **state)
{
	(void)state;
	struct sm_reorder r;
	sm_reorder_init(&r, WINDOW, 16);
	struct sm sm;
	sm_init(&sm, 0);
	uint64_t now = 0;
	size_t total = 0;
	for (int round = 0; round < 500; round++) {
		for (int cpu = 0; cpu < 4; cpu++) {
			/* Each CPU's events reach the buffer up to 60 ns behind. */
			uint64_t ts = now + 100 + (uint64_t)(cpu * 20) - (cpu % 2 ? 60 : 0);
			struct as_event e = ev(ts, AS_EV_WAKEUP, cpu, (uint32_t)(10 + cpu));
			assert_int_equal(sm_reorder_push(&r, &e), 0);
			total++;
		}
		now += 100;
		sm_reorder_release(&r, &sm, now);
	}
	sm_reorder_flush(&r, &sm);
	assert_int_equal(sm.events, total);
	assert_int_equal(sm.late, 0);
	sm_finish(&sm, now + 1000);
	assert_no_backwards(&sm);
	sm_free(&sm);
	sm_reorder_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_late_within_window_reordered),
		cmocka_unit_test(test_later_than_window_counted_late),
		cmocka_unit_test(test_release_and_flush),
		cmocka_unit_test(test_many_cpus_stream),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
