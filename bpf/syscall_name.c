/* Names for the syscalls a sleeping thread is typically found in, one table per
 * architecture, the one in use chosen at compile time: the number the kernel
 * hands the sys_enter hook is the native one. Others print as their number: a
 * full table would be a copy of the kernel's.
 *
 * Limits: 32-bit processes on a 64-bit kernel (x86's ia32, arm's compat mode)
 * use other numbers and are named wrongly; other architectures get numbers only.
 * Numbers: arch/x86/entry/syscalls/syscall_64.tbl for x86_64, and
 * include/uapi/asm-generic/unistd.h for aarch64, which uses the generic table
 * (and so has no epoll_wait, poll, select or pause: libc calls the p-versions).
 * tests/trace/test_syscall_name.c checks both against the installed headers. */
#include <stdio.h>
#include <string.h>

#include "trace_out.h"

static const struct trace_syscall x86_64[] = {
	{ 0, "read" },
	{ 1, "write" },
	{ 7, "poll" },
	{ 17, "pread64" },
	{ 18, "pwrite64" },
	{ 19, "readv" },
	{ 20, "writev" },
	{ 23, "select" },
	{ 24, "sched_yield" },
	{ 34, "pause" },
	{ 35, "nanosleep" },
	{ 40, "sendfile" },
	{ 42, "connect" },
	{ 43, "accept" },
	{ 44, "sendto" },
	{ 45, "recvfrom" },
	{ 46, "sendmsg" },
	{ 47, "recvmsg" },
	{ 61, "wait4" },
	{ 65, "semop" },
	{ 70, "msgrcv" },
	{ 72, "fcntl" },
	{ 73, "flock" },
	{ 74, "fsync" },
	{ 75, "fdatasync" },
	{ 128, "rt_sigtimedwait" },
	{ 130, "rt_sigsuspend" },
	{ 202, "futex" },
	{ 208, "io_getevents" },
	{ 220, "semtimedop" },
	{ 230, "clock_nanosleep" },
	{ 232, "epoll_wait" },
	{ 243, "mq_timedreceive" },
	{ 247, "waitid" },
	{ 257, "openat" },
	{ 270, "pselect6" },
	{ 271, "ppoll" },
	{ 281, "epoll_pwait" },
	{ 288, "accept4" },
	{ 299, "recvmmsg" },
	{ 307, "sendmmsg" },
	{ 333, "io_pgetevents" },
	{ 426, "io_uring_enter" },
	{ 441, "epoll_pwait2" },
	{ 449, "futex_waitv" },
};

static const struct trace_syscall aarch64[] = {
	{ 4, "io_getevents" },
	{ 22, "epoll_pwait" },
	{ 25, "fcntl" },
	{ 32, "flock" },
	{ 56, "openat" },
	{ 63, "read" },
	{ 64, "write" },
	{ 65, "readv" },
	{ 66, "writev" },
	{ 67, "pread64" },
	{ 68, "pwrite64" },
	{ 71, "sendfile" },
	{ 72, "pselect6" },
	{ 73, "ppoll" },
	{ 82, "fsync" },
	{ 83, "fdatasync" },
	{ 95, "waitid" },
	{ 98, "futex" },
	{ 101, "nanosleep" },
	{ 115, "clock_nanosleep" },
	{ 124, "sched_yield" },
	{ 133, "rt_sigsuspend" },
	{ 137, "rt_sigtimedwait" },
	{ 183, "mq_timedreceive" },
	{ 188, "msgrcv" },
	{ 192, "semtimedop" },
	{ 193, "semop" },
	{ 202, "accept" },
	{ 203, "connect" },
	{ 206, "sendto" },
	{ 207, "recvfrom" },
	{ 211, "sendmsg" },
	{ 212, "recvmsg" },
	{ 242, "accept4" },
	{ 243, "recvmmsg" },
	{ 260, "wait4" },
	{ 269, "sendmmsg" },
	{ 292, "io_pgetevents" },
	{ 426, "io_uring_enter" },
	{ 441, "epoll_pwait2" },
	{ 449, "futex_waitv" },
};

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__x86_64__)
#define NATIVE "x86_64"
#elif defined(__aarch64__)
#define NATIVE "aarch64"
#else
#define NATIVE "" /* no table: every syscall prints as its number */
#endif

const struct trace_syscall *trace_syscall_table(const char *arch, size_t *n)
{
	if (!arch)
		arch = NATIVE;
	if (!strcmp(arch, "x86_64")) {
		*n = LEN(x86_64);
		return x86_64;
	}
	if (!strcmp(arch, "aarch64")) {
		*n = LEN(aarch64);
		return aarch64;
	}
	*n = 0;
	return NULL;
}

const char *trace_syscall_name(int nr, char *buf, size_t len)
{
	if (nr < 0)
		return "";
	size_t n;
	const struct trace_syscall *s = trace_syscall_table(NULL, &n);
	for (size_t i = 0; i < n; i++)
		if (s[i].nr == nr)
			return s[i].name;
	snprintf(buf, len, "%d", nr);
	return buf;
}
