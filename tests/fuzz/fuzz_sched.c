/* libFuzzer target: the scheduler state machine (bpf/sched_sm.c) on arbitrary
 * event sequences, in order and out of order, as a buggy kernel, a lost ring
 * buffer record or a reordering across CPUs could deliver them.
 *
 * What must hold, whatever comes in:
 *   - no crash, no sanitizer report;
 *   - no interval ends before it starts, or has a state outside the four;
 *   - no time is lost or invented: a thread's intervals follow each other without
 *     gap or overlap, and their lengths add up to the thread's per-state totals;
 *   - after sm_finish, a thread still in a state ends its last interval there;
 *   - sorting a batch first (sm_sort) leaves nothing late. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sched_sm.h"

#define EV_BYTES 8 /* input bytes per event */
#define NTIDS	 6
#define T_BEGIN	 1000000ull

/* A small world (six threads, two processes, four CPUs) so that events collide. */
static void decode(const uint8_t *b, uint64_t *clock, struct as_event *e)
{
	static const uint32_t kstates[] = {
	    AS_TASK_RUNNING,	   AS_TASK_INTERRUPTIBLE, AS_TASK_UNINTERRUPTIBLE,
	    AS_TASK_DEAD,	   AS_EXIT_ZOMBIE,	  AS_TASK_UNINTERRUPTIBLE | AS_TASK_NOLOAD,
	    0x0100 /* stopped */, AS_EXIT_DEAD,
	};
	memset(e, 0, sizeof(*e));
	/* Mostly forward in time; now and then a step back (late events). */
	int16_t step = (int16_t)(b[6] | b[7] << 8);
	if (step < -1000 && *clock >= T_BEGIN + 1000)
		*clock -= 1000; /* never before the trace began: that is another story */
	else
		*clock += (uint16_t)step % 5000;
	e->ts = *clock;
	e->kind = (uint8_t)(b[0] % 7); /* 0 is no kind at all */
	e->flags = b[1] & 7;
	e->cpu = b[1] >> 6;
	e->pid = 100 + b[2] % NTIDS;
	e->tgid = e->pid < 103 ? 100 : 103;
	e->pid2 = 100 + b[3] % NTIDS;
	e->tgid2 = e->pid2 < 103 ? 100 : 103;
	e->state = e->kind == AS_EV_MARK ? (uint32_t)(b[4] % AS_MARK_MAX) : kstates[b[4] % 8];
	e->syscall = (int8_t)b[5];
	e->rt = (uint64_t)b[5] * 1000 + *clock;
	e->rt2 = (uint64_t)b[4] * 1000 + *clock;
	memcpy(e->comm, "t", 2);
	memcpy(e->comm2, "u", 2);
}

static void check(const struct sm *sm)
{
	if (sm->oom)
		return; /* results are said to be incomplete */
	for (size_t i = 0; i < sm->nthreads; i++) {
		const struct sm_thread *t = &sm->threads[i];
		uint64_t sum = 0, total = 0, last_end = 0;
		int seen = 0;
		for (size_t j = 0; j < sm->niv; j++) {
			const struct sm_interval *iv = &sm->iv[j];
			if (iv->t_end < iv->t_start || iv->state >= SM_NSTATES)
				abort();
			if (iv->tid != t->tid)
				continue;
			if (seen && iv->t_start != last_end)
				abort(); /* a gap or an overlap */
			seen = 1;
			last_end = iv->t_end;
			sum += iv->t_end - iv->t_start;
		}
		for (int s = 0; s < SM_NSTATES; s++)
			total += t->ns[s];
		if (sum != total)
			abort();
		if (seen && t->state == SM_DEAD && last_end != t->since)
			abort();
		if (t->state < SM_NSTATES)
			abort(); /* sm_finish closes every open interval */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = size / EV_BYTES;
	if (n == 0 || n > 4096)
		return 0;
	struct as_event *ev = malloc(n * sizeof(*ev));
	if (!ev)
		return 0;
	uint64_t clock = T_BEGIN;
	for (size_t i = 0; i < n; i++)
		decode(data + i * EV_BYTES, &clock, &ev[i]);

	/* As delivered: late events are clamped and counted. */
	struct sm sm;
	sm_init(&sm, T_BEGIN);
	sm_add_thread(&sm, 100, 100, "main");
	sm_add_thread(&sm, 101, 100, "loop");
	uint64_t t_end = 0;
	for (size_t i = 0; i < n; i++) {
		sm_feed(&sm, &ev[i]);
		if (ev[i].ts > t_end)
			t_end = ev[i].ts;
	}
	sm_finish(&sm, t_end + 1);
	check(&sm);
	sm_free(&sm);

	/* Sorted first: nothing is late any more. */
	sm_sort(ev, n, NULL);
	sm_init(&sm, T_BEGIN);
	for (size_t i = 0; i < n; i++)
		sm_feed(&sm, &ev[i]);
	if (sm.late)
		abort();
	sm_finish(&sm, t_end + 1);
	check(&sm);
	sm_free(&sm);
	free(ev);
	return 0;
}
