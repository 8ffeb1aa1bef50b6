/* The engine behind `bench load`. See load.h for the shape; this file is the
 * per-thread event loop and the bookkeeping around it. */
#include "load.h"

#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "clock.h"
#include "records.h"

#define NS 1000000000ull
#define MS 1000000ull
#define LATE_NS MS		/* a send this far behind its schedule is late */
#define DRAIN_MAX_NS (2 * NS)	/* in-flight requests get this long after -d ends */
#define DRAIN_STOP_NS NS	/* ...and this long after load_stop() */
#define ID_HEADER "X-Request-Id: "
#define ID_WIDTH 20		/* digits of UINT64_MAX */

static const char *const err_names[LOAD_E_COUNT] = {
	[LOAD_OK] = "",
	[LOAD_E_CONNECT] = "connect",
	[LOAD_E_TIMEOUT] = "timeout",
	[LOAD_E_RESET] = "reset",
	[LOAD_E_MALFORMED] = "malformed",
	[LOAD_E_STATUS_3XX] = "status_3xx",
	[LOAD_E_STATUS_4XX] = "status_4xx",
	[LOAD_E_STATUS_5XX] = "status_5xx",
	[LOAD_E_STATUS_OTHER] = "status_other",
	[LOAD_E_ABORTED] = "aborted",
	[LOAD_E_OTHER] = "other",
};

const char *load_err_name(enum load_err e)
{
	return e < LOAD_E_COUNT ? err_names[e] : "other";
}

void load_config_init(struct load_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = LOAD_CLOSED;
	cfg->connections = 10;
	cfg->threads = 1;
	cfg->duration_ns = 10 * NS;
	cfg->timeout_ns = 30 * NS;
	cfg->progress_ms = 250;
}

/* What every thread reads and nobody writes once the threads run. */
struct run {
	const struct load_config *cfg;
	int nthreads;
	uint64_t t0;	  /* first request due */
	uint64_t measure; /* t0 + warmup */
	uint64_t t_stop;  /* end of the schedule for -d runs; 0 for -n and burst */
	uint64_t span_ns; /* warmup + duration: the open loop's ramp length */
	int stop_fd;	  /* eventfd, readable once load_stop() was called */
	int done_fd;	  /* eventfd the threads bump when they finish */
	int rec_fd;
	/* The start gate: threads set up, report ready, and wait for go (t0 set). */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int nready;
	int go;
	int failed; /* a thread could not set up: nobody sends */
};

struct fdinfo {
	uint64_t conn;	 /* REC_NONE when the socket is not one of our connections */
	uint32_t events; /* what epoll watches; 0 when not registered */
	uint16_t wanted; /* libcurl watches it (between its first poll and REMOVE) */
	uint16_t port;	 /* local port, looked up when first needed */
};

struct lthread;

/* One connection's worth of in-flight capacity: an easy handle that is reused for
 * every request it carries, and the header list whose first entry we rewrite in
 * place with the request id. */
struct slot {
	CURL *easy;
	struct curl_slist *hdrs;
	char *id_digits; /* inside hdrs->data */
	struct lthread *th;
	uint64_t id;
	uint64_t t_intended;
	uint64_t t_start;
	uint64_t bytes;
	uint64_t conn;
	int busy;
};

struct lthread {
	/* Progress counters on their own cache line: the owner stores, load_run's
	 * thread reads a few times a second. */
	_Alignas(64) _Atomic uint64_t prog_done;
	_Atomic uint64_t prog_errors;

	_Alignas(64) struct run *run;
	const struct load_config *cfg;
	int index;
	pthread_t tid;
	int started;
	int err;

	CURLM *multi;
	int ep;
	int pace_fd;
	uint64_t curl_deadline; /* UINT64_MAX: no libcurl timer pending */

	struct slot *slots;
	int nslots;
	int *free_slots; /* stack of idle slot indexes */
	int nfree;
	int inflight;

	struct fdinfo *fds;
	size_t nfds;
	uint64_t conn_seq;
	uint64_t open_now;

	int limited;	 /* closed loop -n: stop after quota requests */
	uint64_t quota;
	uint64_t seq;	 /* requests started by this thread */
	uint64_t next_k; /* open loop: next schedule index this thread owns */
	int stopping;
	uint64_t drain_deadline;
	uint64_t stop_at;   /* when stopping began */
	uint64_t last_done; /* latest completion of a measured request */

	struct rec_writer rec;
	int rec_on;

	struct load_result r;
};

static _Atomic int stop_fd_global = -1;

void load_stop(void)
{
	int fd = atomic_load(&stop_fd_global);
	if (fd >= 0) {
		uint64_t one = 1;
		ssize_t n = write(fd, &one, sizeof(one));
		(void)n;
	}
}

/* ---- sockets: libcurl tells us which fds to watch; we watch them with epoll ---- */

static int fd_grow(struct lthread *th, int fd)
{
	if ((size_t)fd < th->nfds)
		return 0;
	size_t n = th->nfds ? th->nfds : 64;
	while (n <= (size_t)fd)
		n *= 2;
	struct fdinfo *p = realloc(th->fds, n * sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (size_t i = th->nfds; i < n; i++)
		p[i] = (struct fdinfo){ .conn = REC_NONE };
	th->fds = p;
	th->nfds = n;
	return 0;
}

static curl_socket_t open_cb(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct lthread *th = arg;
	(void)purpose;
	int fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
	if (fd < 0)
		return CURL_SOCKET_BAD;
	if (fd_grow(th, fd)) {
		close(fd);
		return CURL_SOCKET_BAD;
	}
	/* Connection ids are unique across threads: a stride per thread. */
	th->fds[fd].conn = th->conn_seq++ * (uint64_t)th->run->nthreads + (uint64_t)th->index;
	th->fds[fd].events = 0;
	th->fds[fd].wanted = 0;
	th->r.conns_opened++;
	if (++th->open_now > th->r.conns_peak)
		th->r.conns_peak = th->open_now;
	return fd;
}

static int close_cb(void *arg, curl_socket_t fd)
{
	struct lthread *th = arg;
	if ((size_t)fd < th->nfds && th->fds[fd].conn != REC_NONE) {
		/* close() drops the fd from the epoll set by itself. */
		th->fds[fd] = (struct fdinfo){ .conn = REC_NONE };
		th->open_now--;
	}
	return close(fd);
}

static int sock_cb(CURL *easy, curl_socket_t fd, int what, void *arg, void *sockp)
{
	struct lthread *th = arg;
	(void)sockp;
	if (fd_grow(th, fd))
		return -1;
	struct fdinfo *fi = &th->fds[fd];
	if (what == CURL_POLL_REMOVE) {
		/* libcurl removes a keep-alive socket at the end of every transfer
		 * and adds it back for the next one: two epoll_ctl calls per request.
		 * We leave it in the set instead and drop it only if it reports an
		 * event while libcurl is not watching (the peer closed it, say).
		 * Sockets we did not open (the resolver's) may be closed without
		 * close_cb telling us, so they leave the set at once. */
		fi->wanted = 0;
		if (fi->conn == REC_NONE && fi->events) {
			epoll_ctl(th->ep, EPOLL_CTL_DEL, fd, NULL);
			fi->events = 0;
		}
		return 0;
	}
	uint32_t want = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
	fi->wanted = 1;
	if (fi->events != want) {
		struct epoll_event ev = { .events = want, .data.fd = fd };
		int op = fi->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
		if (epoll_ctl(th->ep, op, fd, &ev) < 0) {
			/* Our view was stale: the fd was closed behind our back (and left
			 * the set), or reused. */
			op = errno == EEXIST ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
			if (epoll_ctl(th->ep, op, fd, &ev) < 0)
				return -1;
		}
		fi->events = want;
	}
	/* The transfer now runs on this socket: that names its connection. */
	if (fi->conn != REC_NONE && easy) {
		struct slot *s;
		if (curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&s) == CURLE_OK && s)
			s->conn = fi->conn;
	}
	return 0;
}

/* A transfer that had to wait told us its socket in sock_cb. One that found its
 * response already waiting (libcurl polls before it asks us to) never did, and
 * libcurl 7.88 has no connection id to ask for; its local port identifies the
 * connection. A scan over this thread's sockets, done only for the records. */
static uint64_t conn_by_port(struct lthread *th, CURL *easy)
{
	long port = 0;
	if (curl_easy_getinfo(easy, CURLINFO_LOCAL_PORT, &port) != CURLE_OK || port <= 0)
		return REC_NONE;
	for (size_t fd = 0; fd < th->nfds; fd++) {
		struct fdinfo *fi = &th->fds[fd];
		if (fi->conn == REC_NONE)
			continue;
		if (!fi->port) {
			struct sockaddr_storage a;
			socklen_t len = sizeof(a);
			if (getsockname((int)fd, (struct sockaddr *)&a, &len) < 0)
				continue;
			if (a.ss_family == AF_INET)
				fi->port = ntohs(((struct sockaddr_in *)&a)->sin_port);
			else if (a.ss_family == AF_INET6)
				fi->port = ntohs(((struct sockaddr_in6 *)&a)->sin6_port);
		}
		if (fi->port == port)
			return fi->conn;
	}
	return REC_NONE;
}

static int timer_cb(CURLM *multi, long timeout_ms, void *arg)
{
	struct lthread *th = arg;
	(void)multi;
	th->curl_deadline = timeout_ms < 0 ? UINT64_MAX : now_ns() + (uint64_t)timeout_ms * MS;
	return 0;
}

static size_t write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct slot *s = arg;
	(void)p;
	s->bytes += size * n;
	return size * n;
}

/* ---- requests ---- */

static enum load_err classify(CURLcode rc, long status)
{
	switch (rc) {
	case CURLE_OK:
		if (status >= 200 && status < 300)
			return LOAD_OK;
		if (status >= 300 && status < 400)
			return LOAD_E_STATUS_3XX;
		if (status >= 400 && status < 500)
			return LOAD_E_STATUS_4XX;
		if (status >= 500 && status < 600)
			return LOAD_E_STATUS_5XX;
		return LOAD_E_STATUS_OTHER;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return LOAD_E_CONNECT;
	case CURLE_OPERATION_TIMEDOUT:
		return LOAD_E_TIMEOUT;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return LOAD_E_RESET;
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_UNSUPPORTED_PROTOCOL: /* an HTTP/0.9 reply: not HTTP we accept */
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return LOAD_E_MALFORMED;
	default:
		return LOAD_E_OTHER;
	}
}

static void set_id(struct slot *s, uint64_t id)
{
	char tmp[ID_WIDTH];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + id % 10);
		id /= 10;
	} while (id);
	char *p = s->id_digits;
	while (n)
		*p++ = tmp[--n];
	*p = '\0';
}

static void finish(struct lthread *th, struct slot *s, CURLcode rc, enum load_err forced);

static void send_one(struct lthread *th, struct slot *s, uint64_t id, uint64_t t_intended)
{
	s->id = id;
	set_id(s, id);
	s->bytes = 0;
	s->conn = REC_NONE;
	s->t_intended = t_intended;
	s->t_start = now_ns();
	s->busy = 1;
	th->inflight++;
	th->seq++;
	if (t_intended >= th->run->measure) {
		th->r.sent++;
		uint64_t behind = s->t_start - t_intended;
		if (th->cfg->mode == LOAD_OPEN && s->t_start > t_intended && behind > LATE_NS) {
			th->r.late++;
			th->r.late_sum_ns += behind;
			if (behind > th->r.late_max_ns)
				th->r.late_max_ns = behind;
		}
	}
	if (curl_multi_add_handle(th->multi, s->easy) != CURLM_OK)
		finish(th, s, CURLE_FAILED_INIT, LOAD_E_OTHER);
}

static int pop_free(struct lthread *th)
{
	return th->free_slots[--th->nfree];
}

static void arm_pace(struct lthread *th, uint64_t at)
{
	struct itimerspec its = { 0 };
	its.it_value.tv_sec = (time_t)(at / NS);
	its.it_value.tv_nsec = (long)(at % NS);
	if (!at)
		its.it_value.tv_nsec = 0; /* disarm */
	timerfd_settime(th->pace_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* Offset of send k from t0 on the open loop's schedule. A fixed rate R puts send k
 * at k/R; a ramp from A to B over the span integrates the rate: k = A t + s t^2 / 2
 * with s = (B - A) / span, solved for t. UINT64_MAX when a falling ramp never
 * reaches k. */
static uint64_t sched_ns(const struct run *run, uint64_t k)
{
	double a = run->cfg->rate_from, b = run->cfg->rate_to;
	double span = (double)run->span_ns / 1e9, t;
	if (a == b || span <= 0) {
		t = (double)k / a;
	} else {
		double s = (b - a) / span, disc = a * a + 2.0 * s * (double)k;
		if (disc < 0)
			return UINT64_MAX;
		t = (-a + sqrt(disc)) / s;
	}
	if (!(t >= 0) || t > 1e9)
		return UINT64_MAX;
	return (uint64_t)(t * 1e9);
}

static int open_more(struct lthread *th, uint64_t *due)
{
	const struct run *run = th->run;
	if (th->stopping)
		return 0;
	if (th->cfg->requests && th->next_k >= th->cfg->requests)
		return 0;
	uint64_t off = sched_ns(run, th->next_k);
	if (off == UINT64_MAX || (run->t_stop && off >= run->span_ns))
		return 0;
	*due = run->t0 + off;
	return 1;
}

/* Open loop: start every send that is due and has a free connection, then sleep
 * on the timerfd until the next one. A due send without a free connection waits
 * for a completion (which calls us again) and is counted late when it goes. */
static void send_due(struct lthread *th)
{
	uint64_t due;
	while (open_more(th, &due)) {
		if (due > now_ns()) {
			arm_pace(th, due);
			return;
		}
		if (!th->nfree)
			return;
		uint64_t k = th->next_k;
		th->next_k += (uint64_t)th->run->nthreads;
		send_one(th, &th->slots[pop_free(th)], k, due);
	}
	arm_pace(th, 0);
}

static int closed_more(const struct lthread *th)
{
	return !th->stopping && (!th->limited || th->seq < th->quota);
}

static void closed_send(struct lthread *th)
{
	while (th->nfree && closed_more(th)) {
		/* Ids are unique across threads: a stride per thread. */
		uint64_t id = th->seq * (uint64_t)th->run->nthreads + (uint64_t)th->index;
		send_one(th, &th->slots[pop_free(th)], id, now_ns());
	}
}

static void account(struct lthread *th, struct slot *s, enum load_err kind, long status,
		    uint64_t t_end)
{
	struct load_result *r = &th->r;
	if (s->t_intended < th->run->measure) {
		r->warmup_requests++;
		return;
	}
	if (kind == LOAD_E_ABORTED) {
		r->aborted++;
	} else {
		r->completed++;
		hist_record(r->lat.corrected, t_end - s->t_intended);
		hist_record(r->lat.service, t_end - s->t_start);
		if (t_end > th->last_done)
			th->last_done = t_end;
	}
	r->by_kind[kind]++;
	if (kind == LOAD_OK)
		r->ok++;
	else
		r->errors++;
	r->by_class[status >= 100 && status < 600 ? status / 100 : 0]++;
	r->bytes += s->bytes;
	if (kind == LOAD_E_CONNECT)
		r->conns_failed++;
	if (th->cfg->mode == LOAD_BURST && t_end - th->run->t0 > r->burst_ns)
		r->burst_ns = t_end - th->run->t0;
}

/* A request ended (rc from libcurl) or is cut off (forced). Records it, frees its
 * slot, and lets the load model start the next one. */
static void finish(struct lthread *th, struct slot *s, CURLcode rc, enum load_err forced)
{
	uint64_t t_end = now_ns();
	long status = 0;
	curl_off_t t_conn = -1, t_fb = -1;
	curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(s->easy, CURLINFO_CONNECT_TIME_T, &t_conn);
	curl_easy_getinfo(s->easy, CURLINFO_STARTTRANSFER_TIME_T, &t_fb);
	curl_multi_remove_handle(th->multi, s->easy);
	enum load_err kind = forced ? forced : classify(rc, status);

	account(th, s, kind, status, t_end);

	if (th->rec_on) {
		if (s->conn == REC_NONE)
			s->conn = conn_by_port(th, s->easy);
		/* libcurl times the phases in microseconds from when it began the
		 * transfer, a few microseconds after t_start; we place them on our
		 * clock from t_start and clamp them to the request's own bounds. */
		struct rec_row row = {
			.id = s->id,
			.thread = (uint64_t)th->index,
			.conn = s->conn,
			.t_intended = s->t_intended,
			.t_start = s->t_start,
			.t_connected = REC_NONE,
			.t_first_byte = REC_NONE,
			.t_end = t_end,
			.status = status > 0 ? (uint64_t)status : REC_NONE,
			.bytes = s->bytes,
			.error = err_names[kind],
		};
		if (t_conn >= 0 && kind != LOAD_E_CONNECT && kind != LOAD_E_ABORTED) {
			uint64_t t = s->t_start + (uint64_t)t_conn * 1000;
			row.t_connected = t < t_end ? t : t_end;
		}
		if (t_fb > 0 && status > 0) {
			uint64_t t = s->t_start + (uint64_t)t_fb * 1000;
			if (row.t_connected != REC_NONE && t < row.t_connected)
				t = row.t_connected;
			row.t_first_byte = t < t_end ? t : t_end;
		}
		rec_write(&th->rec, &row);
	}

	s->busy = 0;
	th->inflight--;
	th->free_slots[th->nfree++] = (int)(s - th->slots);
	atomic_store_explicit(&th->prog_done, atomic_load_explicit(&th->prog_done,
					memory_order_relaxed) + 1, memory_order_relaxed);
	if (kind != LOAD_OK)
		atomic_store_explicit(&th->prog_errors,
				      atomic_load_explicit(&th->prog_errors, memory_order_relaxed) + 1,
				      memory_order_relaxed);
	if (forced)
		return;
	if (th->cfg->mode == LOAD_CLOSED)
		closed_send(th);
	else if (th->cfg->mode == LOAD_OPEN)
		send_due(th);
}

static void drain_msgs(struct lthread *th)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(th->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		struct slot *s = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
		CURLcode rc = m->data.result; /* m is invalid once the handle is removed */
		if (s)
			finish(th, s, rc, LOAD_OK);
	}
}

static void begin_stop(struct lthread *th, uint64_t now, uint64_t grace)
{
	if (th->stopping)
		return;
	th->stopping = 1;
	th->stop_at = now;
	th->drain_deadline = now + grace;
	arm_pace(th, 0);
}

static void abort_inflight(struct lthread *th)
{
	for (int i = 0; i < th->nslots; i++)
		if (th->slots[i].busy)
			finish(th, &th->slots[i], CURLE_OK, LOAD_E_ABORTED);
}

static int can_send(struct lthread *th)
{
	uint64_t due;
	switch (th->cfg->mode) {
	case LOAD_CLOSED:
		return closed_more(th);
	case LOAD_OPEN:
		return open_more(th, &due);
	default:
		return 0;
	}
}

static void socket_action(struct lthread *th, curl_socket_t fd, int flags)
{
	int running;
	curl_multi_socket_action(th->multi, fd, flags, &running);
}

static void thread_loop(struct lthread *th)
{
	const struct run *run = th->run;
	const uint64_t drain = th->cfg->timeout_ns < DRAIN_MAX_NS ? th->cfg->timeout_ns : DRAIN_MAX_NS;
	struct epoll_event evs[256];

	struct timespec t0 = { (time_t)(run->t0 / NS), (long)(run->t0 % NS) };
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t0, NULL) == EINTR)
		;
	switch (th->cfg->mode) {
	case LOAD_CLOSED:
		closed_send(th);
		break;
	case LOAD_BURST:
		for (int i = 0; i < th->nslots; i++)
			send_one(th, &th->slots[pop_free(th)],
				 (uint64_t)i * (uint64_t)run->nthreads + (uint64_t)th->index, run->t0);
		break;
	case LOAD_OPEN:
		send_due(th);
		break;
	}

	for (;;) {
		uint64_t now = now_ns();
		if (!th->stopping && run->t_stop && now >= run->t_stop)
			begin_stop(th, run->t_stop, drain);
		if (th->stopping && now >= th->drain_deadline) {
			abort_inflight(th);
			break;
		}
		if (!th->inflight && !can_send(th))
			break;

		uint64_t next = th->curl_deadline;
		if (!th->stopping && run->t_stop && run->t_stop < next)
			next = run->t_stop;
		if (th->stopping && th->drain_deadline < next)
			next = th->drain_deadline;
		int timeout = -1;
		if (next != UINT64_MAX)
			timeout = next <= now ? 0 : (int)((next - now + MS - 1) / MS);

		int n = epoll_wait(th->ep, evs, 256, timeout);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			uint32_t e = evs[i].events;
			if (fd == th->pace_fd) {
				uint64_t ticks;
				if (read(fd, &ticks, sizeof(ticks)) < 0) {
					/* EAGAIN: re-armed since; nothing to read */
				}
				send_due(th);
			} else if (fd == run->stop_fd) {
				if (!th->stopping) {
					th->r.interrupted = 1;
					begin_stop(th, now_ns(), DRAIN_STOP_NS < drain ? DRAIN_STOP_NS : drain);
				}
			} else if ((size_t)fd < th->nfds && !th->fds[fd].wanted) {
				epoll_ctl(th->ep, EPOLL_CTL_DEL, fd, NULL);
				th->fds[fd].events = 0;
			} else {
				int flags = (e & (EPOLLIN | EPOLLHUP) ? CURL_CSELECT_IN : 0) |
					    (e & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
					    (e & EPOLLERR ? CURL_CSELECT_ERR : 0);
				socket_action(th, fd, flags);
			}
		}
		drain_msgs(th);
		/* Requests started just now asked for an immediate timeout: run them
		 * here rather than after another trip through epoll_wait. */
		while (th->curl_deadline != UINT64_MAX && now_ns() >= th->curl_deadline) {
			th->curl_deadline = UINT64_MAX;
			socket_action(th, CURL_SOCKET_TIMEOUT, 0);
			drain_msgs(th);
		}
	}
}

/* ---- setup and teardown ---- */

static int slot_init(struct lthread *th, struct slot *s, const struct curl_slist *extra)
{
	const struct load_config *cfg = th->cfg;
	s->th = th;
	s->easy = curl_easy_init();
	if (!s->easy)
		return -ENOMEM;
	/* The id header is first and sized for the widest id, so later ids are
	 * written into it in place: no allocation per request. */
	s->hdrs = curl_slist_append(NULL, ID_HEADER "00000000000000000000");
	if (!s->hdrs)
		return -ENOMEM;
	s->id_digits = s->hdrs->data + sizeof(ID_HEADER) - 1;
	for (const struct curl_slist *h = extra; h; h = h->next)
		if (!curl_slist_append(s->hdrs, h->data))
			return -ENOMEM;

	CURL *e = s->easy;
	CURLcode rc = CURLE_OK;
#define SET(opt, val) \
	do { \
		if (rc == CURLE_OK) \
			rc = curl_easy_setopt(e, opt, val); \
	} while (0)
	SET(CURLOPT_URL, cfg->url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	/* An explicit "no proxy" spares a getenv() scan of the proxy variables per
	 * request; a load generator talks to the server it is pointed at. */
	SET(CURLOPT_PROXY, "");
	SET(CURLOPT_PRIVATE, s);
	SET(CURLOPT_WRITEFUNCTION, write_cb);
	SET(CURLOPT_WRITEDATA, s);
	SET(CURLOPT_HTTPHEADER, s->hdrs);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_NOPROGRESS, 1L);
	SET(CURLOPT_TCP_NODELAY, 1L);
	SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	SET(CURLOPT_TIMEOUT_MS, (long)((cfg->timeout_ns + MS - 1) / MS));
	SET(CURLOPT_OPENSOCKETFUNCTION, open_cb);
	SET(CURLOPT_OPENSOCKETDATA, th);
	SET(CURLOPT_CLOSESOCKETFUNCTION, close_cb);
	SET(CURLOPT_CLOSESOCKETDATA, th);
	if (cfg->method && !strcmp(cfg->method, "HEAD"))
		SET(CURLOPT_NOBODY, 1L);
	else if (cfg->method && strcmp(cfg->method, "GET"))
		SET(CURLOPT_CUSTOMREQUEST, cfg->method);
	/* A burst's connections carry one request each, like N separate clients;
	 * holding them open afterwards would stall a server that serves one
	 * connection at a time until the client hangs up. */
	if (cfg->new_conn || cfg->mode == LOAD_BURST) {
		SET(CURLOPT_FRESH_CONNECT, 1L);
		SET(CURLOPT_FORBID_REUSE, 1L);
	}
#undef SET
	return rc == CURLE_OK ? 0 : -EINVAL;
}

static int thread_setup(struct lthread *th, int nslots)
{
	const struct load_config *cfg = th->cfg;
	struct curl_slist *extra = NULL;
	int err = -ENOMEM;

	th->curl_deadline = UINT64_MAX;
	th->ep = epoll_create1(EPOLL_CLOEXEC);
	th->pace_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (th->ep < 0 || th->pace_fd < 0)
		return -errno;
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = th->pace_fd };
	if (epoll_ctl(th->ep, EPOLL_CTL_ADD, th->pace_fd, &ev) < 0)
		return -errno;
	ev.data.fd = th->run->stop_fd;
	if (epoll_ctl(th->ep, EPOLL_CTL_ADD, th->run->stop_fd, &ev) < 0)
		return -errno;

	th->r.lat.corrected = hist_new();
	th->r.lat.service = hist_new();
	th->slots = calloc((size_t)nslots, sizeof(*th->slots));
	th->free_slots = calloc((size_t)nslots, sizeof(int));
	if (!th->r.lat.corrected || !th->r.lat.service || !th->slots || !th->free_slots)
		return -ENOMEM;
	th->nslots = nslots;

	th->multi = curl_multi_init();
	if (!th->multi)
		return -ENOMEM;
	curl_multi_setopt(th->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(th->multi, CURLMOPT_SOCKETDATA, th);
	curl_multi_setopt(th->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(th->multi, CURLMOPT_TIMERDATA, th);
	/* Keep every connection this thread may have open in libcurl's cache. */
	curl_multi_setopt(th->multi, CURLMOPT_MAXCONNECTS, (long)nslots);

	for (int i = 0; i < cfg->nheaders; i++) {
		struct curl_slist *n = curl_slist_append(extra, cfg->headers[i]);
		if (!n)
			goto out;
		extra = n;
	}
	for (int i = 0; i < nslots; i++) {
		err = slot_init(th, &th->slots[i], extra);
		if (err)
			goto out;
		/* Popped from the end: slot 0 goes first. */
		th->free_slots[nslots - 1 - i] = i;
	}
	th->nfree = nslots;
	if (th->run->rec_fd >= 0) {
		err = rec_writer_init(&th->rec, th->run->rec_fd, 0);
		if (err)
			goto out;
		th->rec_on = 1;
	}
	err = 0;
out:
	curl_slist_free_all(extra);
	return err;
}

static void thread_teardown(struct lthread *th)
{
	if (th->rec_on) {
		int err = rec_writer_close(&th->rec);
		if (err && !th->err)
			th->err = err;
	}
	if (th->multi) {
		for (int i = 0; i < th->nslots; i++)
			if (th->slots[i].easy)
				curl_multi_remove_handle(th->multi, th->slots[i].easy);
		curl_multi_cleanup(th->multi); /* closes the cached connections */
	}
	for (int i = 0; i < th->nslots; i++) {
		if (th->slots[i].easy)
			curl_easy_cleanup(th->slots[i].easy);
		curl_slist_free_all(th->slots[i].hdrs);
	}
	free(th->slots);
	free(th->free_slots);
	free(th->fds);
	if (th->ep >= 0)
		close(th->ep);
	if (th->pace_fd >= 0)
		close(th->pace_fd);
}

static void *thread_main(void *arg)
{
	struct lthread *th = arg;
	struct run *run = th->run;
	const struct load_config *cfg = th->cfg;
	int n = cfg->connections / run->nthreads + (th->index < cfg->connections % run->nthreads);

	if (cfg->mode == LOAD_CLOSED && cfg->requests) {
		th->limited = 1;
		th->quota = cfg->requests / (uint64_t)run->nthreads +
			    ((uint64_t)th->index < cfg->requests % (uint64_t)run->nthreads);
	}
	th->next_k = (uint64_t)th->index;
	th->err = thread_setup(th, n);

	pthread_mutex_lock(&run->lock);
	run->nready++;
	pthread_cond_broadcast(&run->cond);
	while (!run->go)
		pthread_cond_wait(&run->cond, &run->lock);
	int failed = run->failed;
	pthread_mutex_unlock(&run->lock);

	if (!th->err && !failed)
		thread_loop(th);
	thread_teardown(th);
	uint64_t one = 1;
	ssize_t w = write(run->done_fd, &one, sizeof(one));
	(void)w;
	return NULL;
}

/* Enough descriptors for every connection plus slack for libcurl's own. */
static int ensure_fds(int connections)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	rlim_t want = (rlim_t)connections + 64;
	if (rl.rlim_cur >= want)
		return 0;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want)
		return -EMFILE;
	rl.rlim_cur = want;
	return setrlimit(RLIMIT_NOFILE, &rl) < 0 ? -errno : 0;
}

static void merge(struct load_result *res, const struct lthread *th)
{
	const struct load_result *r = &th->r;
	res->sent += r->sent;
	res->completed += r->completed;
	res->ok += r->ok;
	res->errors += r->errors;
	res->aborted += r->aborted;
	for (int k = 0; k < LOAD_E_COUNT; k++)
		res->by_kind[k] += r->by_kind[k];
	for (int c = 0; c < 6; c++)
		res->by_class[c] += r->by_class[c];
	res->bytes += r->bytes;
	res->warmup_requests += r->warmup_requests;
	res->conns_opened += r->conns_opened;
	res->conns_peak += r->conns_peak;
	res->conns_failed += r->conns_failed;
	res->late += r->late;
	res->late_sum_ns += r->late_sum_ns;
	if (r->late_max_ns > res->late_max_ns)
		res->late_max_ns = r->late_max_ns;
	if (r->burst_ns > res->burst_ns)
		res->burst_ns = r->burst_ns;
	res->interrupted |= r->interrupted;
	hist_merge(res->lat.corrected, r->lat.corrected);
	hist_merge(res->lat.service, r->lat.service);
	uint64_t end = th->last_done > th->stop_at ? th->last_done : th->stop_at;
	if (end > res->end_ns)
		res->end_ns = end;
}

static void report_progress(const struct load_config *cfg, const struct run *run,
			    struct lthread *ths)
{
	struct load_progress p = { 0 };
	for (int i = 0; i < run->nthreads; i++) {
		p.completed += atomic_load_explicit(&ths[i].prog_done, memory_order_relaxed);
		p.errors += atomic_load_explicit(&ths[i].prog_errors, memory_order_relaxed);
	}
	uint64_t now = now_ns();
	p.elapsed_ns = now > run->t0 ? now - run->t0 : 0;
	p.total_ns = run->t_stop ? run->t_stop - run->t0 : 0;
	p.requests = cfg->mode == LOAD_BURST ? (uint64_t)cfg->connections : cfg->requests;
	cfg->progress(&p, cfg->progress_arg);
}

int load_run(const struct load_config *cfg, struct load_result *res)
{
	static int curl_ready;
	struct run run = { .cfg = cfg, .nthreads = cfg->threads, .stop_fd = -1, .done_fd = -1,
			   .rec_fd = -1 };
	struct lthread *ths = NULL;
	int err = 0, nstarted = 0;

	memset(res, 0, sizeof(*res));
	if (!cfg->url || cfg->threads < 1 || cfg->connections < cfg->threads)
		return -EINVAL;
	if (cfg->mode == LOAD_OPEN && !(cfg->rate_from > 0 || cfg->rate_to > 0))
		return -EINVAL;
	if (!curl_ready) {
		/* Not thread-safe in this libcurl: done once, from the caller's thread. */
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return -ENOMEM;
		curl_ready = 1;
	}
	err = ensure_fds(cfg->connections);
	if (err)
		return err;
	res->lat.corrected = hist_new();
	res->lat.service = hist_new();
	if (!res->lat.corrected || !res->lat.service) {
		err = -ENOMEM;
		goto out;
	}
	res->conns_asked = (uint64_t)cfg->connections;

	run.stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	run.done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (run.stop_fd < 0 || run.done_fd < 0) {
		err = -errno;
		goto out;
	}
	if (cfg->records_path) {
		run.rec_fd = rec_open(cfg->records_path);
		if (run.rec_fd < 0) {
			err = run.rec_fd;
			goto out;
		}
	}
	ths = aligned_alloc(64, sizeof(*ths) * (size_t)cfg->threads);
	if (!ths) {
		err = -ENOMEM;
		goto out;
	}
	memset(ths, 0, sizeof(*ths) * (size_t)cfg->threads);
	pthread_mutex_init(&run.lock, NULL);
	pthread_cond_init(&run.cond, NULL);

	/* Worker threads take no signals: SIGINT reaches the caller, whose handler
	 * calls load_stop(). */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (int i = 0; i < cfg->threads; i++) {
		ths[i].run = &run;
		ths[i].cfg = cfg;
		ths[i].index = i;
		ths[i].ep = ths[i].pace_fd = -1;
		if (pthread_create(&ths[i].tid, NULL, thread_main, &ths[i]) != 0)
			break;
		ths[i].started = 1;
		nstarted++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	pthread_mutex_lock(&run.lock);
	while (run.nready < nstarted)
		pthread_cond_wait(&run.cond, &run.lock);
	if (nstarted < cfg->threads) {
		run.failed = 1;
		err = -EAGAIN;
	}
	for (int i = 0; i < nstarted; i++)
		if (ths[i].err) {
			run.failed = 1;
			err = ths[i].err;
		}
	/* A short lead so every thread is asleep on the same instant before it. */
	run.t0 = now_ns() + 2 * MS;
	run.measure = run.t0 + (cfg->duration_ns && !cfg->requests ? cfg->warmup_ns : 0);
	if (cfg->mode != LOAD_BURST && !cfg->requests) {
		run.span_ns = cfg->warmup_ns + cfg->duration_ns;
		run.t_stop = run.t0 + run.span_ns;
	}
	atomic_store(&stop_fd_global, run.stop_fd);
	run.go = 1;
	pthread_cond_broadcast(&run.cond);
	pthread_mutex_unlock(&run.lock);

	for (int finished = 0; finished < nstarted;) {
		struct pollfd pfd = { .fd = run.done_fd, .events = POLLIN };
		int r = poll(&pfd, 1, cfg->progress ? (cfg->progress_ms > 0 ? cfg->progress_ms : 250) : -1);
		if (r > 0) {
			uint64_t v;
			if (read(run.done_fd, &v, sizeof(v)) == sizeof(v))
				finished += (int)v;
		}
		if (cfg->progress && !run.failed)
			report_progress(cfg, &run, ths);
	}
	atomic_store(&stop_fd_global, -1);
	for (int i = 0; i < nstarted; i++) {
		pthread_join(ths[i].tid, NULL);
		if (ths[i].err && !err)
			err = ths[i].err;
		if (!run.failed)
			merge(res, &ths[i]);
		hist_free(ths[i].r.lat.corrected);
		hist_free(ths[i].r.lat.service);
	}
	pthread_mutex_destroy(&run.lock);
	pthread_cond_destroy(&run.cond);

	res->t0_ns = run.t0;
	res->measure_ns = run.measure;
	if (res->end_ns < res->measure_ns)
		res->end_ns = res->measure_ns;
	res->elapsed_s = (double)(res->end_ns - res->measure_ns) / 1e9;
	if (res->elapsed_s > 0) {
		res->rps = (double)res->completed / res->elapsed_s;
		res->bytes_per_s = (double)res->bytes / res->elapsed_s;
	}
out:
	free(ths);
	if (run.stop_fd >= 0)
		close(run.stop_fd);
	if (run.done_fd >= 0)
		close(run.done_fd);
	if (run.rec_fd >= 0)
		close(run.rec_fd);
	if (err)
		load_result_free(res);
	return err;
}

void load_result_free(struct load_result *res)
{
	hist_free(res->lat.corrected);
	hist_free(res->lat.service);
	res->lat.corrected = res->lat.service = NULL;
}
