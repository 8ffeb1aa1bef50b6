/* Event loops and their stalls (stalls.c), from synthetic event streams fed
 * through the state machine as the tracer feeds them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "schema.h"
#include "sched_sm.h"
#include "stalls.h"

#define TGID	   100
#define MS	   1000000ull
#define EPOLL_WAIT 232 /* x86_64's numbers; the names are only checked on x86_64 */
#define NANOSLEEP  230
#define FUTEX	   202
#define POLL	   7

static struct as_event sw(uint64_t ts, uint32_t prev, uint32_t state, int32_t sc, uint32_t next)
{
	struct as_event e = { .ts = ts,
			      .kind = AS_EV_SWITCH,
			      .syscall = sc,
			      .pid = prev,
			      .tgid = TGID,
			      .pid2 = next,
			      .tgid2 = TGID,
			      .state = state };
	e.flags = (uint8_t)((prev ? AS_SW_PREV : 0) | (next ? AS_SW_NEXT : 0));
	strcpy(e.comm, "loop");
	strcpy(e.comm2, "loop");
	return e;
}

/* tid goes to sleep in syscall sc at ts (the CPU goes idle). */
static struct as_event sleep_(uint64_t ts, uint32_t tid, int32_t sc)
{
	return sw(ts, tid, AS_TASK_INTERRUPTIBLE, sc, 0);
}

static struct as_event run(uint64_t ts, uint32_t tid)
{
	return sw(ts, 0, 0, -1, tid);
}

static struct as_event wake(uint64_t ts, uint32_t tid)
{
	struct as_event e = {
		.ts = ts, .kind = AS_EV_WAKEUP, .syscall = -1, .pid = tid, .tgid = TGID
	};
	strcpy(e.comm, "loop");
	return e;
}

static struct as_event wait_ev(uint64_t ts, uint32_t tid, int exit, int64_t ret)
{
	struct as_event e = { .ts = ts,
			      .kind = exit ? AS_EV_WAIT_EXIT : AS_EV_WAIT_ENTER,
			      .syscall = EPOLL_WAIT,
			      .pid = tid,
			      .tgid = TGID,
			      .rt = (uint64_t)ret };
	if (!exit)
		e.state = (uint32_t)ret; /* an entry's first argument, as the kernel sends it */
	return e;
}

#define ENTER(ts, tid)	   wait_ev(ts, tid, 0, 0)
#define EXIT(ts, tid, ret) wait_ev(ts, tid, 1, ret)

/* A wait on syscall sc: entry with its first argument v (the epoll fd), or
 * exit with its return value v. */
static struct as_event wait_on(uint64_t ts, uint32_t tid, int exit, int32_t sc, int64_t v)
{
	struct as_event e = wait_ev(ts, tid, exit, v);
	e.syscall = sc;
	return e;
}

#define ENTER_ON(ts, tid, sc, fd) wait_on(ts, tid, 0, sc, fd)
#define EXIT_ON(ts, tid, sc, ret) wait_on(ts, tid, 1, sc, ret)

static void feed(struct sm *sm, const struct as_event *e, size_t n, uint64_t t_end)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(sm_feed(sm, &e[i]), 0);
	sm_finish(sm, t_end);
}

#define FEED(sm, e, t_end) feed(sm, e, sizeof(e) / sizeof(e[0]), t_end)

/* A loop that sleeps 300 ms in clock_nanosleep between two waits: one stall,
 * asleep in clock_nanosleep, with the next wait's 3 ready events. */
static void test_blocking_sleep(void **state)
{
	(void)state;
	struct sm sm;
	sm_init(&sm, 0);
	struct as_event e[] = {
		run(1 * MS, 7),
		ENTER(2 * MS, 7),
		sleep_(2 * MS, 7, EPOLL_WAIT),
		wake(10 * MS, 7),
		run(10 * MS, 7),
		EXIT(10 * MS, 7, 1),
		sleep_(11 * MS, 7, NANOSLEEP),
		wake(311 * MS, 7),
		run(312 * MS, 7),
		ENTER(320 * MS, 7),
		sleep_(320 * MS, 7, EPOLL_WAIT),
		wake(330 * MS, 7),
		run(330 * MS, 7),
		EXIT(330 * MS, 7, 3),
		ENTER(331 * MS, 7),
		sleep_(331 * MS, 7, EPOLL_WAIT),
	};
	FEED(&sm, e, 400 * MS);
	struct stalls s;
	assert_int_equal(stalls_find(&sm, 100 * MS, 400 * MS, &s), 0);
	assert_int_equal(s.nloops, 1);
	assert_int_equal(s.loops[0].tid, 7);
	assert_int_equal(s.loops[0].syscall, EPOLL_WAIT);
	assert_int_equal(s.loops[0].returns, 2);
	assert_int_equal(s.n, 1);
	const struct stall *st = &s.v[0];
	assert_int_equal(st->t_start, 10 * MS);
	assert_int_equal(st->t_end, 320 * MS);
	assert_int_equal(st->cause, SM_SLEEPING);
	assert_int_equal(st->syscall, NANOSLEEP);
	assert_int_equal(st->ns[SM_SLEEPING], 300 * MS);
	assert_int_equal(st->ns[SM_RUNNABLE], 1 * MS);
	assert_int_equal(st->ns[SM_RUNNING], 9 * MS);
	assert_int_equal(st->ready, 3);
	assert_int_equal(st->requests_waiting, -1);
	assert_false(st->cut);
	stalls_free(&s);
	sm_free(&sm);
}

/* Time spent inside the wait is idleness, not a stall; gaps shorter than the
 * threshold are a busy loop, not a stalled one. */
static void test_idle_and_busy_loops(void **state)
{
	(void)state;
	struct sm sm;
	sm_init(&sm, 0);
	struct as_event e[2 + 2 * 200];
	size_t n = 0;
	e[n++] = run(0, 7);
	uint64_t t = 1 * MS;
	for (int i = 0; i < 200; i++) { /* 200 gaps of 5 ms */
		e[n++] = ENTER(t, 7);
		e[n++] = EXIT(t + 1000 * MS * (i == 0), 7, 1); /* the first wait idles 1 s */
		t += 1000 * MS * (i == 0) + 5 * MS;
	}
	e[n++] = ENTER(t, 7);
	feed(&sm, e, n, t + 10 * MS);
	struct stalls s;
	assert_int_equal(stalls_find(&sm, 100 * MS, t + 10 * MS, &s), 0);
	assert_int_equal(s.nloops, 1);
	assert_int_equal(s.n, 0);
	stalls_free(&s);
	sm_free(&sm);
}

/* One return is not a loop; a futex sleeper never waits in an event wait; and
 * an exit without its entry (io_uring_enter that only submitted) starts
 * nothing. */
static void test_not_loops(void **state)
{
	(void)state;
	struct sm sm;
	sm_init(&sm, 0);
	struct as_event e[] = {
		run(0, 8),
		ENTER(1 * MS, 7),
		EXIT(2 * MS, 7, 1),	  /* tid 7 returns once, then runs 500 ms */
		sleep_(3 * MS, 8, FUTEX), /* a pool thread */
		wake(600 * MS, 8),
		run(600 * MS, 8),
		ENTER(700 * MS, 9),
		EXIT(701 * MS, 9, 1),
		ENTER(702 * MS, 9),
		EXIT(703 * MS, 9, 1),
		EXIT(850 * MS, 9, 1), /* unpaired: not a return */
		ENTER(900 * MS, 9),
	};
	FEED(&sm, e, 1000 * MS);
	struct stalls s;
	assert_int_equal(stalls_find(&sm, 100 * MS, 1000 * MS, &s), 0);
	assert_int_equal(s.nloops, 1);
	assert_int_equal(s.loops[0].tid, 9);
	assert_int_equal(s.loops[0].returns, 2);
	assert_int_equal(s.n, 1); /* 703 -> 900, not 850 -> 900 */
	assert_int_equal(s.v[0].t_start, 703 * MS);
	stalls_free(&s);
	sm_free(&sm);
}

/* A callback computing 200 ms: cause running, no syscall; a stall the trace
 * ended in the middle of is cut at the end, its ready unknown. */
static void test_cpu_and_cut(void **state)
{
	(void)state;
	struct sm sm;
	sm_init(&sm, 0);
	struct as_event e[] = {
		run(0, 7),	    ENTER(1 * MS, 7),	  EXIT(2 * MS, 7, 1),
		ENTER(202 * MS, 7), EXIT(203 * MS, 7, 2), /* then busy to the end */
	};
	FEED(&sm, e, 400 * MS);
	struct stalls s;
	assert_int_equal(stalls_find(&sm, 100 * MS, 400 * MS, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.v[0].cause, SM_RUNNING);
	assert_int_equal(s.v[0].syscall, -1);
	assert_int_equal(s.v[0].ns[SM_RUNNING], 200 * MS);
	assert_int_equal(s.v[0].ready, 2);
	assert_int_equal(s.v[1].t_start, 203 * MS);
	assert_int_equal(s.v[1].t_end, 400 * MS);
	assert_true(s.v[1].cut);
	assert_int_equal(s.v[1].ready, -1);
	stalls_free(&s);
	sm_free(&sm);
}

/* A wait made inside a callback (poll() on one socket, another epoll
 * instance) is part of the stall: only the loop's own wait, the same syscall
 * on the same fd, ends it. */
static void test_nested_waits(void **state)
{
	(void)state;
	struct sm sm;
	sm_init(&sm, 0);
	struct as_event e[] = {
		run(0, 7),
		ENTER_ON(1 * MS, 7, EPOLL_WAIT, 5),
		EXIT_ON(2 * MS, 7, EPOLL_WAIT, 1),
		ENTER_ON(3 * MS, 7, POLL, 0x7fff0000),
		sleep_(3 * MS, 7, POLL),
		wake(303 * MS, 7),
		run(303 * MS, 7),
		EXIT_ON(303 * MS, 7, POLL, 1),
		ENTER_ON(304 * MS, 7, EPOLL_WAIT, 9), /* another instance */
		EXIT_ON(305 * MS, 7, EPOLL_WAIT, 1),
		ENTER_ON(306 * MS, 7, EPOLL_WAIT, 5),
		EXIT_ON(307 * MS, 7, EPOLL_WAIT, 4),
		ENTER_ON(308 * MS, 7, EPOLL_WAIT, 5),
	};
	FEED(&sm, e, 400 * MS);
	struct stalls s;
	assert_int_equal(stalls_find(&sm, 100 * MS, 400 * MS, &s), 0);
	assert_int_equal(s.nloops, 1);
	assert_int_equal(s.loops[0].syscall, EPOLL_WAIT);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0].t_start, 2 * MS);
	assert_int_equal(s.v[0].t_end, 306 * MS);
	assert_int_equal(s.v[0].cause, SM_SLEEPING);
	assert_int_equal(s.v[0].syscall, POLL);
	assert_int_equal(s.v[0].ready, 4);
	stalls_free(&s);
	sm_free(&sm);
}

/* A stall the trace cut, during which the thread fell asleep in the loop's own
 * wait: its entry was missed, and the stall ends where the sleep began (here
 * too soon to count). */
static void test_cut_in_own_wait(void **state)
{
	(void)state;
	struct sm sm;
	sm_init(&sm, 0);
	struct as_event e[] = {
		run(0, 7),	    ENTER(1 * MS, 7),
		EXIT(2 * MS, 7, 1), ENTER(3 * MS, 7),
		EXIT(4 * MS, 7, 1), sleep_(10 * MS, 7, EPOLL_WAIT), /* no entry seen */
	};
	FEED(&sm, e, 900 * MS);
	struct stalls s;
	assert_int_equal(stalls_find(&sm, 100 * MS, 900 * MS, &s), 0);
	assert_int_equal(s.nloops, 1);
	assert_int_equal(s.n, 0);
	stalls_free(&s);
	sm_free(&sm);
}

/* A loop that returns and exits (a program shutting down) has ended, not
 * stalled, however long the trace goes on. */
static void test_exit_is_no_stall(void **state)
{
	(void)state;
	struct sm sm;
	sm_init(&sm, 0);
	struct as_event e[] = {
		run(0, 7),	  ENTER(1 * MS, 7),   EXIT(2 * MS, 7, 1),
		ENTER(3 * MS, 7), EXIT(4 * MS, 7, 1), wake(0, 0),
	};
	e[5] = (struct as_event){ .ts = 10 * MS, .kind = AS_EV_EXIT, .pid = 7, .tgid = TGID };
	FEED(&sm, e, 900 * MS);
	struct stalls s;
	assert_int_equal(stalls_find(&sm, 100 * MS, 900 * MS, &s), 0);
	assert_int_equal(s.nloops, 1);
	assert_int_equal(s.n, 0);
	stalls_free(&s);
	sm_free(&sm);
}

/* What the kernel sends for a busy loop: quick returns folded into the next
 * exit sent (AS_WAIT_QUICK, rt2 the count), entries sent only after a long gap.
 * The folded returns count towards the loop; a stall is found between the
 * return sent and the entry after it, and a quick exit closes nothing. */
static void test_folded_waits(void **state)
{
	(void)state;
	struct sm sm;
	sm_init(&sm, 0);
	struct as_event e[] = {
		run(0, 7),
		ENTER_ON(1 * MS, 7, EPOLL_WAIT, 5),
		EXIT_ON(2 * MS, 7, EPOLL_WAIT, 1),    /* its entry was sent: sent at once */
		EXIT_ON(50 * MS, 7, EPOLL_WAIT, 2),   /* after 40 folded returns */
		ENTER_ON(400 * MS, 7, EPOLL_WAIT, 5), /* 350 ms after it: sent */
		EXIT_ON(401 * MS, 7, EPOLL_WAIT, 6),
	};
	e[3].flags = AS_WAIT_QUICK;
	e[3].state = 5;
	e[3].rt2 = 40;
	FEED(&sm, e, 420 * MS);
	struct stalls s;
	assert_int_equal(stalls_find(&sm, 100 * MS, 420 * MS, &s), 0);
	assert_int_equal(s.nloops, 1);
	assert_int_equal(s.loops[0].returns, 43);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0].t_start, 50 * MS);
	assert_int_equal(s.v[0].t_end, 400 * MS);
	assert_int_equal(s.v[0].ready, 6);
	stalls_free(&s);

	/* Held in the kernel at the end, read by the loader: a cut stall. */
	struct as_event held = e[3];
	held.ts = 405 * MS;
	held.rt2 = 0;
	assert_int_equal(sm_add_wait(&sm, &held), 0);
	assert_int_equal(stalls_find(&sm, 10 * MS, 420 * MS, &s), 0);
	assert_int_equal(s.n, 2);
	assert_true(s.v[1].cut);
	assert_int_equal(s.v[1].t_start, 405 * MS);
	stalls_free(&s);
	sm_free(&sm);
}

/* Requests in flight during a stall: overlapping it at all, unfinished ones too. */
static void test_requests_waiting(void **state)
{
	(void)state;
	struct stall v[1] = { { .t_start = 100, .t_end = 200, .requests_waiting = -1 } };
	struct stalls s = { .v = v, .n = 1 };
	struct stalls_request r[] = {
		{ 10, 50 },   /* before */
		{ 10, 150 },  /* ends during */
		{ 150, 160 }, /* inside */
		{ 190, 0 },   /* never ended */
		{ 200, 300 }, /* after */
		{ 50, 100 },  /* ended as it began */
	};
	stalls_count_requests(&s, r, sizeof(r) / sizeof(r[0]));
	assert_int_equal(v[0].requests_waiting, 3);
}

/* stalls.csv has the schema's header and one row per stall; the verdict says
 * who stalled, how, and why. */
static void test_csv_and_verdict(void **state)
{
	(void)state;
	struct sm sm;
	sm_init(&sm, 0);
	struct as_event e[] = {
		run(0, 7),
		ENTER(1 * MS, 7),
		EXIT(2 * MS, 7, 1),
		sleep_(2 * MS, 7, NANOSLEEP),
		wake(302 * MS, 7),
		run(302 * MS, 7),
		ENTER(302 * MS, 7),
		EXIT(303 * MS, 7, 2),
		sleep_(303 * MS, 7, NANOSLEEP),
		wake(603 * MS, 7),
		run(603 * MS, 7),
		ENTER(603 * MS, 7),
		sleep_(604 * MS, 7, EPOLL_WAIT),
	};
	FEED(&sm, e, 700 * MS);
	struct stalls s;
	assert_int_equal(stalls_find(&sm, 100 * MS, 700 * MS, &s), 0);
	assert_int_equal(s.n, 2);
	struct stalls_request r[] = { { 0, 650 * MS }, { 0, 650 * MS }, { 0, 250 * MS } };
	stalls_count_requests(&s, r, 3);

	char path[] = "/tmp/test_stalls.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(stalls_write_csv(&s, &sm, path), 0);
	char buf[1024] = { 0 }, head[512];
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t got = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	unlink(path);
	assert_true(got > 0);
	schema_csv_header(head, sizeof(head), &schema_stalls);
	assert_string_equal(head, "tid,comm,t_start,t_end,duration_ns,cause,syscall,running_ns,"
				  "runnable_ns,sleeping_ns,blocked_ns,ready,requests_waiting,"
				  "stack\n");
	assert_int_equal(strncmp(buf, head, strlen(head)), 0);
#if defined(__x86_64__)
	assert_non_null(strstr(buf, "\n7,loop,2000000,302000000,300000000,sleeping,"
				    "clock_nanosleep,0,0,300000000,0,2,3,\n"));
#endif

	char *text = NULL;
	size_t len = 0;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	stalls_print_verdict(f, &s, &sm);
	fclose(f);
#if defined(__x86_64__)
	assert_non_null(strstr(text, "tid 7 (loop) is an event loop (epoll_wait). It stalled 2 "
				     "times for 300 ms (600 ms in all) asleep in clock_nanosleep, "
				     "while up to 3 requests waited: a blocking sleep inside the "
				     "loop."));
#endif
	free(text);
	stalls_free(&s);
	sm_free(&sm);
}


/* An entry that carries the kernel's ready count (AS_WAIT_READY): ready is the
 * count, not the next return's value, and the oldest's age is in the verdict. */
static void test_ready_counted(void **state)
{
	(void)state;
	struct sm sm;
	sm_init(&sm, 0);
	struct as_event end = ENTER(320 * MS, 7);
	end.flags = AS_WAIT_READY;
	end.pid2 = 4;		/* four fds became ready during the stall */
	end.rt2 = 70 * MS;	/* the first at 70 ms: it waited 250 ms */
	struct as_event e[] = {
		run(1 * MS, 7),
		ENTER(2 * MS, 7),
		EXIT(10 * MS, 7, 1),
		sleep_(11 * MS, 7, NANOSLEEP),
		wake(311 * MS, 7),
		run(312 * MS, 7),
		end,
		sleep_(320 * MS, 7, EPOLL_WAIT),
		wake(330 * MS, 7),
		run(330 * MS, 7),
		EXIT(330 * MS, 7, 2), /* maxevents may cap this: not used */
		ENTER(331 * MS, 7),
		sleep_(331 * MS, 7, EPOLL_WAIT),
	};
	FEED(&sm, e, 400 * MS);
	struct stalls s;
	assert_int_equal(stalls_find(&sm, 100 * MS, 400 * MS, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0].ready, 4);
	assert_int_equal(s.v[0].ready_counted, 1);
	assert_int_equal(s.v[0].ready_since, 70 * MS);
	s.ready_by = "ep_poll_callback (fentry)";
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	stalls_print_verdict(f, &s, &sm);
	fclose(f);
	assert_non_null(strstr(text, ", while up to 4 connections became ready (the oldest "
				     "waited 250 ms)"));
	assert_non_null(strstr(text, "ready: fds that became ready during the stall, counted by "
				     "ep_poll_callback (fentry)\n"));
	assert_null(strstr(text, "lower bound"));
	free(text);
	stalls_free(&s);
	sm_free(&sm);
}

/* Without the flag, ready is the next return's value and the verdict says
 * it is a lower bound. */
static void test_ready_lower_bound(void **state)
{
	(void)state;
	struct sm sm;
	sm_init(&sm, 0);
	struct as_event e[] = {
		run(1 * MS, 7),	 ENTER(2 * MS, 7),	 EXIT(10 * MS, 7, 1),
		sleep_(11 * MS, 7, NANOSLEEP),		 wake(311 * MS, 7),
		run(312 * MS, 7), ENTER(320 * MS, 7),	 EXIT(330 * MS, 7, 5),
		ENTER(331 * MS, 7), sleep_(331 * MS, 7, EPOLL_WAIT),
	};
	FEED(&sm, e, 400 * MS);
	struct stalls s;
	assert_int_equal(stalls_find(&sm, 100 * MS, 400 * MS, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0].ready, 5);
	assert_int_equal(s.v[0].ready_counted, 0);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	stalls_print_verdict(f, &s, &sm);
	fclose(f);
	assert_non_null(strstr(text, "with at least 5 events ready when it got back to"));
	assert_non_null(strstr(text, "ready: a lower bound from the next wait's return"));
	free(text);
	stalls_free(&s);
	sm_free(&sm);
}

/* Stacks: a sleep stall takes the stack sent with its end; a CPU stall the
 * most frequent of its samples; a stack outside every stall is nobody's. The
 * stack column is CSV-quoted when a name holds a comma, and the verdict names
 * the callers. */
static void test_stacks(void **state)
{
	(void)state;
	struct sm sm;
	sm_init(&sm, 0);
	struct as_event e[] = {
		run(1 * MS, 7),
		ENTER(2 * MS, 7),
		EXIT(10 * MS, 7, 1),
		sleep_(11 * MS, 7, NANOSLEEP), /* stall 1: 10 -> 320 ms, asleep */
		wake(311 * MS, 7),
		run(312 * MS, 7),
		ENTER(320 * MS, 7),
		EXIT(330 * MS, 7, 1), /* stall 2: 330 -> 650 ms, on the CPU */
		ENTER(650 * MS, 7),
		sleep_(651 * MS, 7, EPOLL_WAIT),
	};
	FEED(&sm, e, 700 * MS);
	struct stalls s;
	assert_int_equal(stalls_find(&sm, 100 * MS, 700 * MS, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.v[1].cause, SM_RUNNING);
	struct stall_stack v[] = {
		{ 320 * MS, 7, 0, "clock_nanosleep+0x23;handle_wrong+0x10;serve<int, char>+0x4",
		  "handle_wrong <- serve<int, char>" },
		{ 400 * MS, 7, 1, "burn+0x1;handle_cpu+0x2", "burn <- handle_cpu" },
		{ 500 * MS, 7, 1, "spin+0x1;handle_cpu+0x9", "spin <- handle_cpu" },
		{ 600 * MS, 7, 1, "burn+0x5;handle_cpu+0x2", "burn <- handle_cpu" },
		{ 690 * MS, 7, 1, "late+0x1", "late" },	   /* after the stalls */
		{ 400 * MS, 8, 1, "other+0x1", "other" },  /* another thread */
	};
	stalls_add_stacks(&s, v, sizeof(v) / sizeof(v[0]));
	assert_string_equal(s.v[0].stack, v[0].text);
	assert_int_equal(s.v[0].stack_cpu, 0);
	assert_int_equal(s.v[0].nsamples, 0);
	assert_string_equal(s.v[1].callers, "burn <- handle_cpu");
	assert_int_equal(s.v[1].stack_cpu, 1);
	assert_int_equal(s.v[1].nsamples, 3);

	char path[] = "/tmp/test_stalls.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(stalls_write_csv(&s, &sm, path), 0);
	char buf[1024] = { 0 };
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	assert_true(fread(buf, 1, sizeof(buf) - 1, f) > 0);
	fclose(f);
	unlink(path);
	assert_non_null(strstr(buf, ",\"clock_nanosleep+0x23;handle_wrong+0x10;serve<int, "
				    "char>+0x4\"\n"));
	assert_non_null(strstr(buf, ",burn+0x1;handle_cpu+0x2\n"));

	char *text = NULL;
	size_t len = 0;
	f = open_memstream(&text, &len);
	stalls_print_verdict(f, &s, &sm);
	fclose(f);
#if defined(__x86_64__)
	assert_non_null(strstr(text, "asleep in clock_nanosleep (called from handle_wrong <- "
				     "serve<int, char>)"));
#endif
	assert_non_null(strstr(text, "running on a CPU (sampled in burn <- handle_cpu)"));
	free(text);
	stalls_free(&s);
	sm_free(&sm);
}

/* No loop at all: the verdict says so rather than nothing. */
static void test_verdict_no_loop(void **state)
{
	(void)state;
	struct sm sm;
	sm_init(&sm, 0);
	struct stalls s;
	assert_int_equal(stalls_find(&sm, 100 * MS, 1000, &s), 0);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	stalls_print_verdict(f, &s, &sm);
	fclose(f);
	assert_non_null(strstr(text, "none: no thread returned from an event wait"));
	free(text);
	stalls_free(&s);
	sm_free(&sm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocking_sleep),	 cmocka_unit_test(test_idle_and_busy_loops),
		cmocka_unit_test(test_not_loops),	 cmocka_unit_test(test_cpu_and_cut),
		cmocka_unit_test(test_requests_waiting), cmocka_unit_test(test_csv_and_verdict),
		cmocka_unit_test(test_verdict_no_loop),	 cmocka_unit_test(test_nested_waits),
		cmocka_unit_test(test_cut_in_own_wait),	 cmocka_unit_test(test_folded_waits),
		cmocka_unit_test(test_exit_is_no_stall), cmocka_unit_test(test_ready_counted),
		cmocka_unit_test(test_ready_lower_bound), cmocka_unit_test(test_stacks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
