/* The io_uring model: a completion loop per thread, and nothing in it may block.
 *
 * Where epoll says "this socket is ready, now read it", io_uring is asked for the
 * work itself and says when it is done. Each loop thread has its own ring, its own
 * listening socket on the shared port (SO_REUSEPORT, as epoll) and its own
 * connections, and asks its ring for four kinds of work:
 *
 *   - one multishot accept on its listening socket: one request, a completion per
 *     new connection;
 *   - per connection, one multishot receive: the kernel picks a buffer from a ring
 *     of provided buffers for each chunk that arrives, so no buffer is pinned to an
 *     idle connection; we copy the bytes into the session (core/session.c) and give
 *     the buffer back;
 *   - per connection, at most one send: pipelined responses queue up behind it in
 *     the session's output and go out in order, a partial send continuing where it
 *     stopped;
 *   - /async?ms=N as an IORING_OP_TIMEOUT completion after two nested calls, the
 *     rest of each call running as a continuation when the timeout completes.
 *
 * One io_uring_enter per turn submits what the turn asked for and waits for at
 * least one completion: that call is where the loop sleeps, and where the tracer
 * sees it wait (IORING_ENTER_GETEVENTS, bpf/astrace.bpf.c). /sync and /wrong call a
 * blocking sleep on the loop thread, as with epoll: every connection of the ring
 * waits behind it.
 *
 * The one rule that keeps this safe: a connection is freed only when no request
 * naming it is left in the ring. Closing cancels its receive and send and waits for
 * their last completions (and for its /async timeout, which is left to run out, as
 * epoll leaves its timer); `pending` counts them. Its descriptor is closed then too,
 * so a number the kernel reuses never meets a request meant for the old one.
 *
 * Needs Linux 6.0 (multishot receive, provided-buffer rings); uses single-issuer
 * deferred task running (6.1) when the kernel has it, and says "unsupported" with
 * exit 2 where io_uring is not there at all (kernel.io_uring_disabled, seccomp). */
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "clock.h"
#include "endpoint.h"
#include "log.h"
#include "schema.h"
#include "server.h"
#include "session.h"

#define RING_ENTRIES 1024
#define BUF_SIZE     4096
#define BUF_COUNT    512 /* per ring: 2 MiB, a power of two as the kernel wants */
#define BUF_GROUP    0
#define HOLD_MAX     4 /* buffers a connection may hold before it stops receiving */
#define DRAIN_MAX_NS (10ull * 1000000000ull) /* as core/listener.c's */

/* What a completion is for: the low bits of its user_data, the rest a pointer. */
enum op { OP_IGNORE, OP_RECV, OP_SEND, OP_WAIT, OP_ACCEPT, OP_LISTEN, OP_STOP, OP_TICK };
#define OP_MASK 7ull

struct ring;

struct uconn {
	struct session s;
	struct job job;
	struct ring *r;
	int pending;	/* requests naming it that have not completed for the last time */
	int recv_armed; /* its multishot receive (or its direct one) is in the ring */
	int direct;	/* ... the direct one: into s.in, no provided buffer */
	int recv_cancel; /* ... and a cancel for it is on its way */
	int sending;	/* a send is in the ring */
	int busy;	/* its /async timeout is in the ring */
	int closed;	/* closing: no new requests, freed when pending reaches 0 */
	int starved;	/* its receive ended for want of buffers */
	int eof_held;	/* the peer closed, behind bytes still held */
	uint64_t idle_since;
	struct __kernel_timespec wait_ts;
	/* Received buffers whose bytes did not fit the session's input yet, in order:
	 * a list through r->held_next, the first one read from held_off on. */
	int held_head, held_tail, held_n;
	size_t held_off;
	struct uconn *prev, *next;
};

struct ring {
	struct io_uring ring;
	struct io_uring_buf_ring *br;
	char *bufs;
	uint16_t held_next[BUF_COUNT];
	uint16_t held_len[BUF_COUNT];
	int returned; /* buffers given back since the kernel was last told */
	int nstarved;
	int lfd, idle_ms;
	int accepting; /* OP_ACCEPT or OP_LISTEN is in the ring, or 0 */
	int stopping, done, nconns;
	uint64_t now, drain_deadline;
	struct __kernel_timespec tick_ts;
	struct uconn *conns;
};

/* The setup flags this kernel took, probed once by the first ring (on the main
 * thread, before the others start). */
static int ring_probed;
static unsigned ring_flags;

/* ---- asking the ring ---- */

static struct io_uring_sqe *get_sqe(struct ring *r)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);
	if (!sqe) { /* the queue is full: hand it to the kernel and take a fresh slot */
		io_uring_submit(&r->ring);
		sqe = io_uring_get_sqe(&r->ring);
	}
	if (!sqe) {
		fprintf(stderr, "target-uring: the submission queue stays full\n");
		exit(1);
	}
	return sqe;
}

static void set_op(struct io_uring_sqe *sqe, void *p, enum op op)
{
	io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)p | op);
}

static void cancel(struct ring *r, void *p, enum op op)
{
	struct io_uring_sqe *sqe = get_sqe(r);
	io_uring_prep_cancel64(sqe, (uint64_t)(uintptr_t)p | op, 0);
	set_op(sqe, NULL, OP_IGNORE);
}

static void arm_accept(struct ring *r)
{
	struct io_uring_sqe *sqe = get_sqe(r);
	io_uring_prep_multishot_accept(sqe, r->lfd, NULL, NULL, SOCK_CLOEXEC);
	set_op(sqe, r, OP_ACCEPT);
	r->accepting = OP_ACCEPT;
}

/* Out of descriptors, an accept fails at once, before it looks at the backlog, so
 * a multishot accept re-armed then would complete with EMFILE again and again.
 * Instead the ring waits until a connection is there, as an epoll loop does. */
static void arm_listen(struct ring *r)
{
	struct io_uring_sqe *sqe = get_sqe(r);
	io_uring_prep_poll_add(sqe, r->lfd, POLLIN);
	set_op(sqe, r, OP_LISTEN);
	r->accepting = OP_LISTEN;
}

static void arm_tick(struct ring *r)
{
	struct io_uring_sqe *sqe = get_sqe(r);
	io_uring_prep_timeout(sqe, &r->tick_ts, 0, 0);
	set_op(sqe, r, OP_TICK);
}

static void arm_recv(struct uconn *c)
{
	struct io_uring_sqe *sqe = get_sqe(c->r);
	io_uring_prep_recv_multishot(sqe, c->s.fd, NULL, 0, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = BUF_GROUP;
	set_op(sqe, c, OP_RECV);
	c->recv_armed = 1;
	c->recv_cancel = 0;
	c->pending++;
}

/* A connection that found no provided buffer left and holds none receives once
 * straight into its session's input, so stuck clients holding every buffer (ones
 * that never read their answers, until the idle timeout closes them) cannot keep
 * anyone else from being served. Nothing else writes or moves s.in meanwhile: the
 * multishot receive is not armed and nothing is held. */
static void arm_recv_direct(struct uconn *c)
{
	session_take(&c->s, "", 0); /* moves what is unparsed to the front */
	struct io_uring_sqe *sqe = get_sqe(c->r);
	io_uring_prep_recv(sqe, c->s.fd, c->s.in + c->s.in_len, SESSION_BUF - c->s.in_len, 0);
	set_op(sqe, c, OP_RECV);
	c->recv_armed = 1;
	c->recv_cancel = 0;
	c->direct = 1;
	c->pending++;
}

/* One send of everything queued; what a partial send leaves goes in the next. */
static void arm_send(struct uconn *c)
{
	struct io_uring_sqe *sqe = get_sqe(c->r);
	io_uring_prep_send(sqe, c->s.fd, c->s.out + c->s.out_sent, c->s.out_len - c->s.out_sent,
			   MSG_NOSIGNAL);
	set_op(sqe, c, OP_SEND);
	c->sending = 1;
	c->pending++;
}

/* ---- provided buffers ---- */

/* Gives a buffer back; the kernel sees it at the end of the turn (bufs_flush). */
static void buf_return(struct ring *r, int bid)
{
	io_uring_buf_ring_add(r->br, r->bufs + (size_t)bid * BUF_SIZE, BUF_SIZE, (unsigned short)bid,
			      io_uring_buf_ring_mask(BUF_COUNT), r->returned++);
}

/* Moves held bytes into the session's input while it has room: 1 when some moved. */
static int unhold(struct uconn *c)
{
	struct ring *r = c->r;
	int moved = 0;
	while (c->held_n) {
		int bid = c->held_head;
		size_t n = session_take(&c->s, r->bufs + (size_t)bid * BUF_SIZE + c->held_off,
					r->held_len[bid] - c->held_off);
		if (!n)
			break;
		moved = 1;
		c->held_off += n;
		if (c->held_off < r->held_len[bid])
			break;
		c->held_head = r->held_next[bid];
		c->held_off = 0;
		c->held_n--;
		buf_return(r, bid);
	}
	if (!c->held_n && c->eof_held) {
		c->s.peer_eof = 1;
		c->eof_held = 0;
	}
	return moved;
}

static void hold(struct uconn *c, int bid, size_t len)
{
	struct ring *r = c->r;
	r->held_len[bid] = (uint16_t)len;
	if (c->held_n++)
		r->held_next[c->held_tail] = (uint16_t)bid;
	else
		c->held_head = bid, c->held_off = 0;
	c->held_tail = bid;
	unhold(c);
}

/* ---- connections ---- */

static void conn_new(struct ring *r, int fd)
{
	/* Not calloc: zeroing the session's two 16 KiB buffers would touch every
	 * page of them for each connection, idle or not (RSS at 1000 connections). */
	struct uconn *c = malloc(sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	session_init(&c->s, fd);
	memset(&c->job, 0, sizeof(*c) - offsetof(struct uconn, job));
	c->r = r;
	c->idle_since = r->now;
	c->next = r->conns;
	if (r->conns)
		r->conns->prev = c;
	r->conns = c;
	r->nconns++;
	arm_recv(c);
}

/* Stops all work for c; c itself goes once its last completion is in (settle). */
static void conn_close(struct uconn *c)
{
	if (c->closed)
		return;
	c->closed = 1;
	if (c->recv_armed && !c->recv_cancel)
		cancel(c->r, c, OP_RECV);
	if (c->sending)
		cancel(c->r, c, OP_SEND);
}

/* Frees c if it is closed and nothing in the ring names it any more. */
static void settle(struct uconn *c)
{
	if (!c->closed || c->pending)
		return;
	struct ring *r = c->r;
	while (c->held_n) {
		buf_return(r, c->held_head);
		c->held_head = r->held_next[c->held_head];
		c->held_n--;
	}
	if (c->starved)
		r->nstarved--;
	if (c->prev)
		c->prev->next = c->next;
	else
		r->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	close(c->s.fd);
	free(c);
	if (--r->nconns == 0 && r->stopping)
		r->done = 1;
}

/* ---- running requests ---- */

static void async_depth1(struct uconn *c);

/* Runs a request on the loop thread: 1 when it is finished, 0 when it waits. */
static int start(struct uconn *c)
{
	struct job *job = &c->job;
	endpoint_enter(job);
	switch (job->ep) {
	case EP_ASYNC:
		async_depth1(c); /* returns at once; a timeout completion continues it */
		return 0;
	case EP_SYNC:
	case EP_WRONG:
		endpoint_sleep(job); /* the ring waits here: that is the point */
		return 1;
	case EP_CPU: endpoint_burn(job); return 1;
	default: return 1;
	}
}

/* Runs what can run, sends what is ready, and decides whether to receive more. */
static void advance(struct uconn *c)
{
	struct ring *r = c->r;
	if (c->closed)
		return;
	do {
		while (!c->busy && session_next(&c->s, &c->job)) {
			c->idle_since = r->now;
			if (!start(c)) {
				c->busy = 1;
				break;
			}
			session_respond(&c->s, &c->job);
		}
	} while (!c->busy && unhold(c));
	if (session_has_output(&c->s) && !c->sending)
		arm_send(c);
	if (c->sending)
		return;
	if (session_finished(&c->s) ||
	    (r->stopping && !c->busy && c->s.in_off == c->s.in_len && !c->held_n)) {
		conn_close(c);
		return;
	}
	/* Back-pressure: a client sending faster than it is answered fills the input,
	 * then HOLD_MAX buffers; then its receive stops and the kernel's window closes. */
	if (c->recv_armed && c->held_n >= HOLD_MAX && !c->recv_cancel) {
		cancel(r, c, OP_RECV);
		c->recv_cancel = 1;
	} else if (!c->recv_armed && c->held_n < HOLD_MAX && !c->s.peer_eof && !c->eof_held &&
		   !c->s.closing) {
		if (!c->starved)
			arm_recv(c);
		else if (!c->held_n && c->s.in_len - c->s.in_off < SESSION_BUF)
			arm_recv_direct(c);
	}
}

/* /async: depth 1 calls depth 2, depth 2 asks the ring for a timeout and returns
 * to the loop. Its completion runs the rest of depth 2 and then of depth 1. */
static void async_depth2(struct uconn *c)
{
	log_job(&c->job, "depth 2: waiting %u ms", c->job.arg);
	endpoint_wait_start(&c->job);
	c->wait_ts.tv_sec = c->job.arg / 1000;
	c->wait_ts.tv_nsec = (long long)(c->job.arg % 1000) * 1000000LL;
	struct io_uring_sqe *sqe = get_sqe(c->r);
	io_uring_prep_timeout(sqe, &c->wait_ts, 0, 0);
	set_op(sqe, c, OP_WAIT);
	c->pending++;
}

static void async_depth1(struct uconn *c)
{
	log_job(&c->job, "depth 1: calling depth 2");
	async_depth2(c);
}

static void on_wait(struct uconn *c)
{
	endpoint_wait_end(&c->job);
	log_job(&c->job, "depth 2: done");
	log_job(&c->job, "depth 1: done"); /* depth 1's continuation: nothing after the call */
	c->busy = 0;
	if (c->closed)
		return; /* its peer went away meanwhile: nobody to answer */
	c->idle_since = c->r->now;
	session_respond(&c->s, &c->job);
}

/* ---- completions ---- */

static void on_recv(struct uconn *c, const struct io_uring_cqe *cqe, int more)
{
	struct ring *r = c->r;
	if (!more)
		c->recv_armed = 0;
	if (c->direct) {
		c->direct = 0;
		if (cqe->res > 0 && !c->closed)
			c->s.in_len += (size_t)cqe->res;
		else if (cqe->res == 0)
			c->s.peer_eof = 1;
		else if (cqe->res < 0 && cqe->res != -ECANCELED)
			conn_close(c);
		return;
	}
	if (cqe->res > 0 && (cqe->flags & IORING_CQE_F_BUFFER)) {
		int bid = (int)(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
		if (c->closed)
			buf_return(r, bid);
		else
			hold(c, bid, (size_t)cqe->res);
	} else if (cqe->res == 0) {
		if (c->held_n)
			c->eof_held = 1;
		else
			c->s.peer_eof = 1;
	} else if (cqe->res == -ENOBUFS) {
		/* Every buffer is in use: wait for some to come back (bufs_flush). */
		if (!c->starved)
			r->nstarved++;
		c->starved = 1;
	} else if (cqe->res < 0 && cqe->res != -ECANCELED) {
		conn_close(c); /* reset by the peer, or worse */
	}
}

static void on_send(struct uconn *c, int res)
{
	c->sending = 0;
	if (res < 0) {
		conn_close(c);
		return;
	}
	struct session *s = &c->s;
	s->out_sent += (size_t)res;
	if (res > 0)
		c->idle_since = c->r->now; /* the client is reading */
	if (s->out_sent == s->out_len) {
		s->out_sent = s->out_len = 0;
	} else if (s->out_sent) { /* nothing is in flight now: move the rest up front */
		memmove(s->out, s->out + s->out_sent, s->out_len - s->out_sent);
		s->out_len -= s->out_sent;
		s->out_sent = 0;
	}
}

static void on_accept(struct ring *r, int res, int more)
{
	if (!more)
		r->accepting = 0;
	int shed = 0;
	if (res >= 0) {
		if (r->stopping)
			close(res);
		else
			conn_new(r, res);
	} else if (res == -EMFILE || res == -ENFILE) {
		/* The connection stays in the backlog: server_accept sheds it through
		 * the reserved descriptor, as every other model does. */
		int fd = server_accept(r->lfd, 0);
		if (fd >= 0)
			conn_new(r, fd);
		shed = fd < 0;
	}
	if (!r->accepting && !r->stopping) {
		if (shed)
			arm_listen(r);
		else
			arm_accept(r);
	}
}

/* The backlog has a connection again after EMFILE: accept, multishot once more. */
static void on_listen(struct ring *r)
{
	r->accepting = 0;
	if (!r->stopping)
		arm_accept(r);
}

/* Shutdown: no more accepts; idle connections close now, the others when their
 * requests are answered, and the loop ends with the last one or at the bound. */
static void on_stop(struct ring *r)
{
	r->stopping = 1;
	r->drain_deadline = r->now + DRAIN_MAX_NS;
	if (r->accepting)
		cancel(r, r, (enum op)r->accepting);
	log_server("stopping, %d connections open", r->nconns);
	if (!r->nconns)
		r->done = 1;
	for (struct uconn *c = r->conns, *next; c; c = next) {
		next = c->next;
		advance(c);
		settle(c);
	}
}

/* Idle clients are found by a periodic tick that looks at every connection: O(n)
 * per tick, which at 1000 connections and a tick of a tenth of the idle timeout
 * costs nothing measurable; a timer per connection would cost an update per
 * request instead. So a client is closed up to a tenth of the timeout late. */
static void on_tick(struct ring *r)
{
	uint64_t limit = (uint64_t)r->idle_ms * 1000000ull;
	for (struct uconn *c = r->conns, *next; c; c = next) {
		next = c->next;
		if (c->closed || c->busy || r->now - c->idle_since < limit)
			continue;
		if (session_has_output(&c->s))
			log_server("fd %d: client read nothing for %d ms, closing", c->s.fd, r->idle_ms);
		else
			log_server("fd %d: no complete request within %d ms, closing", c->s.fd,
				   r->idle_ms);
		conn_close(c);
		settle(c);
	}
	if (r->stopping && r->now >= r->drain_deadline)
		r->done = 1;
	else
		arm_tick(r);
}

static void on_cqe(struct ring *r, const struct io_uring_cqe *cqe)
{
	enum op op = (enum op)(cqe->user_data & OP_MASK);
	void *p = (void *)(uintptr_t)(cqe->user_data & ~OP_MASK);
	int more = !!(cqe->flags & IORING_CQE_F_MORE);
	switch (op) {
	case OP_IGNORE: return;
	case OP_ACCEPT: on_accept(r, cqe->res, more); return;
	case OP_LISTEN: on_listen(r); return;
	case OP_STOP: on_stop(r); return;
	case OP_TICK: on_tick(r); return;
	case OP_RECV: on_recv(p, cqe, more); break;
	case OP_SEND: on_send(p, cqe->res); break;
	case OP_WAIT: on_wait(p); break;
	}
	/* A connection's request: the last completion of one ends its claim on c. */
	struct uconn *c = p;
	if (!more)
		c->pending--;
	advance(c);
	settle(c);
}

/* The end of a turn: the kernel learns of the buffers given back, and connections
 * that ran out of them receive again. */
static void bufs_flush(struct ring *r)
{
	if (!r->returned)
		return;
	io_uring_buf_ring_advance(r->br, r->returned);
	r->returned = 0;
	for (struct uconn *c = r->conns, *next; c && r->nstarved; c = next) {
		next = c->next;
		if (c->starved) {
			c->starved = 0;
			r->nstarved--;
			advance(c);
			settle(c);
		}
	}
}

/* ---- a ring per thread ---- */

/* The plainest setup this kernel takes, trying the best first: a ring only this
 * thread submits to, whose completions run only when it asks for them (fewer
 * interrupts of the loop); else cooperative task running; else none. */
static int ring_init(struct io_uring *ring)
{
	static const unsigned tries[] = {
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN, /* Linux 6.1 */
		IORING_SETUP_COOP_TASKRUN,				 /* 5.19 */
		0,
	};
	if (ring_probed) {
		struct io_uring_params p = { .flags = ring_flags };
		return io_uring_queue_init_params(RING_ENTRIES, ring, &p);
	}
	int err = -EINVAL;
	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]) && err == -EINVAL; i++) {
		struct io_uring_params p = { .flags = tries[i] };
		err = io_uring_queue_init_params(RING_ENTRIES, ring, &p);
		if (!err) {
			ring_flags = tries[i];
			ring_probed = 1;
		}
	}
	return err;
}

/* liburing 2.3 has no io_uring_setup_buf_ring: the ring of buffer descriptors is
 * our own page-aligned memory, registered by hand. */
static int bufs_init(struct ring *r)
{
	size_t len = BUF_COUNT * sizeof(struct io_uring_buf);
	long page = sysconf(_SC_PAGESIZE);
	if (posix_memalign((void **)&r->br, (size_t)page, len) ||
	    !(r->bufs = malloc((size_t)BUF_COUNT * BUF_SIZE)))
		return -ENOMEM;
	memset(r->br, 0, len);
	struct io_uring_buf_reg reg = {
		.ring_addr = (uint64_t)(uintptr_t)r->br, .ring_entries = BUF_COUNT, .bgid = BUF_GROUP
	};
	int err = io_uring_register_buf_ring(&r->ring, &reg, 0);
	if (err)
		return err;
	io_uring_buf_ring_init(r->br);
	for (int i = 0; i < BUF_COUNT; i++)
		buf_return(r, i);
	io_uring_buf_ring_advance(r->br, r->returned);
	r->returned = 0;
	return 0;
}

static void ring_loop(struct ring *r)
{
	int tick_ms = r->idle_ms / 10 < 5 ? 5 : r->idle_ms / 10 > 1000 ? 1000 : r->idle_ms / 10;
	r->tick_ts.tv_sec = tick_ms / 1000;
	r->tick_ts.tv_nsec = (long long)(tick_ms % 1000) * 1000000LL;
	r->now = now_ns();
	arm_accept(r);
	arm_tick(r);
	struct io_uring_sqe *sqe = get_sqe(r);
	io_uring_prep_poll_add(sqe, server_stop_fd(), POLLIN);
	set_op(sqe, r, OP_STOP);
	while (!r->done) {
		/* The loop's one wait: submit this turn's requests, sleep until at
		 * least one completion is there. */
		int err = io_uring_submit_and_wait(&r->ring, 1);
		if (err < 0 && err != -EINTR && err != -ETIME && err != -EBUSY) {
			fprintf(stderr, "target-uring: io_uring_enter: %s\n", strerror(-err));
			exit(1);
		}
		r->now = now_ns();
		unsigned head, n = 0;
		struct io_uring_cqe *cqe;
		io_uring_for_each_cqe(&r->ring, head, cqe)
		{
			on_cqe(r, cqe);
			n++;
		}
		io_uring_cq_advance(&r->ring, n);
		bufs_flush(r);
	}
}

/* After the loop: the ring goes first, taking whatever it still had in flight
 * (the drain bound was reached), and then what those requests pointed at. */
static void ring_fini(struct ring *r)
{
	io_uring_queue_exit(&r->ring);
	while (r->conns) {
		struct uconn *c = r->conns;
		r->conns = c->next;
		close(c->s.fd);
		free(c);
	}
	free(r->bufs);
	free(r->br);
	close(r->lfd);
}

struct loop_thread {
	struct ring *r;
	int inited; /* the ring was made on the main thread (thread 0) */
};

static void *run_ring(void *arg)
{
	struct loop_thread *t = arg;
	int err = t->inited ? 0 : ring_init(&t->r->ring);
	if (!err)
		err = bufs_init(t->r);
	if (err) {
		fprintf(stderr, "target-uring: cannot start a ring: %s\n", strerror(-err));
		exit(1);
	}
	ring_loop(t->r);
	ring_fini(t->r);
	return NULL;
}

/* io_uring missing altogether is a fact about this machine, not a failure: one
 * line that says so, and exit 2, which bench reads as "unsupported". */
static void unsupported(const char *what, int err)
{
	fprintf(stderr, "target-uring: %s: %s: %s\n", SCHEMA_UNSUPPORTED, what, strerror(err));
	exit(2);
}

/* Multishot receive came in Linux 6.0; older kernels reject it in a completion,
 * too late to say so clearly, so the version is checked here. */
static void check_kernel(void)
{
	struct utsname u;
	int major = 0, minor = 0;
	if (uname(&u) == 0 && sscanf(u.release, "%d.%d", &major, &minor) == 2 && major < 6)
		unsupported("Linux 6.0 or later is needed for multishot receive, this is", EINVAL);
}

int main(int argc, char **argv)
{
	struct server_opts o;
	server_parse_opts(argc, argv, "uring", &o);
	check_kernel();
	struct loop_thread *threads = calloc((size_t)o.threads, sizeof(*threads));
	struct ring *rings = calloc((size_t)o.threads, sizeof(*rings));
	if (!threads || !rings)
		return 1;
	/* The first ring is made here, before the port is announced, so a kernel
	 * without io_uring is found before anyone connects. */
	int err = ring_init(&rings[0].ring);
	if (err == -EPERM || err == -ENOSYS || err == -EACCES)
		unsupported("io_uring_setup (kernel.io_uring_disabled, or a seccomp filter?)", -err);
	if (err) {
		fprintf(stderr, "target-uring: io_uring_setup: %s\n", strerror(-err));
		return 1;
	}
	threads[0].inited = 1;
	server_signals();
	int *lfds = calloc((size_t)o.threads, sizeof(*lfds));
	if (!lfds || server_listen_loops(&o, lfds))
		return 1;
	for (int i = 0; i < o.threads; i++) {
		threads[i].r = &rings[i];
		rings[i].idle_ms = o.idle_ms;
		rings[i].lfd = lfds[i];
	}
	free(lfds);
	/* Ring threads take no signals: the stop eventfd reaches every ring. */
	err = server_run_loops(o.threads, run_ring, threads, sizeof(*threads));
	free(rings);
	free(threads);
	return err ? 1 : 0;
}
