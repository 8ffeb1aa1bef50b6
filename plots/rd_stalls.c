/* stalls.csv into memory (rundata.h): the event-loop stalls the tracer found
 * (bpf/stalls.h), for the timeline, trace.json and the report. Read by column
 * name through the schema, like the other files; another engineer's tracer
 * may add or reorder columns, and the ones asked for still read. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcsv.h"
#include "rundata.h"
#include "schema.h"

/* A stack can be long (a C++ or interpreter frame chain); more than this says
 * nothing more in a hover text or a table cell. */
#define RD_STACK_MAX 2048

/* Text from another program (a comm, a symbol) kept as printable ASCII: what
 * is not becomes '?'. Each writer escapes it for its own language. */
static void safe_text(char *out, size_t len, const char *s)
{
	size_t n = 0;
	for (; *s && n + 1 < len; s++)
		out[n++] = *s >= 0x20 && *s < 0x7f ? *s : '?';
	out[n] = '\0';
}

static int syscall_ok(const char *s, size_t max)
{
	if (strlen(s) >= max)
		return 0;
	for (; *s; s++)
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= '0' && *s <= '9') && *s != '_')
			return 0;
	return 1;
}

/* A signed count where empty means unknown (-1), as requests_waiting is
 * outside bench run; ready writes -1 itself. */
static int opt_count(const struct pcsv *c, int i, int64_t *v)
{
	const char *s = pcsv_get(c, i);
	if (!s[0]) {
		*v = -1;
		return 0;
	}
	if (!strcmp(s, "-1")) {
		*v = -1;
		return 0;
	}
	uint64_t u;
	if (pcsv_u64(s, &u) || u > INT64_MAX)
		return pcsv_bad(c, i);
	*v = (int64_t)u;
	return 0;
}

static int opt_ns(const struct pcsv *c, int i, uint64_t *v)
{
	int rc = pcsv_u64(pcsv_get(c, i), v);
	if (rc == -ENODATA) {
		*v = 0;
		return 0;
	}
	return rc ? pcsv_bad(c, i) : 0;
}

static int row(const struct pcsv *c, struct rd_stall *s)
{
	static const int part[4] = { STALLCOL_RUNNING_NS, STALLCOL_RUNNABLE_NS,
				     STALLCOL_SLEEPING_NS, STALLCOL_BLOCKED_NS };
	uint64_t tid;
	int rc;
	memset(s, 0, sizeof(*s));
	if (pcsv_u64(pcsv_get(c, STALLCOL_TID), &tid) || tid > UINT32_MAX)
		return pcsv_bad(c, STALLCOL_TID);
	if (pcsv_u64(pcsv_get(c, STALLCOL_T_START), &s->t_start))
		return pcsv_bad(c, STALLCOL_T_START);
	if (pcsv_u64(pcsv_get(c, STALLCOL_T_END), &s->t_end) || s->t_end < s->t_start)
		return pcsv_bad(c, STALLCOL_T_END);
	s->tid = (uint32_t)tid;
	int cause = schema_state_parse(pcsv_get(c, STALLCOL_CAUSE));
	if (cause < AS_STATE_RUNNING)
		return pcsv_bad(c, STALLCOL_CAUSE);
	s->cause = (uint8_t)cause;
	for (int k = 0; k < 4; k++)
		if ((rc = opt_ns(c, part[k], &s->ns[AS_STATE_RUNNING + k])))
			return rc;
	const char *sc = pcsv_get(c, STALLCOL_SYSCALL);
	if (!syscall_ok(sc, sizeof(s->syscall)))
		return pcsv_bad(c, STALLCOL_SYSCALL);
	snprintf(s->syscall, sizeof(s->syscall), "%s", sc);
	if ((rc = opt_count(c, STALLCOL_READY, &s->ready)) ||
	    (rc = opt_count(c, STALLCOL_REQUESTS_WAITING, &s->requests)))
		return rc;
	safe_text(s->comm, sizeof(s->comm), pcsv_get(c, STALLCOL_COMM));
	const char *st = pcsv_get(c, STALLCOL_STACK);
	if (st[0]) {
		size_t n = strlen(st) + 1;
		s->stack = malloc(n < RD_STACK_MAX ? n : RD_STACK_MAX);
		if (!s->stack)
			return -ENOMEM;
		safe_text(s->stack, n < RD_STACK_MAX ? n : RD_STACK_MAX, st);
	}
	return 0;
}

static int cmp_stall(const void *a, const void *b)
{
	const struct rd_stall *x = a, *y = b;
	if (x->t_start != y->t_start)
		return x->t_start < y->t_start ? -1 : 1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

int rd_stalls_load(const char *path, struct rd_stall **out, size_t *n)
{
	const struct schema_csv *s = &schema_stalls;
	struct pcsv c;
	struct rd_stall *v = NULL;
	size_t cap = 0, k = 0;
	*out = NULL;
	*n = 0;
	int rc = pcsv_open(&c, path, s->cols, s->ncols,
			   1u << STALLCOL_TID | 1u << STALLCOL_T_START | 1u << STALLCOL_T_END |
			       1u << STALLCOL_CAUSE);
	if (rc)
		return rc;
	while ((rc = pcsv_next(&c)) > 0) {
		if (k == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct rd_stall *p = realloc(v, nc * sizeof(*p));
			if (!p) {
				rc = -ENOMEM;
				break;
			}
			v = p;
			cap = nc;
		}
		if ((rc = row(&c, &v[k])))
			break;
		k++;
	}
	pcsv_close(&c);
	if (rc) {
		rd_stalls_free(v, k);
		return rc;
	}
	if (k)
		qsort(v, k, sizeof(*v), cmp_stall);
	*out = v;
	*n = k;
	return 0;
}

void rd_stalls_free(struct rd_stall *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].stack);
	free(v);
}

const char *rd_stall_name(const struct rd_stall *s, char *buf, size_t len)
{
	snprintf(buf, len, "stall: %s%s%s", schema_state_name(s->cause), s->syscall[0] ? " " : "",
		 s->syscall);
	return buf;
}
