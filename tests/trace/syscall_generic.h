#ifndef TEST_SYSCALL_GENERIC_H
#define TEST_SYSCALL_GENERIC_H

/* The number of name in <asm-generic/unistd.h>, -1 when it has none. */
long syscall_generic_nr(const char *name);

#endif
