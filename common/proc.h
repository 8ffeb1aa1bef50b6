/* Child processes of the harness: targets started on port 0 that report their
 * port through --ready-fd, and are always stopped and reaped. No shell anywhere,
 * and every child of bench dies with it, even of a SIGKILL no handler sees. */
#ifndef ASYNCSCOPE_PROC_H
#define ASYNCSCOPE_PROC_H

#include <sys/types.h>

struct proc {
	pid_t pid;  /* 0 when not running */
	int port;   /* what the child wrote to its ready fd */
	int status; /* wait status once reaped */
	int reaped;
};

/* fork() for every process bench starts (targets here, bench trace's command):
 * the child gets SIGKILL when the calling thread exits, so call it from the main
 * thread, or one that outlives the child. In the child (0 returned) only
 * async-signal-safe calls may follow, up to exec. -1 and errno when it fails. */
pid_t proc_fork(void);

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

/* SIGTERM, then SIGKILL after grace_ms; reaps. Returns the wait status. */
int proc_stop(struct proc *p, int grace_ms);

/* Non-blocking check: 1 and p->status set when the child has exited. */
int proc_exited(struct proc *p);

/* "exited 0", "killed by SIGSEGV", ... for a wait status. */
const char *proc_describe(int status, char *buf, size_t len);

#endif
