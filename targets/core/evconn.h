/* Connections on an event loop, for the models whose loop thread must never block
 * on a socket (hybrid, epoll): accept, read what is there, parse, hand each request
 * to the model, write what is ready, time out idle clients, drain on shutdown.
 *
 * The model decides only how a request runs, through its start function:
 *   return 1: the job ran to its end on the loop thread; respond now;
 *   return 0: the job goes on elsewhere (a timer, a pool thread); the model calls
 *             evconn_done(c) on the loop thread when it is finished.
 * One request per connection runs at a time, so responses stay in order. */
#ifndef ASYNCSCOPE_EVCONN_H
#define ASYNCSCOPE_EVCONN_H

#include "listener.h"
#include "loop.h"
#include "session.h"

struct evserver;

struct evconn {
	struct session s;
	struct job job;
	struct evserver *srv;
	int busy;		/* a job is running outside the loop's read/write path */
	int events;		/* what the loop watches for this fd now */
	uint64_t idle_since;	/* last complete request (or accept) */
	struct loop_timer wait; /* the /async timer */
	struct evconn *queued;	/* free for the model: a link in its own queue */
	struct loop_timer idle;
	struct evconn *prev, *next;
};

typedef int (*evconn_start_fn)(struct evconn *c);

struct evserver {
	struct listener l;
	int idle_ms;
	evconn_start_fn start;
	struct evconn *conns;
};

/* Starts serving lfd on loop: watches it and the shutdown fd. */
int evserver_init(struct evserver *srv, struct loop *loop, int lfd, int idle_ms,
		  evconn_start_fn start);

/* After the loop ended: closes what is still open (the drain bound was reached). */
void evserver_fini(struct evserver *srv);

/* The job that start left running has finished (on the loop thread). */
void evconn_done(struct evconn *c);

/* Starts /async the loop way (two nested calls, the wait a loop timer, the rest as
 * continuations); the start function returns 0 after it. */
void evconn_async(struct evconn *c);

#endif
