/* The listening side of an event-loop server, shared by every model that runs a
 * loop (hybrid, epoll, coroutine): accept in bounded batches, and on shutdown stop
 * accepting, let the model close what is idle, and end the loop when the last
 * connection is gone or at the drain bound, whichever comes first.
 *
 * The model supplies two callbacks, both called on the loop thread:
 *   accepted(l, fd)  a new non-blocking connection is its to serve;
 *   stopping(l)      shutdown began: close idle connections now, let the others
 *                    finish; call listener_closed(l) each time one ends. */
#ifndef ASYNCSCOPE_LISTENER_H
#define ASYNCSCOPE_LISTENER_H

#include "loop.h"

struct listener;
typedef void (*listener_accepted_fn)(struct listener *l, int fd);
typedef void (*listener_stopping_fn)(struct listener *l);

struct listener {
	struct loop *loop;
	int lfd;
	int stopping; /* shutdown began: no more accepts */
	int nconns;   /* connections the model holds */
	listener_accepted_fn accepted;
	listener_stopping_fn on_stopping;
	void *data;  /* for the callbacks */
	struct loop_timer drain;
};

/* Watches lfd and the shutdown fd on loop. 0 or a negative errno. */
int listener_init(struct listener *l, struct loop *loop, int lfd, listener_accepted_fn accepted,
		  listener_stopping_fn stopping, void *data);

/* A connection of the model's ended: during shutdown, the last one ends the loop. */
void listener_closed(struct listener *l);

/* After the loop ended: stops watching; the model frees what it still holds. */
void listener_fini(struct listener *l);

#endif
