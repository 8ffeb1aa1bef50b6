/* The epoll model: an event loop per thread, and nothing in it may block.
 *
 * Each loop thread has its own listening socket on the shared port (SO_REUSEPORT:
 * the kernel spreads connections over them) and owns its connections; nothing is
 * shared between threads (core/evconn.c reads, parses and writes for it). A request
 * that waits does not hold the thread: /async goes through two nested calls whose
 * wait is a timer in the loop, and the rest of each call runs as a continuation
 * when the timer fires (evconn_async). Meanwhile the loop serves everyone else, so
 * N sleeping requests finish together on one thread.
 *
 * /sync and /wrong call a blocking sleep on the loop thread, as an async framework
 * would if a handler did: every connection of that loop waits behind it. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "endpoint.h"
#include "evconn.h"
#include "log.h"
#include "server.h"

/* Runs a request on the loop thread: 1 when it is finished, 0 when it waits. */
static int start(struct evconn *c)
{
	struct job *job = &c->job;
	endpoint_enter(job);
	switch (job->ep) {
	case EP_ASYNC:
		evconn_async(c); /* returns at once; a timer continues it */
		return 0;
	case EP_SYNC:
	case EP_WRONG:
		endpoint_sleep(job); /* the loop stops here: that is the point */
		return 1;
	case EP_CPU: endpoint_burn(job); return 1;
	default: return 1;
	}
}

struct loop_thread {
	int lfd;
	int idle_ms;
};

static void *run_loop(void *arg)
{
	struct loop_thread *t = arg;
	struct loop *loop = loop_new();
	struct evserver srv;
	if (!loop || evserver_init(&srv, loop, t->lfd, t->idle_ms, start) < 0) {
		fprintf(stderr, "target-epoll: cannot start an event loop\n");
		exit(1);
	}
	loop_run(loop);
	evserver_fini(&srv);
	loop_free(loop);
	close(t->lfd);
	return NULL;
}

int main(int argc, char **argv)
{
	struct server_opts o;
	server_parse_opts(argc, argv, "epoll", &o);
	server_signals();
	struct loop_thread *threads = calloc((size_t)o.threads, sizeof(*threads));
	if (!threads)
		return 1;
	int *lfds = calloc((size_t)o.threads, sizeof(*lfds));
	if (!lfds || server_listen_loops(&o, lfds))
		return 1;
	for (int i = 0; i < o.threads; i++) {
		threads[i].idle_ms = o.idle_ms;
		threads[i].lfd = lfds[i];
	}
	free(lfds);
	if (server_run_loops(o.threads, run_loop, threads, sizeof(*threads)))
		return 1;
	free(threads);
	return 0;
}
