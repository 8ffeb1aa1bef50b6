#include "listener.h"

#include <errno.h>
#include <stdint.h>

#include "log.h"
#include "server.h"

#define DRAIN_MAX_NS (10ull * 1000000000ull) /* shutdown waits this long at most */

static void on_accept(struct loop *loop, int lfd, int events, void *data)
{
	(void)loop;
	(void)events;
	struct listener *l = data;
	/* A bounded batch per wakeup keeps one loop from starving its connections. */
	for (int i = 0; i < 64 && !l->stopping; i++) {
		int fd = server_accept(lfd, 1);
		if (fd == -EAGAIN)
			return;
		if (fd < 0)
			continue; /* -EMFILE: shed, go on */
		l->nconns++;
		l->accepted(l, fd);
	}
}

static void on_drain_timeout(struct loop *loop, void *data)
{
	(void)data;
	loop_stop(loop);
}

static void on_stop(struct loop *loop, int fd, int events, void *data)
{
	(void)fd;
	(void)events;
	struct listener *l = data;
	loop_watch(loop, server_stop_fd(), 0, NULL, NULL);
	loop_watch(loop, l->lfd, 0, NULL, NULL);
	l->stopping = 1;
	log_server("stopping, %d connections open", l->nconns);
	l->on_stopping(l);
	if (l->nconns == 0)
		loop_stop(loop);
	else
		loop_timer_arm(loop, &l->drain, DRAIN_MAX_NS, on_drain_timeout, l);
}

int listener_init(struct listener *l, struct loop *loop, int lfd, listener_accepted_fn accepted,
		  listener_stopping_fn stopping, void *data)
{
	*l = (struct listener){.loop = loop,
			       .lfd = lfd,
			       .accepted = accepted,
			       .on_stopping = stopping,
			       .data = data};
	int err = loop_watch(loop, lfd, LOOP_READ, on_accept, l);
	if (err < 0)
		return err;
	return loop_watch(loop, server_stop_fd(), LOOP_READ, on_stop, l);
}

void listener_closed(struct listener *l)
{
	l->nconns--;
	if (l->stopping && l->nconns == 0)
		loop_stop(l->loop);
}

void listener_fini(struct listener *l)
{
	l->stopping = 0; /* a model closing what is left must not stop the loop again */
	loop_timer_cancel(l->loop, &l->drain);
	loop_watch(l->loop, l->lfd, 0, NULL, NULL);
	loop_watch(l->loop, server_stop_fd(), 0, NULL, NULL);
}
