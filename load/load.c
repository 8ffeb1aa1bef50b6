/* The load engine's entry points: a run's threads, its start gate and stop, and
 * the merge of the threads' results. load_thread.c is the per-thread loop,
 * load_curl.c libcurl's side of it; load.h describes the whole. */
#include "load.h"

#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "load_int.h"

void load_config_init(struct load_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = LOAD_CLOSED;
	cfg->connections = 10;
	cfg->threads = 1;
	cfg->duration_ns = 10 * NS;
	cfg->timeout_ns = 30 * NS;
	cfg->progress_ms = 250;
	cfg->connect_rate = LOAD_CONNECT_RATE_DEFAULT;
	cfg->shard_n = 1;
}

uint32_t load_mark_every(const struct load_config *cfg)
{
	if (cfg->mark_every)
		return cfg->mark_every;
	return cfg->mode == LOAD_BURST ? 1 : LOAD_MARK_EVERY_DEFAULT;
}

static _Atomic int stop_fd_global = -1;
static _Atomic int stop_active;

void load_stop(void)
{
	int fd = atomic_load(&stop_fd_global);
	if (fd >= 0 && atomic_load(&stop_active)) {
		uint64_t one = 1;
		ssize_t n = write(fd, &one, sizeof(one));
		(void)n;
	}
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
	res->unsent += r->unsent;
	res->unserved += r->unserved;
	res->conns_unserved += r->conns_unserved;
	res->lat_lower_bound |= r->lat_lower_bound;
	if (r->late_max_ns > res->late_max_ns)
		res->late_max_ns = r->late_max_ns;
	if (r->burst_ns > res->burst_ns)
		res->burst_ns = r->burst_ns;
	res->interrupted |= r->interrupted;
	hist_merge(res->lat.corrected, r->lat.corrected);
	hist_merge(res->lat.service, r->lat.service);
	hist_merge(res->lat.connect, r->lat.connect);
	res->conns_connected += r->conns_connected;
	if (th->first_connected > th->run->t0 &&
	    th->first_connected - th->run->t0 > res->connect_phase_ns)
		res->connect_phase_ns = th->first_connected - th->run->t0;
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

/* A run's trace-id: random, as W3C trace context wants, from the clock if the
 * kernel has no randomness to give yet; never all zeros (invalid). */
static void make_trace_id(char out[TP_TRACE_HEX + 1])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t b[TP_TRACE_HEX / 2];
	if (getrandom(b, sizeof(b), GRND_NONBLOCK) != (ssize_t)sizeof(b)) {
		uint64_t x = now_ns() ^ ((uint64_t)getpid() << 32);
		for (size_t i = 0; i < sizeof(b); i++, x = x * 6364136223846793005ull + 1)
			b[i] = (uint8_t)(x >> 56);
	}
	b[sizeof(b) - 1] |= 1;
	for (size_t i = 0; i < sizeof(b); i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[TP_TRACE_HEX] = '\0';
}

/* --start-at and --shard (load.h): t0 moved to the shared wall-clock instant,
 * read once against CLOCK_REALTIME and from then on kept on the monotonic clock
 * (a wall clock stepped by NTP mid-run moves nothing); an instant already past
 * starts now and says how late. A fixed-rate shard i of n starts i/n of its
 * period after it, so n shards send on the one schedule of the whole rate. */
static void start_instant(const struct load_config *cfg, uint64_t *t0, uint64_t *late)
{
	if (cfg->start_at_ns) {
		struct timespec real;
		clock_gettime(CLOCK_REALTIME, &real);
		uint64_t now_real = (uint64_t)real.tv_sec * NS + (uint64_t)real.tv_nsec;
		uint64_t now = now_ns();
		if (cfg->start_at_ns > now_real + 2 * MS)
			*t0 = now + (cfg->start_at_ns - now_real);
		else if (cfg->start_at_ns < now_real)
			*late = now_real - cfg->start_at_ns;
	}
	if (cfg->shard_n > 1 && cfg->mode == LOAD_OPEN && cfg->rate_total > 0)
		*t0 += (uint64_t)(1e9 / cfg->rate_total * cfg->shard_i);
}

int load_run(const struct load_config *cfg, struct load_result *res)
{
	static int curl_ready;
	struct run run = {
		.cfg = cfg, .nthreads = cfg->threads, .stop_fd = -1, .done_fd = -1, .rec_fd = -1
	};
	struct lthread *ths = NULL;
	int err = 0, nstarted = 0;

	memset(res, 0, sizeof(*res));
	run.mark_every = load_mark_every(cfg);
	make_trace_id(run.trace_id);
	if (!cfg->url || cfg->threads < 1 || cfg->connections < cfg->threads)
		return -EINVAL;
	if (cfg->mode == LOAD_OPEN &&
	    (!(cfg->rate_from > 0 || cfg->rate_to > 0) || !(cfg->rate_from <= LOAD_RATE_MAX) ||
	     !(cfg->rate_to <= LOAD_RATE_MAX)))
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
	res->lat.connect = hist_new();
	if (!res->lat.corrected || !res->lat.service || !res->lat.connect) {
		err = -ENOMEM;
		goto out;
	}
	res->conns_asked = (uint64_t)cfg->connections;

	if (atomic_load(&stop_fd_global) < 0)
		atomic_store(&stop_fd_global, eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
	run.stop_fd = atomic_load(&stop_fd_global);
	uint64_t stale;
	if (run.stop_fd >= 0 && read(run.stop_fd, &stale, sizeof(stale)) < 0) {
		/* EAGAIN: no stop left over from an earlier run, as expected */
	}
	/* From here a stop counts, even one that comes while the threads set up
	 * (thousands of connections take a while): it waits in the eventfd, and
	 * every thread sees it on its first epoll_wait. */
	atomic_store(&stop_active, 1);
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
		if (pthread_create(&ths[i].tid, NULL, load__thread_main, &ths[i]) != 0)
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
	start_instant(cfg, &run.t0, &res->start_late_ns);
	/* A --start-at minutes ahead is waited for here, where a stop (SIGINT, a
	 * pod's SIGTERM) is seen at once: the threads sleep until t0 and would not
	 * notice it before. A stop starts the run now, and the threads end it on
	 * their first look at the stop eventfd. */
	for (struct pollfd pfd = { .fd = run.stop_fd, .events = POLLIN };;) {
		uint64_t now = now_ns();
		if (now + 4 * MS >= run.t0)
			break;
		uint64_t ms = (run.t0 - now - 2 * MS) / MS;
		if (poll(&pfd, 1, ms > 1000 ? 1000 : (int)ms) > 0) {
			run.t0 = now_ns() + 2 * MS;
			break;
		}
	}
	run.measure = run.t0 + (cfg->duration_ns && !cfg->requests ? cfg->warmup_ns : 0);
	if (cfg->mode != LOAD_BURST && !cfg->requests) {
		run.span_ns = cfg->warmup_ns + cfg->duration_ns;
		run.t_stop = run.t0 + run.span_ns;
	}
	run.go = 1;
	pthread_cond_broadcast(&run.cond);
	pthread_mutex_unlock(&run.lock);

	for (int finished = 0; finished < nstarted;) {
		struct pollfd pfd = { .fd = run.done_fd, .events = POLLIN };
		int r = poll(&pfd, 1,
			     cfg->progress ? (cfg->progress_ms > 0 ? cfg->progress_ms : 250) : -1);
		if (r > 0) {
			uint64_t v;
			if (read(run.done_fd, &v, sizeof(v)) == sizeof(v))
				finished += (int)v;
		}
		if (cfg->progress && !run.failed)
			report_progress(cfg, &run, ths);
	}
	for (int i = 0; i < nstarted; i++) {
		pthread_join(ths[i].tid, NULL);
		if (ths[i].err && !err)
			err = ths[i].err;
		if (!run.failed)
			merge(res, &ths[i]);
		hist_free(ths[i].r.lat.corrected);
		hist_free(ths[i].r.lat.service);
		hist_free(ths[i].r.lat.connect);
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
	atomic_store(&stop_active, 0);
	free(ths);
	if (run.done_fd >= 0)
		close(run.done_fd);
	/* Where close can still report a lost write (NFS), it is the records'. */
	if (run.rec_fd >= 0 && close(run.rec_fd) && !err)
		err = -errno;
	if (err)
		load_result_free(res);
	return err;
}

void load_result_free(struct load_result *res)
{
	hist_free(res->lat.corrected);
	hist_free(res->lat.service);
	hist_free(res->lat.connect);
	res->lat.corrected = res->lat.service = res->lat.connect = NULL;
}
