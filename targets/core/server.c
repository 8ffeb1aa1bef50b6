#include "server.h"

#include <arpa/inet.h>
#include <stdatomic.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "target_opts.h"

atomic_int server_stopping;
static int stop_fd = -1;
static int reserve_fd = -1;

/* The usage of target-MODEL: the options from the one table (common/target_opts.c),
 * with only this model's knobs. */
static void usage(FILE *f, const char *model)
{
	fprintf(f, "usage: target-%s [options]\n", model);
	topt_print(f, topt_knobs_of(model));
}

void server_parse_opts(int argc, char **argv, const char *model, struct server_opts *o)
{
	struct topt v;
	char err[256];
	int rc = topt_parse(&v, model, argc, argv, err, sizeof(err));
	if (rc == 1) {
		usage(stdout, model);
		exit(0);
	}
	if (rc < 0) {
		fprintf(stderr, "target-%s: %s\n", model, err);
		usage(stderr, model);
		exit(2);
	}
	log_verbose = v.verbose;
	*o = (struct server_opts){ .model = model,
				   .bind = v.bind,
				   .port = v.port,
				   .ready_fd = v.ready_fd,
				   .idle_ms = v.idle_ms,
				   .max_threads = v.max_threads,
				   .pool = v.pool,
				   .threads = v.threads,
				   .stack_kib = v.stack_kib };
}

int server_listen(const struct server_opts *o, int port, int reuseport)
{
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
	struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct sockaddr *addr;
	socklen_t alen;
	int family;
	if (inet_pton(AF_INET, o->bind, &a4.sin_addr) == 1) {
		addr = (struct sockaddr *)&a4, alen = sizeof(a4), family = AF_INET;
	} else if (inet_pton(AF_INET6, o->bind, &a6.sin6_addr) == 1) {
		addr = (struct sockaddr *)&a6, alen = sizeof(a6), family = AF_INET6;
	} else {
		return -EINVAL;
	}
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (reuseport)
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	/* --verbose: receive stamps (session.c). Asked on the listener, the kernel
	 * stamps a request that arrives before its connection is accepted too, and
	 * keeps stamping between connections, which it stops once no socket asks. */
	if (log_verbose)
		setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	if (bind(fd, addr, alen) < 0 || listen(fd, 4096) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int server_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

void server_ready(struct server_opts *o, int port)
{
	log_server("target-%s listening on %s:%d", o->model, o->bind, port);
	if (o->ready_fd < 0)
		return;
	char line[16];
	int n = snprintf(line, sizeof(line), "%d\n", port);
	ssize_t w = write(o->ready_fd, line, (size_t)n);
	(void)w;
	close(o->ready_fd);
	o->ready_fd = -1;
}

static void on_stop(int sig)
{
	(void)sig;
	int saved = errno;
	server_stopping = 1;
	uint64_t one = 1;
	ssize_t w = write(stop_fd, &one, sizeof(one));
	(void)w;
	errno = saved;
}

void server_signals(void)
{
	stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	/* The descriptor kept in reserve for shedding connections when out of fds. */
	reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	struct sigaction sa = {.sa_handler = on_stop};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int server_stop_fd(void)
{
	return stop_fd;
}

void server_block_signals(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

int server_listen_loops(struct server_opts *o, int *lfds)
{
	/* The first socket picks the port (maybe 0: any), the others join it. */
	int port = o->port;
	for (int i = 0; i < o->threads; i++) {
		lfds[i] = server_listen(o, port, o->threads > 1);
		if (lfds[i] < 0) {
			fprintf(stderr, "target-%s: cannot listen on %s:%d: %s\n", o->model, o->bind,
				port, strerror(-lfds[i]));
			return 1;
		}
		port = server_port(lfds[i]);
	}
	server_ready(o, port);
	return 0;
}

int server_run_loops(int n, void *(*fn)(void *), void *args, size_t size)
{
	pthread_t *th = calloc((size_t)n, sizeof(*th));
	if (!th)
		return -ENOMEM;
	int err = 0, started = 1;
	server_block_signals(); /* inherited by the threads started below */
	for (; started < n; started++) {
		err = -pthread_create(&th[started], NULL, fn, (char *)args + (size_t)started * size);
		if (err)
			break;
	}
	sigset_t none;
	sigemptyset(&none);
	pthread_sigmask(SIG_SETMASK, &none, NULL);
	if (err)
		on_stop(0); /* as SIGTERM would: thread 0 and those started drain and return */
	fn(args);
	for (int i = 1; i < started; i++)
		pthread_join(th[i], NULL);
	free(th);
	return err;
}

int server_accept(int lfd, int nonblock)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0));
		if (fd >= 0) {
			int one = 1;
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			return fd;
		}
		switch (errno) {
		case EINTR:
		case ECONNABORTED: continue;
		case EAGAIN: return -EAGAIN;
		case EMFILE:
		case ENFILE: {
			/* Free the reserve, take the connection off the backlog and close it:
			 * that client sees a close, everyone already connected goes on being
			 * served, and a level-triggered loop does not spin on the backlog. */
			static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
			pthread_mutex_lock(&lock);
			if (reserve_fd >= 0)
				close(reserve_fd);
			int shed = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
			int shed_err = shed < 0 ? errno : 0;
			if (shed >= 0)
				close(shed);
			reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
			pthread_mutex_unlock(&lock);
			if (shed < 0 && shed_err != EAGAIN) {
				/* Another thread (threaded: a connection thread) took the
				 * freed descriptor first, so nothing left the backlog; a
				 * caller that polls again at once would spin. Wait a little:
				 * only here, with every descriptor in use. */
				struct timespec pause = {.tv_nsec = 10 * 1000000L};
				nanosleep(&pause, NULL);
				return -EMFILE;
			}
			log_server("out of file descriptors: shed a connection");
			return -EMFILE;
		}
		default: return -errno;
		}
	}
}

int server_wait_accept(int lfd)
{
	while (!server_stopping) {
		struct pollfd p[2] = {{.fd = lfd, .events = POLLIN},
				      {.fd = stop_fd, .events = POLLIN}};
		if (poll(p, 2, -1) > 0 && (p[0].revents & POLLIN) && !server_stopping)
			return 0;
	}
	return -ECANCELED;
}
