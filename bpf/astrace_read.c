/* The reader: the ring buffer drained on a timer into the reorder buffer and
 * the state machine (both pure: sm_reorder.h, sched_sm.h), stacks named as
 * they come; at the end, what the kernel still holds, and its counts. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "astrace_int.h" /* before the skeleton: it has the shared structs */
#include "astrace_bpf.skel.h"
#include "clock.h"

static int on_event(void *ctx, void *data, size_t size)
{
	struct astrace *t = ctx;
	/* A stack is named at once, while the process is there to be read. */
	if (size >= sizeof(struct as_event) && ((struct as_event *)data)->kind == AS_EV_STACK)
		where_add(&t->where, data, size);
	else if (size >= sizeof(struct as_event))
		sm_reorder_push(&t->ro, data); /* a failure is counted in ro.dropped */
	return 0;
}

/* Returns the kernel still holds (astrace.bpf.c folds a return until the
 * next entry says whether it mattered), read out by a task iterator (as_held):
 * task storage cannot be listed from userspace. A thread in a gap has its last
 * return pending; a thread back in its wait has its returns folded into the
 * count `quick`, the last at exit_ts, and its entry soon after (when exactly
 * is not kept: exit_ts stands for it). Sent as the kernel would have. */
static void flush_waits(struct astrace *t)
{
	struct bpf_link *l = bpf_program__attach_iter(t->skel->progs.as_held, NULL);
	int fd = l ? bpf_iter_create(bpf_link__fd(l)) : -1;
	struct as_held h;
	while (fd >= 0 && read(fd, &h, sizeof(h)) == (ssize_t)sizeof(h)) {
		const struct as_wait_state *w = &h.w;
		struct as_event e = { .ts = w->exit_ts,
				      .kind = AS_EV_WAIT_EXIT,
				      .flags = AS_WAIT_QUICK,
				      .syscall = w->key_nr,
				      .pid = h.tid,
				      .state = (uint32_t)w->key_fd,
				      .rt = (uint64_t)w->exit_ret,
				      .rt2 = w->pending ? w->quick : w->quick - 1 };
		if (sm_add_wait(&t->sm, &e))
			break;
		if (w->pending || !w->in_wait || w->entry_sent)
			continue;
		e.kind = AS_EV_WAIT_ENTER;
		e.flags = 0;
		e.syscall = w->entered_nr;
		e.state = (uint32_t)w->entered_fd;
		e.rt = w->entered_fd;
		e.rt2 = 0;
		if (sm_add_wait(&t->sm, &e))
			break;
	}
	if (fd >= 0)
		close(fd);
	bpf_link__destroy(l);
}

/* The last drain, after the detach: everything left goes to the state machine. */
void astrace__read_rest(struct astrace *t)
{
	ring_buffer__consume(t->rb);
	sm_reorder_flush(&t->ro, &t->sm);
	flush_waits(t);
}

/* Wakes every drain_ms: the programs submit without a wakeup, which keeps the
 * tracer from adding the very context switches it is counting, except when the
 * ring is half full (submit() in astrace.bpf.c), when the poll returns at once.
 * ring_buffer__poll only reads a ring its epoll reported, which a submit
 * without wakeup never makes it do: the consume after it reads what is there
 * either way (until it did, events waited for the end of the trace, and a
 * stack arrived after its process had gone, unnamed). */
static void *reader_main(void *arg)
{
	struct astrace *t = arg;
	while (!atomic_load(&t->quit)) {
		ring_buffer__poll(t->rb, (int)t->opts.drain_ms);
		ring_buffer__consume(t->rb);
		sm_reorder_release(&t->ro, &t->sm, now_ns());
	}
	return NULL;
}

uint64_t astrace__read_lost(struct astrace *t)
{
	int ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0)
		return 0;
	uint64_t *v = calloc((size_t)ncpu, sizeof(*v)), sum = 0;
	uint32_t zero = 0;
	if (v && !bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.lost), &zero, v))
		for (int i = 0; i < ncpu; i++)
			sum += v[i];
	free(v);
	return sum;
}

void astrace__read_prog_stats(struct astrace *t)
{
	struct bpf_program *p;
	t->st.nprogs = 0;
	bpf_object__for_each_program(p, t->skel->obj)
	{
		int fd = bpf_program__fd(p);
		if (fd < 0 || t->st.nprogs >= ASTRACE_MAX_PROGS)
			continue;
		struct bpf_prog_info info;
		uint32_t len = sizeof(info);
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		struct astrace_prog_stat *ps = &t->st.progs[t->st.nprogs++];
		snprintf(ps->name, sizeof(ps->name), "%s", bpf_program__name(p));
		ps->run_ns = info.run_time_ns;
		ps->run_cnt = info.run_cnt;
	}
}

void astrace__reader_stop(struct astrace *t)
{
	if (!t->reader_running)
		return;
	atomic_store(&t->quit, 1);
	pthread_join(t->reader, NULL);
	t->reader_running = 0;
}

int astrace__reader_new(struct astrace *t)
{
	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), on_event, t, NULL);
	return t->rb ? 0 : errno ? -errno : -ENOMEM;
}

int astrace__reader_start(struct astrace *t)
{
	atomic_store(&t->quit, 0);
	int rc = pthread_create(&t->reader, NULL, reader_main, t);
	if (rc)
		return -rc;
	t->reader_running = 1;
	return 0;
}
