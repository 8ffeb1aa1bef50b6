/* Events to intervals: one small state machine per thread (see sched_sm.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sched_sm.h"

void sm_init(struct sm *sm, uint64_t t_begin)
{
	memset(sm, 0, sizeof(*sm));
	sm->t_begin = t_begin;
}

void sm_free(struct sm *sm)
{
	free(sm->threads);
	free(sm->index);
	free(sm->iv);
	free(sm->marks);
	free(sm->waits);
	memset(sm, 0, sizeof(*sm));
}

/* Grows *p (of *cap elements of size sz) so that one more fits. */
static int grow(void **p, size_t *cap, size_t n, size_t sz, size_t first)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : first;
	void *q = realloc(*p, ncap * sz);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = ncap;
	return 0;
}

static size_t hash_tid(uint32_t tid, size_t cap)
{
	return (tid * 2654435761u) & (cap - 1);
}

static int index_rebuild(struct sm *sm, size_t cap)
{
	uint32_t *idx = calloc(cap, sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	for (size_t i = 0; i < sm->nthreads; i++) {
		size_t h = hash_tid(sm->threads[i].tid, cap);
		while (idx[h])
			h = (h + 1) & (cap - 1);
		idx[h] = (uint32_t)i + 1;
	}
	free(sm->index);
	sm->index = idx;
	sm->index_cap = cap;
	return 0;
}

struct sm_thread *sm_find(struct sm *sm, uint32_t tid)
{
	if (!sm->index_cap)
		return NULL;
	for (size_t h = hash_tid(tid, sm->index_cap); sm->index[h];
	     h = (h + 1) & (sm->index_cap - 1)) {
		struct sm_thread *t = &sm->threads[sm->index[h] - 1];
		if (t->tid == tid)
			return t;
	}
	return NULL;
}

/* The thread for tid, created in the unknown state when new. */
static struct sm_thread *thread_get(struct sm *sm, uint32_t tid, uint32_t tgid, const char *comm)
{
	struct sm_thread *t = sm_find(sm, tid);
	if (t)
		return t;
	if ((sm->nthreads + 1) * 2 > sm->index_cap &&
	    index_rebuild(sm, sm->index_cap ? sm->index_cap * 2 : 64))
		return NULL;
	if (grow((void **)&sm->threads, &sm->cap_threads, sm->nthreads, sizeof(*t), 32))
		return NULL;
	t = &sm->threads[sm->nthreads];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	t->tgid = tgid;
	if (comm)
		memcpy(t->comm, comm, AS_COMM_LEN);
	t->comm[AS_COMM_LEN - 1] = 0;
	t->state = SM_UNKNOWN;
	t->since = sm->t_begin;
	t->cpu = -1;
	t->last_run_cpu = -1;
	t->syscall = -1;
	size_t h = hash_tid(tid, sm->index_cap);
	while (sm->index[h])
		h = (h + 1) & (sm->index_cap - 1);
	sm->index[h] = (uint32_t)sm->nthreads + 1;
	sm->nthreads++;
	return t;
}

int sm_add_thread(struct sm *sm, uint32_t tid, uint32_t tgid, const char *comm)
{
	char c[AS_COMM_LEN] = { 0 };
	if (comm)
		strncpy(c, comm, AS_COMM_LEN - 1);
	return thread_get(sm, tid, tgid, c) ? 0 : -ENOMEM;
}

void sm_unknown_syscall(struct sm *sm, uint32_t tid, int nr)
{
	struct sm_thread *t = sm_find(sm, tid);
	if (t && t->state == SM_UNKNOWN)
		t->syscall = nr;
}

/* Ends t's current interval at ts and starts the next one in state st. */
static int transition(struct sm *sm, struct sm_thread *t, uint64_t ts, int st, int cpu, int cut)
{
	if (ts < t->since) {
		sm->late++;
		ts = t->since;
	}
	/* An unknown stretch of zero length says nothing: skip it. */
	if (t->state < SM_NSTATES && !(t->state == SM_UNKNOWN && ts == t->since)) {
		if (grow((void **)&sm->iv, &sm->cap_iv, sm->niv, sizeof(*sm->iv), 4096)) {
			sm->oom = 1;
			return -ENOMEM;
		}
		struct sm_interval *iv = &sm->iv[sm->niv++];
		iv->t_start = t->since;
		iv->t_end = ts;
		iv->tid = t->tid;
		iv->state = t->state;
		iv->cut = (uint8_t)cut;
		iv->cpu = t->cpu;
		iv->syscall =
		    (t->state == SM_SLEEPING || t->state == SM_BLOCKED || t->state == SM_UNKNOWN)
			? t->syscall
			: -1;
		t->ns[t->state] += ts - t->since;
	}
	t->state = (uint8_t)st;
	t->since = ts;
	t->cpu = (int16_t)cpu;
	t->syscall = -1;
	return 0;
}

/* The state a thread switched out in: preempted means runnable whatever the
 * state word says (the kernel took it off the CPU mid-way to sleeping). */
static int state_after_switch(uint32_t kstate, int preempt)
{
	if (preempt || kstate == AS_TASK_RUNNING)
		return SM_RUNNABLE;
	if (kstate & (AS_TASK_DEAD | AS_EXIT_DEAD | AS_EXIT_ZOMBIE))
		return SM_DEAD;
	if (kstate & AS_TASK_INTERRUPTIBLE)
		return SM_SLEEPING;
	/* TASK_IDLE is uninterruptible without counting as load: an idle wait. */
	if ((kstate & AS_TASK_UNINTERRUPTIBLE) && !(kstate & AS_TASK_NOLOAD))
		return SM_BLOCKED;
	return SM_SLEEPING; /* stopped, traced, parked, idle */
}

static void set_comm(struct sm_thread *t, const char *comm)
{
	if (comm[0]) {
		memcpy(t->comm, comm, AS_COMM_LEN);
		t->comm[AS_COMM_LEN - 1] = 0;
	}
}

/* prev leaves its CPU: runnable if preempted, else the state it sleeps in. */
static int switch_out(struct sm *sm, const struct as_event *e)
{
	struct sm_thread *t = thread_get(sm, e->pid, e->tgid, e->comm);
	if (!t)
		return -ENOMEM;
	set_comm(t, e->comm);
	if (t->state == SM_DEAD)
		return 0; /* a recycled tid would need a new thread; not seen in practice */
	int st = state_after_switch(e->state, e->flags & AS_SW_PREEMPT);
	if (t->state == SM_RUNNING || t->state == SM_UNKNOWN || t->state == SM_NEW) {
		if (st == SM_RUNNABLE)
			t->invol++;
		else
			t->vol++;
	}
	if (!t->rt_valid) {
		t->rt_first = e->rt;
		t->rt_valid = 1;
	}
	if (e->rt > t->rt_last)
		t->rt_last = e->rt;
	int rc = transition(sm, t, e->ts, st, e->cpu, 0);
	if (st == SM_SLEEPING || st == SM_BLOCKED)
		t->syscall = e->syscall;
	return rc;
}

/* next takes the CPU. */
static int switch_in(struct sm *sm, const struct as_event *e)
{
	struct sm_thread *t = thread_get(sm, e->pid2, e->tgid2, e->comm2);
	if (!t)
		return -ENOMEM;
	set_comm(t, e->comm2);
	if (t->state == SM_DEAD)
		return 0; /* as in switch_out */
	if (t->last_run_cpu >= 0 && t->last_run_cpu != e->cpu)
		t->migrations++;
	t->last_run_cpu = (int16_t)e->cpu;
	if (!t->rt_valid) {
		t->rt_first = e->rt2;
		t->rt_valid = 1;
	}
	if (e->rt2 > t->rt_last)
		t->rt_last = e->rt2;
	return transition(sm, t, e->ts, SM_RUNNING, e->cpu, 0);
}

static int on_switch(struct sm *sm, const struct as_event *e)
{
	int rc = 0;
	if (e->flags & AS_SW_PREV)
		rc = switch_out(sm, e);
	if (!rc && (e->flags & AS_SW_NEXT))
		rc = switch_in(sm, e);
	if (rc == -ENOMEM && !sm->oom)
		sm->oom = 1;
	return rc;
}

static int on_wakeup(struct sm *sm, const struct as_event *e)
{
	struct sm_thread *t = thread_get(sm, e->pid, e->tgid, e->comm);
	if (!t)
		goto oom;
	set_comm(t, e->comm);
	switch (t->state) {
	case SM_SLEEPING:
	case SM_BLOCKED:
	case SM_UNKNOWN:
	case SM_NEW: return transition(sm, t, e->ts, SM_RUNNABLE, e->cpu, 0);
	default: return 0; /* already runnable or running: nothing changes */
	}
oom:
	sm->oom = 1;
	return -ENOMEM;
}

/* A thread born under our eyes has no unknown past and a runtime of zero. */
static int on_birth(struct sm *sm, uint32_t tid, uint32_t tgid, const char *comm, uint64_t ts,
		    int st, int cpu)
{
	struct sm_thread *t = sm_find(sm, tid);
	if (t && t->born)
		return st == SM_RUNNABLE && t->state == SM_NEW ? transition(sm, t, ts, st, cpu, 0)
							       : 0;
	if (!t) {
		t = thread_get(sm, tid, tgid, comm);
		if (!t)
			goto oom;
		t->since = ts;
		t->state = SM_NEW;
	} else if (t->state != SM_UNKNOWN) {
		return 0; /* seen running already: the birth event came late */
	}
	if (t->state == SM_UNKNOWN) {
		/* Known from /proc at attach but born in the same instant: drop the
		 * empty unknown stretch rather than report it. */
		t->since = ts;
		t->state = SM_NEW;
	}
	t->born = 1;
	t->rt_first = 0;
	t->rt_valid = 1;
	set_comm(t, comm);
	if (st != SM_NEW)
		return transition(sm, t, ts, st, cpu, 0);
	return 0;
oom:
	sm->oom = 1;
	return -ENOMEM;
}

static int on_mark(struct sm *sm, const struct as_event *e)
{
	if (grow((void **)&sm->marks, &sm->cap_marks, sm->nmarks, sizeof(*sm->marks), 1024)) {
		sm->oom = 1;
		return -ENOMEM;
	}
	struct sm_mark *m = &sm->marks[sm->nmarks++];
	m->t = e->ts;
	m->request_id = e->rt;
	m->arg = e->rt2;
	m->tid = e->pid;
	m->event = e->state;
	return 0;
}

int sm_add_wait(struct sm *sm, const struct as_event *e)
{
	if (grow((void **)&sm->waits, &sm->cap_waits, sm->nwaits, sizeof(*sm->waits), 4096)) {
		sm->oom = 1;
		return -ENOMEM;
	}
	struct sm_wait *w = &sm->waits[sm->nwaits++];
	w->t = e->ts;
	w->val = (int64_t)e->rt;
	w->tid = e->pid;
	w->syscall = e->syscall;
	w->exit = e->kind == AS_EV_WAIT_EXIT;
	w->fd = (int32_t)e->state;
	w->quick = w->exit ? (uint32_t)e->rt2 : 0;
	w->flags = e->flags;
	w->ready = w->exit ? 0 : e->pid2;
	w->ready_t = w->exit ? 0 : e->rt2;
	return 0;
}

int sm_feed(struct sm *sm, const struct as_event *e)
{
	sm->events++;
	if (e->ts < sm->last_ts)
		sm->late++;
	else
		sm->last_ts = e->ts;

	switch (e->kind) {
	case AS_EV_SWITCH: return on_switch(sm, e);
	case AS_EV_WAKEUP: return on_wakeup(sm, e);
	case AS_EV_WAKEUP_NEW:
		return on_birth(sm, e->pid, e->tgid, e->comm, e->ts, SM_RUNNABLE, e->cpu);
	case AS_EV_FORK: return on_birth(sm, e->pid2, e->tgid2, e->comm2, e->ts, SM_NEW, -1);
	case AS_EV_EXIT: {
		struct sm_thread *t = sm_find(sm, e->pid);
		if (t)
			t->exited = 1;
		return 0;
	}
	case AS_EV_MARK: return on_mark(sm, e);
	case AS_EV_WAIT_ENTER:
	case AS_EV_WAIT_EXIT: return sm_add_wait(sm, e);
	}
	return 0;
}

void sm_finish(struct sm *sm, uint64_t t_end)
{
	for (size_t i = 0; i < sm->nthreads; i++) {
		struct sm_thread *t = &sm->threads[i];
		if (t->state < SM_NSTATES)
			transition(sm, t, t_end < t->since ? t->since : t_end, SM_DEAD, -1, 1);
	}
}

uint64_t sm_cpu_ns(const struct sm_thread *t)
{
	return t->rt_valid && t->rt_last > t->rt_first ? t->rt_last - t->rt_first : 0;
}

/* Merge sort: stable, and batches are mostly in order already. */
static void merge_sort(struct as_event *a, struct as_event *tmp, size_t n)
{
	if (n < 2)
		return;
	size_t h = n / 2;
	merge_sort(a, tmp, h);
	merge_sort(a + h, tmp, n - h);
	if (a[h - 1].ts <= a[h].ts)
		return;
	size_t i = 0, j = h, k = 0;
	while (i < h && j < n)
		tmp[k++] = a[j].ts < a[i].ts ? a[j++] : a[i++];
	while (i < h)
		tmp[k++] = a[i++];
	while (j < n)
		tmp[k++] = a[j++];
	memcpy(a, tmp, n * sizeof(*a));
}

void sm_sort(struct as_event *ev, size_t n, struct as_event *scratch)
{
	if (n < 2)
		return;
	if (scratch) {
		merge_sort(ev, scratch, n);
		return;
	}
	struct as_event *tmp = malloc(n * sizeof(*tmp));
	if (!tmp) {
		/* Insertion sort needs no memory, and batches are nearly sorted. */
		for (size_t i = 1; i < n; i++) {
			struct as_event x = ev[i];
			size_t j = i;
			while (j > 0 && ev[j - 1].ts > x.ts) {
				ev[j] = ev[j - 1];
				j--;
			}
			ev[j] = x;
		}
		return;
	}
	merge_sort(ev, tmp, n);
	free(tmp);
}
