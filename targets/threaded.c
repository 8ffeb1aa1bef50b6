/* The threaded model: a thread per connection.
 *
 * The main thread only accepts. Each connection gets its own thread, which serves
 * it with blocking I/O to its end, exactly as the blocking model does; the kernel
 * scheduler interleaves them. N sleeping requests on N connections finish together
 * on N threads, at the cost of a stack and a kernel thread each. --max-threads
 * bounds them: past it, new connections wait in the accept backlog until a thread
 * finishes. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "server.h"
#include "session.h"

static int idle_ms;
static int active; /* connection threads alive */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;

static void *connection_thread(void *arg)
{
	int fd = (int)(intptr_t)arg;
	session_serve_blocking(fd, idle_ms);
	pthread_mutex_lock(&lock);
	active--;
	pthread_cond_broadcast(&changed);
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* Waits, up to deadline_ms, until fewer than limit threads are alive. */
static int wait_below(int limit, int deadline_ms)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += deadline_ms / 1000;
	until.tv_nsec += (long)(deadline_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&lock);
	int err = 0;
	while (active >= limit && err != ETIMEDOUT)
		err = pthread_cond_timedwait(&changed, &lock, &until);
	int ok = active < limit;
	pthread_mutex_unlock(&lock);
	return ok;
}

int main(int argc, char **argv)
{
	struct server_opts o;
	server_parse_opts(argc, argv, "threaded", &o);
	idle_ms = o.idle_ms;
	server_signals();
	int lfd = server_listen(&o, o.port, 0);
	if (lfd < 0) {
		fprintf(stderr, "target-threaded: cannot listen on %s:%d: %s\n", o.bind, o.port,
			strerror(-lfd));
		return 1;
	}
	/* Small stacks: a connection thread needs little, and a thousand of them at the
	 * default 8 MiB would reserve 8 GiB of address space. */
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	server_ready(&o, server_port(lfd));

	while (!server_stopping) {
		/* At the limit, stop accepting until a connection thread finishes. */
		if (!wait_below(o.max_threads, 100))
			continue;
		if (server_wait_accept(lfd) < 0)
			break;
		int fd = server_accept(lfd, 0);
		if (fd < 0)
			continue;
		pthread_mutex_lock(&lock);
		active++;
		pthread_mutex_unlock(&lock);
		/* Signals go to the main thread, whose poll the stop fd ends. */
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		pthread_t t;
		int err = pthread_create(&t, &attr, connection_thread, (void *)(intptr_t)fd);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (err) {
			log_server("cannot create a thread: %s", strerror(err));
			close(fd);
			pthread_mutex_lock(&lock);
			active--;
			pthread_mutex_unlock(&lock);
		}
	}
	/* In-flight requests finish; idle connections close when they see the stop fd.
	 * Bounded, so a client holding a 60 s request cannot hold shutdown forever. */
	pthread_mutex_lock(&lock);
	int open = active;
	pthread_mutex_unlock(&lock);
	log_server("stopping, %d connections open", open);
	close(lfd);
	wait_below(1, 10000);
	return 0;
}
