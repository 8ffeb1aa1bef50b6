/* Drawing a matrix's timelines without disturbing what it measures. One costs
 * about 0.2 CPU-seconds here (requests.csv read and laid out ~0.03, gnuplot's
 * PNG ~0.15, its SVG ~0.03): 68 cells are 10 to 15 CPU-seconds, too much to add
 * after a 5-minute matrix on 2 CPUs and more than a quick one has to spare.
 *
 * So the cells are drawn as they finish, while the next ones run, by threads
 * under SCHED_IDLE: the scheduler gives them (and the gnuplots they fork, which
 * inherit the policy) a CPU only when nothing else wants it, so a cell that
 * keeps its CPUs busy (throughput, cpu-bound) leaves them nothing, and one that
 * mostly waits (the blog's bursts, io-bound) lends them its idle time. The
 * limit, said plainly: an idle-policy thread still shares caches and is
 * preempted rather than absent, so a woken target thread may wait the few
 * microseconds of a context switch. So, while cells run, the workers also keep
 * to the load generator's CPUs (timelines_start's `during`): the target's CPUs
 * see no drawing at all, and a generator that is saturated leaves them nothing.
 * What is left when the last cell ends is drawn at normal priority with every
 * CPU.
 *
 * plots_timeline keeps no state between calls (its error detail is per
 * thread), and gnuplot is forked from the worker thread that waits for it, so
 * it dies with bench like every child (proc_fork). */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plots.h"
#include "timelines.h"

struct job {
	char *dir;
	int rc;
	char why[256];
};

struct timelines {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *jobs;
	size_t cap, n, next;
	int closed;	   /* the matrix is over: normal priority, and exit when empty */
	int (*stop)(void); /* set at finish */
	pthread_t thread[4];
	int nthread;
	int pinned;	     /* during applies until closed */
	cpu_set_t during, after;
};

static void set_idle(int idle)
{
	struct sched_param sp = { 0 };
	/* Failing leaves the thread at its priority: slower or more intrusive,
	 * never wrong. */
	pthread_setschedparam(pthread_self(), idle ? SCHED_IDLE : SCHED_OTHER, &sp);
}

/* Failing leaves the thread where it may run: more intrusive, never wrong. */
static void set_cpus(const cpu_set_t *set)
{
	pthread_setaffinity_np(pthread_self(), sizeof(*set), set);
}

static void *worker(void *arg)
{
	struct timelines *t = arg;
	int idle = 1;
	set_idle(1);
	if (t->pinned)
		set_cpus(&t->during);
	pthread_mutex_lock(&t->mu);
	for (;;) {
		while (t->next == t->n && !t->closed)
			pthread_cond_wait(&t->cv, &t->mu);
		if (t->next == t->n)
			break;
		struct job *j = &t->jobs[t->next++];
		int closed = t->closed;
		int (*stop)(void) = t->stop;
		pthread_mutex_unlock(&t->mu);
		if (idle && closed) {
			set_idle(idle = 0);
			if (t->pinned)
				set_cpus(&t->after);
		}
		if (stop && stop()) {
			j->rc = -ECANCELED;
		} else {
			j->rc = plots_timeline(j->dir);
			if (j->rc < 0)
				snprintf(j->why, sizeof(j->why), "%s", plots_error(j->rc));
		}
		pthread_mutex_lock(&t->mu);
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

int timelines_workers(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 4 ? 4 : (int)n;
}

struct timelines *timelines_start(size_t cap, int workers, const cpu_set_t *during)
{
	struct timelines *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	if (during && sched_getaffinity(0, sizeof(t->after), &t->after) == 0) {
		t->during = *during;
		t->pinned = 1;
	}
	t->jobs = calloc(cap ? cap : 1, sizeof(*t->jobs));
	if (!t->jobs) {
		free(t);
		return NULL;
	}
	t->cap = cap;
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	/* Ctrl-C is the main thread's to see (bench all stops its cell); a worker
	 * inherits every signal blocked, so its reads of gnuplot's pipes are
	 * never cut short by it. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (int i = 0; i < workers && i < 4; i++)
		if (pthread_create(&t->thread[t->nthread], NULL, worker, t) == 0)
			t->nthread++;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!t->nthread) {
		timelines_finish(t, NULL, NULL, NULL);
		return NULL;
	}
	return t;
}

int timelines_add(struct timelines *t, const char *dir)
{
	char *copy = strdup(dir);
	if (!copy)
		return -ENOMEM;
	pthread_mutex_lock(&t->mu);
	if (t->n == t->cap) {
		pthread_mutex_unlock(&t->mu);
		free(copy);
		return -ENOSPC;
	}
	t->jobs[t->n++].dir = copy;
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
	return 0;
}

void timelines_finish(struct timelines *t, int (*stop)(void),
		      void (*done)(const char *dir, int rc, const char *why, void *arg), void *arg)
{
	pthread_mutex_lock(&t->mu);
	t->closed = 1;
	t->stop = stop;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
	for (int i = 0; i < t->nthread; i++)
		pthread_join(t->thread[i], NULL);
	for (size_t i = 0; i < t->n; i++) {
		if (done)
			done(t->jobs[i].dir, t->jobs[i].rc, t->jobs[i].why, arg);
		free(t->jobs[i].dir);
	}
	pthread_cond_destroy(&t->cv);
	pthread_mutex_destroy(&t->mu);
	free(t->jobs);
	free(t);
}
