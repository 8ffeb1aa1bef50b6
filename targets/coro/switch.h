/* The context switch under coro.c, internal to targets/coro. Two backends with
 * the same shape, under distinct names so the benchmark can link both:
 *
 *   make(ctx, stack, len, entry, arg)  prepares ctx so that the first switch to
 *       it calls entry(arg) on [stack, stack + len); entry must never return.
 *   swap(from, to)  saves the running context in from and continues in to;
 *       it returns when something swaps back to from.
 *
 * coro_asm_*: hand-written, saves only what the ABI says a callee preserves
 *   (switch_x86_64.S, switch_aarch64.S; the initial frame is in switch_asm.c).
 * coro_uc_*: getcontext/makecontext/swapcontext, for any other architecture;
 *   slower because glibc's swapcontext also saves the signal mask (a syscall).
 *
 * The build defines CORO_UCONTEXT=1 to select the ucontext one for coro.c. */
#ifndef ASYNCSCOPE_CORO_SWITCH_H
#define ASYNCSCOPE_CORO_SWITCH_H

#include <stddef.h>
#include <ucontext.h>

struct coro_asm_ctx {
	void *sp; /* the saved registers sit on the stack at sp */
};
void coro_asm_make(struct coro_asm_ctx *ctx, void *stack, size_t len, void (*entry)(void *),
		   void *arg);
void coro_asm_swap(struct coro_asm_ctx *from, struct coro_asm_ctx *to);

struct coro_uc_ctx {
	ucontext_t uc;
	void (*entry)(void *);
	void *arg;
};
int coro_uc_make(struct coro_uc_ctx *ctx, void *stack, size_t len, void (*entry)(void *),
		 void *arg);
void coro_uc_swap(struct coro_uc_ctx *from, struct coro_uc_ctx *to);

#if CORO_UCONTEXT
#define CORO_BACKEND "ucontext"
typedef struct coro_uc_ctx coro_ctx;
#define coro_ctx_make coro_uc_make
#define coro_ctx_swap coro_uc_swap
#elif defined(__x86_64__) || defined(__aarch64__)
#define CORO_BACKEND "asm"
typedef struct coro_asm_ctx coro_ctx;
static inline int coro_ctx_make(coro_ctx *ctx, void *stack, size_t len, void (*entry)(void *),
				void *arg)
{
	coro_asm_make(ctx, stack, len, entry, arg);
	return 0;
}
#define coro_ctx_swap coro_asm_swap
#else
#error "no assembly switch for this architecture: build with CORO_UCONTEXT=1"
#endif

#endif
