#include "sampler.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "proc.h"

#define SAMPLE_MS 50

static void sample(struct sampler *s)
{
	struct proc_status st;
	if (proc_status_read(s->pid, 0, &st))
		return; /* gone: the cell finds out from the exit status */
	if (st.rss_kib > s->rss_peak_kib)
		s->rss_peak_kib = st.rss_kib;
	if (st.threads > s->threads_peak)
		s->threads_peak = st.threads;
}

struct waits_pass {
	struct sampler_waits *w;
	pid_t pid;
	int born; /* a thread not seen before was born in the window: its wait from 0 */
};

static int note_wait(pid_t tid, void *arg)
{
	struct waits_pass *p = arg;
	struct sampler_waits *w = p->w;
	uint64_t ns;
	if (proc_wait_read(p->pid, tid, &ns))
		return 0;
	for (int i = 0; i < w->n; i++)
		if (w->t[i].tid == tid) {
			w->t[i].last = ns;
			return 0;
		}
	if (w->n < SAMPLER_MAX_TIDS) {
		w->t[w->n].tid = tid;
		w->t[w->n].first = p->born ? 0 : ns;
		w->t[w->n].last = ns;
		w->n++;
	}
	return 0;
}

/* Every live thread of pid into w. */
static void waits_sample(struct sampler_waits *w, pid_t pid, int born)
{
	struct waits_pass p = { w, pid, born };
	proc_threads(pid, note_wait, &p);
}

static uint64_t cpu_clock_ns(clockid_t id)
{
	struct timespec ts;
	if (clock_gettime(id, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *sampler_main(void *arg)
{
	struct sampler *s = arg;
	s->self = gettid();
	while (!atomic_load(&s->stop)) {
		sample(s);
		waits_sample(&s->own_waits, getpid(), 1);
		struct timespec ts = { 0, SAMPLE_MS * 1000000L };
		nanosleep(&ts, NULL);
	}
	/* Read by sampler_stop after the join. */
	s->thread_cpu_ns = cpu_clock_ns(CLOCK_THREAD_CPUTIME_ID);
	return NULL;
}

/* Every thread of this process but the caller's, and its CPU time now. */
static int note_other(pid_t tid, void *arg)
{
	struct sampler *s = arg;
	struct proc_stat st;
	if (tid == s->caller || s->nothers == SAMPLER_MAX_OTHERS ||
	    proc_stat_read(getpid(), tid, &st))
		return 0;
	s->others[s->nothers].tid = tid;
	s->others[s->nothers].cpu_ns = st.cpu_ns;
	s->nothers++;
	return 0;
}

/* The generator's CPU over the window: the process's, less what the threads
 * that were there before the load and are still there spent meanwhile. */
static void load_cpu(struct sampler *s)
{
	uint64_t used = cpu_clock_ns(CLOCK_PROCESS_CPUTIME_ID) - s->self0_ns;
	uint64_t others = s->thread_cpu_ns;
	for (int i = 0; i < s->nothers; i++) {
		struct proc_stat st;
		if (proc_stat_read(getpid(), s->others[i].tid, &st) == 0 &&
		    st.cpu_ns >= s->others[i].cpu_ns)
			others += st.cpu_ns - s->others[i].cpu_ns;
	}
	s->load_cpu_s = used > others ? (double)(used - others) / 1e9 : 0;
	/* The waits of the load's threads: this process's, but the sampler's and
	 * those that were there before the load. */
	uint64_t wait = 0;
	for (int i = 0; i < s->own_waits.n; i++) {
		pid_t tid = s->own_waits.t[i].tid;
		int other = tid == s->self;
		for (int k = 0; k < s->nothers; k++)
			other |= tid == s->others[k].tid;
		if (!other)
			wait += s->own_waits.t[i].last - s->own_waits.t[i].first;
	}
	s->load_wait_s = (double)wait / 1e9;
}

static double waits_sum_s(const struct sampler_waits *w)
{
	uint64_t ns = 0;
	for (int i = 0; i < w->n; i++)
		ns += w->t[i].last - w->t[i].first;
	return (double)ns / 1e9;
}

void sampler_start(struct sampler *s, pid_t pid)
{
	memset(s, 0, sizeof(*s));
	s->pid = pid;
	s->caller = gettid();
	proc_threads(getpid(), note_other, s);
	sample(s);
	/* Before the thread starts: from then on it alone writes own_waits. */
	waits_sample(&s->target_waits, pid, 0);
	waits_sample(&s->own_waits, getpid(), 0);
	s->running = pthread_create(&s->thread, NULL, sampler_main, s) == 0;
	/* The window's start: both sides read together. */
	struct proc_stat st;
	if (proc_stat_read(pid, 0, &st) == 0)
		s->cpu0_ns = st.cpu_ns;
	s->self0_ns = cpu_clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	s->t_start = now_ns();
}

void sampler_stop(struct sampler *s)
{
	/* The window's end, the target read at once. A target that died during the
	 * load is a zombie until it is reaped, and a zombie's stat still has its
	 * times. */
	s->t_stop = now_ns();
	struct proc_stat st;
	if (proc_stat_read(s->pid, 0, &st) == 0 && st.cpu_ns >= s->cpu0_ns)
		s->cpu_s = (double)(st.cpu_ns - s->cpu0_ns) / 1e9;
	waits_sample(&s->target_waits, s->pid, 1);
	s->wait_s = waits_sum_s(&s->target_waits);
	if (s->running) {
		atomic_store(&s->stop, 1);
		pthread_join(s->thread, NULL);
		s->running = 0;
	}
	/* After the join, which sleeps: the sampler thread's time is known now and
	 * taken out, and the caller spent nothing meanwhile. */
	load_cpu(s);
	sample(s);
	proc_switches(s->pid, &s->vol_switches, &s->invol_switches);
}
