/* Stackful coroutines: each runs a function on its own mmap'd stack, with a
 * PROT_NONE guard page below it, and switches only by coro_resume/coro_yield.
 *
 * Scheduling is the caller's: a thread's "scheduler context" is whatever code
 * runs outside any coroutine. Resume may nest: a coroutine may resume another,
 * which then yields back to it (not to the scheduler). A coroutine belongs to
 * the thread that created it and must only be resumed there; each thread may
 * run its own coroutines independently.
 *
 * Each coroutine keeps its own floating-point control state (rounding mode and
 * exception masks: x87 control word and MXCSR on x86-64, FPCR on aarch64),
 * copied from its creator by coro_new. */
#ifndef ASYNCSCOPE_CORO_H
#define ASYNCSCOPE_CORO_H

#include <stddef.h>

struct coro;
typedef void (*coro_fn)(void *arg);

/* A coroutine that will run fn(arg) on its own stack of stack_bytes (rounded up to pages).
   NULL on failure (errno set). It does not run until resumed. */
struct coro *coro_new(coro_fn fn, void *arg, size_t stack_bytes);

/* Switch into c from the current thread's scheduler context; returns when c yields or fn returns.
   Also allowed from inside another coroutine (nested): c then yields back to that one.
   c must not be running already (be the caller or one of its resumers);
   resuming a coroutine that is done returns at once. */
void coro_resume(struct coro *c);

/* From inside a coroutine: switch back to whoever resumed it. Does nothing in the
   scheduler context. */
void coro_yield(void);

/* The coroutine running on this thread, NULL in the scheduler context. */
struct coro *coro_current(void);

/* 1 once fn has returned. */
int coro_done(const struct coro *c);

/* Unmaps the stack. Only for a coroutine that is done or was never resumed
   (a suspended one would leave its stack's objects unfinished). NULL is ignored. */
void coro_free(struct coro *c);

#endif
