/* The coroutine model: a stackful coroutine per connection over one epoll loop.
 *
 * Each connection's code is written as if it blocked: read a request, run the
 * handler, write the response, read the next. Where it would block, it yields
 * instead: a read or write that would return EAGAIN registers the socket with the
 * loop and switches back to the scheduler; a wait arms a loop timer and does the
 * same. When the socket is ready or the timer fires, the loop switches back into
 * the coroutine, which carries on where it stopped, with its whole call stack (so
 * /async's two nested calls are plain nested calls). One thread, many stacks.
 *
 * /sync and /wrong call a blocking sleep inside a coroutine: no yield, so the loop
 * and every other coroutine wait for it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "coro.h"
#include "endpoint.h"
#include "listener.h"
#include "log.h"
#include "loop.h"
#include "server.h"
#include "session.h"

struct conn {
	struct session s;
	struct coro *co;
	int waiting; /* LOOP_READ, LOOP_WRITE or 0 (a timer) while suspended */
	int watched; /* events the loop watches for this fd */
	int woke_by; /* what resumed it: LOOP_READ/LOOP_WRITE, or 0 for the timer */
	struct loop_timer timer;
	struct conn *prev, *next;
};

static struct loop *loop;
static struct listener listener; /* accepts; ends the loop on shutdown */
static int idle_ms;
static size_t stack_bytes;
static struct conn *conns; /* every live connection, for shutdown */

/* ---- the scheduler side: resume a coroutine when what it waits for happens ---- */

static void resume(struct conn *c, int why)
{
	c->woke_by = why;
	coro_resume(c->co);
	if (!coro_done(c->co))
		return;
	/* The coroutine returned: its connection is over. */
	loop_watch(loop, c->s.fd, 0, NULL, NULL);
	loop_timer_cancel(loop, &c->timer);
	close(c->s.fd);
	coro_free(c->co);
	if (c->prev)
		c->prev->next = c->next;
	else
		conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c);
	listener_closed(&listener);
}

static void on_ready(struct loop *l, int fd, int events, void *data)
{
	(void)l;
	(void)fd;
	struct conn *c = data;
	if (c->waiting & events)
		resume(c, c->waiting & events);
}

static void on_timer(struct loop *l, void *data)
{
	(void)l;
	resume(data, 0);
}

/* ---- inside a coroutine: waits that yield instead of blocking ---- */

static void watch(struct conn *c, int events)
{
	if (c->watched != events) {
		loop_watch(loop, c->s.fd, events, on_ready, c);
		c->watched = events;
	}
}

/* Yields until fd has events, or until the deadline (0: none). 0, or -ETIMEDOUT. */
static int wait_fd(struct conn *c, int events, uint64_t deadline)
{
	watch(c, events);
	if (deadline)
		loop_timer_arm(loop, &c->timer, deadline > now_ns() ? deadline - now_ns() : 0,
			       on_timer, c);
	c->waiting = events;
	coro_yield();
	c->waiting = 0;
	loop_timer_cancel(loop, &c->timer);
	return c->woke_by ? 0 : -ETIMEDOUT;
}

/* Yields for ms milliseconds; the socket is not watched meanwhile, so pipelined
 * input does not wake a level-triggered loop for nothing. */
static void sleep_ms(struct conn *c, uint32_t ms)
{
	watch(c, 0);
	loop_timer_arm(loop, &c->timer, (uint64_t)ms * 1000000ull, on_timer, c);
	c->waiting = 0;
	coro_yield();
}

static void async_depth2(struct conn *c, struct job *job)
{
	log_job(job, "depth 2: waiting %u ms", job->arg);
	endpoint_wait_start(job);
	sleep_ms(c, job->arg); /* yields: the loop runs other coroutines meanwhile */
	endpoint_wait_end(job);
	log_job(job, "depth 2: done");
}

static void async_depth1(struct conn *c, struct job *job)
{
	log_job(job, "depth 1: calling depth 2");
	async_depth2(c, job);
	log_job(job, "depth 1: done");
}

static void handle(struct conn *c, struct job *job)
{
	endpoint_enter(job);
	switch (job->ep) {
	case EP_ASYNC: async_depth1(c, job); break;
	case EP_SYNC:
	case EP_WRONG:
		endpoint_sleep(job); /* no yield: the whole loop sleeps */
		break;
	case EP_CPU: endpoint_burn(job); break;
	default: break;
	}
}

/* Writes every queued response. A client that takes none of it for idle_ms (it
 * never reads) is given up on: -ETIMEDOUT. Each wakeup that sent something starts
 * a fresh allowance, as nginx's send_timeout does. */
static int flush(struct conn *c)
{
	int err;
	while ((err = session_flush(&c->s)) == -EAGAIN) {
		if (wait_fd(c, LOOP_WRITE, now_ns() + (uint64_t)idle_ms * 1000000ull) < 0) {
			log_server("fd %d: client read nothing for %d ms, closing", c->s.fd,
				   idle_ms);
			return -ETIMEDOUT;
		}
	}
	return err;
}

/* The whole life of a connection, written straight through. */
static void serve(void *arg)
{
	struct conn *c = arg;
	uint64_t head_deadline = now_ns() + (uint64_t)idle_ms * 1000000ull;
	for (;;) {
		struct job job;
		int ran = 0;
		while (session_next(&c->s, &job)) {
			handle(c, &job);
			session_respond(&c->s, &job);
			ran = 1;
		}
		int full = session_output_full(&c->s);
		if (flush(c) < 0 || c->s.closing)
			return;
		if (full)
			continue;
		if (ran)
			head_deadline = now_ns() + (uint64_t)idle_ms * 1000000ull;
		if (listener.stopping && c->s.in_off == c->s.in_len)
			return;
		long n = session_read(&c->s);
		if (n == -EAGAIN) {
			if (wait_fd(c, LOOP_READ, head_deadline) < 0) {
				log_server("fd %d: no complete request within %d ms, closing",
					   c->s.fd, idle_ms);
				return;
			}
			continue;
		}
		if (n < 0)
			return;
	}
}

/* ---- accepting and stopping ---- */

static void on_accepted(struct listener *l, int fd)
{
	(void)l;
	struct conn *c = calloc(1, sizeof(*c));
	if (c)
		c->co = coro_new(serve, c, stack_bytes);
	if (!c || !c->co) {
		log_server("cannot start a coroutine: %s", strerror(errno));
		free(c);
		close(fd);
		listener_closed(&listener);
		return;
	}
	session_init(&c->s, fd);
	c->next = conns;
	if (conns)
		conns->prev = c;
	conns = c;
	resume(c, LOOP_READ);
}

/* Shutdown: coroutines waiting for a new request are woken so they see that the
 * listener is stopping and end; the others finish their request first. */
static void on_stopping(struct listener *l)
{
	(void)l;
	struct conn *next;
	for (struct conn *c = conns; c; c = next) {
		next = c->next;
		if (c->waiting == LOOP_READ)
			resume(c, LOOP_READ);
	}
}

int main(int argc, char **argv)
{
	struct server_opts o;
	server_parse_opts(argc, argv, "coroutine", &o);
	idle_ms = o.idle_ms;
	stack_bytes = (size_t)o.stack_kib * 1024;
	server_signals();
	int lfd = server_listen(&o, o.port, 0);
	if (lfd < 0) {
		fprintf(stderr, "target-coroutine: cannot listen on %s:%d: %s\n", o.bind, o.port,
			strerror(-lfd));
		return 1;
	}
	loop = loop_new();
	if (!loop || listener_init(&listener, loop, lfd, on_accepted, on_stopping, NULL) < 0) {
		fprintf(stderr, "target-coroutine: cannot start the event loop\n");
		return 1;
	}
	server_ready(&o, server_port(lfd));
	loop_run(loop);
	/* Past the drain bound, suspended coroutines are abandoned with the process. */
	listener_fini(&listener);
	loop_free(loop);
	close(lfd);
	return 0;
}
