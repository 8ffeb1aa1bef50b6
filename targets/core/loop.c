#include "loop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "clock.h"

struct watch {
	int events;
	loop_fd_fn fn;
	void *data;
};

struct loop {
	int epfd;
	int stopped;
	uint64_t now;
	struct watch *watches; /* indexed by fd */
	size_t nwatches;
	struct loop_timer **heap; /* min-heap on when */
	size_t nheap, heapcap;
};

struct loop *loop_new(void)
{
	struct loop *loop = calloc(1, sizeof(*loop));
	if (!loop)
		return NULL;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		free(loop);
		return NULL;
	}
	loop->now = now_ns();
	return loop;
}

void loop_free(struct loop *loop)
{
	if (!loop)
		return;
	close(loop->epfd);
	free(loop->watches);
	free(loop->heap);
	free(loop);
}

int loop_watch(struct loop *loop, int fd, int events, loop_fd_fn fn, void *data)
{
	if (fd < 0)
		return -EBADF;
	if ((size_t)fd >= loop->nwatches) {
		size_t n = loop->nwatches ? loop->nwatches : 64;
		while (n <= (size_t)fd)
			n *= 2;
		struct watch *w = realloc(loop->watches, n * sizeof(*w));
		if (!w)
			return -ENOMEM;
		memset(w + loop->nwatches, 0, (n - loop->nwatches) * sizeof(*w));
		loop->watches = w;
		loop->nwatches = n;
	}
	struct watch *w = &loop->watches[fd];
	struct epoll_event ev = {.data.fd = fd};
	ev.events = (events & LOOP_READ ? EPOLLIN : 0) | (events & LOOP_WRITE ? EPOLLOUT : 0);
	int op = !events ? EPOLL_CTL_DEL : w->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (!events && !w->events)
		return 0;
	if (epoll_ctl(loop->epfd, op, fd, &ev) < 0 && op != EPOLL_CTL_DEL)
		return -errno;
	w->events = events;
	w->fn = fn;
	w->data = data;
	return 0;
}

/* Heap slots are 1-based so that 0 can mean "not armed". */
static int earlier(struct loop *loop, size_t a, size_t b)
{
	return loop->heap[a - 1]->when < loop->heap[b - 1]->when;
}

static void swap(struct loop *loop, size_t a, size_t b)
{
	struct loop_timer *t = loop->heap[a - 1];
	loop->heap[a - 1] = loop->heap[b - 1];
	loop->heap[b - 1] = t;
	loop->heap[a - 1]->slot = a;
	loop->heap[b - 1]->slot = b;
}

static void sift_up(struct loop *loop, size_t i)
{
	while (i > 1 && earlier(loop, i, i / 2)) {
		swap(loop, i, i / 2);
		i /= 2;
	}
}

static void sift_down(struct loop *loop, size_t i)
{
	for (;;) {
		size_t m = i, l = 2 * i, r = 2 * i + 1;
		if (l <= loop->nheap && earlier(loop, l, m))
			m = l;
		if (r <= loop->nheap && earlier(loop, r, m))
			m = r;
		if (m == i)
			return;
		swap(loop, i, m);
		i = m;
	}
}

void loop_timer_cancel(struct loop *loop, struct loop_timer *t)
{
	size_t i = t->slot;
	if (!i)
		return;
	swap(loop, i, loop->nheap);
	loop->nheap--;
	t->slot = 0;
	if (i <= loop->nheap) {
		sift_up(loop, i);
		sift_down(loop, i);
	}
}

void loop_timer_arm(struct loop *loop, struct loop_timer *t, uint64_t delay_ns, loop_timer_fn fn,
		    void *data)
{
	loop_timer_cancel(loop, t);
	if (loop->nheap == loop->heapcap) {
		size_t cap = loop->heapcap ? loop->heapcap * 2 : 64;
		struct loop_timer **h = realloc(loop->heap, cap * sizeof(*h));
		if (!h)
			abort(); /* a timer that silently never fires would be worse */
		loop->heap = h;
		loop->heapcap = cap;
	}
	uint64_t now = now_ns();
	/* Saturate: a far-off delay must not wrap around into the past and spin. */
	t->when = delay_ns > UINT64_MAX - now ? UINT64_MAX : now + delay_ns;
	t->fn = fn;
	t->data = data;
	loop->heap[loop->nheap++] = t;
	t->slot = loop->nheap;
	sift_up(loop, t->slot);
}

static void run_timers(struct loop *loop)
{
	while (loop->nheap && loop->heap[0]->when <= loop->now) {
		struct loop_timer *t = loop->heap[0];
		loop_timer_cancel(loop, t);
		t->fn(loop, t->data);
	}
}

void loop_run(struct loop *loop)
{
	struct epoll_event evs[256];
	while (!loop->stopped) {
		int timeout = -1;
		if (loop->nheap) {
			uint64_t now = now_ns(), when = loop->heap[0]->when;
			/* Round up: waking a little late is fine, early means a wasted spin. */
			timeout = when <= now ? 0 : (int)((when - now + 999999) / 1000000);
		}
		int n = epoll_wait(loop->epfd, evs, 256, timeout);
		loop->now = now_ns();
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			/* An earlier handler in this batch may have closed or replaced fd. */
			struct watch *w = (size_t)fd < loop->nwatches ? &loop->watches[fd] : NULL;
			if (!w || !w->events)
				continue;
			int ev = 0;
			if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				ev |= LOOP_READ;
			if (evs[i].events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
				ev |= LOOP_WRITE;
			ev &= w->events;
			if (ev)
				w->fn(loop, fd, ev, w->data);
		}
		run_timers(loop);
	}
}

void loop_stop(struct loop *loop)
{
	loop->stopped = 1;
}

uint64_t loop_now(const struct loop *loop)
{
	return loop->now;
}
