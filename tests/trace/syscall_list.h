/* Every syscall name the tracer's tables may hold, each where the including
 * file's headers define its number. The includer defines N(name) first; the
 * guard is __NR_name, which <sys/syscall.h> turns into SYS_name and
 * <asm-generic/unistd.h> defines for the generic table (aarch64's). */
#ifdef __NR_read
N(read)
#endif
#ifdef __NR_write
N(write)
#endif
#ifdef __NR_poll
N(poll)
#endif
#ifdef __NR_pread64
N(pread64)
#endif
#ifdef __NR_pwrite64
N(pwrite64)
#endif
#ifdef __NR_readv
N(readv)
#endif
#ifdef __NR_writev
N(writev)
#endif
#ifdef __NR_select
N(select)
#endif
#ifdef __NR_sched_yield
N(sched_yield)
#endif
#ifdef __NR_pause
N(pause)
#endif
#ifdef __NR_nanosleep
N(nanosleep)
#endif
#ifdef __NR_sendfile
N(sendfile)
#endif
#ifdef __NR_connect
N(connect)
#endif
#ifdef __NR_accept
N(accept)
#endif
#ifdef __NR_sendto
N(sendto)
#endif
#ifdef __NR_recvfrom
N(recvfrom)
#endif
#ifdef __NR_sendmsg
N(sendmsg)
#endif
#ifdef __NR_recvmsg
N(recvmsg)
#endif
#ifdef __NR_wait4
N(wait4)
#endif
#ifdef __NR_semop
N(semop)
#endif
#ifdef __NR_msgrcv
N(msgrcv)
#endif
#ifdef __NR_fcntl
N(fcntl)
#endif
#ifdef __NR_flock
N(flock)
#endif
#ifdef __NR_fsync
N(fsync)
#endif
#ifdef __NR_fdatasync
N(fdatasync)
#endif
#ifdef __NR_rt_sigtimedwait
N(rt_sigtimedwait)
#endif
#ifdef __NR_rt_sigsuspend
N(rt_sigsuspend)
#endif
#ifdef __NR_futex
N(futex)
#endif
#ifdef __NR_io_getevents
N(io_getevents)
#endif
#ifdef __NR_semtimedop
N(semtimedop)
#endif
#ifdef __NR_clock_nanosleep
N(clock_nanosleep)
#endif
#ifdef __NR_epoll_wait
N(epoll_wait)
#endif
#ifdef __NR_mq_timedreceive
N(mq_timedreceive)
#endif
#ifdef __NR_waitid
N(waitid)
#endif
#ifdef __NR_openat
N(openat)
#endif
#ifdef __NR_pselect6
N(pselect6)
#endif
#ifdef __NR_ppoll
N(ppoll)
#endif
#ifdef __NR_epoll_pwait
N(epoll_pwait)
#endif
#ifdef __NR_accept4
N(accept4)
#endif
#ifdef __NR_recvmmsg
N(recvmmsg)
#endif
#ifdef __NR_sendmmsg
N(sendmmsg)
#endif
#ifdef __NR_io_pgetevents
N(io_pgetevents)
#endif
#ifdef __NR_io_uring_enter
N(io_uring_enter)
#endif
#ifdef __NR_epoll_pwait2
N(epoll_pwait2)
#endif
#ifdef __NR_futex_waitv
N(futex_waitv)
#endif
