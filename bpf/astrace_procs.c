/* The traced process as /proc shows it at the attach: its threads (named, and
 * the syscall each sleeps in) and its child processes. What is born after the
 * attach the fork hook reports. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "astrace_int.h" /* before the skeleton: it has the shared structs */
#include "astrace_bpf.skel.h"
#include "proc.h"

struct thread_walk {
	struct astrace *t;
	pid_t pid;
};

/* The syscall a thread is blocked in now, from /proc/PID/task/TID/syscall: its
 * first field is the number, or "running", or -1 outside a syscall. -1 when
 * none or unreadable (it needs ptrace rights, which the tracer has). */
static int blocked_syscall(pid_t pid, pid_t tid)
{
	char path[64], buf[32] = { 0 };
	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", (int)pid, (int)tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || buf[0] < '0' || buf[0] > '9')
		return -1;
	return atoi(buf);
}

static int add_thread(pid_t tid, void *arg)
{
	struct thread_walk *w = arg;
	struct proc_stat st;
	/* A thread gone since the listing has no name; it is added anyway, as an
	 * exit event may still come for it. */
	proc_stat_read(w->pid, tid, &st);
	sm_add_thread(&w->t->sm, (uint32_t)tid, (uint32_t)w->pid, st.comm);
	/* Its unknown stretch gets a name when it sleeps through the attach: a
	 * sleep that began before it has no switch to name it. Read after the
	 * attach, so a thread that woke meanwhile may name its next sleep. */
	sm_unknown_syscall(&w->t->sm, (uint32_t)tid, blocked_syscall(w->pid, tid));
	return 0;
}

/* Threads alive at attach: they get an interval even if they never run. */
int astrace__add_threads(struct astrace *t, pid_t pid)
{
	struct thread_walk w = { t, pid };
	return proc_threads(pid, add_thread, &w);
}

/* The parent pid from /proc/PID/stat, -1 when it cannot be read. */
static pid_t parent_of(pid_t pid)
{
	struct proc_stat st;
	return proc_stat_read(pid, 0, &st) ? -1 : st.ppid;
}

/* Child processes that exist before the attach (a server's workers): the
 * fork hook only sees the ones created after. Walks /proc once, then follows
 * parent links up to pid; a process forked meanwhile is caught by the hook. */
struct family {
	pid_t root;
	size_t n, cap;
	struct pp {
		pid_t pid, ppid;
	} * v;
};

static int note_parent(pid_t pid, void *arg)
{
	struct family *f = arg;
	pid_t ppid = parent_of(pid);
	if (pid == f->root || ppid <= 0)
		return 0;
	if (f->n == f->cap) {
		size_t nc = f->cap ? f->cap * 2 : 256;
		struct pp *q = realloc(f->v, nc * sizeof(*q));
		if (!q)
			return -ENOMEM; /* the fork hook still sees new children */
		f->v = q;
		f->cap = nc;
	}
	f->v[f->n].pid = pid;
	f->v[f->n++].ppid = ppid;
	return 0;
}

void astrace__add_children(struct astrace *t, pid_t root)
{
	struct family f = { .root = root };
	proc_each(note_parent, &f);
	size_t n = f.n;
	struct pp *v = f.v;
	/* Repeat until no new descendant turns up: parents may be listed after
	 * their children. Depth is small in practice. */
	int fd = bpf_map__fd(t->skel->maps.traced);
	for (int changed = 1; changed;) {
		changed = 0;
		for (size_t i = 0; i < n; i++) {
			uint32_t parent = (uint32_t)v[i].ppid, child = (uint32_t)v[i].pid;
			uint8_t one = 1, *dummy = &one;
			if (v[i].pid == 0)
				continue;
			if (parent != (uint32_t)root && bpf_map_lookup_elem(fd, &parent, dummy))
				continue;
			if (bpf_map_update_elem(fd, &child, &one, BPF_ANY))
				continue;
			t->skel->bss->others = 1; /* the programs now look in the map */
			astrace__add_threads(t, v[i].pid);
			v[i].pid = 0; /* done */
			changed = 1;
		}
	}
	free(v);
}
