/* Names for the syscalls a thread typically waits in (x86-64 numbers). The
 * others print as their number: a full table would be a copy of the kernel's. */
#include <stdio.h>

#include "trace_out.h"

static const struct {
	int nr;
	const char *name;
} names[] = {
	{ 0, "read" },		 { 1, "write" },	  { 7, "poll" },
	{ 17, "pread64" },	 { 18, "pwrite64" },	  { 19, "readv" },
	{ 20, "writev" },	 { 23, "select" },	  { 24, "sched_yield" },
	{ 34, "pause" },	 { 35, "nanosleep" },	  { 40, "sendfile" },
	{ 42, "connect" },	 { 43, "accept" },	  { 44, "sendto" },
	{ 45, "recvfrom" },	 { 46, "sendmsg" },	  { 47, "recvmsg" },
	{ 61, "wait4" },	 { 72, "fcntl" },	  { 73, "flock" },
	{ 74, "fsync" },	 { 75, "fdatasync" },	  { 128, "rt_sigtimedwait" },
	{ 130, "rt_sigsuspend" }, { 202, "futex" },	  { 230, "clock_nanosleep" },
	{ 232, "epoll_wait" },	 { 247, "waitid" },	  { 257, "openat" },
	{ 270, "pselect6" },	 { 271, "ppoll" },	  { 281, "epoll_pwait" },
	{ 288, "accept4" },	 { 299, "recvmmsg" },	  { 307, "sendmmsg" },
	{ 426, "io_uring_enter" }, { 441, "epoll_pwait2" }, { 449, "futex_waitv" },
};

const char *trace_syscall_name(int nr, char *buf, size_t len)
{
	if (nr < 0)
		return "";
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].nr == nr)
			return names[i].name;
	snprintf(buf, len, "%d", nr);
	return buf;
}
