/* common/proc: the /proc readers against this test process itself (its name, its
 * threads, its CPU time, its context switches), against a process that is gone
 * and one that is a zombie; and the starters: every argument reaches the child,
 * and a held child runs nothing until released. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "proc.h"

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void stat_of_self(void **state)
{
	(void)state;
	prctl(PR_SET_NAME, "as (proc) test", 0, 0, 0); /* spaces and parentheses */
	struct proc_stat st;
	assert_int_equal(proc_stat_read(getpid(), 0, &st), 0);
	assert_string_equal(st.comm, "as (proc) test");
	assert_int_equal(st.state, 'R');
	assert_int_equal(st.ppid, getppid());
	assert_int_equal(st.threads, 1);

	/* CPU time grows as we burn some: ticks are 10 ms, so burn 100. */
	uint64_t before = st.cpu_ns;
	struct timespec t0, t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	volatile uint64_t x = 0;
	do {
		for (int i = 0; i < 100000; i++)
			x += (uint64_t)i;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < 100000000L);
	assert_int_equal(proc_stat_read(getpid(), 0, &st), 0);
	assert_true(st.cpu_ns >= before + 50000000ull);
}

static void status_of_self(void **state)
{
	(void)state;
	struct proc_status st;
	assert_int_equal(proc_status_read(getpid(), 0, &st), 0);
	assert_int_equal(st.tgid, getpid());
	assert_int_equal(st.threads, 1);
	assert_true(st.rss_kib > 0);
	/* A sleep is a voluntary switch. */
	uint64_t vol = st.vol_switches;
	sleep_ms(1);
	assert_int_equal(proc_status_read(getpid(), gettid(), &st), 0);
	assert_true(st.vol_switches > vol);
}

/* A second thread, named, that waits until told to end. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int ending;
static pid_t worker_tid;

static void *worker(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "as-worker", 0, 0, 0);
	pthread_mutex_lock(&mu);
	worker_tid = gettid();
	pthread_cond_broadcast(&cv);
	while (!ending)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	return NULL;
}

struct seen {
	pid_t tids[8];
	int n;
	int stop_after;
};

static int note(pid_t tid, void *arg)
{
	struct seen *s = arg;
	if (s->n < 8)
		s->tids[s->n] = tid;
	s->n++;
	return s->stop_after && s->n == s->stop_after ? 42 : 0;
}

/* A second thread, named as-worker, asleep until stop_worker. */
static pthread_t start_worker(void)
{
	pthread_t th;
	ending = 0;
	worker_tid = 0;
	assert_int_equal(pthread_create(&th, NULL, worker, NULL), 0);
	pthread_mutex_lock(&mu);
	while (!worker_tid)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	return th;
}

static void stop_worker(pthread_t th)
{
	pthread_mutex_lock(&mu);
	ending = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	pthread_join(th, NULL);
}

static int has(const struct seen *s, pid_t tid)
{
	for (int i = 0; i < s->n && i < 8; i++)
		if (s->tids[i] == tid)
			return 1;
	return 0;
}

static void threads_of_self(void **state)
{
	(void)state;
	pthread_t th = start_worker();

	struct seen s = { 0 };
	assert_int_equal(proc_threads(getpid(), note, &s), 0);
	assert_int_equal(s.n, 2);
	assert_true(has(&s, getpid()) && has(&s, worker_tid));
	/* fn's nonzero ends the walk and is returned. */
	struct seen one = { .stop_after = 1 };
	assert_int_equal(proc_threads(getpid(), note, &one), 42);
	assert_int_equal(one.n, 1);

	/* Asleep in pthread_cond_wait, once it got past the unlock. */
	struct proc_stat st;
	for (int i = 0; i < 100; i++) {
		assert_int_equal(proc_stat_read(getpid(), worker_tid, &st), 0);
		if (st.state == 'S')
			break;
		sleep_ms(10);
	}
	assert_string_equal(st.comm, "as-worker");
	assert_int_equal(st.state, 'S');
	assert_int_equal(proc_stat_read(getpid(), 0, &st), 0);
	assert_int_equal(st.threads, 2);
	struct proc_status ps;
	assert_int_equal(proc_status_read(getpid(), 0, &ps), 0);
	assert_int_equal(ps.threads, 2);
	uint64_t vol, invol;
	assert_int_equal(proc_switches(getpid(), &vol, &invol), 0);
	assert_true(vol >= 1); /* the worker slept at least once */

	stop_worker(th);
}

/* A child that has exited: a zombie until reaped, then gone. */
static void zombie_then_gone(void **state)
{
	(void)state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	siginfo_t si;
	assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
	struct proc_stat st;
	assert_int_equal(proc_stat_read(pid, 0, &st), 0);
	assert_int_equal(st.state, 'Z');
	assert_int_equal(waitpid(pid, NULL, 0), pid);

	struct proc_status ps;
	struct seen s = { 0 };
	uint64_t vol, invol;
	assert_int_equal(proc_stat_read(pid, 0, &st), -ESRCH);
	assert_int_equal(proc_status_read(pid, 0, &ps), -ESRCH);
	assert_int_equal(proc_threads(pid, note, &s), -ESRCH);
	assert_int_equal(proc_switches(pid, &vol, &invol), -ESRCH);
	assert_int_equal(proc_stat_read(getpid(), pid, &st), -ESRCH); /* not our thread */
	assert_int_equal(proc_stat_read(0, 0, &st), -ESRCH);
	assert_int_equal(proc_stat_read(-1, 0, &st), -ESRCH);
}

/* Every process once, not its threads: ours and a child of ours are among them,
 * and a thread of ours is not. */
struct wanted {
	pid_t self, child, thread;
	int self_seen, child_seen, thread_seen, n;
};

static int look(pid_t pid, void *arg)
{
	struct wanted *w = arg;
	w->n++;
	w->self_seen += pid == w->self;
	w->child_seen += pid == w->child;
	w->thread_seen += pid == w->thread;
	return 0;
}

static void each_process(void **state)
{
	(void)state;
	pthread_t th = start_worker();
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		pause();
		_exit(0);
	}
	struct wanted w = { .self = getpid(), .child = child, .thread = worker_tid };
	assert_int_equal(proc_each(look, &w), 0);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	stop_worker(th);
	assert_int_equal(w.self_seen, 1);
	assert_int_equal(w.child_seen, 1);
	assert_int_equal(w.thread_seen, 0);
	assert_true(w.n >= 2);
}

/* Forty arguments, and the ready fd after them: the child reports its argument
 * count as its "port" (1000 + $#). */
static void start_passes_every_argument(void **state)
{
	(void)state;
	char *argv[64];
	char words[40][8];
	int n = 0;
	argv[n++] = "/bin/sh";
	argv[n++] = "-c";
	argv[n++] = "echo $(($# + 1000)) >&3";
	argv[n++] = "sh";
	for (int i = 0; i < 40; i++) {
		snprintf(words[i], sizeof(words[i]), "a%d", i);
		argv[n++] = words[i];
	}
	argv[n] = NULL;
	struct proc p;
	assert_int_equal(proc_start(&p, argv, NULL, 0, 5000), 0);
	assert_int_equal(p.port, 1000 + 40 + 2); /* "--ready-fd 3" appended */
	proc_stop(&p, 1000);
	assert_int_equal(p.pid, 0);
}

static void held_runs_nothing_until_released(void **state)
{
	(void)state;
	char mark[] = "/tmp/asyncscope-proc-XXXXXX";
	int fd = mkstemp(mark);
	assert_true(fd >= 0);
	close(fd);
	unlink(mark);
	char script[PATH_MAX + 16];
	snprintf(script, sizeof(script), "touch %s; exit 7", mark);
	char *argv[] = { "sh", "-c", script, NULL };

	/* Stopped while held: it never ran. */
	struct proc p;
	assert_int_equal(proc_start_held(&p, "/bin/sh", argv, NULL), 0);
	sleep_ms(50);
	assert_int_equal(proc_exited(&p), 0);
	proc_stop(&p, 1000);
	assert_int_equal(access(mark, F_OK), -1);
	assert_int_equal(proc_release(&p), -EINVAL);

	/* Released: it runs, and its exit status is kept. */
	assert_int_equal(proc_start_held(&p, "/bin/sh", argv, NULL), 0);
	sleep_ms(50);
	assert_int_equal(access(mark, F_OK), -1);
	assert_int_equal(proc_release(&p), 0);
	for (int i = 0; i < 500 && !proc_exited(&p); i++)
		sleep_ms(10);
	assert_true(WIFEXITED(p.status) && WEXITSTATUS(p.status) == 7);
	assert_int_equal(access(mark, F_OK), 0);
	unlink(mark);
	proc_stop(&p, 0);

	/* A zeroed struct proc stops as nothing. */
	struct proc none = { 0 };
	assert_int_equal(proc_stop(&none, 0), 0);
	assert_int_equal(proc_signal(&none, SIGTERM), -ESRCH);
}

/* A signal reaches a child until it is reaped, never after (its pid may be
 * another process's by then); proc_reap gives a forked child's status once. */
static void signal_and_reap(void **state)
{
	(void)state;
	char *argv[] = { "sleep", "30", NULL };
	struct proc p;
	assert_int_equal(proc_start_held(&p, "/bin/sleep", argv, NULL), 0);
	assert_int_equal(proc_release(&p), 0);
	assert_int_equal(proc_signal(&p, SIGKILL), 0);
	for (int i = 0; i < 500 && !proc_exited(&p); i++)
		sleep_ms(10);
	assert_true(WIFSIGNALED(p.status) && WTERMSIG(p.status) == SIGKILL);
	assert_int_equal(proc_signal(&p, SIGTERM), -ESRCH);
	proc_stop(&p, 0);

	pid_t pid = proc_fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(5);
	int st = 0;
	assert_int_equal(proc_reap(pid, &st), 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 5);
	assert_int_equal(proc_reap(pid, &st), -ECHILD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(stat_of_self),
	    cmocka_unit_test(status_of_self),
	    cmocka_unit_test(threads_of_self),
	    cmocka_unit_test(zombie_then_gone),
	    cmocka_unit_test(each_process),
	    cmocka_unit_test(start_passes_every_argument),
	    cmocka_unit_test(held_runs_nothing_until_released),
	    cmocka_unit_test(signal_and_reap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
