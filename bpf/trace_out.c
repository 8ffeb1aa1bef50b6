/* Writers for the tracer's results. They run after the trace, never on the
 * reader's path, so plain stdio is fine here. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "trace_out.h"

#include "schema.h"

struct rq {
	uint32_t thread;
	uint64_t dur;
};

static int rq_cmp(const void *a, const void *b)
{
	const struct rq *x = a, *y = b;
	if (x->thread != y->thread)
		return x->thread < y->thread ? -1 : 1;
	return x->dur < y->dur ? -1 : x->dur > y->dur;
}

/* Nearest-rank percentile of n sorted values. */
static uint64_t pct(const struct rq *v, size_t n, double p)
{
	size_t k = (size_t)(p * (double)n + 0.999999);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1].dur;
}

int trace_summarize(const struct sm *sm, struct trace_thread_sum **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	struct trace_thread_sum *s = calloc(sm->nthreads ? sm->nthreads : 1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	size_t nrq = 0;
	for (size_t i = 0; i < sm->niv; i++)
		nrq += sm->iv[i].state == SM_RUNNABLE && !sm->iv[i].cut;
	struct rq *rq = malloc((nrq ? nrq : 1) * sizeof(*rq));
	if (!rq) {
		free(s);
		return -ENOMEM;
	}
	struct sm *msm = (struct sm *)sm; /* sm_find only reads */
	size_t k = 0;
	for (size_t i = 0; i < sm->niv; i++) {
		const struct sm_interval *iv = &sm->iv[i];
		if (iv->state != SM_RUNNABLE || iv->cut)
			continue;
		struct sm_thread *t = sm_find(msm, iv->tid);
		rq[k].thread = (uint32_t)(t - sm->threads);
		rq[k++].dur = iv->t_end - iv->t_start;
	}
	qsort(rq, k, sizeof(*rq), rq_cmp);

	size_t j = 0;
	for (size_t i = 0; i < sm->nthreads; i++) {
		const struct sm_thread *t = &sm->threads[i];
		struct trace_thread_sum *r = &s[i];
		r->tid = t->tid;
		r->tgid = t->tgid;
		memcpy(r->comm, t->comm, AS_COMM_LEN);
		r->cpu_ns = sm_cpu_ns(t);
		r->running_ns = t->ns[SM_RUNNING];
		r->runnable_ns = t->ns[SM_RUNNABLE];
		r->sleeping_ns = t->ns[SM_SLEEPING];
		r->blocked_ns = t->ns[SM_BLOCKED];
		r->unknown_ns = t->ns[SM_UNKNOWN];
		r->vol = t->vol;
		r->invol = t->invol;
		r->migrations = t->migrations;
		size_t b = j;
		while (j < k && rq[j].thread == i)
			j++;
		r->rq_n = j - b;
		if (r->rq_n) {
			r->rq_p50 = pct(rq + b, r->rq_n, 0.50);
			r->rq_p99 = pct(rq + b, r->rq_n, 0.99);
			r->rq_max = rq[j - 1].dur;
		}
	}
	free(rq);
	*out = s;
	*n = sm->nthreads;
	return 0;
}

/* comm is chosen by the program: quote it when CSV needs that. */
void trace_csv_str(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

int trace_csv_close(FILE *f)
{
	int bad = ferror(f);
	if (fclose(f) || bad)
		return -EIO;
	return 0;
}

FILE *trace_csv_open(const char *path)
{
	FILE *f = fopen(path, "we");
	if (f)
		setvbuf(f, NULL, _IOFBF, 1 << 16);
	return f;
}

int trace_write_sched_csv(const struct sm *sm, const char *path)
{
	FILE *f = trace_csv_open(path);
	if (!f)
		return -errno;
	struct sm *msm = (struct sm *)sm;
	char nb[16];
	char head[256];
	schema_csv_header(head, sizeof(head), &schema_sched);
	fputs(head, f);
	for (size_t i = 0; i < sm->niv; i++) {
		const struct sm_interval *iv = &sm->iv[i];
		const struct sm_thread *t = sm_find(msm, iv->tid);
		fprintf(f, "%u,", iv->tid);
		trace_csv_str(f, t ? t->comm : "");
		fprintf(f, ",%s,%llu,%llu,%d,%s\n", schema_state_name(iv->state),
			(unsigned long long)iv->t_start, (unsigned long long)iv->t_end, iv->cpu,
			trace_syscall_name(iv->syscall, nb, sizeof(nb)));
	}
	return trace_csv_close(f);
}

int trace_write_marks_csv(const struct sm *sm, const char *path)
{
	FILE *f = trace_csv_open(path);
	if (!f)
		return -errno;
	char head[256];
	schema_csv_header(head, sizeof(head), &schema_marks);
	fputs(head, f);
	for (size_t i = 0; i < sm->nmarks; i++) {
		const struct sm_mark *m = &sm->marks[i];
		fprintf(f, "%u,%llu,%s,%llu\n", m->tid, (unsigned long long)m->request_id,
			schema_mark_name((int)m->event), (unsigned long long)m->t);
	}
	return trace_csv_close(f);
}

int trace_write_threads_csv(const struct trace_thread_sum *s, size_t n, const char *path)
{
	FILE *f = trace_csv_open(path);
	if (!f)
		return -errno;
	char head[512];
	schema_csv_header(head, sizeof(head), &schema_threads);
	fputs(head, f);
	for (size_t i = 0; i < n; i++) {
		const struct trace_thread_sum *r = &s[i];
		fprintf(f, "%u,%u,", r->tid, r->tgid);
		trace_csv_str(f, r->comm);
		fprintf(f, ",%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu\n",
			(unsigned long long)r->cpu_ns, (unsigned long long)r->running_ns,
			(unsigned long long)r->runnable_ns, (unsigned long long)r->sleeping_ns,
			(unsigned long long)r->blocked_ns, (unsigned long long)r->unknown_ns,
			(unsigned long long)r->vol, (unsigned long long)r->invol,
			(unsigned long long)r->migrations, (unsigned long long)r->rq_n,
			(unsigned long long)r->rq_p50, (unsigned long long)r->rq_p99,
			(unsigned long long)r->rq_max);
	}
	return trace_csv_close(f);
}

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

static int by_duration_desc(const void *a, const void *b)
{
	const struct sm_interval *x = *(const struct sm_interval *const *)a;
	const struct sm_interval *y = *(const struct sm_interval *const *)b;
	uint64_t dx = x->t_end - x->t_start, dy = y->t_end - y->t_start;
	return dx < dy ? 1 : dx > dy ? -1 : 0;
}

/* "tid 1234 slept 1000.2 ms in clock_nanosleep", the longest. */
static void print_longest_waits(FILE *f, const struct sm *sm, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < sm->niv; i++)
		n += (sm->iv[i].state == SM_SLEEPING || sm->iv[i].state == SM_BLOCKED);
	if (!n)
		return;
	const struct sm_interval **v = malloc(n * sizeof(*v));
	if (!v)
		return;
	n = 0;
	for (size_t i = 0; i < sm->niv; i++)
		if (sm->iv[i].state == SM_SLEEPING || sm->iv[i].state == SM_BLOCKED)
			v[n++] = &sm->iv[i];
	qsort(v, n, sizeof(*v), by_duration_desc);
	fprintf(f, "\nlongest waits:\n");
	char nb[16];
	struct sm *msm = (struct sm *)sm;
	for (size_t i = 0; i < n && i < max; i++) {
		const struct sm_thread *t = sm_find(msm, v[i]->tid);
		const char *sc = trace_syscall_name(v[i]->syscall, nb, sizeof(nb));
		fprintf(f, "  tid %u (%s) %s %.1f ms%s%s%s\n", v[i]->tid, t ? t->comm : "?",
			v[i]->state == SM_SLEEPING ? "slept" : "was blocked",
			ms(v[i]->t_end - v[i]->t_start), *sc ? " in " : "", sc,
			v[i]->cut ? " (still waiting at the end)" : "");
	}
	free(v);
}

void trace_print_summary(FILE *f, const struct sm *sm, const struct trace_thread_sum *s, size_t n,
			 const struct astrace_stats *st, int longest_waits)
{
	/* Units on a line of their own under the names: a column of bare numbers
	 * is read as whatever the reader guesses. */
	fprintf(f, "%8s %-16s %10s %10s %10s %10s %9s %7s %7s %6s %9s %9s %9s\n", "tid", "comm",
		schema_state_name(AS_STATE_RUNNING), schema_state_name(AS_STATE_RUNNABLE),
		schema_state_name(AS_STATE_SLEEPING), schema_state_name(AS_STATE_BLOCKED),
		schema_state_name(AS_STATE_UNKNOWN), "vol", "invol", "migr", "rq p50", "rq p99",
		"rq max");
	fprintf(f, "%8s %-16s %10s %10s %10s %10s %9s %7s %7s %6s %9s %9s %9s\n", "", "", "ms",
		"ms", "ms", "ms", "ms", "count", "count", "count", "ms", "ms", "ms");
	struct trace_thread_sum tot = { 0 };
	for (size_t i = 0; i < n; i++) {
		const struct trace_thread_sum *r = &s[i];
		fprintf(f,
			"%8u %-16s %10.3f %10.3f %10.3f %10.3f %9.3f %7llu %7llu %6llu %9.3f %9.3f "
			"%9.3f\n",
			r->tid, r->comm, ms(r->cpu_ns), ms(r->runnable_ns), ms(r->sleeping_ns),
			ms(r->blocked_ns), ms(r->unknown_ns), (unsigned long long)r->vol,
			(unsigned long long)r->invol, (unsigned long long)r->migrations,
			ms(r->rq_p50), ms(r->rq_p99), ms(r->rq_max));
		tot.cpu_ns += r->cpu_ns;
		tot.runnable_ns += r->runnable_ns;
		tot.sleeping_ns += r->sleeping_ns;
		tot.blocked_ns += r->blocked_ns;
		tot.unknown_ns += r->unknown_ns;
		tot.vol += r->vol;
		tot.invol += r->invol;
		tot.migrations += r->migrations;
	}
	fprintf(f, "%8s %-16s %10.3f %10.3f %10.3f %10.3f %9.3f %7llu %7llu %6llu\n", "", "total",
		ms(tot.cpu_ns), ms(tot.runnable_ns), ms(tot.sleeping_ns), ms(tot.blocked_ns),
		ms(tot.unknown_ns), (unsigned long long)tot.vol, (unsigned long long)tot.invol,
		(unsigned long long)tot.migrations);
	/* The traced time is the tracer's window, t_stop - t_start: the figure
	 * meta.json keeps and the --plot timeline's title prints, in ms, alike. */
	double secs = st->t_stop > st->t_start ? (double)(st->t_stop - st->t_start) / 1e9 : 0;
	/* Requests marked: with sampling (a client's traceparent), fewer than served. */
	size_t started = 0;
	for (size_t i = 0; i < sm->nmarks; i++)
		started += sm->marks[i].event == AS_MARK_REQUEST_START;
	fprintf(f,
		"running: the kernel's runtime counter; unknown: before a thread's first event; "
		"vol/invol: voluntary and involuntary context switches; migr: moves to another "
		"CPU; rq: time runnable before running\n"
		"%zu thread%s, %.0f ms traced, %llu events (%.0f/s), %llu lost, %zu marks (%zu "
		"requests) from %d USDT probes%s\n",
		n, n == 1 ? "" : "s", secs * 1e3, (unsigned long long)st->events,
		secs > 0 ? (double)st->events / secs : 0.0, (unsigned long long)st->lost,
		sm->nmarks, started, st->usdt_probes, st->raw_tp ? ", raw tracepoints" : "");
	if (longest_waits)
		print_longest_waits(f, sm, 10);
}
