#include "evconn.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "endpoint.h"
#include "log.h"
#include "server.h"

static void on_conn(struct loop *loop, int fd, int events, void *data);

/* The last step of a connection: nothing refers to c any more. */
static void conn_free(struct evconn *c)
{
	struct evserver *srv = c->srv;
	loop_timer_cancel(srv->l.loop, &c->idle);
	loop_timer_cancel(srv->l.loop, &c->wait);
	if (c->prev)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c);
	listener_closed(&srv->l);
}

/* Closes the socket at once (a reset peer, an error, a timeout). A job still
 * running for c (on a pool thread, behind a loop timer) holds c itself: then c
 * stays, orphaned, until the model hands the job back through evconn_done, so no
 * work ever finds its connection freed. Its descriptor is released now all the
 * same, and s.fd = -1 keeps anyone from writing to a number the kernel may give
 * to the next client. */
static void conn_close(struct evconn *c)
{
	struct evserver *srv = c->srv;
	if (c->s.fd >= 0) {
		loop_watch(srv->l.loop, c->s.fd, 0, NULL, NULL);
		close(c->s.fd);
		c->s.fd = -1;
	}
	if (c->busy)
		loop_timer_cancel(srv->l.loop, &c->idle);
	else
		conn_free(c);
}

static void set_events(struct evconn *c, int events)
{
	if (c->events != events) {
		loop_watch(c->srv->l.loop, c->s.fd, events, on_conn, c);
		c->events = events;
	}
}

/* Runs what can run, writes what is ready, and decides what to wait for next.
 * Returns 0, or -1 when c was closed. */
static int advance(struct evconn *c)
{
	struct evserver *srv = c->srv;
	for (;;) {
		while (!c->busy && session_next(&c->s, &c->job)) {
			c->idle_since = loop_now(srv->l.loop);
			if (!srv->start(c)) {
				c->busy = 1;
				break;
			}
			session_respond(&c->s, &c->job);
		}
		int full = session_output_full(&c->s);
		size_t unsent = c->s.out_len - c->s.out_sent;
		int err = session_flush(&c->s);
		if (c->s.out_len - c->s.out_sent < unsent)
			c->idle_since = loop_now(srv->l.loop); /* the client is reading */
		if (err == -EAGAIN) {
			set_events(c, LOOP_WRITE);
			return 0;
		}
		if (err < 0 || session_finished(&c->s) ||
		    (srv->l.stopping && !c->busy && c->s.in_off == c->s.in_len)) {
			conn_close(c);
			return -1;
		}
		if (!full || c->busy)
			break;
	}
	/* While a job runs, more pipelined input would only make a level-triggered
	 * loop spin: stop reading until it is done. */
	set_events(c, c->busy ? 0 : LOOP_READ);
	return 0;
}

static void on_conn(struct loop *loop, int fd, int events, void *data)
{
	(void)loop;
	(void)fd;
	struct evconn *c = data;
	if (events & LOOP_READ) {
		long n = session_read(&c->s);
		if (n < 0 && n != -EAGAIN) {
			conn_close(c);
			return;
		}
	}
	advance(c);
}

/* Idle clients are closed lazily: the timer fires every idle period and checks the
 * time of the last progress, so a busy connection costs no timer updates. Progress
 * is a complete request head, or response bytes taken by the kernel: a client
 * trickling bytes of a head is idle, and so is one that stops reading its answers
 * (nginx's send_timeout). A running job is never timed out here. */
static void on_idle(struct loop *loop, void *data)
{
	struct evconn *c = data;
	struct evserver *srv = c->srv;
	uint64_t limit = (uint64_t)srv->idle_ms * 1000000ull;
	uint64_t since = loop_now(loop) - c->idle_since;
	if (c->busy || since < limit) {
		loop_timer_arm(loop, &c->idle, c->busy ? limit : limit - since, on_idle, c);
		return;
	}
	if (session_has_output(&c->s))
		log_server("fd %d: client read nothing for %d ms, closing", c->s.fd, srv->idle_ms);
	else
		log_server("fd %d: no complete request within %d ms, closing", c->s.fd,
			   srv->idle_ms);
	conn_close(c);
}

void evconn_done(struct evconn *c)
{
	c->busy = 0;
	if (c->s.fd < 0) { /* orphaned by conn_close while the job ran */
		conn_free(c);
		return;
	}
	c->idle_since = loop_now(c->srv->l.loop);
	session_respond(&c->s, &c->job);
	advance(c);
}

static void on_accepted(struct listener *l, int fd)
{
	struct evserver *srv = l->data;
	struct evconn *c = malloc(sizeof(*c));
	if (!c) {
		close(fd);
		listener_closed(l);
		return;
	}
	session_init(&c->s, fd);
	c->srv = srv;
	c->busy = 0;
	c->events = 0;
	c->idle_since = loop_now(l->loop);
	c->wait.slot = 0;
	c->idle.slot = 0;
	c->prev = NULL;
	c->next = srv->conns;
	if (srv->conns)
		srv->conns->prev = c;
	srv->conns = c;
	loop_timer_arm(l->loop, &c->idle, (uint64_t)srv->idle_ms * 1000000ull, on_idle, c);
	/* Data usually arrives with or right after the handshake: try it now. */
	on_conn(l->loop, fd, LOOP_READ, c);
}

/* Shutdown: close connections with nothing in flight; the others finish their
 * requests, and the listener ends the loop with the last one. */
static void on_stopping(struct listener *l)
{
	struct evserver *srv = l->data;
	struct evconn *next;
	for (struct evconn *c = srv->conns; c; c = next) {
		next = c->next;
		if (!c->busy && !session_has_output(&c->s))
			conn_close(c);
	}
}

int evserver_init(struct evserver *srv, struct loop *loop, int lfd, int idle_ms,
		  evconn_start_fn start)
{
	*srv = (struct evserver){.idle_ms = idle_ms, .start = start};
	return listener_init(&srv->l, loop, lfd, on_accepted, on_stopping, srv);
}

void evserver_fini(struct evserver *srv)
{
	listener_fini(&srv->l);
	while (srv->conns) {
		/* The loop has ended: no timer fires and the model holds no job. */
		srv->conns->busy = 0;
		conn_close(srv->conns);
	}
}

/* /async on a loop: depth 1 calls depth 2, depth 2 starts a timer and returns to
 * the loop. When the timer fires, the rest of depth 2 and then of depth 1 run as
 * continuations, and the response is written. Nothing blocks the loop meanwhile. */
static void async_depth2_done(struct loop *loop, void *data)
{
	(void)loop;
	struct evconn *c = data;
	endpoint_wait_end(&c->job);
	log_job(&c->job, "depth 2: done");
	log_job(&c->job, "depth 1: done"); /* depth 1's continuation: nothing after the call */
	evconn_done(c);
}

static void async_depth2(struct evconn *c)
{
	log_job(&c->job, "depth 2: waiting %u ms", c->job.arg);
	endpoint_wait_start(&c->job);
	loop_timer_arm(c->srv->l.loop, &c->wait, (uint64_t)c->job.arg * 1000000ull, async_depth2_done,
		       c);
}

void evconn_async(struct evconn *c)
{
	log_job(&c->job, "depth 1: calling depth 2");
	async_depth2(c);
}
