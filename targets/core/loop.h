/* A small level-triggered epoll loop with timers, one per thread, for the models
 * that wait without blocking (hybrid, epoll, coroutine). In the spirit of Redis's
 * ae.c: handlers sit in an array indexed by fd, so dispatch is one index; timers
 * are a binary heap of structs the caller embeds, so arming one allocates nothing. */
#ifndef ASYNCSCOPE_LOOP_H
#define ASYNCSCOPE_LOOP_H

#include <stddef.h>
#include <stdint.h>

#define LOOP_READ  1
#define LOOP_WRITE 2

struct loop;
typedef void (*loop_fd_fn)(struct loop *loop, int fd, int events, void *data);
typedef void (*loop_timer_fn)(struct loop *loop, void *data);

struct loop_timer {
	uint64_t when; /* CLOCK_MONOTONIC ns */
	loop_timer_fn fn;
	void *data;
	size_t slot; /* index in the heap + 1; 0 when not armed */
};

struct loop *loop_new(void);
void loop_free(struct loop *loop);

/* Watches fd for events (LOOP_READ|LOOP_WRITE); again with other events changes
 * them; 0 removes it. 0 or a negative errno. */
int loop_watch(struct loop *loop, int fd, int events, loop_fd_fn fn, void *data);

/* Arms t to call fn(data) after delay_ns (re-arms it if armed). */
void loop_timer_arm(struct loop *loop, struct loop_timer *t, uint64_t delay_ns, loop_timer_fn fn,
		    void *data);
void loop_timer_cancel(struct loop *loop, struct loop_timer *t);

/* Runs until loop_stop. */
void loop_run(struct loop *loop);
void loop_stop(struct loop *loop);

/* The time the loop woke at, for timers that need "now" without a clock read. */
uint64_t loop_now(const struct loop *loop);

#endif
