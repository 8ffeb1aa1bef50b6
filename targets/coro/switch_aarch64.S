/* The aarch64 (AAPCS64) context switch. Only what a callee must preserve is
 * saved: x19-x28, the frame pointer x29, the link register x30, sp, and the
 * low halves d8-d15 of v8-v15. FPCR is saved too, so that every coroutine has
 * its own rounding mode as on x86-64; it is written back only when it differs,
 * because an FPCR write can stall the pipeline on some cores.
 *
 * A suspended context is its stack pointer; the 176-byte frame at sp holds:
 *
 *   sp+0    x19 x20 x21 x22 x23 x24 x25 x26 x27 x28
 *   sp+80   x29 x30 (the return address)
 *   sp+96   d8 .. d15
 *   sp+160  FPCR, padding
 *
 * switch_asm.c builds the same frame for a new coroutine, with coro_asm_entry
 * in x30. */

	.text

/* void coro_asm_swap(struct coro_asm_ctx *from, struct coro_asm_ctx *to) */
	.globl	coro_asm_swap
	.hidden	coro_asm_swap
	.type	coro_asm_swap, %function
	.p2align 4
coro_asm_swap:
	.cfi_startproc
	sub	sp, sp, #176
	.cfi_def_cfa_offset 176
	stp	x19, x20, [sp, #0]
	stp	x21, x22, [sp, #16]
	stp	x23, x24, [sp, #32]
	stp	x25, x26, [sp, #48]
	stp	x27, x28, [sp, #64]
	stp	x29, x30, [sp, #80]
	.cfi_offset x29, -96
	.cfi_offset x30, -88
	stp	d8, d9, [sp, #96]
	stp	d10, d11, [sp, #112]
	stp	d12, d13, [sp, #128]
	stp	d14, d15, [sp, #144]
	mrs	x9, fpcr
	str	x9, [sp, #160]

	mov	x10, sp
	str	x10, [x0]		/* from->sp */
	ldr	x10, [x1]		/* to->sp: from here on, the other stack */
	mov	sp, x10

	ldr	x10, [sp, #160]
	cmp	x9, x10
	b.eq	1f
	msr	fpcr, x10
1:	ldp	x19, x20, [sp, #0]
	ldp	x21, x22, [sp, #16]
	ldp	x23, x24, [sp, #32]
	ldp	x25, x26, [sp, #48]
	ldp	x27, x28, [sp, #64]
	ldp	x29, x30, [sp, #80]
	ldp	d8, d9, [sp, #96]
	ldp	d10, d11, [sp, #112]
	ldp	d12, d13, [sp, #128]
	ldp	d14, d15, [sp, #144]
	add	sp, sp, #176
	.cfi_def_cfa_offset 0
	.cfi_restore x29
	.cfi_restore x30
	ret
	.cfi_endproc
	.size	coro_asm_swap, .-coro_asm_swap

/* The first return of coro_asm_swap into a new coroutine lands here, with the
 * entry function in x20, its argument in x19, x29 zero and sp 16-byte aligned.
 * entry never returns: it ends by switching away for good, so the brk only
 * catches a broken promise. */
	.globl	coro_asm_entry
	.hidden	coro_asm_entry
	.type	coro_asm_entry, %function
	.p2align 4
coro_asm_entry:
	.cfi_startproc
	.cfi_undefined x30		/* the outermost frame: unwinders stop here */
	mov	x0, x19
	blr	x20
	brk	#1
	.cfi_endproc
	.size	coro_asm_entry, .-coro_asm_entry

	.section .note.GNU-stack, "", %progbits
