/* User stacks in words: a stack snapshot the kernel side took (struct
 * as_stack_ev: registers and the top of the stack) unwound with the DWARF call
 * frame information of the process's own files and named, through elfutils'
 * libdwfl. Frame pointers are not needed: Debian builds libc and most programs
 * without them, which is why the kernel's own stack walker cannot be used.
 *
 *	sym_open(&s, pid);            nothing read yet: the first use reads the maps
 *	sym_stack(s, ev, text, ...);  "clock_nanosleep+0x55;endpoint_sleep+0x9c;..."
 *	sym_close(s);
 *
 * It needs the process alive when its maps are first read (and again when a
 * library was loaded since): the tracer resolves each stack as it arrives.
 * A frame outside every known file, or in a file without symbols, is written
 * as module+0xoff or 0xaddr. Not thread-safe: one user at a time. */
#ifndef ASTRACE_SYMBOLS_H
#define ASTRACE_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "trace_event.h"

#define SYM_MAX_FRAMES 32

struct sym;

/* 0, or -ENOMEM. */
int sym_open(struct sym **out, pid_t pid);
void sym_close(struct sym *s);

/* One address of the process: "name+0xoff", "module+0xoff" when the module
 * has no symbol there, "0xaddr" outside every module. 0, or -errno when the
 * process's maps cannot be read (it exited). */
int sym_addr(struct sym *s, uint64_t addr, char *out, size_t n);

/* Unwinds ev and writes its frames innermost first, separated by ';', into
 * text, and into callers the first few frames outside the C library (function
 * names only, " <- " between): what a developer looks for in their own code.
 * The number of frames (0: not even the first could be read), or -errno. */
int sym_stack(struct sym *s, const struct as_stack_ev *ev, char *text, size_t n,
	      char *callers, size_t m);

#endif
