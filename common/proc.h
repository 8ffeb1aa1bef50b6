/* Processes, the one place bench deals with them: children started (targets on
 * port 0 that report their port through --ready-fd, or a command held until the
 * tracer is attached), always stopped and reaped; and what /proc says about any
 * process (its threads, CPU time, memory, context switches). No shell anywhere,
 * and every child of bench dies with it, even of a SIGKILL no handler sees. */
#ifndef ASYNCSCOPE_PROC_H
#define ASYNCSCOPE_PROC_H

#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

struct proc {
	pid_t pid;  /* 0 when not running */
	int port;   /* what the child wrote to its ready fd */
	int status; /* wait status once reaped */
	int reaped;
	int held; /* proc_start_held: waiting for proc_release on go_fd */
	int go_fd;
};

/* fork() for every process bench starts (targets here, bench trace's command):
 * the child gets SIGKILL when the calling thread exits, so call it from the main
 * thread, or one that outlives the child. In the child (0 returned) only
 * async-signal-safe calls may follow, up to exec. -1 and errno when it fails. */
pid_t proc_fork(void);
/* The same, the child pinned to cpus (NULL: the caller's affinity, inherited)
 * before it returns, so whatever it execs runs there with all its threads. A
 * child that cannot be pinned writes one line to its stderr and exits 127. */
pid_t proc_fork_on(const cpu_set_t *cpus);

/* In a child before exec: default dispositions (an ignored signal would stay
 * ignored across exec) and the signal mask given, or an empty one for NULL.
 * Async-signal-safe. */
void proc_child_signals(const sigset_t *mask);

/* The directory holding bench and the target-* executables: $ASYNCSCOPE_BIN_DIR,
 * or the directory of the running executable. */
const char *proc_bin_dir(void);

/* Path of build/bin/target-NAME in buf; -ENOENT when it does not exist. */
int proc_target_path(const char *name, char *buf, size_t len);

/* Starts argv (argv[0] a path) with "--ready-fd 3" appended, stderr to
 * stderr_path (NULL: inherited), stdout to /dev/null unless keep_stdout, and waits
 * up to timeout_ms for the port. 0 or a negative errno: -ETIMEDOUT when it never
 * became ready, -ECHILD when it exited first. On failure nothing is left running. */
int proc_start(struct proc *p, char *const argv[], const char *stderr_path, int keep_stdout,
	       int timeout_ms);
/* proc_start with the child pinned to cpus (proc_fork_on); NULL as proc_start. */
int proc_start_on(struct proc *p, char *const argv[], const char *stderr_path, int keep_stdout,
		  int timeout_ms, const cpu_set_t *cpus);

/* Forks a child that waits, then execs path with argv (argv[0] its name) under
 * sigmask (NULL: the caller's mask), signal dispositions inherited (a command
 * run under nohup keeps SIGHUP ignored). It runs nothing until proc_release, so
 * whatever watches it (the tracer) can attach first; stopped before that, it
 * exits 127 without running. 0 or a negative errno. */
int proc_start_held(struct proc *p, const char *path, char *const argv[], const sigset_t *sigmask);
int proc_release(struct proc *p);

/* SIGTERM, then SIGKILL after grace_ms; reaps. Returns the wait status, 0 when
 * there is no child. Safe to call again, or on a zeroed struct proc. */
int proc_stop(struct proc *p, int grace_ms);

/* Non-blocking check: 1 and p->status set when the child has exited. */
int proc_exited(struct proc *p);

/* Sends sig to the child while it is still ours: not reaped, so its pid cannot
 * have gone to another process (a zombie takes the signal harmlessly). 0,
 * -ESRCH when there is no child or it was reaped, or a negative errno. */
int proc_signal(struct proc *p, int sig);

/* Waits for the child pid to end and reaps it, through interruptions: for a
 * child forked with proc_fork whose plumbing is its own (plots/gp.c's gnuplot).
 * 0 with its wait status in *status (when not NULL), or a negative errno
 * (-ECHILD: not a child of ours, or already reaped). */
int proc_reap(pid_t pid, int *status);

/* "exited 0", "killed by SIGSEGV", ... for a wait status. */
const char *proc_describe(int status, char *buf, size_t len);

/* ---- any process, read from /proc ----
 * tid 0 means the process (its thread group), a tid one of its threads. Each
 * reader returns 0, or -ESRCH when the process or thread is gone (or was never
 * there), or -EIO when the file does not read as the kernel writes it. A process
 * may exit between two reads: figures from two calls need not agree. */

/* /proc/PID[/task/TID]/stat */
struct proc_stat {
	char comm[16]; /* as the kernel cuts it: 15 bytes at most */
	char state;    /* R, S, D, Z, X, ... */
	pid_t ppid;
	int threads;
	uint64_t cpu_ns; /* user + system, in clock ticks' resolution; for the
			  * process, its exited threads included */
};
int proc_stat_read(pid_t pid, pid_t tid, struct proc_stat *st);

/* /proc/PID[/task/TID]/schedstat: the time that thread (for the process, its
 * main thread only) spent runnable, waiting for a CPU, in ns. -ENOENT on a
 * kernel without schedstats (CONFIG_SCHED_INFO). */
int proc_wait_read(pid_t pid, pid_t tid, uint64_t *wait_ns);

/* /proc/PID[/task/TID]/status */
struct proc_status {
	pid_t tgid;
	int threads;
	long rss_kib; /* VmRSS; 0 for a kernel thread or a zombie */
	/* of that one thread, even for the process's file (its main thread) */
	uint64_t vol_switches, invol_switches;
};
int proc_status_read(pid_t pid, pid_t tid, struct proc_status *st);

/* Calls fn(tid, arg) for each thread of pid alive now, in /proc's order, until
 * fn returns nonzero, which is then returned. 0, or -ESRCH when pid is gone. */
int proc_threads(pid_t pid, int (*fn)(pid_t tid, void *arg), void *arg);

/* Calls fn(pid, arg) for each process alive now (not each thread), in /proc's
 * order, until fn returns nonzero, which is then returned. */
int proc_each(int (*fn)(pid_t pid, void *arg), void *arg);

/* Voluntary and involuntary context switches summed over pid's live threads
 * (a thread that has exited takes its counts with it). 0 or -ESRCH. */
int proc_switches(pid_t pid, uint64_t *vol, uint64_t *invol);

#endif
