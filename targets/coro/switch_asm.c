/* The first frame of a coroutine for the assembly switch: what coro_asm_swap
 * pops when it switches to a context that has never run. The layouts are the
 * ones documented at the top of switch_x86_64.S and switch_aarch64.S. */
#include "switch.h"

#include <stdint.h>
#include <string.h>

void coro_asm_entry(void); /* in the .S: calls entry(arg), never returns */

void coro_asm_make(struct coro_asm_ctx *ctx, void *stack, size_t len, void (*entry)(void *),
		   void *arg)
{
	/* Both ABIs want sp 16-byte aligned at a call; the frame sizes keep it so
	 * after the frame is popped. */
	uintptr_t top = ((uintptr_t)stack + len) & ~(uintptr_t)15;
#if defined(__x86_64__)
	uint64_t *f = (uint64_t *)(top - 64);
	uint32_t mxcsr;
	uint16_t fpcw;
	/* The creator's rounding mode and exception masks: what a new thread
	 * would inherit, too. */
	__asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
	__asm__ volatile("fnstcw %0" : "=m"(fpcw));
	memset(f, 0, 64);
	f[0] = mxcsr | (uint64_t)fpcw << 32;
	f[3] = (uintptr_t)entry; /* r13 */
	f[4] = (uintptr_t)arg; /* r12 */
	f[7] = (uintptr_t)coro_asm_entry; /* the return address; rbp (f[6]) is 0 */
#elif defined(__aarch64__)
	uint64_t *f = (uint64_t *)(top - 176);
	uint64_t fpcr;
	__asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
	memset(f, 0, 176);
	f[0] = (uintptr_t)arg; /* x19 */
	f[1] = (uintptr_t)entry; /* x20 */
	f[11] = (uintptr_t)coro_asm_entry; /* x30; x29 (f[10]) is 0 */
	f[20] = fpcr;
#else
#error "no assembly switch for this architecture"
#endif
	ctx->sp = f;
}
