#include "perfetto_stall.h"

#include "json.h"
#include "schema.h"

static void key(FILE *f, int col, int first)
{
	if (!first)
		fputc(',', f);
	json_str(f, schema_stalls.cols[col]);
	fputc(':', f);
}

static void num(FILE *f, int col, unsigned long long v)
{
	key(f, col, 0);
	fprintf(f, "%llu", v);
}

void pf_stall_args(FILE *f, const struct rd_stall *s)
{
	fputc('{', f);
	key(f, STALLCOL_TID, 1);
	fprintf(f, "%u", s->tid);
	key(f, STALLCOL_COMM, 0);
	json_str(f, s->comm);
	num(f, STALLCOL_T_START, s->t_start);
	num(f, STALLCOL_T_END, s->t_end);
	num(f, STALLCOL_DURATION_NS, s->t_end - s->t_start);
	key(f, STALLCOL_CAUSE, 0);
	json_str(f, schema_state_name(s->cause));
	key(f, STALLCOL_SYSCALL, 0);
	json_str(f, s->syscall);
	num(f, STALLCOL_RUNNING_NS, s->ns[RD_RUNNING]);
	num(f, STALLCOL_RUNNABLE_NS, s->ns[RD_RUNNABLE]);
	num(f, STALLCOL_SLEEPING_NS, s->ns[RD_SLEEPING]);
	num(f, STALLCOL_BLOCKED_NS, s->ns[RD_BLOCKED]);
	key(f, STALLCOL_READY, 0); /* -1: unknown, as in the file */
	fprintf(f, "%lld", (long long)s->ready);
	key(f, STALLCOL_REQUESTS_WAITING, 0);
	if (s->requests >= 0)
		fprintf(f, "%lld", (long long)s->requests);
	else
		fputs("null", f);
	key(f, STALLCOL_STACK, 0);
	if (s->stack)
		json_str(f, s->stack);
	else
		fputs("null", f);
	fputc('}', f);
}
