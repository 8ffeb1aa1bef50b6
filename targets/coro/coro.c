/* Coroutines over the switch in switch.h: stacks, the thread's current
 * coroutine, resume and yield, and the AddressSanitizer annotations that make
 * stack switching visible to it.
 *
 * One mmap per coroutine holds, from low to high addresses, a PROT_NONE guard
 * page, the stack, and the struct coro itself, so creating one costs an mmap
 * and an mprotect and no malloc. A stack overflow runs into the guard page and
 * faults (SIGSEGV) instead of silently writing over a neighbour; a single
 * frame larger than a page could still jump over it unless the code is built
 * with -fstack-clash-protection. Each coroutine is two kernel VMAs, so
 * vm.max_map_count (65530 by default) caps a process at about 32,000 of them. */
#include "coro.h"

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "switch.h"

#if defined(__SANITIZE_ADDRESS__)
#define CORO_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CORO_ASAN 1
#endif
#endif

#ifdef CORO_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

struct coro {
	coro_ctx ctx; /* the coroutine, while it is suspended */
	coro_ctx back; /* its resumer, while it runs */
	struct coro *resumer; /* coro_current() of the resumer: NULL is the scheduler */
	coro_fn fn;
	void *arg;
	char *map; /* the whole mapping: guard page, stack, this struct */
	size_t map_len;
	char *stack; /* the usable stack, just above the guard page */
	size_t stack_len;
	int running; /* from coro_resume to its return: c is in the chain of resumers */
	int done;
	/* Used by the ASan build only; three words are cheaper than two layouts. */
	void *fake_stack; /* ASan's fake frames of this coroutine while it is suspended */
	const void *back_stack; /* the resumer's stack, to name when switching back */
	size_t back_len;
};

static _Thread_local struct coro *current;

/* ASan tracks one stack per thread; each switch must tell it which stack comes
 * next (start) and confirm the arrival (finish), or it reports false errors on
 * the other stack. A NULL fake-stack slot at start means the frames being left
 * are gone for good, so ASan may free their fake stack. */
static inline void san_start(void **fake, const void *stack, size_t len)
{
#ifdef CORO_ASAN
	__sanitizer_start_switch_fiber(fake, stack, len);
#else
	(void)fake, (void)stack, (void)len;
#endif
}

static inline void san_finish(void *fake, const void **stack, size_t *len)
{
#ifdef CORO_ASAN
	__sanitizer_finish_switch_fiber(fake, stack, len);
#else
	(void)fake, (void)stack, (void)len;
#endif
}

/* The bottom frame of every coroutine, entered by the first switch to it. */
static void coro_main(void *arg)
{
	struct coro *c = arg;
	san_finish(NULL, &c->back_stack, &c->back_len);
	c->fn(c->arg);
	c->done = 1;
	san_start(NULL, c->back_stack, c->back_len);
	coro_ctx_swap(&c->ctx, &c->back);
	__builtin_unreachable(); /* nothing resumes a coroutine that is done */
}

struct coro *coro_new(coro_fn fn, void *arg, size_t stack_bytes)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	if (!fn || stack_bytes == 0) {
		errno = EINVAL;
		return NULL;
	}
	if (stack_bytes > SIZE_MAX / 4) {
		errno = ENOMEM;
		return NULL;
	}
	/* The struct sits above the stack, so the stack keeps all of stack_bytes. */
	size_t len = page + (stack_bytes + sizeof(struct coro) + page - 1) / page * page;
	char *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK,
			 -1, 0);
	if (map == MAP_FAILED)
		return NULL;
	if (mprotect(map, page, PROT_NONE) < 0)
		goto fail;

	/* A page-aligned end minus a multiple of the struct's alignment: aligned. */
	struct coro *c = (struct coro *)(map + len - sizeof(struct coro));
	*c = (struct coro){
		.fn = fn,
		.arg = arg,
		.map = map,
		.map_len = len,
		.stack = map + page,
		.stack_len = (size_t)((char *)c - (map + page)),
	};
	int err = coro_ctx_make(&c->ctx, c->stack, c->stack_len, coro_main, c);
	if (err < 0) {
		errno = -err;
		goto fail;
	}
	return c;
fail:;
	int saved = errno;
	munmap(map, len);
	errno = saved;
	return NULL;
}

void coro_resume(struct coro *c)
{
	assert(!c->running); /* a coroutine cannot resume itself or its resumers */
	if (c->done)
		return;
	void *fake = NULL;
	c->resumer = current;
	c->running = 1;
	current = c;
	san_start(&fake, c->stack, c->stack_len);
	coro_ctx_swap(&c->back, &c->ctx);
	san_finish(fake, NULL, NULL);
	current = c->resumer;
	c->running = 0;
}

void coro_yield(void)
{
	struct coro *c = current;
	if (!c)
		return;
	san_start(&c->fake_stack, c->back_stack, c->back_len);
	coro_ctx_swap(&c->ctx, &c->back);
	/* The next resume may come from elsewhere (another coroutine's stack). */
	san_finish(c->fake_stack, &c->back_stack, &c->back_len);
}

struct coro *coro_current(void)
{
	return current;
}

int coro_done(const struct coro *c)
{
	return c->done;
}

void coro_free(struct coro *c)
{
	if (!c)
		return;
	assert(!c->running);
	char *map = c->map;
	size_t len = c->map_len;
#ifdef CORO_ASAN
	/* The bottom frame never returned, so its redzones are still poisoned;
	 * a later mapping at this address must not inherit them. */
	__asan_unpoison_memory_region(map, len);
#endif
	munmap(map, len);
}
