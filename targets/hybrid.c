/* The hybrid model: one event loop, plus a pool of worker threads for plain
 * handlers. This is how FastAPI (Starlette on anyio) runs a `def` endpoint: the
 * loop thread parses the request and hands the handler to a thread of the pool
 * (anyio's default limit is 40); the worker may block as it likes; when it is done
 * it queues the result and wakes the loop through an eventfd, and the loop writes
 * the response. With --pool 2, six one-second /sync requests take three seconds:
 * three waves of two.
 *
 * /async is an `async def`: its wait is a timer in the loop, as in the epoll model.
 * /wrong is an `async def` that calls a blocking sleep: it runs on the loop thread
 * and stops it, and every other connection waits. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "endpoint.h"
#include "evconn.h"
#include "log.h"
#include "server.h"

/* The pool: a queue of connections whose job waits for a worker, and a queue of
 * finished ones for the loop. Both are intrusive lists through evconn.queued, so
 * handing work over allocates nothing. */
struct pool {
	pthread_mutex_t lock;
	pthread_cond_t work;
	struct evconn *todo_head, **todo_tail;
	struct evconn *done_head, **done_tail;
	int wake_fd; /* eventfd: a worker finished something */
	int quit;
	int running; /* handlers on workers now */
};

static struct pool pool = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .work = PTHREAD_COND_INITIALIZER,
    .todo_tail = &pool.todo_head,
    .done_tail = &pool.done_head,
};

static void push(struct evconn ***tail, struct evconn *c)
{
	c->queued = NULL;
	**tail = c;
	*tail = &c->queued;
}

static void *worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&pool.lock);
	for (;;) {
		while (!pool.todo_head && !pool.quit)
			pthread_cond_wait(&pool.work, &pool.lock);
		if (pool.quit)
			break;
		struct evconn *c = pool.todo_head;
		pool.todo_head = c->queued;
		if (!pool.todo_head)
			pool.todo_tail = &pool.todo_head;
		pool.running++;
		pthread_mutex_unlock(&pool.lock);

		endpoint_run(&c->job); /* a `def` handler: blocks this worker, nobody else */

		pthread_mutex_lock(&pool.lock);
		pool.running--;
		push(&pool.done_tail, c);
		uint64_t one = 1;
		ssize_t w = write(pool.wake_fd, &one, sizeof(one));
		(void)w;
	}
	pthread_mutex_unlock(&pool.lock);
	return NULL;
}

/* On the loop thread: the workers finished these; respond to each. */
static void on_wake(struct loop *loop, int fd, int events, void *data)
{
	(void)loop;
	(void)events;
	(void)data;
	uint64_t n;
	ssize_t r = read(fd, &n, sizeof(n));
	(void)r;
	pthread_mutex_lock(&pool.lock);
	struct evconn *c = pool.done_head;
	pool.done_head = NULL;
	pool.done_tail = &pool.done_head;
	pthread_mutex_unlock(&pool.lock);
	while (c) {
		struct evconn *next = c->queued;
		evconn_done(c);
		c = next;
	}
}

static int start(struct evconn *c)
{
	struct job *job = &c->job;
	if (job->ep == EP_SYNC) {
		/* A `def` handler: to the pool. The worker enters the handler, so its
		 * probe shows the time the request queued for a free worker. */
		log_job(job, "offloaded to the pool");
		pthread_mutex_lock(&pool.lock);
		push(&pool.todo_tail, c);
		pthread_cond_signal(&pool.work);
		pthread_mutex_unlock(&pool.lock);
		return 0;
	}
	endpoint_enter(job);
	switch (job->ep) {
	case EP_ASYNC:
		evconn_async(c); /* a loop timer, as in the epoll model */
		return 0;
	case EP_WRONG:
		endpoint_sleep(job); /* blocks the loop: the mistake */
		return 1;
	case EP_CPU: endpoint_burn(job); return 1;
	default: return 1;
	}
}

int main(int argc, char **argv)
{
	struct server_opts o;
	server_parse_opts(argc, argv, "hybrid", &o);
	server_signals();
	int lfd = server_listen(&o, o.port, 0);
	if (lfd < 0) {
		fprintf(stderr, "target-hybrid: cannot listen on %s:%d: %s\n", o.bind, o.port,
			strerror(-lfd));
		return 1;
	}
	pool.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct loop *loop = loop_new();
	struct evserver srv;
	if (pool.wake_fd < 0 || !loop ||
	    evserver_init(&srv, loop, lfd, o.idle_ms, start) < 0 ||
	    loop_watch(loop, pool.wake_fd, LOOP_READ, on_wake, NULL) < 0) {
		fprintf(stderr, "target-hybrid: cannot start the event loop\n");
		return 1;
	}

	/* Workers take no signals; the loop thread sees shutdown through the stop fd. */
	pthread_t *workers = calloc((size_t)o.pool, sizeof(*workers));
	if (!workers)
		return 1;
	server_block_signals();
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	for (int i = 0; i < o.pool; i++)
		if (pthread_create(&workers[i], &attr, worker, NULL)) {
			fprintf(stderr, "target-hybrid: cannot start worker %d\n", i);
			return 1;
		}
	sigset_t none;
	sigemptyset(&none);
	pthread_sigmask(SIG_SETMASK, &none, NULL);
	server_ready(&o, server_port(lfd));

	loop_run(loop);

	/* The drain waited for in-flight handlers up to its bound. A worker still in a
	 * long /sync past it would hold the exit for up to a minute, and the connection
	 * it writes to is about to be freed: leave it to the process exit instead. */
	pthread_mutex_lock(&pool.lock);
	pool.quit = 1;
	int still = pool.running;
	pthread_cond_broadcast(&pool.work);
	pthread_mutex_unlock(&pool.lock);
	if (still) {
		log_server("%d handlers still running after the drain: exiting without them", still);
		_exit(0);
	}
	for (int i = 0; i < o.pool; i++)
		pthread_join(workers[i], NULL);
	free(workers);
	loop_watch(loop, pool.wake_fd, 0, NULL, NULL);
	evserver_fini(&srv);
	loop_free(loop);
	close(pool.wake_fd);
	close(lfd);
	return 0;
}
