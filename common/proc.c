#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

const char *proc_bin_dir(void)
{
	static char dir[PATH_MAX];
	if (dir[0])
		return dir;
	/* Tests live elsewhere in the build tree and say where the binaries are. */
	const char *env = getenv("ASYNCSCOPE_BIN_DIR");
	if (env && *env && strlen(env) < sizeof(dir)) {
		strcpy(dir, env);
		return dir;
	}
	ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	if (n <= 0) {
		strcpy(dir, ".");
		return dir;
	}
	dir[n] = '\0';
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	return dir;
}

int proc_target_path(const char *name, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/target-%s", proc_bin_dir(), name);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return access(buf, X_OK) == 0 ? 0 : -ENOENT;
}

/* Reads "PORT\n" from fd within the deadline; the child closes its end when done,
 * or dies, and both end the wait early. */
static int read_port(int fd, pid_t pid, int timeout_ms)
{
	char buf[32];
	size_t got = 0;
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000ull;
	for (;;) {
		uint64_t now = now_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int wait = (int)((deadline - now) / 1000000ull) + 1;
		int r = poll(&pfd, 1, wait < 100 ? wait : 100);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0) {
			if (waitpid(pid, NULL, WNOHANG | WNOWAIT) == pid)
				return -ECHILD;
			continue;
		}
		ssize_t n = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (memchr(buf, '\n', got) || got == sizeof(buf) - 1)
			break;
	}
	buf[got] = '\0';
	char *end;
	long port = strtol(buf, &end, 10);
	if (got == 0 || end == buf || port <= 0 || port > 65535)
		return -ECHILD;
	return (int)port;
}

void proc_child_signals(const sigset_t *mask)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &dfl, NULL); /* fails harmlessly for SIGKILL, SIGSTOP */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, mask ? mask : &none, NULL);
}

pid_t proc_fork(void)
{
	return proc_fork_on(NULL);
}

pid_t proc_fork_on(const cpu_set_t *cpus)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	/* SIGKILL, not SIGTERM: once the harness is gone nobody stops, reaps or reads
	 * the child, so a graceful end buys nothing, and a target whose only thread
	 * is stuck in a blocking handler (/wrong on a loop) or a traced command that
	 * ignores SIGTERM would outlive a polite signal. The kernel sends it when the
	 * thread that called fork() exits, not the process: every caller forks from
	 * the main thread, which lives until bench exits. If the parent died before
	 * prctl() took effect, we were adopted already and no signal will come. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(127);
	/* Before exec, so that every thread the program will start inherits the
	 * set. A plain system call, safe here; the caller checked the set against
	 * its own affinity, so a refusal is the kernel's (CPUs gone offline since),
	 * and the child says so where its stderr goes. */
	if (cpus && sched_setaffinity(0, sizeof(*cpus), cpus) < 0) {
		static const char msg[] = "bench: cannot pin to the CPUs asked for\n";
		if (write(2, msg, sizeof(msg) - 1) < 0) {
			/* nowhere else to say it */
		}
		_exit(127);
	}
	return 0;
}

/* The child half of proc_start: only async-signal-safe calls between fork and
 * exec, since another thread of bench may have held a lock (malloc's, stdio's)
 * at the fork, and in the child nobody would ever release it. */
static void exec_target(char **args, int ready_fd, int keep_stdout, const char *stderr_path)
    __attribute__((noreturn));

static void exec_target(char **args, int ready_fd, int keep_stdout, const char *stderr_path)
{
	proc_child_signals(NULL);

	/* dup2 onto itself would keep close-on-exec. */
	if (ready_fd == 3 ? fcntl(3, F_SETFD, 0) < 0 : dup2(ready_fd, 3) < 0)
		_exit(127);
	int fd = keep_stdout ? 1 : open("/dev/null", O_WRONLY);
	if (fd < 0 || (fd != 1 && (dup2(fd, 1) < 0 || close(fd) < 0)))
		_exit(127);
	if (stderr_path) {
		fd = open(stderr_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || (fd != 2 && (dup2(fd, 2) < 0 || close(fd) < 0)))
			_exit(127);
	}
	execv(args[0], args);
	/* 127 as a shell says it; the line lands in the target's stderr.txt. */
	static const char msg[] = "cannot execute the target\n";
	if (write(2, msg, sizeof(msg) - 1) < 0) {
		/* nowhere else to say it */
	}
	_exit(127);
}

int proc_start(struct proc *p, char *const argv[], const char *stderr_path, int keep_stdout,
	       int timeout_ms)
{
	return proc_start_on(p, argv, stderr_path, keep_stdout, timeout_ms, NULL);
}

int proc_start_on(struct proc *p, char *const argv[], const char *stderr_path, int keep_stdout,
		  int timeout_ms, const cpu_set_t *cpus)
{
	memset(p, 0, sizeof(*p));
	int argc = 0;
	while (argv[argc])
		argc++;
	char **args = calloc((size_t)argc + 3, sizeof(*args));
	if (!args)
		return -ENOMEM;
	memcpy(args, argv, (size_t)argc * sizeof(*args));
	args[argc] = "--ready-fd";
	args[argc + 1] = "3";

	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		free(args);
		return -errno;
	}
	pid_t pid = proc_fork_on(cpus);
	if (pid == 0)
		exec_target(args, pipefd[1], keep_stdout, stderr_path);
	int err = pid < 0 ? -errno : 0;
	free(args);
	close(pipefd[1]);
	if (err) {
		close(pipefd[0]);
		return err;
	}
	p->pid = pid;
	int port = read_port(pipefd[0], p->pid, timeout_ms);
	close(pipefd[0]);
	if (port < 0) {
		proc_stop(p, 200);
		return port;
	}
	p->port = port;
	return 0;
}

/* The child half of proc_start_held: async-signal-safe calls only, as in
 * exec_target. The dispositions stay the caller's on purpose: the command is the
 * user's, started as a shell would start it. */
static void exec_held(int go_fd, const char *path, char *const argv[], const sigset_t *mask)
    __attribute__((noreturn));

static void exec_held(int go_fd, const char *path, char *const argv[], const sigset_t *mask)
{
	if (mask)
		sigprocmask(SIG_SETMASK, mask, NULL);
	char c;
	ssize_t n;
	do
		n = read(go_fd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(127); /* stopped before release: run nothing */
	execv(path, argv);
	/* 127 as a shell says it; write() and strlen() are async-signal-safe. */
	static const char msg[] = "bench: cannot execute ";
	if (write(2, msg, sizeof(msg) - 1) < 0 || write(2, path, strlen(path)) < 0 ||
	    write(2, "\n", 1) < 0) {
		/* nowhere else to say it */
	}
	_exit(127);
}

int proc_start_held(struct proc *p, const char *path, char *const argv[], const sigset_t *sigmask)
{
	memset(p, 0, sizeof(*p));
	/* A socket rather than a pipe: send() with MSG_NOSIGNAL says EPIPE, where a
	 * write to a pipe whose child died would kill bench with SIGPIPE. */
	int go[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, go) < 0)
		return -errno;
	pid_t pid = proc_fork();
	if (pid == 0) {
		close(go[1]); /* so that closing the parent's end reads as EOF */
		exec_held(go[0], path, argv, sigmask);
	}
	int err = pid < 0 ? -errno : 0;
	close(go[0]);
	if (err) {
		close(go[1]);
		return err;
	}
	p->pid = pid;
	p->held = 1;
	p->go_fd = go[1];
	return 0;
}

int proc_release(struct proc *p)
{
	if (!p->held)
		return -EINVAL;
	int err = send(p->go_fd, "g", 1, MSG_NOSIGNAL) == 1 ? 0 : -errno;
	close(p->go_fd);
	p->held = 0;
	return err;
}

int proc_exited(struct proc *p)
{
	if (!p->pid || p->reaped)
		return 1;
	int st;
	pid_t r = waitpid(p->pid, &st, WNOHANG);
	if (r == p->pid) {
		p->status = st;
		p->reaped = 1;
		return 1;
	}
	return 0;
}

int proc_signal(struct proc *p, int sig)
{
	if (!p->pid || p->reaped)
		return -ESRCH;
	return kill(p->pid, sig) ? -errno : 0;
}

int proc_reap(pid_t pid, int *status)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (status)
		*status = st;
	return 0;
}

int proc_stop(struct proc *p, int grace_ms)
{
	if (p->held) {
		close(p->go_fd); /* a held child reads EOF and exits 127 */
		p->held = 0;
	}
	if (!p->pid)
		return 0;
	if (!proc_exited(p)) {
		kill(p->pid, SIGTERM);
		uint64_t deadline = now_ns() + (uint64_t)grace_ms * 1000000ull;
		while (!proc_exited(p) && now_ns() < deadline) {
			struct timespec ts = { 0, 5 * 1000000 };
			nanosleep(&ts, NULL);
		}
		if (!proc_exited(p)) {
			kill(p->pid, SIGKILL);
			proc_reap(p->pid, &p->status);
			p->reaped = 1;
		}
	}
	p->pid = 0;
	return p->status;
}

const char *proc_describe(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by SIG%s",
			 sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "?");
	else
		snprintf(buf, len, "status %#x", status);
	return buf;
}

/* ---- /proc readers ---- */

/* "/proc/PID/FILE" or "/proc/PID/task/TID/FILE" into buf. */
static void proc_path(char *buf, size_t len, pid_t pid, pid_t tid, const char *file)
{
	if (tid)
		snprintf(buf, len, "/proc/%d/task/%d/%s", (int)pid, (int)tid, file);
	else
		snprintf(buf, len, "/proc/%d/%s", (int)pid, file);
}

/* A /proc file that cannot be opened or read means the task is gone: ENOENT
 * before it is opened, ESRCH when it exits in between. */
static int gone(int err)
{
	return err == ENOENT || err == ESRCH || err == ENOTDIR ? -ESRCH : -err;
}

/* A small /proc file of pid (or of its thread tid) into buf, NUL-terminated:
 * 0, or -ESRCH when the process or thread is gone, or -errno. */
static int read_small(pid_t pid, pid_t tid, const char *name, char *buf, size_t len)
{
	char path[64];
	if (pid <= 0 || tid < 0)
		return -ESRCH;
	proc_path(path, sizeof(path), pid, tid, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return gone(errno);
	ssize_t n = read(fd, buf, len - 1);
	int err = n < 0 ? gone(errno) : 0;
	close(fd);
	if (!err)
		buf[n] = '\0';
	return err;
}

int proc_wait_read(pid_t pid, pid_t tid, uint64_t *wait_ns)
{
	char buf[128];
	*wait_ns = 0;
	int err = read_small(pid, tid, "schedstat", buf, sizeof(buf));
	if (err)
		return err;
	/* "run_ns wait_ns timeslices" */
	unsigned long long run, wait;
	if (sscanf(buf, "%llu %llu", &run, &wait) != 2)
		return -EIO;
	*wait_ns = wait;
	return 0;
}

int proc_stat_read(pid_t pid, pid_t tid, struct proc_stat *st)
{
	char buf[1024];
	memset(st, 0, sizeof(*st));
	int err = read_small(pid, tid, "stat", buf, sizeof(buf));
	if (err)
		return err;
	/* "pid (comm) S ppid ...": comm may hold spaces and parentheses, so it ends
	 * at the last ')'. */
	char *open_paren = strchr(buf, '('), *close_paren = strrchr(buf, ')');
	if (!open_paren || !close_paren || close_paren < open_paren || close_paren[1] != ' ')
		return -EIO;
	size_t clen = (size_t)(close_paren - open_paren - 1);
	if (clen >= sizeof(st->comm))
		clen = sizeof(st->comm) - 1;
	memcpy(st->comm, open_paren + 1, clen);
	st->comm[clen] = '\0';
	int ppid;
	unsigned long long ut, stime;
	long threads;
	/* Fields 3 (state) to 20 (num_threads) of proc(5). */
	if (sscanf(close_paren + 2,
		   "%c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %ld",
		   &st->state, &ppid, &ut, &stime, &threads) != 5)
		return -EIO;
	st->ppid = (pid_t)ppid;
	st->threads = (int)threads;
	long tck = sysconf(_SC_CLK_TCK);
	st->cpu_ns = (ut + stime) * (1000000000ull / (uint64_t)(tck > 0 ? tck : 100));
	return 0;
}

int proc_status_read(pid_t pid, pid_t tid, struct proc_status *st)
{
	char path[64], line[256];
	memset(st, 0, sizeof(*st));
	if (pid <= 0 || tid < 0)
		return -ESRCH;
	proc_path(path, sizeof(path), pid, tid, "status");
	FILE *f = fopen(path, "re");
	if (!f)
		return gone(errno);
	while (fgets(line, sizeof(line), f)) {
		long long v;
		if (sscanf(line, "Tgid: %lld", &v) == 1)
			st->tgid = (pid_t)v;
		else if (sscanf(line, "Threads: %lld", &v) == 1)
			st->threads = (int)v;
		else if (sscanf(line, "VmRSS: %lld", &v) == 1)
			st->rss_kib = (long)v;
		else if (sscanf(line, "voluntary_ctxt_switches: %lld", &v) == 1)
			st->vol_switches = (uint64_t)v;
		else if (sscanf(line, "nonvoluntary_ctxt_switches: %lld", &v) == 1)
			st->invol_switches = (uint64_t)v;
	}
	int err = ferror(f) ? gone(errno) : 0;
	fclose(f);
	/* Every task has a Tgid line: without one, this is not a status file. */
	return err ? err : st->tgid > 0 ? 0 : -EIO;
}

/* fn for each numeric entry of the directory d names, until one returns nonzero. */
static int each_id(const char *dir, int (*fn)(pid_t id, void *arg), void *arg)
{
	DIR *d = opendir(dir);
	if (!d)
		return gone(errno);
	int rc = 0;
	struct dirent *e;
	while (!rc && (e = readdir(d))) {
		char *end;
		long id = strtol(e->d_name, &end, 10);
		if (*end || end == e->d_name || id <= 0)
			continue; /* ".", "..", "self", "sys", ... */
		rc = fn((pid_t)id, arg);
	}
	closedir(d);
	return rc;
}

int proc_threads(pid_t pid, int (*fn)(pid_t tid, void *arg), void *arg)
{
	char path[64];
	if (pid <= 0)
		return -ESRCH;
	proc_path(path, sizeof(path), pid, 0, "task");
	return each_id(path, fn, arg);
}

int proc_each(int (*fn)(pid_t pid, void *arg), void *arg)
{
	return each_id("/proc", fn, arg);
}

struct switches {
	pid_t pid;
	uint64_t vol, invol;
};

static int add_switches(pid_t tid, void *arg)
{
	struct switches *s = arg;
	struct proc_status st;
	if (proc_status_read(s->pid, tid, &st) == 0) { /* else it exited meanwhile */
		s->vol += st.vol_switches;
		s->invol += st.invol_switches;
	}
	return 0;
}

int proc_switches(pid_t pid, uint64_t *vol, uint64_t *invol)
{
	struct switches s = { .pid = pid };
	int err = proc_threads(pid, add_switches, &s);
	*vol = s.vol;
	*invol = s.invol;
	return err;
}
