#include "session.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "endpoint.h"
#include "http.h"
#include "log.h"
#include "probes.h"
#include "response.h"
#include "server.h"

void session_init(struct session *s, int fd)
{
	s->fd = fd;
	s->closing = 0;
	s->peer_eof = 0;
	s->in_off = s->in_len = 0;
	s->out_sent = s->out_len = 0;
	s->t_arrived = 0;
	/* --verbose logs how long each request sat in the kernel's socket queue
	 * before we read it: the kernel stamps every segment it receives once one
	 * socket asks, and hands the stamp to recvmsg. Without --verbose nothing is
	 * asked and reads stay plain read(2)s. */
	if (log_verbose) {
		int on = 1;
		setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
	}
}

static void queue_response(struct session *s, struct job *job)
{
	s->out_len += response_write(s->out + s->out_len, job);
	PROBE_REQUEST_END(job);
	if (!job->keep_alive)
		s->closing = 1;
}

int session_next(struct session *s, struct job *job)
{
	while (!s->closing && !session_output_full(s)) {
		if (s->in_off == s->in_len) {
			if (s->peer_eof)
				s->closing = 1;
			return 0;
		}
		struct http_request req;
		int n = http_parse(s->in + s->in_off, s->in_len - s->in_off, &req);
		if (n == HTTP_MORE) {
			if (s->peer_eof)
				s->closing = 1; /* a truncated head: nothing to answer */
			return 0;
		}
		if (n == HTTP_BAD) {
			/* The rest of the stream cannot be trusted: answer and close. */
			memset(job, 0, sizeof(*job));
			job->ep = EP_ERROR;
			job->status = req.status;
			job->reason = req.reason;
			job->fd = s->fd;
			job->sampled = 1; /* nothing said otherwise: marked as always */
			queue_response(s, job);
			s->closing = 1;
			s->in_off = s->in_len;
			return 0;
		}
		s->in_off += (size_t)n;
		/* Only the verbose log reads it: no clock read per request otherwise. */
		uint64_t parsed = log_verbose ? now_ns() : 0;
		route(&req, s->fd, job);
		job->t_parsed = parsed;
		job->t_arrived = s->t_arrived;
		if (job->ep != EP_ERROR)
			return 1;
		queue_response(s, job);
	}
	return 0;
}

void session_respond(struct session *s, struct job *job)
{
	queue_response(s, job);
}

/* The kernel stamps received data on CLOCK_REALTIME and everything here is
 * CLOCK_MONOTONIC: the offset between the two is taken once, from two reads of
 * each clock, so a step of the wall clock (NTP, date -s) after that skews every
 * stamp by the step. Good for a log line, which is all it is used for. */
static uint64_t realtime_to_mono(const struct timespec *ts)
{
	static int64_t offset; /* realtime - monotonic, ns; 0 until taken */
	int64_t off = __atomic_load_n(&offset, __ATOMIC_RELAXED);
	if (!off) {
		struct timespec r;
		uint64_t m0 = now_ns();
		clock_gettime(CLOCK_REALTIME, &r);
		uint64_t m1 = now_ns();
		off = (int64_t)r.tv_sec * 1000000000LL + r.tv_nsec - (int64_t)((m0 + m1) / 2);
		__atomic_store_n(&offset, off, __ATOMIC_RELAXED);
	}
	int64_t t = (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec - off;
	return t > 0 ? (uint64_t)t : 0;
}

/* read(2) with the receive stamp of what was read: TCP gives the stamp of the
 * last segment copied, so for a head that took several segments it is when its
 * last bytes arrived. A segment received before the first socket asked for
 * stamps has none, and t_arrived is then 0 (the log says "not measured"). */
static ssize_t read_stamped(struct session *s, void *buf, size_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf)
	};
	ssize_t n = recvmsg(s->fd, &msg, 0);
	if (n <= 0)
		return n;
	s->t_arrived = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;
			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			s->t_arrived = realtime_to_mono(&ts);
		}
	return n;
}

/* Moves unparsed bytes to the front so a whole head always fits. */
static void compact_input(struct session *s)
{
	if (s->in_off) {
		memmove(s->in, s->in + s->in_off, s->in_len - s->in_off);
		s->in_len -= s->in_off;
		s->in_off = 0;
	}
}

size_t session_take(struct session *s, const char *buf, size_t len)
{
	compact_input(s);
	size_t room = SESSION_BUF - s->in_len;
	size_t n = len < room ? len : room;
	memcpy(s->in + s->in_len, buf, n);
	s->in_len += n;
	return n;
}

long session_read(struct session *s)
{
	compact_input(s);
	if (s->in_len == SESSION_BUF)
		return -ENOBUFS; /* cannot happen: the parser gives up at HTTP_MAX_HEAD */
	for (;;) {
		ssize_t n = log_verbose ? read_stamped(s, s->in + s->in_len, SESSION_BUF - s->in_len)
				      : read(s->fd, s->in + s->in_len, SESSION_BUF - s->in_len);
		if (n > 0) {
			s->in_len += (size_t)n;
			return n;
		}
		if (n == 0) {
			s->peer_eof = 1;
			return 0;
		}
		if (errno != EINTR)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
}

int session_flush(struct session *s)
{
	while (s->out_sent < s->out_len) {
		ssize_t n =
		    send(s->fd, s->out + s->out_sent, s->out_len - s->out_sent, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
		}
		s->out_sent += (size_t)n;
	}
	s->out_sent = s->out_len = 0;
	return 0;
}

/* Waits until fd is readable or the deadline passes; the stop eventfd ends the wait
 * of an idle connection early, so shutdown does not wait for idle clients. */
static int wait_readable(int fd, uint64_t deadline)
{
	for (;;) {
		uint64_t now = now_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		struct pollfd p[2] = {{.fd = fd, .events = POLLIN},
				      {.fd = server_stop_fd(), .events = POLLIN}};
		int ms = (int)((deadline - now + 999999) / 1000000);
		int r = poll(p, 2, ms);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			return 0;
		if (r > 0 && (p[1].revents & POLLIN))
			return -ECANCELED;
	}
}

void session_serve_blocking(int fd, int idle_ms)
{
	struct session *s = malloc(sizeof(*s));
	if (!s)
		goto out;
	session_init(s, fd);
	/* A send that makes no progress for idle_ms fails with EAGAIN: a client that
	 * never reads its answers cannot hold this thread for longer than a silent one. */
	struct timeval snd = {.tv_sec = idle_ms / 1000, .tv_usec = (idle_ms % 1000) * 1000};
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &snd, sizeof(snd));
	uint64_t head_deadline = now_ns() + (uint64_t)idle_ms * 1000000ull;
	for (;;) {
		struct job job;
		int ran = 0;
		while (session_next(s, &job)) {
			endpoint_run(&job);
			session_respond(s, &job);
			ran = 1;
		}
		int full = session_output_full(s);
		int err = session_flush(s);
		if (err == -EAGAIN)
			log_server("fd %d: client read nothing for %d ms, closing", fd, idle_ms);
		if (err < 0 || s->closing)
			break;
		if (full) /* more requests may be parsed now that the output is empty */
			continue;
		if (ran) /* a new head gets a fresh allowance */
			head_deadline = now_ns() + (uint64_t)idle_ms * 1000000ull;
		/* Shutting down: what was asked for is answered; a half-sent head is not. */
		int w = server_stopping ? -ECANCELED : wait_readable(fd, head_deadline);
		if (w == -ETIMEDOUT)
			log_server("fd %d: no complete request within %d ms, closing", fd, idle_ms);
		if (w < 0)
			break;
		long n = session_read(s);
		if (n < 0 && n != -EAGAIN)
			break;
	}
out:
	free(s);
	close(fd);
}
