/* A traced process with threads of known behaviour, for the tracer's
 * integration tests.
 *
 *   trace_helper --tids FILE [--spin-ms X] [--sleep-ms Y] [--rounds N] [--late-ms D]
 *	Thread A starts at once, thread B D ms later (after the tracer attached).
 *	Each does N rounds of: spin X ms of its own CPU time, sleep Y ms, firing the
 *	asyncscope USDT probes around each round (request id = round + 1). Then the
 *	process writes "pid P", "a TID", "b TID", "main TID" to FILE and waits for
 *	SIGUSR1 or SIGTERM, so the test can read /proc/.../schedstat while every
 *	thread is switched out. Exits 0.
 *   trace_helper --zombie
 *	Prints the pid of a child that has exited and is never reaped, then sleeps.
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sdt.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static int spin_ms = 20, sleep_ms = 30, rounds = 10, late_ms = 0;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int quit;

struct worker {
	pthread_t th;
	pid_t tid;
	int done;
};

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	w->tid = (pid_t)syscall(SYS_gettid);
	for (long r = 1; r <= rounds; r++) {
		long fd = w->tid;
		DTRACE_PROBE2(asyncscope, request_start, r, fd);
		DTRACE_PROBE2(asyncscope, handler_enter, r, fd);
		uint64_t end = thread_cpu_ns() + (uint64_t)spin_ms * 1000000ull;
		while (thread_cpu_ns() < end)
			;
		long ms = sleep_ms;
		DTRACE_PROBE2(asyncscope, wait_start, r, ms);
		struct timespec ts = { .tv_sec = sleep_ms / 1000, .tv_nsec = (sleep_ms % 1000) * 1000000L };
		clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
		DTRACE_PROBE2(asyncscope, wait_end, r, ms);
		long status = 200;
		DTRACE_PROBE2(asyncscope, request_end, r, status);
	}
	pthread_mutex_lock(&mu);
	w->done = 1;
	pthread_cond_broadcast(&cv);
	while (!quit)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	return NULL;
}

static int zombie(void)
{
	pid_t c = fork();
	if (c == 0)
		_exit(0);
	printf("%d\n", (int)c);
	fflush(stdout);
	sleep(30);
	return 0;
}

int main(int argc, char **argv)
{
	const char *tids = NULL;
	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : "0";
		if (!strcmp(argv[i], "--zombie"))
			return zombie();
		else if (!strcmp(argv[i], "--tids"))
			tids = v, i++;
		else if (!strcmp(argv[i], "--spin-ms"))
			spin_ms = atoi(v), i++;
		else if (!strcmp(argv[i], "--sleep-ms"))
			sleep_ms = atoi(v), i++;
		else if (!strcmp(argv[i], "--rounds"))
			rounds = atoi(v), i++;
		else if (!strcmp(argv[i], "--late-ms"))
			late_ms = atoi(v), i++;
		else {
			fprintf(stderr, "trace_helper: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (!tids) {
		fprintf(stderr, "trace_helper: --tids FILE is required\n");
		return 2;
	}
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	struct worker a = { 0 }, b = { 0 };
	pthread_create(&a.th, NULL, work, &a);
	if (late_ms)
		usleep((useconds_t)late_ms * 1000);
	pthread_create(&b.th, NULL, work, &b);
	pthread_mutex_lock(&mu);
	while (!a.done || !b.done)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);

	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", tids);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return 1;
	fprintf(f, "pid %d\na %d\nb %d\nmain %d\n", (int)getpid(), (int)a.tid, (int)b.tid,
		(int)syscall(SYS_gettid));
	fclose(f);
	rename(tmp, tids);

	int sig;
	sigwait(&set, &sig);
	pthread_mutex_lock(&mu);
	quit = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	pthread_join(a.th, NULL);
	pthread_join(b.th, NULL);
	return 0;
}
