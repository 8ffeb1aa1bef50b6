/* Loops and stalls from wait events and scheduler intervals (see stalls.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stalls.h"
#include "trace_out.h"

/* The waits of one thread are read in time order; sm->waits holds every
 * thread's interleaved, so they are sorted by (tid, time, arrival). */
struct wref {
	uint32_t tid;
	uint32_t i; /* index in sm->waits: keeps the sort stable */
	uint64_t t;
};

static int wref_cmp(const void *a, const void *b)
{
	const struct wref *x = a, *y = b;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* A loop thread's intervals, by (tid, start): one thread's never overlap. */
struct iref {
	uint32_t tid;
	uint32_t i; /* index in sm->iv */
	uint64_t t_start;
};

static int iref_cmp(const void *a, const void *b)
{
	const struct iref *x = a, *y = b;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return x->t_start < y->t_start ? -1 : x->t_start > y->t_start;
}

static int push_stall(struct stalls *s, size_t *cap, const struct stall *st)
{
	if (s->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct stall *q = realloc(s->v, nc * sizeof(*q));
		if (!q)
			return -ENOMEM;
		s->v = q;
		*cap = nc;
	}
	s->v[s->n++] = *st;
	return 0;
}

static struct stall new_stall(uint32_t tid, uint64_t t_start)
{
	struct stall st = {
		.t_start = t_start, .tid = tid, .syscall = -1, .ready = -1, .requests_waiting = -1
	};
	return st;
}

/* Which wait: the syscall, and for epoll and io_uring the instance's fd (a
 * thread may wait on another instance, or poll() one socket, from inside a
 * callback: that is part of a stall, not the loop's own wait). poll and select
 * take fd sets, not an instance: their key is the syscall alone. */
struct wkey {
	int32_t nr;
	int64_t fd;
};

static struct wkey key_of(const struct sm_wait *entry)
{
	char nb[16];
	const char *name = trace_syscall_name(entry->syscall, nb, sizeof(nb));
	int has_fd = !strncmp(name, "epoll", 5) || !strcmp(name, "io_uring_enter");
	return (struct wkey){ entry->syscall, has_fd ? entry->fd : -1 };
}

static int key_eq(struct wkey a, struct wkey b)
{
	return a.nr == b.nr && a.fd == b.fd;
}

/* The key a thread returned from most often, among the first few it used. */
struct wcount {
	struct wkey key[8];
	uint64_t n[8];
};

static void wcount_add(struct wcount *c, struct wkey k, uint64_t n)
{
	for (int i = 0; i < 8; i++) {
		if (c->n[i] && !key_eq(c->key[i], k))
			continue;
		c->key[i] = k;
		c->n[i] += n;
		return;
	}
}

static struct wkey wcount_top(const struct wcount *c)
{
	int best = 0;
	for (int i = 1; i < 8; i++)
		if (c->n[i] > c->n[best])
			best = i;
	return c->n[best] ? c->key[best] : (struct wkey){ -1, -1 };
}

/* Walks one thread's waits w[0..n), pairing each return with its entry. The
 * kernel does not send an entry that came sooner than the threshold after the
 * previous return from the same wait (AS_WAIT_QUICK on its exit), nor one made
 * before the attach (AS_WAIT_BEFORE: key fd unknown). An exit without its
 * entry and without a flag is a wait that began before the attach when it is
 * the thread's first, else not a wait (io_uring_enter that only submitted):
 * skipped. */
struct walk {
	const struct sm *sm;
	const struct wref *w;
	size_t n, k;
	struct wkey entered; /* .nr -1: not in a wait */
};

/* The next entry or return; NULL at the end. *key: the wait's key. */
static const struct sm_wait *walk_next(struct walk *x, struct wkey *key)
{
	while (x->k < x->n) {
		size_t k = x->k++;
		const struct sm_wait *e = &x->sm->waits[x->w[k].i];
		if (!e->exit) {
			x->entered = *key = key_of(e);
			return e;
		}
		if (e->flags & (AS_WAIT_QUICK | AS_WAIT_BEFORE)) {
			*key =
			    e->flags & AS_WAIT_QUICK ? key_of(e) : (struct wkey){ e->syscall, -2 };
			x->entered.nr = -1;
			return e;
		}
		if (x->entered.nr < 0 && k > 0)
			continue;
		*key = x->entered.nr < 0 ? (struct wkey){ e->syscall, -2 } : x->entered;
		x->entered.nr = -1;
		return e;
	}
	return NULL;
}

/* A key seen at the attach (fd unknown, -2) matches any fd of its syscall. */
static int key_match(struct wkey seen, struct wkey loop)
{
	return seen.nr == loop.nr && (seen.fd == -2 || seen.fd == loop.fd);
}

/* One thread's waits w[0..n): when it is a loop, itself to s->loops and its
 * stalls to s->v. A stall runs from a return from the loop's own wait (its
 * most used key) to the next entry into it; other waits between are part of
 * it. */
static int one_thread(const struct sm *sm, const struct wref *w, size_t n, uint64_t min_ns,
		      uint64_t t_end, struct stalls *s, size_t *cap, size_t *loops_cap)
{
	struct walk x = { sm, w, n, 0, { -1, -1 } };
	struct wcount wc = { 0 };
	struct wkey key;
	uint64_t returns = 0;
	for (const struct sm_wait *e; (e = walk_next(&x, &key));)
		if (e->exit) {
			returns += 1 + e->quick;
			if (key.fd != -2)
				wcount_add(&wc, key, 1 + e->quick);
		}
	if (returns < STALLS_LOOP_RETURNS)
		return 0; /* not a loop: its gaps are not stalls */
	struct wkey mine = wcount_top(&wc);
	if (mine.nr < 0) /* only waits begun before the attach: their fd unknown */
		mine = key;
	if (s->nloops == *loops_cap) {
		size_t nc = *loops_cap ? *loops_cap * 2 : 16;
		struct stall_loop *q = realloc(s->loops, nc * sizeof(*q));
		if (!q)
			return -ENOMEM;
		s->loops = q;
		*loops_cap = nc;
	}
	s->loops[s->nloops++] =
	    (struct stall_loop){ .tid = w[0].tid, .syscall = mine.nr, .returns = returns };

	x = (struct walk){ sm, w, n, 0, { -1, -1 } };
	int open = 0;	  /* returned, the next entry not seen yet */
	int awaiting = 0; /* the last stall's `ready` comes with the next return */
	struct stall cur = { 0 };
	for (const struct sm_wait *e; (e = walk_next(&x, &key));) {
		if (!key_match(key, mine))
			continue;
		if (!e->exit) {
			if (open && e->t - cur.t_start >= min_ns) {
				cur.t_end = e->t;
				if (e->flags & AS_WAIT_READY) {
					cur.ready = e->ready;
					cur.ready_counted = 1;
					cur.ready_since = e->ready_t;
				}
				if (push_stall(s, cap, &cur))
					return -ENOMEM;
				awaiting = 1;
			}
			open = 0;
			continue;
		}
		/* Its entry came too soon after the last return to matter: no stall
		 * since then. */
		if (e->flags & AS_WAIT_QUICK)
			open = 0;
		if (awaiting && !s->v[s->n - 1].ready_counted) {
			s->v[s->n - 1].ready = e->val >= 0 ? e->val : -1;
		}
		awaiting = 0;
		cur = new_stall(e->tid, e->t);
		open = 1;
	}
	/* Still away from its wait when the trace ended: cut there, unless the
	 * thread exited meanwhile; a loop that returns and exits has ended (a
	 * program shutting down), not stalled. */
	const struct sm_thread *t = sm_find((struct sm *)sm, w[0].tid); /* only reads */
	if (open && !(t && t->exited) && t_end > cur.t_start && t_end - cur.t_start >= min_ns) {
		cur.t_end = t_end;
		cur.cut = 1;
		if (push_stall(s, cap, &cur))
			return -ENOMEM;
	}
	return 0;
}

static const struct stall_loop *loop_of(const struct stalls *s, uint32_t tid)
{
	for (size_t k = 0; k < s->nloops; k++)
		if (s->loops[k].tid == tid)
			return &s->loops[k];
	return NULL;
}

/* The stall's time by state, from its thread's intervals (ir[0..n), sorted),
 * and its cause: the largest part, the earlier state on a tie. A stall cut by
 * the end of the trace ends instead where the thread fell asleep in the loop's
 * own wait syscall: an entry that did not reach us (seen once, at the very end
 * of a trace), not a stall. */
static void split(const struct sm *sm, const struct iref *ir, size_t n, struct stall *st,
		  int32_t wait_nr)
{
	/* The first interval of the thread ending after the stall starts. */
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct sm_interval *iv = &sm->iv[ir[mid].i];
		if (ir[mid].tid < st->tid || (ir[mid].tid == st->tid && iv->t_end <= st->t_start))
			lo = mid + 1;
		else
			hi = mid;
	}
	uint64_t longest[SM_NSTATES] = { 0 };
	int32_t sc[SM_NSTATES] = { -1, -1, -1, -1, -1 };
	for (size_t k = lo; k < n && ir[k].tid == st->tid; k++) {
		const struct sm_interval *iv = &sm->iv[ir[k].i];
		if (iv->t_start >= st->t_end)
			break;
		uint64_t a = iv->t_start > st->t_start ? iv->t_start : st->t_start;
		uint64_t b = iv->t_end < st->t_end ? iv->t_end : st->t_end;
		if (st->cut && iv->state == SM_SLEEPING && iv->syscall == wait_nr && wait_nr >= 0) {
			st->t_end = a;
			st->cut = 0;
			break;
		}
		if (b <= a || iv->state >= SM_NSTATES)
			continue;
		st->ns[iv->state] += b - a;
		if (b - a > longest[iv->state]) {
			longest[iv->state] = b - a;
			sc[iv->state] = iv->syscall;
		}
	}
	int cause = SM_RUNNING;
	for (int k = SM_RUNNABLE; k <= SM_BLOCKED; k++)
		if (st->ns[k] > st->ns[cause])
			cause = k;
	st->cause = (uint8_t)cause;
	st->syscall = cause == SM_SLEEPING || cause == SM_BLOCKED ? sc[cause] : -1;
}

int stalls_find(const struct sm *sm, uint64_t min_ns, uint64_t t_end, struct stalls *out)
{
	memset(out, 0, sizeof(*out));
	out->min_ns = min_ns;
	int rc = 0;
	struct wref *w = NULL;
	struct iref *ir = NULL;
	size_t cap = 0, loops_cap = 0, nir = 0;
	if (!sm->nwaits)
		return 0;
	w = malloc(sm->nwaits * sizeof(*w));
	if (!w)
		return -ENOMEM;
	for (size_t i = 0; i < sm->nwaits; i++)
		w[i] = (struct wref){ sm->waits[i].tid, (uint32_t)i, sm->waits[i].t };
	qsort(w, sm->nwaits, sizeof(*w), wref_cmp);
	for (size_t a = 0, b; a < sm->nwaits; a = b) {
		for (b = a + 1; b < sm->nwaits && w[b].tid == w[a].tid; b++)
			;
		if ((rc = one_thread(sm, w + a, b - a, min_ns, t_end, out, &cap, &loops_cap)))
			goto out;
	}
	if (!out->n)
		goto out;
	ir = malloc((sm->niv ? sm->niv : 1) * sizeof(*ir));
	if (!ir) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < sm->niv; i++)
		if (loop_of(out, sm->iv[i].tid))
			ir[nir++] = (struct iref){ sm->iv[i].tid, (uint32_t)i, sm->iv[i].t_start };
	qsort(ir, nir, sizeof(*ir), iref_cmp);
	size_t kept = 0;
	for (size_t k = 0; k < out->n; k++) {
		struct stall *st = &out->v[k];
		split(sm, ir, nir, st, loop_of(out, st->tid)->syscall);
		if (st->t_end - st->t_start >= min_ns)
			out->v[kept++] = *st;
	}
	out->n = kept;
out:
	free(w);
	free(ir);
	return rc;
}

void stalls_free(struct stalls *s)
{
	free(s->v);
	free(s->loops);
	memset(s, 0, sizeof(*s));
}

void stalls_count_requests(struct stalls *s, const struct stalls_request *r, size_t n)
{
	for (size_t k = 0; k < s->n; k++) {
		struct stall *st = &s->v[k];
		int64_t c = 0;
		for (size_t i = 0; i < n; i++)
			c += r[i].t_start < st->t_end && (!r[i].t_end || r[i].t_end > st->t_start);
		st->requests_waiting = c;
	}
}

static int same_place(const struct stall_stack *a, const struct stall_stack *b)
{
	return !strcmp(a->callers ? a->callers : "", b->callers ? b->callers : "");
}

static int in_stall(const struct stall *st, const struct stall_stack *x)
{
	return x->text && x->tid == st->tid && x->ts >= st->t_start && x->ts <= st->t_end;
}

/* Stacks are few (one a stall, and AS_MAX_SAMPLES samples at most), so each
 * stall looks through all of them. */
void stalls_add_stacks(struct stalls *s, const struct stall_stack *v, size_t n)
{
	for (size_t k = 0; k < s->n; k++) {
		struct stall *st = &s->v[k];
		const struct stall_stack *sleep = NULL, *sample = NULL;
		size_t best = 0;
		for (size_t i = 0; i < n; i++) {
			if (!in_stall(st, &v[i]))
				continue;
			if (!v[i].cpu) {
				if (v[i].ts == st->t_end)
					sleep = &v[i];
				continue;
			}
			st->nsamples++;
			size_t same = 0;
			for (size_t j = 0; j < n; j++)
				same += v[j].cpu && in_stall(st, &v[j]) && same_place(&v[i], &v[j]);
			if (same > best) {
				best = same;
				sample = &v[i];
			}
		}
		const struct stall_stack *use = sleep;
		if (sample && (!sleep || st->cause <= SM_RUNNABLE))
			use = sample;
		if (use) {
			st->stack = use->text;
			st->callers = use->callers;
			st->stack_cpu = use->cpu;
		}
	}
}
