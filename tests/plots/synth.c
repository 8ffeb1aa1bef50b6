#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "synth.h"

#define T0     1000000000000ull /* 1000 s of monotonic time: any base will do */
#define US     1000ull
#define MS     1000000ull
#define MAXTHR 1024

struct seg {
	uint64_t a, b;
};

/* Each thread's running segments; everything between them is sleeping. */
struct thr {
	struct seg *run;
	int n, cap;
	const char *sleep_call;
};

static struct thr threads[MAXTHR];
static int nthreads;

static int run_on(int k, uint64_t a, uint64_t b)
{
	struct thr *t = &threads[k];
	if (k >= nthreads)
		nthreads = k + 1;
	if (b <= a)
		b = a + 10 * US;
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		void *p = realloc(t->run, (size_t)t->cap * sizeof(*t->run));
		if (!p)
			return -ENOMEM;
		t->run = p;
	}
	t->run[t->n++] = (struct seg){ a, b };
	return 0;
}

static int cmp_seg(const void *x, const void *y)
{
	const struct seg *a = x, *b = y;
	return a->a < b->a ? -1 : a->a > b->a;
}

/* Sorted, and overlapping or touching segments merged (the loop's bursts). */
static void tidy(struct thr *t)
{
	if (t->n < 2)
		return;
	qsort(t->run, (size_t)t->n, sizeof(*t->run), cmp_seg);
	int o = 0;
	for (int i = 0; i < t->n; i++) {
		if (o && t->run[i].a <= t->run[o - 1].b + 10 * US) {
			if (t->run[i].b > t->run[o - 1].b)
				t->run[o - 1].b = t->run[i].b;
			continue;
		}
		t->run[o++] = t->run[i];
	}
	t->n = o;
}

static FILE *open_in(const char *dir, const char *name, const char *header)
{
	char p[4096];
	if (snprintf(p, sizeof(p), "%s/%s", dir, name) >= (int)sizeof(p)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	FILE *f = fopen(p, "w");
	if (f && header)
		fputs(header, f);
	return f;
}

static void mark(FILE *f, int tid, int id, const char *ev, uint64_t t)
{
	if (f)
		fprintf(f, "%d,%d,%s,%llu\n", tid, id, ev, (unsigned long long)t);
}

static void reset(void)
{
	for (int i = 0; i < nthreads; i++)
		free(threads[i].run);
	memset(threads, 0, sizeof(threads));
	nthreads = 0;
}

int synth_run(const char *dir, enum synth_kind kind, int n, int wait_ms, int sched_only)
{
	static const char *const names[] = { "blocking", "threaded", "hybrid", "epoll" };
	static const char *const eps[] = { "/wrong", "/sync", "/sync", "/async" };
	int model = kind == SYNTH_STAIR	     ? 0
		    : kind == SYNTH_PARALLEL ? 1
		    : kind == SYNTH_POOL     ? 2
					     : 3;
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	reset();
	FILE *rq = sched_only ? NULL
			      : open_in(dir, "requests.csv",
					"id,thread,conn,t_intended,t_start,t_connected,t_first_"
					"byte,t_end,status,bytes,error\n");
	FILE *mk = sched_only ? NULL : open_in(dir, "marks.csv", "tid,request_id,event,t\n");
	FILE *sc = open_in(dir, "sched.csv", "tid,comm,state,t_start,t_end,cpu,syscall\n");
	FILE *meta = open_in(dir, "meta.json", NULL);
	int rc = 0;
	if (!sc || !meta || (!sched_only && (!rq || !mk))) {
		rc = -errno;
		goto out;
	}
	fprintf(meta,
		"{\"target\": \"%s\", \"endpoint\": \"%s?ms=%d\", \"load\": {\"connections\": %d, "
		"\"burst\": true}, \"kernel\": \"6.18.0\"}\n",
		names[model], eps[model], wait_ms, n);
	uint64_t w = (uint64_t)wait_ms * MS, end = 0;
	int base = 4000;
	threads[0].sleep_call = kind == SYNTH_STAIR	 ? "accept4"
				: kind == SYNTH_PARALLEL ? "accept4"
							 : "epoll_wait";
	for (int i = 0; i < n; i++) {
		uint64_t sent = T0 + (uint64_t)i * 20 * US, s, done;
		int tid = base, k = 0;
		switch (kind) {
		case SYNTH_STAIR:
			s = T0 + 200 * US + (uint64_t)i * (w + 100 * US);
			threads[0].sleep_call = "clock_nanosleep";
			break;
		case SYNTH_PARALLEL:
			k = 1 + i % (MAXTHR - 1);
			tid = base + k;
			s = sent + 150 * US;
			run_on(0, sent + 60 * US, sent + 90 * US); /* accept, spawn */
			threads[k].sleep_call = "clock_nanosleep";
			break;
		case SYNTH_POOL: {
			int nw = 40;
			k = 1 + i % nw;
			tid = base + k;
			mark(mk, base, i, "request_start", sent + 60 * US);
			run_on(0, sent + 40 * US, sent + 70 * US);
			s = sent + 100 * US + (uint64_t)(i / nw) * (w + 200 * US);
			threads[k].sleep_call = "clock_nanosleep";
			break;
		}
		default: /* loop */ s = sent + 80 * US; break;
		}
		if (kind != SYNTH_POOL)
			mark(mk, tid, i, "request_start", s);
		mark(mk, tid, i, "handler_enter", s + 10 * US);
		mark(mk, tid, i, "wait_start", s + 30 * US);
		if (kind != SYNTH_LOOP) {
			run_on(k, s - 20 * US, s + 40 * US);
			mark(mk, tid, i, "wait_end", s + 30 * US + w);
			mark(mk, tid, i, "request_end", s + 60 * US + w);
			run_on(k, s + 20 * US + w, s + 80 * US + w);
			done = s + 150 * US + w;
		} else {
			run_on(0, s - 20 * US, s + 40 * US);
			uint64_t we = T0 + w + (uint64_t)i * 20 * US + 200 * US;
			mark(mk, tid, i, "wait_end", we);
			mark(mk, tid, i, "request_end", we + 20 * US);
			run_on(0, we - 10 * US, we + 30 * US);
			done = we + 100 * US;
		}
		if (rq)
			fprintf(rq, "%d,0,%d,%llu,%llu,%llu,%llu,%llu,200,34,\n", i, i,
				(unsigned long long)sent, (unsigned long long)sent,
				(unsigned long long)(sent + 30 * US),
				(unsigned long long)(done - 20 * US), (unsigned long long)done);
		if (done > end)
			end = done;
	}
	if (kind == SYNTH_POOL)
		nthreads = nthreads < 41 ? 41 : nthreads; /* idle workers exist too */
	for (int k = 0; k < nthreads; k++) {
		struct thr *t = &threads[k];
		int tid = base + k;
		tidy(t);
		const char *comm = names[model];
		uint64_t at = T0 - 5 * MS;
		fprintf(sc, "%d,target-%s,unknown,%llu,%llu,-1,\n", tid, comm,
			(unsigned long long)(at - 5 * MS), (unsigned long long)at);
		for (int j = 0; j < t->n; j++) {
			if (t->run[j].a > at)
				fprintf(sc, "%d,target-%s,sleeping,%llu,%llu,0,%s\n", tid, comm,
					(unsigned long long)at, (unsigned long long)t->run[j].a,
					t->sleep_call ? t->sleep_call : "futex");
			/* A little run-queue delay before each run. */
			fprintf(sc, "%d,target-%s,runnable,%llu,%llu,0,\n", tid, comm,
				(unsigned long long)(t->run[j].a - 5 * US),
				(unsigned long long)t->run[j].a);
			fprintf(sc, "%d,target-%s,running,%llu,%llu,%d,\n", tid, comm,
				(unsigned long long)t->run[j].a, (unsigned long long)t->run[j].b,
				k % 2);
			at = t->run[j].b;
		}
		fprintf(sc, "%d,target-%s,sleeping,%llu,%llu,0,%s\n", tid, comm,
			(unsigned long long)at, (unsigned long long)(end + 20 * MS),
			k ? "futex" : threads[0].sleep_call);
	}
out:
	if (rq && fclose(rq) && !rc)
		rc = -EIO;
	if (mk && fclose(mk) && !rc)
		rc = -EIO;
	if (sc && fclose(sc) && !rc)
		rc = -EIO;
	if (meta && fclose(meta) && !rc)
		rc = -EIO;
	reset();
	return rc;
}

int synth_load(const char *dir, int open_loop, int nconn, int nreq, int wait_ms, int mark_every)
{
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	reset();
	FILE *rq =
	    open_in(dir, "requests.csv",
		    "id,thread,conn,t_intended,t_start,t_connected,t_first_byte,t_end,status,"
		    "bytes,error\n");
	FILE *mk = open_in(dir, "marks.csv", "tid,request_id,event,t\n");
	FILE *sc = open_in(dir, "sched.csv", "tid,comm,state,t_start,t_end,cpu,syscall\n");
	FILE *meta = open_in(dir, "meta.json", NULL);
	int rc = 0;
	if (!rq || !mk || !sc || !meta) {
		rc = -errno;
		goto out;
	}
	fprintf(meta,
		"{\"target\": \"epoll\", \"endpoint\": \"/async?ms=%d\", \"load\": {\"mode\": "
		"\"%s\", \"connections\": %d, \"requests\": %d}}\n",
		wait_ms, open_loop ? "open" : "closed", nconn, nreq);
	uint64_t w = (uint64_t)wait_ms * MS, end = 0;
	threads[0].sleep_call = "epoll_wait";
	for (int i = 0; i < nreq; i++) {
		int c = i % nconn, k = i / nconn;
		/* Open: a send every w/8, a latency of w to 3.5 w by id; closed:
		 * each connection's next request once its last is answered. */
		uint64_t lat = open_loop ? w + w * (uint64_t)(i * 7 % 11) / 4 : w + 300 * US;
		uint64_t sent = open_loop
				    ? T0 + (uint64_t)i * (w / 8)
				    : T0 + (uint64_t)c * 50 * US + (uint64_t)k * (lat + 10 * US);
		uint64_t done = sent + lat, s = sent + 40 * US;
		if (i % mark_every == 0) {
			mark(mk, 4000, i + 1, "request_start", s);
			mark(mk, 4000, i + 1, "handler_enter", s + 10 * US);
			mark(mk, 4000, i + 1, "wait_start", s + 30 * US);
			mark(mk, 4000, i + 1, "wait_end", done - 80 * US);
			mark(mk, 4000, i + 1, "request_end", done - 60 * US);
		}
		run_on(0, s - 5 * US, s + 35 * US);
		run_on(0, done - 85 * US, done - 55 * US);
		fprintf(rq, "%d,0,%d,%llu,%llu,%llu,%llu,%llu,200,34,\n", i + 1, c,
			(unsigned long long)sent, (unsigned long long)sent,
			(unsigned long long)(sent + 5 * US), (unsigned long long)(done - 20 * US),
			(unsigned long long)done);
		if (done > end)
			end = done;
	}
	struct thr *t = &threads[0];
	tidy(t);
	uint64_t at = T0 - 5 * MS;
	for (int j = 0; j < t->n; j++) {
		if (t->run[j].a > at)
			fprintf(sc, "4000,target-epoll,sleeping,%llu,%llu,0,epoll_wait\n",
				(unsigned long long)at, (unsigned long long)t->run[j].a);
		fprintf(sc, "4000,target-epoll,running,%llu,%llu,0,\n",
			(unsigned long long)t->run[j].a, (unsigned long long)t->run[j].b);
		at = t->run[j].b;
	}
	fprintf(sc, "4000,target-epoll,sleeping,%llu,%llu,0,epoll_wait\n", (unsigned long long)at,
		(unsigned long long)(end + 20 * MS));
out:
	if (rq && fclose(rq) && !rc)
		rc = -EIO;
	if (mk && fclose(mk) && !rc)
		rc = -EIO;
	if (sc && fclose(sc) && !rc)
		rc = -EIO;
	if (meta && fclose(meta) && !rc)
		rc = -EIO;
	reset();
	return rc;
}

int synth_matrix(const char *dir, int blog_only)
{
	static const char *const tg[] = { "blocking", "threaded",  "hybrid",
					  "epoll",    "coroutine", "fastapi" };
	static const char *const ep[] = { "/sync", "/async", "/wrong" };
	/* Batch in waits per target and endpoint: the original experiment's story. */
	static const double waits[6][3] = { { 10, 10, 10 }, { 1, 1, 1 },   { 1, 1, 10 },
					    { 10, 1, 10 },  { 10, 1, 10 }, { 1, 1, 10 } };
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	FILE *f = open_in(dir, "summary.csv",
			  "scenario,target,endpoint,concurrency,requests,ok,errors,duration_s,rps,"
			  "p50_ms,p99_ms,max_ms,batch_ms,rss_kib,threads,cpu_s,status,dir\n");
	FILE *m = open_in(dir, "meta.json", NULL);
	if (!f || !m)
		return -errno;
	fputs("{\"machine\": \"synthetic\", \"kernel\": \"6.18.0\", \"cpu\": \"2 x test\", "
	      "\"versions\": {\"gnuplot\": \"5.4\"}, \"start\": \"2026-11-24T04:00:00Z\", "
	      "\"quick\": true}\n",
	      m);
	fclose(m);
	int rc = 0;
	for (int t = 0; t < 6; t++)
		for (int e = 0; e < 3; e++) {
			char cell[64], path[4096];
			snprintf(cell, sizeof(cell), "blog-%s-%s", tg[t], ep[e] + 1);
			int failed = t == 5 && e == 2; /* fastapi /wrong: a failed cell */
			if (failed) {
				snprintf(path, sizeof(path), "%s/%s", dir, cell);
				mkdir(path, 0755);
				FILE *s = open_in(path, "stderr.txt", NULL);
				if (s) {
					fputs("INFO:     Started server process [4242]\nTraceback "
					      "(most recent call last):\nRuntimeError: synthetic "
					      "crash for the test\n",
					      s);
					fclose(s);
				}
				fprintf(f,
					"blog,%s,%s?ms=200,10,10,0,10,,,,,,,,,,failed: target "
					"exited with status 1,%s\n",
					tg[t], ep[e], cell);
				continue;
			}
			snprintf(path, sizeof(path), "%s/%s", dir, cell);
			enum synth_kind k = waits[t][e] > 1    ? SYNTH_STAIR
					    : t == 3 || t == 4 ? SYNTH_LOOP
					    : t == 2 || t == 5 ? SYNTH_POOL
							       : SYNTH_PARALLEL;
			if ((rc = synth_run(path, k, 10, 200, 0)))
				break;
			fprintf(f,
				"blog,%s,%s?ms=200,10,10,10,0,%.3f,%.1f,%.1f,%.1f,%.1f,%.1f,%d,%d,"
				"0.01,ok,%s\n",
				tg[t], ep[e], waits[t][e] * 0.2, 10 / (waits[t][e] * 0.2),
				waits[t][e] * 100, waits[t][e] * 200, waits[t][e] * 200 + 5,
				waits[t][e] * 200 + 5, 3000 + t * 500,
				t == 1	 ? 11
				: t == 2 ? 41
					 : 1,
				cell);
		}
	if (blog_only || rc)
		goto out;
	int conc[] = { 1, 10, 100, 1000 };
	for (int t = 0; t < 5; t++)
		for (int c = 0; c < 4; c++) {
			double base = (t == 0	? 8000
				       : t == 1 ? 20000
				       : t == 2 ? 15000
						: 40000) *
				      (c ? 1.0 : 0.3);
			double lat = conc[c] / base * 1000;
			fprintf(f,
				"throughput,%s,/"
				"hello,%d,%d,%d,0,2,%.0f,%.3f,%.3f,%.3f,,%d,%d,1.5,ok,tp-%s-%d\n",
				tg[t], conc[c], (int)base * 2, (int)base * 2, base, lat,
				lat * (t == 0 ? 30 : 3), lat * 40, 3000, t == 1 ? conc[c] + 1 : 1,
				tg[t], conc[c]);
			double io = t == 0 ? 20 : (t == 1 && c == 3 ? 9000 : conc[c] / 0.05 * 0.95);
			fprintf(
			    f,
			    "io-bound,%s,/"
			    "async?ms=50,%d,%d,%d,0,2,%.0f,50.2,%.1f,%.1f,,%d,%d,0.8,ok,io-%s-%d\n",
			    tg[t], conc[c], (int)io * 2, (int)io * 2, io,
			    t == 0 ? conc[c] * 50.0 : 60.0, t == 0 ? conc[c] * 50.0 : 80.0,
			    2000 + (t == 1 ? conc[c] * 70 : 100 * c),
			    t == 1   ? conc[c] + 1
			    : t == 2 ? 41
				     : 1,
			    tg[t], conc[c]);
			double cpu = (t == 0 || t == 3 || t == 4 ? 1900 : 3700) * (c ? 1.0 : 0.5);
			fprintf(f,
				"cpu-bound,%s,/"
				"cpu?us=500,%d,%d,%d,0,2,%.0f,%.2f,%.2f,%.2f,,3000,%d,2.0,ok,cpu-%"
				"s-%d\n",
				tg[t], conc[c], (int)cpu * 2, (int)cpu * 2, cpu,
				conc[c] / cpu * 1000, conc[c] / cpu * 3000, conc[c] / cpu * 4000,
				t == 1 ? conc[c] + 1 : 1, tg[t], conc[c]);
		}
out:
	if (fclose(f) && !rc)
		rc = -EIO;
	return rc;
}
