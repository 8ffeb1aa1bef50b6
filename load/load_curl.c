/* The load engine's libcurl side: the socket, timer, open/close and write
 * callbacks that tie libcurl to a thread's epoll loop, driving the multi handles
 * from that loop (socket actions, timers, finished transfers), and the setup and
 * teardown
 * of a thread's multi handles (several, each with a bounded share of the
 * connections: spread.h) and easy handles. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "clock.h"
#include "load_int.h"
#include "spread.h"

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
	struct lmulti *m = arg;
	struct lthread *th = m->th;
	(void)sockp;
	if (fd_grow(th, fd))
		return -1;
	struct fdinfo *fi = &th->fds[fd];
	/* Each connection lives in one multi's cache: its events go back there. */
	fi->multi = m->index;
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
		if (curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&s) == CURLE_OK && s) {
			s->conn = fi->conn;
			s->fd = fd;
		}
	}
	return 0;
}

/* A transfer that had to wait told us its socket in sock_cb. One that found its
 * response already waiting (libcurl polls before it asks us to) never did, and
 * libcurl 7.88 has no connection id to ask for; its local port identifies the
 * connection. A scan over this thread's sockets, done only for the records. */
uint64_t load__conn_by_port(struct lthread *th, CURL *easy)
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
	struct lmulti *m = arg;
	(void)multi;
	m->deadline = timeout_ms < 0 ? UINT64_MAX : now_ns() + (uint64_t)timeout_ms * MS;
	return 0;
}

static size_t write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct slot *s = arg;
	(void)p;
	s->bytes += size * n;
	return size * n;
}

/* The request is about to be sent: its connection is set up, fresh or reused.
 * libcurl may call this again for the same transfer when it retries on a new
 * connection (a reused one turned out dead), so the last call is the one that
 * went out. One clock read; nothing else. */
static int prereq_cb(void *arg, char *primary_ip, char *local_ip, int primary_port, int local_port)
{
	struct slot *s = arg;
	(void)primary_ip;
	(void)local_ip;
	(void)primary_port;
	(void)local_port;
	s->t_connected = now_ns();
	s->t_first_byte = 0; /* a retry's response is the one that counts */
	return CURL_PREREQFUNC_OK;
}

/* libcurl hands us each header line as it has read it whole; the first one of a
 * transfer (the status line) is the first response byte, to within one read. */
static size_t header_cb(char *p, size_t size, size_t n, void *arg)
{
	struct slot *s = arg;
	(void)p;
	if (!s->t_first_byte)
		s->t_first_byte = now_ns();
	return size * n;
}

/* ---- the thread's multi handles on its one loop ---- */

/* A multi's finished transfers, each handed to the load model. */
static void drain_msgs(struct lthread *th, struct lmulti *lm)
{
	CURLMsg *m;
	int left;
	lm->dirty = 0;
	while ((m = curl_multi_info_read(lm->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		struct slot *s = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
		CURLcode rc = m->data.result; /* m is invalid once the handle is removed */
		if (s)
			th->done(th, s, rc, LOAD_OK);
	}
}

void load__socket_action(struct lthread *th, struct lmulti *m, curl_socket_t fd, int flags)
{
	int running;
	curl_multi_socket_action(m->multi, fd, flags, &running);
	if (!m->dirty) {
		m->dirty = 1;
		th->dirty[th->ndirty++] = m->index;
	}
}

/* The multis whose sockets had events: their finished transfers. Read after all of
 * a turn's events, as one multi did before there were several. */
void load__drain_dirty(struct lthread *th)
{
	while (th->ndirty) {
		struct lmulti *m = &th->multis[th->dirty[--th->ndirty]];
		if (m->dirty)
			drain_msgs(th, m);
	}
}

/* The earliest libcurl timer of the thread's multis: a scan, as there are at most
 * connections / SPREAD_MULTI_CONNS of them (79 for 10,000), once per loop turn. */
uint64_t load__curl_next(const struct lthread *th)
{
	uint64_t next = UINT64_MAX;
	for (int i = 0; i < th->nmultis; i++)
		if (th->multis[i].deadline < next)
			next = th->multis[i].deadline;
	return next;
}

/* Runs the libcurl timers that are due; 1 if any was. */
int load__curl_timers(struct lthread *th)
{
	int ran = 0;
	uint64_t now = now_ns();
	for (int i = 0; i < th->nmultis; i++) {
		struct lmulti *m = &th->multis[i];
		if (m->deadline > now)
			continue;
		m->deadline = UINT64_MAX;
		load__socket_action(th, m, CURL_SOCKET_TIMEOUT, 0);
		ran = 1;
	}
	load__drain_dirty(th);
	return ran;
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
	/* The traceparent second, its parent-id and flags patched per request in
	 * the same way (load_thread.c). */
	char tp[sizeof(TP_HEADER) + 64];
	snprintf(tp, sizeof(tp), TP_HEADER "00-%s-0000000000000000-00", th->run->trace_id);
	if (!curl_slist_append(s->hdrs, tp))
		return -ENOMEM;
	s->tp_parent = s->hdrs->next->data + sizeof(TP_HEADER) - 1 + 3 + TP_TRACE_HEX + 1;
	for (const struct curl_slist *h = extra; h; h = h->next)
		if (!curl_slist_append(s->hdrs, h->data))
			return -ENOMEM;

	CURL *e = s->easy;
	CURLcode rc = CURLE_OK;
#define SET(opt, val)                                                                              \
	do {                                                                                       \
		if (rc == CURLE_OK)                                                                \
			rc = curl_easy_setopt(e, opt, val);                                        \
	} while (0)
	SET(CURLOPT_CURLU, th->url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	/* An explicit "no proxy" spares a getenv() scan of the proxy variables per
	 * request; a load generator talks to the server it is pointed at. */
	SET(CURLOPT_PROXY, "");
	SET(CURLOPT_PRIVATE, s);
	SET(CURLOPT_WRITEFUNCTION, write_cb);
	SET(CURLOPT_WRITEDATA, s);
	/* The two stamps go into the records: without them, libcurl is spared the
	 * calls (about 113 instructions a request, scripts/bench-load.sh). The
	 * connected stamp is wanted for the first request of every slot (its connect
	 * time); load_thread.c drops the callback after it when there are no records. */
	SET(CURLOPT_PREREQFUNCTION, prereq_cb);
	SET(CURLOPT_PREREQDATA, s);
	if (th->run->rec_fd >= 0) {
		SET(CURLOPT_HEADERFUNCTION, header_cb);
		SET(CURLOPT_HEADERDATA, s);
	}
	SET(CURLOPT_HTTPHEADER, s->hdrs);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_NOPROGRESS, 1L);
	SET(CURLOPT_TCP_NODELAY, 1L);
	SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	/* No CURLOPT_TIMEOUT_MS: libcurl would set and clear a timer per request
	 * (about 7% of our CPU time per request); the loop sweeps instead. */
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

int load__thread_setup(struct lthread *th, int nslots,
		       void (*done)(struct lthread *, struct slot *, CURLcode, enum load_err))
{
	const struct load_config *cfg = th->cfg;
	struct curl_slist *extra = NULL;
	int err = -ENOMEM;

	th->done = done;
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
	th->r.lat.connect = hist_new();
	th->slots = calloc((size_t)nslots, sizeof(*th->slots));
	th->free_slots = calloc((size_t)nslots, sizeof(int));
	int nm = spread_parts(nslots, SPREAD_MULTI_CONNS);
	th->multis = calloc((size_t)nm, sizeof(*th->multis));
	th->dirty = calloc((size_t)nm, sizeof(*th->dirty));
	if (!th->r.lat.corrected || !th->r.lat.service || !th->r.lat.connect || !th->slots ||
	    !th->free_slots || !th->multis || !th->dirty)
		return -ENOMEM;
	th->nslots = nslots;

	th->url = curl_url();
	if (!th->url)
		return -ENOMEM;
	if (curl_url_set(th->url, CURLUPART_URL, cfg->url, 0) != CURLUE_OK)
		return -EINVAL;
	for (int i = 0; i < nm; i++) {
		struct lmulti *m = &th->multis[i];
		m->th = th;
		m->index = (uint32_t)i;
		m->deadline = UINT64_MAX;
		m->multi = curl_multi_init();
		if (!m->multi)
			return -ENOMEM;
		th->nmultis = i + 1;
		curl_multi_setopt(m->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
		curl_multi_setopt(m->multi, CURLMOPT_SOCKETDATA, m);
		curl_multi_setopt(m->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
		curl_multi_setopt(m->multi, CURLMOPT_TIMERDATA, m);
		/* Keep every connection its slots may have open in its cache. */
		curl_multi_setopt(m->multi, CURLMOPT_MAXCONNECTS,
				  (long)spread_size(nslots, nm, i));
	}

	for (int i = 0; i < cfg->nheaders; i++) {
		struct curl_slist *n = curl_slist_append(extra, cfg->headers[i]);
		if (!n)
			goto out;
		extra = n;
	}
	for (int i = 0; i < nslots; i++) {
		th->slots[i].m = &th->multis[spread_part_of(nslots, nm, i)];
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

void load__thread_teardown(struct lthread *th)
{
	if (th->rec_on) {
		int err = rec_writer_close(&th->rec);
		if (err && !th->err)
			th->err = err;
	}
	for (int i = 0; i < th->nslots; i++)
		if (th->slots[i].easy && th->slots[i].m->multi)
			curl_multi_remove_handle(th->slots[i].m->multi, th->slots[i].easy);
	for (int i = 0; i < th->nmultis; i++)
		curl_multi_cleanup(th->multis[i].multi); /* closes the cached connections */
	for (int i = 0; i < th->nslots; i++) {
		if (th->slots[i].easy)
			curl_easy_cleanup(th->slots[i].easy);
		curl_slist_free_all(th->slots[i].hdrs);
	}
	free(th->slots);
	free(th->free_slots);
	free(th->multis);
	free(th->dirty);
	curl_url_cleanup(th->url);
	free(th->fds);
	if (th->ep >= 0)
		close(th->ep);
	if (th->pace_fd >= 0)
		close(th->pace_fd);
}
