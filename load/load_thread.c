/* The load engine's per-thread event loop and the three load models: what to
 * send when, what to do when a request ends, and how a run stops. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "load_int.h"
#include "spread.h"

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
	case CURLE_COULDNT_RESOLVE_PROXY: return LOAD_E_CONNECT;
	case CURLE_OPERATION_TIMEDOUT: return LOAD_E_TIMEOUT;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE: return LOAD_E_RESET;
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_UNSUPPORTED_PROTOCOL: /* an HTTP/0.9 reply: not HTTP we accept */
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM: return LOAD_E_MALFORMED;
	default: return LOAD_E_OTHER;
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

/* The traceparent's parent-id is the request id in 16 hex digits (never all
 * zeros: ids count from 1), its flags whether the targets mark it. */
static void set_trace(struct slot *s, uint64_t id, int sampled)
{
	static const char hex[] = "0123456789abcdef";
	char *p = s->tp_parent;
	for (int i = 15; i >= 0; i--, id >>= 4)
		p[i] = hex[id & 15];
	p[18] = sampled ? '1' : '0'; /* p[16] is '-', p[17] the flags' '0' */
	s->sampled = sampled;
}

static void begin_stop(struct lthread *th, uint64_t now, uint64_t grace);
static void finish(struct lthread *th, struct slot *s, CURLcode rc, enum load_err forced);

/* Request ids count from 1: the targets read a missing X-Request-Id as 0, and a
 * first request numbered 0 could not be told from one without the header. */
static void send_one(struct lthread *th, struct slot *s, uint64_t seq, uint64_t t_intended)
{
	/* --shard i/n: ids interleave across generators; each samples its own 1 in N. */
	uint32_t shards = th->cfg->shard_n ? th->cfg->shard_n : 1; /* a config not from init */
	uint64_t id = seq * shards + th->cfg->shard_i + 1;
	s->id = id;
	set_id(s, id);
	set_trace(s, id, load_sampled(seq + 1, th->run->mark_every));
	s->bytes = 0;
	s->conn = REC_NONE;
	s->fd = -1;
	s->t_connected = 0;
	s->t_first_byte = 0;
	s->t_intended = t_intended;
	s->t_start = now_ns();
	s->busy = 1;
	s->first = !s->used;
	s->used = 1;
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
	if (curl_multi_add_handle(s->m->multi, s->easy) != CURLM_OK) {
		/* Cannot happen with a valid handle; if it does, this thread stops
		 * rather than spin on it. */
		th->err = -EIO;
		begin_stop(th, now_ns(), 0);
		finish(th, s, CURLE_FAILED_INIT, LOAD_E_OTHER);
	}
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

/* How many connects the ramp lets in per loop turn. libcurl issues a new
 * transfer's connect() in the turn it is added, but sees it connected only in a
 * later turn: a turn that started hundreds of connects (a generator behind its
 * ramp catching up all at once) made each of them wait for all the others, and
 * the connect times measured the generator's batch instead of the handshake
 * (p50 280 ms at -c 4000 on a loaded machine; 4.6 ms with this bound). But a
 * generator busy with the connections already open runs few, long turns (up to
 * 256 events each), and 16 a turn let only 2095 of 10,000 connections in during
 * a 3 s run at 16k requests/s: so whatever is more than RAMP_LAG_NS overdue goes
 * in regardless, and the ramp never falls further behind than that. */
#define RAMP_BATCH  16
#define RAMP_LAG_NS (20 * MS)

/* The connect ramp: the slots whose first send the ramp allows by now join the
 * free stack (slot 0 first, as without a ramp), and the timerfd wakes the loop
 * for the next one (at once when behind). A slot's first request opens its
 * connection, so this paces the connects; later requests reuse them and are not
 * paced. */
static void ramp_admit(struct lthread *th)
{
	const struct run *run = th->run;
	uint64_t now = now_ns();
	uint64_t el = now > run->t0 ? now - run->t0 : 0;
	int upto = spread_ramp_admitted(el, th->nslots, th->index, run->nthreads, th->ramp_rate);
	if (upto - th->admitted > RAMP_BATCH) {
		int late = el > RAMP_LAG_NS ? spread_ramp_admitted(el - RAMP_LAG_NS, th->nslots,
								   th->index, run->nthreads,
								   th->ramp_rate)
					    : 0;
		upto = th->admitted + RAMP_BATCH > late ? th->admitted + RAMP_BATCH : late;
	}
	while (th->admitted < upto)
		th->free_slots[th->nfree++] = th->admitted++;
	if (th->admitted < th->nslots)
		arm_pace(th, run->t0 + spread_ramp_ns((uint64_t)th->admitted, th->index,
						     run->nthreads, th->ramp_rate));
	else
		arm_pace(th, 0);
}

/* A slot's first request ended: its connect time (first send to the request
 * going out on a connected socket) and the end of the connect phase. Without
 * records the connected stamp is not wanted any more: libcurl is spared the
 * callback from the next request on. */
static void first_done(struct lthread *th, struct slot *s, enum load_err kind)
{
	s->first = 0;
	if (s->t_connected && kind != LOAD_E_CONNECT && kind != LOAD_E_ABORTED) {
		hist_record(th->r.lat.connect, s->t_connected - s->t_start);
		th->r.conns_connected++;
		if (s->t_connected > th->first_connected)
			th->first_connected = s->t_connected;
	}
	if (!th->rec_on)
		curl_easy_setopt(s->easy, CURLOPT_PREREQFUNCTION, NULL);
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
	if (status > 0) {
		s->served = 1;
	} else if (!s->served && kind != LOAD_E_ABORTED) {
		s->unanswered++;
	}
	if (kind == LOAD_E_ABORTED) {
		/* Still waiting when the run gave up on it: unserved, and its wait so
		 * far goes into the histograms as a lower bound on its latency, so a
		 * starved connection shows in the percentiles instead of vanishing
		 * from them. Counted when sent in the warmup too: it waited through
		 * the whole measured window. */
		r->unserved++;
		r->lat_lower_bound = 1;
		hist_record(r->lat.corrected, t_end - s->t_intended);
		hist_record(r->lat.service, t_end - s->t_start);
	}
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
	curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_multi_remove_handle(s->m->multi, s->easy);
	enum load_err kind = forced ? forced : classify(rc, status);

	account(th, s, kind, status, t_end);
	if (s->first)
		first_done(th, s, kind);

	if (th->rec_on) {
		if (s->conn == REC_NONE)
			s->conn = load__conn_by_port(th, s->easy);
		/* t_connected and t_first_byte are our own stamps, taken in libcurl's
		 * callbacks on the clock of t_start and t_end, so they fall between
		 * them by construction. A request we cut off or that never connected
		 * has no connected time worth a column; one without a status never got
		 * a whole first line. */
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
			.error = load_err_name(kind),
			.sampled = s->sampled,
		};
		if (s->t_connected && kind != LOAD_E_CONNECT && kind != LOAD_E_ABORTED)
			row.t_connected = s->t_connected;
		if (s->t_first_byte && status > 0)
			row.t_first_byte = s->t_first_byte;
		rec_write(&th->rec, &row);
	}

	s->busy = 0;
	th->inflight--;
	th->free_slots[th->nfree++] = (int)(s - th->slots);
	atomic_store_explicit(&th->prog_done,
			      atomic_load_explicit(&th->prog_done, memory_order_relaxed) + 1,
			      memory_order_relaxed);
	if (kind != LOAD_OK)
		atomic_store_explicit(&th->prog_errors,
				      atomic_load_explicit(&th->prog_errors, memory_order_relaxed) +
					  1,
				      memory_order_relaxed);
	if (kind == LOAD_E_ABORTED)
		return;
	if (th->cfg->mode == LOAD_CLOSED)
		closed_send(th);
	else if (th->cfg->mode == LOAD_OPEN)
		send_due(th);
}

/* How many sends of the whole schedule (every thread's) are due by off ns after
 * t0: the first k with sched_ns(k) > off. sched_ns never decreases with k, so a
 * doubling search and a bisection find it in at most 2 x 64 steps however far
 * behind the run is, and always agree with the schedule the sends follow. */
static uint64_t sched_count(const struct run *run, uint64_t off)
{
	if (sched_ns(run, 0) > off)
		return 0;
	uint64_t lo = 0, hi = 1; /* sched_ns(lo) <= off, and below: sched_ns(hi) > off */
	while (sched_ns(run, hi) <= off) {
		lo = hi;
		if (hi > UINT64_MAX / 2)
			return UINT64_MAX;
		hi *= 2;
	}
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (sched_ns(run, mid) <= off)
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

/* Schedule indexes below x that belong to thread idx of n (k % n == idx). */
static uint64_t owned_below(uint64_t x, uint64_t idx, uint64_t n)
{
	return x / n + (x % n > idx);
}

/* Open loop at the stop: the sends that were due by now but are still queued
 * for a connection will never go out. Counted, so the backlog is not hidden;
 * counted by arithmetic on the schedule, not one by one: at a high rate against
 * a slow server the backlog is billions of sends, and walking it kept the thread
 * from ever ending (or seeing a stop). */
static void count_unsent(struct lthread *th, uint64_t now)
{
	const struct run *run = th->run;
	const uint64_t n = (uint64_t)run->nthreads, idx = (uint64_t)th->index;
	if (now < run->t0)
		return;
	/* Due by now, and inside the run: -d ends the schedule at span_ns, -n at
	 * the request count (as open_more has it). */
	uint64_t off = now - run->t0;
	if (run->t_stop && off >= run->span_ns)
		off = run->span_ns - 1;
	uint64_t end = sched_count(run, off);
	if (th->cfg->requests && end > th->cfg->requests)
		end = th->cfg->requests;
	/* The warmup's sends are not part of the measured backlog: the first
	 * measured one is the first due at or after run->measure. */
	uint64_t from = th->next_k;
	if (run->measure > run->t0) {
		uint64_t first = sched_count(run, run->measure - run->t0 - 1);
		if (first > from)
			from = first;
	}
	if (end > from)
		th->r.unsent += owned_below(end, idx, n) - owned_below(from, idx, n);
	uint64_t past = end > th->next_k ? end : th->next_k;
	th->next_k = owned_below(past, idx, n) * n + idx;
}

static void begin_stop(struct lthread *th, uint64_t now, uint64_t grace)
{
	if (th->stopping)
		return;
	if (th->cfg->mode == LOAD_OPEN)
		count_unsent(th, now);
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

/* Once the run is over: connections that carried requests and never got one
 * response. Their requests that ended without one (timeouts, connect errors)
 * are unserved too; the one cut off at the end already is. */
static void count_unserved_conns(struct lthread *th)
{
	for (int i = 0; i < th->nslots; i++) {
		const struct slot *s = &th->slots[i];
		if (s->used && !s->served) {
			th->r.conns_unserved++;
			th->r.unserved += s->unanswered;
		}
	}
}

/* --timeout: cut off requests in flight longer than the timeout, counted from
 * their actual start. Checked every sweep_ns, so a timeout fires up to that much
 * late; far cheaper than a libcurl timer per request. */
static void sweep_timeouts(struct lthread *th, uint64_t now)
{
	th->next_sweep = now + th->sweep_ns;
	for (int i = 0; i < th->nslots; i++) {
		struct slot *s = &th->slots[i];
		if (!s->busy || now - s->t_start < th->cfg->timeout_ns)
			continue;
		/* Never connected (no socket yet, or one still connecting: an
		 * unreachable host) is a connect error; connected and then no
		 * answer in time is a timeout. */
		struct sockaddr_storage peer;
		socklen_t len = sizeof(peer);
		int connected =
		    s->fd >= 0 && getpeername(s->fd, (struct sockaddr *)&peer, &len) == 0;
		finish(th, s, CURLE_OPERATION_TIMEDOUT,
		       connected ? LOAD_E_TIMEOUT : LOAD_E_CONNECT);
	}
}

static int can_send(struct lthread *th)
{
	uint64_t due;
	switch (th->cfg->mode) {
	case LOAD_CLOSED: return closed_more(th);
	case LOAD_OPEN: return open_more(th, &due);
	default: return 0;
	}
}

/* Immediate libcurl timeouts run in one loop turn at most; see thread_loop. */
#define CURL_ROUNDS 4

static void thread_loop(struct lthread *th)
{
	const struct run *run = th->run;
	const uint64_t drain =
	    th->cfg->timeout_ns < DRAIN_MAX_NS ? th->cfg->timeout_ns : DRAIN_MAX_NS;
	struct epoll_event evs[256];

	th->sweep_ns = th->cfg->timeout_ns / 8;
	if (th->sweep_ns < MS)
		th->sweep_ns = MS;
	if (th->sweep_ns > 100 * MS)
		th->sweep_ns = 100 * MS;

	struct timespec t0 = { (time_t)(run->t0 / NS), (long)(run->t0 % NS) };
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t0, NULL) == EINTR)
		;
	switch (th->cfg->mode) {
	case LOAD_CLOSED:
		if (th->ramp_rate > 0) {
			th->nfree = 0; /* the ramp lets them in */
			ramp_admit(th);
		}
		closed_send(th);
		break;
	case LOAD_BURST:
		for (int i = 0; i < th->nslots; i++)
			send_one(th, &th->slots[pop_free(th)],
				 (uint64_t)i * (uint64_t)run->nthreads + (uint64_t)th->index,
				 run->t0);
		break;
	case LOAD_OPEN: send_due(th); break;
	}

	for (;;) {
		uint64_t now = now_ns();
		/* First, as it can end the last requests: the checks below must see that. */
		if (th->inflight && now >= th->next_sweep)
			sweep_timeouts(th, now);
		if (!th->stopping && run->t_stop && now >= run->t_stop)
			begin_stop(th, run->t_stop, drain);
		if (th->stopping && now >= th->drain_deadline) {
			abort_inflight(th);
			break;
		}
		if (!th->inflight && !can_send(th))
			break;

		uint64_t next = load__curl_next(th);
		if (th->inflight && th->next_sweep < next)
			next = th->next_sweep;
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
				if (th->cfg->mode == LOAD_OPEN) {
					send_due(th);
				} else if (!th->stopping) {
					ramp_admit(th);
					closed_send(th);
				}
			} else if (fd == run->stop_fd) {
				/* Nobody reads the eventfd (every thread must see it), so
				 * it stays readable: left in the set, it would wake every
				 * epoll_wait of the drain at once, a busy spin. */
				epoll_ctl(th->ep, EPOLL_CTL_DEL, fd, NULL);
				if (!th->stopping) {
					th->r.interrupted = 1;
					begin_stop(th, now_ns(),
						   DRAIN_STOP_NS < drain ? DRAIN_STOP_NS : drain);
				}
			} else if ((size_t)fd < th->nfds && !th->fds[fd].wanted) {
				epoll_ctl(th->ep, EPOLL_CTL_DEL, fd, NULL);
				th->fds[fd].events = 0;
			} else {
				int flags = (e & (EPOLLIN | EPOLLHUP) ? CURL_CSELECT_IN : 0) |
					    (e & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
					    (e & EPOLLERR ? CURL_CSELECT_ERR : 0);
				load__socket_action(th, &th->multis[th->fds[fd].multi], fd, flags);
			}
		}
		load__drain_dirty(th);
		/* Requests started just now asked for an immediate timeout: run them
		 * here rather than after another trip through epoll_wait. libcurl asks
		 * for one too when it stops reading a socket that still has data (it
		 * reads a bounded amount per call), and a server that streams faster
		 * than we read makes that ask endless: looping here until it stops
		 * once starved the timeout sweep and the stop for seconds. So a few
		 * rounds at most, then back to the top, where every turn checks the
		 * sweep, the stop and the end of the run; epoll_wait then returns at
		 * once (the deadline has passed) and gives the other sockets a turn. */
		for (int round = 0; round < CURL_ROUNDS && load__curl_timers(th); round++)
			;
	}
}

void *load__thread_main(void *arg)
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
	/* The ramp paces a closed loop's connects; a burst is all at once by
	 * definition, and an open loop's schedule paces its own sends. */
	if (cfg->mode == LOAD_CLOSED)
		th->ramp_rate = cfg->connect_rate;
	th->err = load__thread_setup(th, n, finish);

	pthread_mutex_lock(&run->lock);
	run->nready++;
	pthread_cond_broadcast(&run->cond);
	while (!run->go)
		pthread_cond_wait(&run->cond, &run->lock);
	int failed = run->failed;
	pthread_mutex_unlock(&run->lock);

	if (!th->err && !failed) {
		thread_loop(th);
		count_unserved_conns(th);
	}
	load__thread_teardown(th);
	uint64_t one = 1;
	ssize_t w = write(run->done_fd, &one, sizeof(one));
	(void)w;
	return NULL;
}
