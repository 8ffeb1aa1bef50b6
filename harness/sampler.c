#include "sampler.h"

#include <string.h>
#include <time.h>

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

static void *sampler_main(void *arg)
{
	struct sampler *s = arg;
	while (!atomic_load(&s->stop)) {
		sample(s);
		struct timespec ts = { 0, SAMPLE_MS * 1000000L };
		nanosleep(&ts, NULL);
	}
	return NULL;
}

void sampler_start(struct sampler *s, pid_t pid)
{
	memset(s, 0, sizeof(*s));
	s->pid = pid;
	struct proc_stat st;
	if (proc_stat_read(pid, 0, &st) == 0)
		s->cpu0_ns = st.cpu_ns;
	sample(s);
	s->running = pthread_create(&s->thread, NULL, sampler_main, s) == 0;
}

void sampler_stop(struct sampler *s)
{
	if (s->running) {
		atomic_store(&s->stop, 1);
		pthread_join(s->thread, NULL);
		s->running = 0;
	}
	sample(s);
	/* A target that died during the load is a zombie until it is reaped, and a
	 * zombie's stat still has its times. */
	struct proc_stat st;
	if (proc_stat_read(s->pid, 0, &st) == 0 && st.cpu_ns >= s->cpu0_ns)
		s->cpu_s = (double)(st.cpu_ns - s->cpu0_ns) / 1e9;
	proc_switches(s->pid, &s->vol_switches, &s->invol_switches);
}
