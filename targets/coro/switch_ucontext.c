/* The portable switch: glibc's ucontext. Each swapcontext also saves and
 * restores the signal mask with a rt_sigprocmask syscall, which is most of its
 * cost; the assembly switches skip that because coroutines here never change
 * the mask. */
#include "switch.h"

#include <errno.h>
#include <stdint.h>

/* makecontext passes only int arguments, so the context pointer travels as two
 * 32-bit halves. */
static void uc_start(unsigned int hi, unsigned int lo)
{
	struct coro_uc_ctx *ctx = (struct coro_uc_ctx *)(uintptr_t)(((uint64_t)hi << 32) | lo);
	ctx->entry(ctx->arg);
	__builtin_unreachable(); /* entry switches away for good instead of returning */
}

int coro_uc_make(struct coro_uc_ctx *ctx, void *stack, size_t len, void (*entry)(void *),
		 void *arg)
{
	if (getcontext(&ctx->uc) < 0)
		return -errno;
	ctx->uc.uc_stack.ss_sp = stack;
	ctx->uc.uc_stack.ss_size = len;
	ctx->uc.uc_link = NULL;
	ctx->entry = entry;
	ctx->arg = arg;
	uintptr_t p = (uintptr_t)ctx;
	makecontext(&ctx->uc, (void (*)(void))uc_start, 2, (unsigned int)((uint64_t)p >> 32),
		    (unsigned int)p);
	return 0;
}

void coro_uc_swap(struct coro_uc_ctx *from, struct coro_uc_ctx *to)
{
	swapcontext(&from->uc, &to->uc);
}
