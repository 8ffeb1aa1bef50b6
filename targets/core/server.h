/* What every target shares around its model: the command line, the listening
 * socket, the ready fd, shutdown on SIGINT/SIGTERM, and accept with EMFILE handled. */
#ifndef ASYNCSCOPE_SERVER_H
#define ASYNCSCOPE_SERVER_H

#include <signal.h>
#include <stdatomic.h>

struct server_opts {
	const char *model;
	const char *bind;
	int port;
	int ready_fd;
	int idle_ms;
	int max_threads;
	int pool;
	int threads;
	int stack_kib;
};

/* Parses argv with the targets' one option table (common/target_opts.h),
 * taking the model knobs schema_targets gives model and no others. A bad flag:
 * "target-MODEL: <reason>", the usage on stderr, exit 2; --help: the usage on
 * stdout, exit 0. */
void server_parse_opts(int argc, char **argv, const char *model, struct server_opts *o);

/* A non-blocking listening TCP socket on o->bind:port (port 0: a free one). With
 * reuseport, several sockets may share the port (one per loop thread). fd or -errno.
 * Non-blocking even for the blocking models: they poll() it together with the stop
 * fd, and accept never hangs on a connection that went away. */
int server_listen(const struct server_opts *o, int port, int reuseport);

/* Waits until lfd has a connection to accept (0) or shutdown began (-ECANCELED). */
int server_wait_accept(int lfd);

/* The port a listening socket is bound to. */
int server_port(int fd);

/* Tells the harness we are ready: writes "PORT\n" to --ready-fd and closes it. */
void server_ready(struct server_opts *o, int port);

/* Installs SIGINT/SIGTERM handlers that set server_stopping and make
 * server_stop_fd() readable; ignores SIGPIPE. */
void server_signals(void);
/* Set by the handler, read by every thread: a lock-free atomic, which C11 allows
 * a signal handler to store to. */
extern atomic_int server_stopping;
int server_stop_fd(void);

/* accept4 with CLOEXEC (and NONBLOCK when asked). fd, or a negative errno: -EAGAIN
 * when there is nothing to accept. Out of descriptors (EMFILE/ENFILE), it sheds the
 * pending connection through a reserved descriptor instead of leaving it in the
 * backlog, where a level-triggered loop would spin on it; returns -EMFILE. */
int server_accept(int lfd, int nonblock);

/* Blocks SIGINT/SIGTERM on this thread (worker threads), so they reach the main one. */
void server_block_signals(void);

/* The loop-per-thread models (epoll, uring) start the same way: o->threads
 * listening sockets on one port (SO_REUSEPORT past one, so the kernel spreads
 * the connections), the port announced once they all listen. lfds gets
 * o->threads descriptors. 0, or 1 after one line on stderr when a socket
 * cannot be opened. */
int server_listen_loops(struct server_opts *o, int *lfds);

/* Runs fn on n threads, thread i given args + i * size: thread 0 is the caller,
 * the others start with SIGINT/SIGTERM blocked so that signals reach the caller,
 * whose handler wakes every loop through server_stop_fd(). Returns when all have
 * returned. 0, or -errno when a thread cannot be started (those started are
 * joined: they stop with the others). */
int server_run_loops(int n, void *(*fn)(void *), void *args, size_t size);

#endif
