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
	while (!atomic_load(&s->stop)) {
		sample(s);
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
}

void sampler_start(struct sampler *s, pid_t pid)
{
	memset(s, 0, sizeof(*s));
	s->pid = pid;
	s->caller = gettid();
	proc_threads(getpid(), note_other, s);
	sample(s);
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
