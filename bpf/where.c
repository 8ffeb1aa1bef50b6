/* Stack snapshots to named stacks (where.h). A stack arrives once a stall
 * (sleep) or once a sample (at most AS_MAX_SAMPLES a stall), so allocating per
 * stack is fine here. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "where.h"

void where_init(struct where *w)
{
	memset(w, 0, sizeof(*w));
}

/* The symbols of process tgid (a traced process's child has its own maps).
 * Past WHERE_PROCS processes the last slot is reused: slower, still right. */
static struct sym *sym_of(struct where *w, pid_t tgid)
{
	for (int i = 0; i < w->nprocs; i++)
		if (w->procs[i].tgid == tgid)
			return w->procs[i].sym;
	int k = w->nprocs < WHERE_PROCS ? w->nprocs++ : WHERE_PROCS - 1;
	sym_close(w->procs[k].sym);
	w->procs[k].tgid = tgid;
	if (sym_open(&w->procs[k].sym, tgid))
		w->procs[k].tgid = 0;
	return w->procs[k].sym;
}

void where_free(struct where *w)
{
	for (size_t i = 0; i < w->n; i++) {
		free((char *)w->v[i].text);
		free((char *)w->v[i].callers);
	}
	free(w->v);
	for (int i = 0; i < w->nprocs; i++)
		sym_close(w->procs[i].sym);
	memset(w, 0, sizeof(*w));
}

void where_add(struct where *w, const void *data, size_t size)
{
	const struct as_stack_ev *ev = data;
	if (size < sizeof(*ev))
		return;
	if (w->n == w->cap) {
		size_t nc = w->cap ? w->cap * 2 : 64;
		struct stall_stack *q = nc <= WHERE_MAX ? realloc(w->v, nc * sizeof(*q)) : NULL;
		if (!q) {
			w->dropped++;
			return;
		}
		w->v = q;
		w->cap = nc;
	}
	struct sym *sym = sym_of(w, (pid_t)ev->tgid);
	if (!sym) {
		w->dropped++;
		return;
	}
	char *text = w->text, *callers = w->callers;
	int rc = sym_stack(sym, ev, text, sizeof(w->text), callers, sizeof(w->callers));
	if (rc < 0) {
		/* The maps could not be read (the process is gone): the address
		 * alone, unnamed. */
		snprintf(text, sizeof(w->text), "0x%llx", (unsigned long long)ev->regs[16]);
		callers[0] = 0;
		w->unnamed++;
	} else if (rc == 0) {
		w->dropped++; /* no registers: not x86_64, or nothing read */
		return;
	}
	char *t = strdup(text), *c = callers[0] ? strdup(callers) : NULL;
	if (!t || (callers[0] && !c)) {
		free(t);
		free(c);
		w->dropped++;
		return;
	}
	w->v[w->n++] = (struct stall_stack){ .ts = ev->ts,
					     .tid = ev->pid,
					     .cpu = ev->flags == AS_STACK_CPU,
					     .text = t,
					     .callers = c };
}
