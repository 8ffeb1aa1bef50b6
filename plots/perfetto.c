/* trace.json (perfetto.h). The Chrome trace event format as ui.perfetto.dev's
 * importer reads it: "X" slices and "M" names on thread tracks, nestable async
 * "b"/"e" slices keyed by (cat, id) on tracks of their process, "C" counters,
 * and flows of the importer's second kind (bind_id with flow_out / flow_in on
 * the slices themselves), the only kind that can start on an async slice. One
 * bind_id per request chains its hops: the client's request, the mark of the
 * thread that read it, the mark of the thread that ran its handler. */
#include "perfetto.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "json.h"
#include "perfetto_join.h"
#include "perfetto_stall.h"
#include "pjson.h"
#include "schema.h"

/* The client is not a process the tracer saw: a pid no Linux process can have
 * (PID_MAX_LIMIT is 2^22) keeps its tracks apart from the server's. */
#define CLIENT_PID 0x40000000u

struct pf {
	FILE *f;
	const struct rd_run *r;
	struct pf_join *j;
	const char *sep;
	uint64_t base;	     /* every ts is ns since this, so doubles hold them exactly */
	uint64_t wend;	     /* nothing starts at or after this (UINT64_MAX: no cap) */
	uint32_t server_pid; /* for threads threads.csv does not name */
	char reqname[128];
	struct perfetto_stats *st;
};

/* A time or duration for a boundary: exact microseconds with three decimals,
 * from the integer. The fourth decimal, half a nanosecond, is for the
 * importer, which multiplies by 1000 and truncates: without it about one
 * timestamp in a hundred reads one nanosecond early, enough for two adjacent
 * slices to overlap. Readers that round get the same integer. */
static void put_time(FILE *f, const char *key, uint64_t ns)
{
	fprintf(f, ",\"%s\":%llu.%03llu5", key, (unsigned long long)(ns / 1000),
		(unsigned long long)(ns % 1000));
}

/* A value in args: exact microseconds. */
static void put_us(FILE *f, const char *key, uint64_t a, uint64_t b, int known)
{
	if (!known || b < a) {
		fprintf(f, "\"%s\":null", key);
		return;
	}
	fprintf(f, "\"%s\":%llu.%03llu", key, (unsigned long long)((b - a) / 1000),
		(unsigned long long)((b - a) % 1000));
}

/* The head of one event, up to and including its ts. */
static void ev(struct pf *p, char ph, const char *cat, const char *name, uint32_t pid, uint32_t tid,
	       uint64_t t)
{
	fprintf(p->f, "%s{\"ph\":\"%c\",\"cat\":", p->sep, ph);
	json_str(p->f, cat);
	fputs(",\"name\":", p->f);
	json_str(p->f, name);
	fprintf(p->f, ",\"pid\":%u,\"tid\":%u", pid, tid);
	put_time(p->f, "ts", t - p->base);
	p->sep = ",\n";
}

static void meta_name(struct pf *p, const char *what, uint32_t pid, uint32_t tid, const char *name)
{
	fprintf(
	    p->f,
	    "%s{\"ph\":\"M\",\"name\":\"%s\",\"pid\":%u,\"tid\":%u,\"ts\":0,\"args\":{\"name\":",
	    p->sep, what, pid, tid);
	json_str(p->f, name);
	fputs("}}", p->f);
	p->sep = ",\n";
}

static uint32_t pid_of(const struct pf *p, uint32_t tid)
{
	const struct rd_thread *t = rd_thread_find(p->r, tid);
	return t && t->tgid ? t->tgid : p->server_pid ? p->server_pid : tid;
}

/* Points made non-decreasing inside [pt[0], pt[n-1]]; each one that had to
 * move is an overlap in the input (a client stamp after a server mark), and
 * counted. */
static void monotone(struct pf *p, uint64_t *pt, int n)
{
	for (int i = 1; i < n; i++) {
		uint64_t lo = pt[i - 1], hi = pt[n - 1] > lo ? pt[n - 1] : lo;
		uint64_t v = pt[i] < lo ? lo : pt[i] > hi ? hi : pt[i];
		if (v != pt[i])
			p->st->clipped++;
		pt[i] = v;
	}
}

/* Nested async slices, one per gap between points, on the track (cat, id):
 * each opened and closed in time order, an empty one left out. */
static void async_children(struct pf *p, const char *cat, uint64_t id, uint32_t pid,
			   const uint64_t *pt, const char *const *names, int n)
{
	for (int i = 0; i + 1 < n; i++) {
		if (pt[i + 1] <= pt[i] || !names[i])
			continue;
		ev(p, 'b', cat, names[i], pid, pid, pt[i]);
		fprintf(p->f, ",\"id\":\"0x%llx\"}", (unsigned long long)id);
		ev(p, 'e', cat, names[i], pid, pid, pt[i + 1]);
		fprintf(p->f, ",\"id\":\"0x%llx\"}", (unsigned long long)id);
	}
}

/* One request on the client track: the whole of it, its args, the flow to the
 * thread that read it, and its phases nested inside. */
static void client_request(struct pf *p, const struct rd_req *q)
{
	const struct pf_marks *m = pf_join_find(p->j, q->id);
	int joined = m && m->has[RD_START] && m->t[RD_START] < p->wend;
	int has_he = joined && m->has[RD_HANDLER], has_re = joined && m->has[RD_END];
	int has_w = joined && m->has[RD_WAIT_START] && m->has[RD_WAIT_END];
	uint64_t pt[6];
	const char *names[5];
	int n = 0;
	pt[n] = q->t_send;
	if (q->t_connected) {
		names[n++] = "connect";
		pt[n] = q->t_connected;
	}
	if (joined) {
		names[n++] = "sent, in the kernel's queue";
		pt[n] = m->t[RD_START];
		if (has_re) {
			names[n++] = "in the server";
			pt[n] = m->t[RD_END];
		}
		names[n++] = "response";
	} else if (q->t_first_byte) {
		names[n++] = "waiting for the response";
		pt[n] = q->t_first_byte;
		names[n++] = "response";
	} else {
		names[n++] = "waiting for the response";
	}
	pt[n++] = q->t_end;
	monotone(p, pt, n);

	ev(p, 'b', "request", p->reqname, CLIENT_PID, CLIENT_PID, q->t_send);
	fprintf(p->f, ",\"id\":\"0x%llx\"", (unsigned long long)q->id);
	if (joined) {
		fprintf(p->f, ",\"bind_id\":%llu,\"flow_out\":true", (unsigned long long)q->id);
		p->st->flows_client++;
		p->st->joined++;
		pf_join_flow(p->j, m, RD_START, PF_FLOW_IN);
	}
	fprintf(p->f, ",\"args\":{\"id\":%llu,\"status\":%d,\"failed\":%s,\"connection\":%lld,",
		(unsigned long long)q->id, q->status, q->failed ? "true" : "false",
		q->conn == RD_NOCONN ? -1LL : (long long)q->conn);
	put_us(p->f, "latency_us", q->t_send, q->t_end, 1);
	fputs(",\"phases\":{", p->f);
	put_us(p->f, "connect_us", q->t_send, q->t_connected, q->t_connected != 0);
	fputc(',', p->f);
	put_us(p->f, "sent_in_kernel_queue_us", q->t_connected ? q->t_connected : q->t_send,
	       joined ? m->t[RD_START] : 0, joined);
	fputc(',', p->f);
	put_us(p->f, "server_queue_us", joined ? m->t[RD_START] : 0, has_he ? m->t[RD_HANDLER] : 0,
	       has_he);
	fputc(',', p->f);
	put_us(p->f, "handler_us", has_he ? m->t[RD_HANDLER] : 0, has_re ? m->t[RD_END] : 0,
	       has_he && has_re);
	fputc(',', p->f);
	put_us(p->f, "wait_us", has_w ? m->t[RD_WAIT_START] : 0, has_w ? m->t[RD_WAIT_END] : 0,
	       has_w);
	fputc(',', p->f);
	if (has_re)
		put_us(p->f, "response_us", m->t[RD_END], q->t_end, 1);
	else
		put_us(p->f, "response_us", q->t_first_byte, q->t_end, q->t_first_byte != 0);
	fputs("}}}", p->f);
	async_children(p, "request", q->id, CLIENT_PID, pt, names, n);
	ev(p, 'e', "request", p->reqname, CLIENT_PID, CLIENT_PID, q->t_end);
	fprintf(p->f, ",\"id\":\"0x%llx\"}", (unsigned long long)q->id);
}

struct step {
	uint64_t t;
	int d;
};

static int step_cmp(const void *a, const void *b)
{
	const struct step *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->d - y->d;
}

/* The client's requests, then how many were in flight: one counter value per
 * moment anything changed, after all that changed then. */
static int client(struct pf *p, const struct rd_req *const *req, size_t n)
{
	if (!n)
		return 0;
	meta_name(p, "process_name", CLIENT_PID, CLIENT_PID, "client (bench load)");
	meta_name(p, "thread_name", CLIENT_PID, CLIENT_PID, "load");
	struct step *s = malloc(2 * n * sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		client_request(p, req[i]);
		s[2 * i] = (struct step){ req[i]->t_send, 1 };
		s[2 * i + 1] = (struct step){ req[i]->t_end, -1 };
	}
	qsort(s, 2 * n, sizeof(*s), step_cmp);
	long in = 0;
	for (size_t i = 0; i < 2 * n; i++) {
		in += s[i].d;
		if (i + 1 < 2 * n && s[i + 1].t == s[i].t)
			continue;
		if (s[i].t >= p->wend)
			break; /* past the window: requests sent later are not here */
		ev(p, 'C', "request", "in flight", CLIENT_PID, CLIENT_PID, s[i].t);
		fprintf(p->f, ",\"args\":{\"requests\":%ld}}", in);
	}
	free(s);
	return 0;
}

/* The server's phases of one request, on its process: "in the server" from
 * request_start to request_end, and inside it "queued in the server", "handled"
 * and "waiting". The flow from the thread that read it to the one that ran its
 * handler is marked on their marks, where the arrow shows the hand-off. */
static void server_request(struct pf *p, struct pf_marks *m)
{
	if (!m->id || !m->has[RD_START] || m->t[RD_START] >= p->wend)
		return;
	if (m->has[RD_HANDLER] && m->tid[RD_HANDLER] != m->tid[RD_START] &&
	    m->t[RD_HANDLER] < p->wend) {
		pf_join_flow(p->j, m, RD_START, PF_FLOW_OUT);
		pf_join_flow(p->j, m, RD_HANDLER, PF_FLOW_IN);
		p->st->flows_handoff++;
	}
	if (!m->has[RD_END])
		return;
	uint32_t pid = pid_of(p, m->tid[RD_START]);
	uint64_t pt[3] = { m->t[RD_START], m->has[RD_HANDLER] ? m->t[RD_HANDLER] : 0,
			   m->t[RD_END] };
	if (!m->has[RD_HANDLER])
		pt[1] = pt[0];
	monotone(p, pt, 3);
	ev(p, 'b', "server", "in the server", pid, pid, pt[0]);
	fprintf(p->f, ",\"id\":\"0x%llx\",\"args\":{\"request\":%llu,\"read_by_tid\":%u",
		(unsigned long long)m->id, (unsigned long long)m->id, m->tid[RD_START]);
	if (m->has[RD_HANDLER])
		fprintf(p->f, ",\"handler_tid\":%u", m->tid[RD_HANDLER]);
	fputs("}}", p->f);
	static const char *const queued[] = { "queued in the server" };
	async_children(p, "server", m->id, pid, pt, queued, 2);
	if (m->has[RD_HANDLER] && pt[2] > pt[1]) {
		ev(p, 'b', "server", "handled", pid, pid, pt[1]);
		fprintf(p->f, ",\"id\":\"0x%llx\"}", (unsigned long long)m->id);
		if (m->has[RD_WAIT_START] && m->has[RD_WAIT_END]) {
			uint64_t w[4] = { pt[1], m->t[RD_WAIT_START], m->t[RD_WAIT_END], pt[2] };
			static const char *const wn[] = { NULL, "waiting", NULL };
			monotone(p, w, 4);
			async_children(p, "server", m->id, pid, w, wn, 4);
		}
		ev(p, 'e', "server", "handled", pid, pid, pt[2]);
		fprintf(p->f, ",\"id\":\"0x%llx\"}", (unsigned long long)m->id);
	}
	ev(p, 'e', "server", "in the server", pid, pid, pt[2]);
	fprintf(p->f, ",\"id\":\"0x%llx\"}", (unsigned long long)m->id);
}

static int iv_cmp(const void *a, const void *b)
{
	const struct rd_iv *x = *(const struct rd_iv *const *)a,
			   *y = *(const struct rd_iv *const *)b;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return x->a < y->a ? -1 : x->a > y->a;
}

static int stall_cmp(const void *a, const void *b)
{
	const struct rd_stall *x = *(const struct rd_stall *const *)a,
			      *y = *(const struct rd_stall *const *)b;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return x->t_start < y->t_start ? -1 : x->t_start > y->t_start;
}

/* Each stall of stalls.csv as a slice on its loop's thread track, named
 * "stall: <cause> <syscall>", its args every column of its row under the
 * column's own name. Written before the states, so at an equal start the
 * importer (which keeps file order among equal timestamps) opens the stall
 * first and the states nest inside it. */
static void stall_slices(struct pf *p)
{
	const struct rd_run *r = p->r;
	for (size_t i = 0; i < r->nstall; i++) {
		const struct rd_stall *s = &r->stall[i];
		if (s->t_start >= p->wend || s->t_end <= s->t_start)
			continue;
		uint64_t b = s->t_end < p->wend ? s->t_end : p->wend;
		char name[64];
		uint32_t pid = pid_of(p, s->tid);
		if (!rd_thread_find(r, s->tid))
			meta_name(p, "thread_name", pid, s->tid, s->comm);
		ev(p, 'X', "stall", rd_stall_name(s, name, sizeof(name)), pid, s->tid, s->t_start);
		put_time(p->f, "dur", b - s->t_start);
		fputs(",\"args\":", p->f);
		pf_stall_args(p->f, s);
		fputc('}', p->f);
		p->st->stalls++;
	}
}

static void state_slice(struct pf *p, const struct rd_iv *v, uint64_t a, uint64_t b)
{
	char name[64];
	const char *sc = v->syscall;
	snprintf(name, sizeof(name), "%s%s%s", schema_state_name(v->state), *sc ? ": " : "", sc);
	ev(p, 'X', "sched", name, pid_of(p, v->tid), v->tid, a);
	put_time(p->f, "dur", b - a);
	if (*sc) {
		fputs(",\"args\":{\"syscall\":", p->f);
		json_str(p->f, sc);
		fputs("}}", p->f);
	} else {
		fputs("}", p->f);
	}
	p->st->states++;
}

/* Every thread's states, by thread and time: "running", "sleeping:
 * epoll_wait". A state that begins before the previous one of its thread ended
 * (the tracer's input out of order) starts where that one ended. A state that
 * crosses a stall's edge is cut there (two slices of one state, meeting), so
 * the states nest inside the stall's slice: the importer drops a slice that
 * overlaps another without nesting. */
static int states(struct pf *p)
{
	const struct rd_run *r = p->r;
	if (!r->niv)
		return 0;
	const struct rd_iv **v = malloc(r->niv * sizeof(*v));
	const struct rd_stall **sl = malloc((r->nstall ? r->nstall : 1) * sizeof(*sl));
	if (!v || !sl) {
		free(v);
		free(sl);
		return -ENOMEM;
	}
	for (size_t i = 0; i < r->niv; i++)
		v[i] = &r->iv[i];
	qsort(v, r->niv, sizeof(*v), iv_cmp);
	for (size_t i = 0; i < r->nstall; i++)
		sl[i] = &r->stall[i];
	if (r->nstall)
		qsort(sl, r->nstall, sizeof(*sl), stall_cmp);
	uint64_t end = 0;
	size_t ks = 0; /* the thread's first stall that may still matter */
	for (size_t i = 0; i < r->niv; i++) {
		uint64_t a = v[i]->a, b = v[i]->b < p->wend ? v[i]->b : p->wend;
		uint32_t tid = v[i]->tid;
		if (i && v[i - 1]->tid != tid)
			end = 0;
		if (a < end) {
			p->st->clipped++;
			a = end;
		}
		if (b <= a)
			continue;
		end = b;
		while (ks < r->nstall &&
		       (sl[ks]->tid < tid || (sl[ks]->tid == tid && sl[ks]->t_end <= a)))
			ks++;
		for (uint64_t cut = a; cut < b;) {
			uint64_t next = b;
			for (size_t k = ks;
			     k < r->nstall && sl[k]->tid == tid && sl[k]->t_start < b; k++) {
				uint64_t e = sl[k]->t_end < p->wend ? sl[k]->t_end : p->wend;
				if (sl[k]->t_start > cut && sl[k]->t_start < next)
					next = sl[k]->t_start;
				if (e > cut && e < next)
					next = e;
			}
			state_slice(p, v[i], cut, next);
			cut = next;
		}
	}
	free(v);
	free(sl);
	return 0;
}

/* The marks as zero-length slices inside the state of the thread that fired
 * them, carrying the flows the joins above asked for. */
static void marks(struct pf *p)
{
	const struct rd_run *r = p->r;
	for (size_t i = 0; i < r->nmark; i++) {
		const struct rd_mark *k = &r->mark[i];
		if (k->t >= p->wend)
			continue;
		ev(p, 'X', "mark", schema_mark_name(k->ev + 1), pid_of(p, k->tid), k->tid, k->t);
		fprintf(p->f, ",\"dur\":0,\"args\":{\"request\":%llu}", (unsigned long long)k->id);
		int fl = pf_join_flags(p->j, i);
		if (fl)
			fprintf(p->f, ",\"bind_id\":%llu%s%s", (unsigned long long)k->id,
				fl & PF_FLOW_IN ? ",\"flow_in\":true" : "",
				fl & PF_FLOW_OUT ? ",\"flow_out\":true" : "");
		fputc('}', p->f);
	}
}

static void names(struct pf *p)
{
	const struct rd_run *r = p->r;
	for (size_t i = 0; i < r->nthr; i++) {
		const struct rd_thread *t = &r->thr[i];
		uint32_t pid = pid_of(p, t->tid);
		if (pid == t->tid)
			meta_name(p, "process_name", pid, pid, t->comm);
		meta_name(p, "thread_name", pid, t->tid, t->comm);
	}
}

static void other_data(struct pf *p)
{
	const struct perfetto_stats *s = p->st;
	fprintf(p->f,
		"\n],\n\"displayTimeUnit\":\"ns\",\n\"otherData\":{\"source\":\"asyncscope\","
		"\"clock\":\"CLOCK_MONOTONIC\",\"t0_ns\":%llu,"
		"\"ts\":\"microseconds since t0_ns\",\"requests\":%zu,\"requests_written\":%zu,"
		"\"joined\":%zu,\"flows_client_server\":%zu,\"flows_handoff\":%zu,"
		"\"clipped_slices\":%zu,\"stalls\":%zu,\"window\":",
		(unsigned long long)p->base, s->requests, s->written, s->joined, s->flows_client,
		s->flows_handoff, s->clipped, s->stalls);
	if (s->windowed)
		fprintf(p->f,
			"\"only what began before %llu ns (CLOCK_MONOTONIC): the first %zu "
			"requests and their threads\"",
			s->window_end, s->written);
	else
		fputs("null", p->f);
	fputs("}}\n", p->f);
}

static int req_cmp(const void *a, const void *b)
{
	const struct rd_req *x = *(const struct rd_req *const *)a;
	const struct rd_req *y = *(const struct rd_req *const *)b;
	return x->t_send < y->t_send ? -1 : x->t_send > y->t_send;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The window's end when a cap applies: where the first request or state
 * beyond the cap begins. */
static int window(struct pf *p, const struct rd_req **req, size_t nreq)
{
	const struct rd_run *r = p->r;
	if (nreq > PERFETTO_MAX_REQUESTS)
		p->wend = req[PERFETTO_MAX_REQUESTS]->t_send;
	if (r->niv > PERFETTO_MAX_STATES) {
		uint64_t *a = malloc(r->niv * sizeof(*a));
		if (!a)
			return -ENOMEM;
		for (size_t i = 0; i < r->niv; i++)
			a[i] = r->iv[i].a;
		qsort(a, r->niv, sizeof(*a), u64_cmp);
		if (a[PERFETTO_MAX_STATES] < p->wend)
			p->wend = a[PERFETTO_MAX_STATES];
		free(a);
	}
	p->st->windowed = p->wend != UINT64_MAX;
	p->st->window_end = p->st->windowed ? p->wend : 0;
	return 0;
}

static uint64_t first_time(const struct rd_run *r)
{
	uint64_t t = UINT64_MAX;
	for (size_t i = 0; i < r->nreq; i++)
		t = r->req[i].t_send < t ? r->req[i].t_send : t;
	for (size_t i = 0; i < r->niv; i++)
		t = r->iv[i].a < t ? r->iv[i].a : t;
	for (size_t i = 0; i < r->nmark; i++)
		t = r->mark[i].t < t ? r->mark[i].t : t;
	return t == UINT64_MAX ? 0 : t;
}

static void read_meta(struct pf *p)
{
	char v[128];
	const struct rd_run *r = p->r;
	snprintf(p->reqname, sizeof(p->reqname), "request");
	if (r->meta && !pjson_get(r->meta, META_ENDPOINT, v, sizeof(v)) && v[0] == '/')
		snprintf(p->reqname, sizeof(p->reqname), "%s", v);
	/* bench run names the target's pid, bench trace the traced one's. */
	if (r->meta && (!pjson_get(r->meta, META_TARGET_PID, v, sizeof(v)) ||
			!pjson_get(r->meta, META_PID, v, sizeof(v))))
		p->server_pid = (uint32_t)strtoul(v, NULL, 10);
}

int perfetto_write(FILE *f, const struct rd_run *r, struct perfetto_stats *st)
{
	struct pf p = { .f = f, .r = r, .sep = "\n", .wend = UINT64_MAX, .st = st };
	memset(st, 0, sizeof(*st));
	st->requests = r->nreq;
	read_meta(&p);
	p.base = first_time(r);
	const struct rd_req **req = malloc((r->nreq ? r->nreq : 1) * sizeof(*req));
	int rc = -ENOMEM;
	if (!req || !(p.j = pf_join_new(r)))
		goto out;
	for (size_t i = 0; i < r->nreq; i++)
		req[i] = &r->req[i];
	qsort(req, r->nreq, sizeof(*req), req_cmp);
	if ((rc = window(&p, req, r->nreq)))
		goto out;
	size_t n = 0;
	while (n < r->nreq && req[n]->t_send < p.wend)
		n++;
	st->written = n;
	fputs("{\"traceEvents\":[", f);
	names(&p);
	if ((rc = client(&p, req, n)))
		goto out;
	for (struct pf_marks *m = pf_join_first(p.j); m; m = pf_join_next(p.j, m))
		server_request(&p, m);
	stall_slices(&p);
	if ((rc = states(&p)))
		goto out;
	marks(&p);
	other_data(&p);
	rc = ferror(f) ? -EIO : 0;
out:
	pf_join_free(p.j);
	free(req);
	return rc;
}

int perfetto_write_dir(const char *dir, const char *out, struct perfetto_stats *st)
{
	struct perfetto_stats own;
	struct rd_run r;
	char path[PATH_MAX];
	int rc = rd_load(&r, dir);
	if (rc)
		return rc;
	if (!out && (rc = files_join(path, sizeof(path), dir, SCHEMA_TRACE_JSON)))
		goto out;
	if (out && snprintf(path, sizeof(path), "%s", out) >= (int)sizeof(path)) {
		rc = -ENAMETOOLONG;
		goto out;
	}
	FILE *f = files_create(path);
	if (!f) {
		rc = -errno;
		goto out;
	}
	rc = perfetto_write(f, &r, st ? st : &own);
	rc = files_commit(f, path, rc);
out:
	rd_free(&r);
	return rc;
}
