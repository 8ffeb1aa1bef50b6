/* How a thread spreads its connections: over several libcurl multi handles (in
 * space), and over the start of the run (in time, the connect ramp). Pure
 * arithmetic, no libcurl and no clock, so the tests can drive it directly.
 *
 * Why several multi handles: libcurl 7.88 keeps every connection to one host in one
 * "bundle" of its multi handle's connection cache, and on each transfer walks that
 * bundle looking for an idle connection (url.c's ConnectionExists, inside
 * create_conn), and on each curl_multi_remove_handle walks the whole cache once more
 * (Curl_conncache_foreach for connect-only connections). Both walks are as long as
 * the connections the multi holds: measured with callgrind (scripts/bench-c10k.sh
 * callgrind), create_conn's own instructions per request went from 8.3k at 250
 * connections to 56k at 2000, while the rest stayed flat. A multi handle that holds at
 * most SPREAD_MULTI_CONNS connections keeps both walks short whatever -c is; what goes
 * on the wire does not change. */
#ifndef ASYNCSCOPE_SPREAD_H
#define ASYNCSCOPE_SPREAD_H

#include <stdint.h>

/* The most connections one multi handle carries. At 128 the bundle walk costs a few
 * thousand instructions a request, about 5 % of libcurl's per-request path; smaller
 * would buy little and cost a multi handle (a few KiB, its own hashes) per 128
 * connections. */
#define SPREAD_MULTI_CONNS 128

/* How many parts n things need when a part holds at most max: at least one. */
static inline int spread_parts(int n, int max)
{
	if (n <= 0 || max <= 0)
		return 1;
	return (n + max - 1) / max;
}

/* The size of part i of n things split as evenly as possible over parts: the
 * first n % parts get one more. */
static inline int spread_size(int n, int parts, int i)
{
	return n / parts + (i < n % parts);
}

/* The part thing j (0 <= j < n) falls in, with the sizes of spread_size: the first
 * n % parts parts hold q + 1 things, the rest q. */
static inline int spread_part_of(int n, int parts, int j)
{
	int q = n / parts, r = n % parts;
	if (j < r * (q + 1))
		return j / (q + 1);
	return r + (j - r * (q + 1)) / q;
}

/* The connect ramp: connection j of thread idx (of nthreads) may send its first
 * request this long after the start, so that the whole run opens rate connections a
 * second, threads interleaved (thread idx's j-th is the run's j * nthreads + idx-th).
 * rate 0: no ramp, all at once. */
static inline uint64_t spread_ramp_ns(uint64_t j, int idx, int nthreads, double rate)
{
	if (!(rate > 0))
		return 0;
	double k = (double)j * (double)nthreads + (double)idx;
	return (uint64_t)(k * 1e9 / rate);
}

/* How many of a thread's n connections the ramp has let in by elapsed ns after the
 * start: the j with spread_ramp_ns(j) <= elapsed, at most n. */
static inline int spread_ramp_admitted(uint64_t elapsed, int n, int idx, int nthreads, double rate)
{
	if (!(rate > 0))
		return n;
	/* Solve k * 1e9 / rate <= elapsed for the run-wide k, then count this
	 * thread's k = j * nthreads + idx below it; the loop corrects rounding. */
	double kmax = (double)elapsed * rate / 1e9;
	if (kmax < (double)idx)
		return spread_ramp_ns(0, idx, nthreads, rate) <= elapsed ? 1 : 0;
	double jd = (kmax - (double)idx) / (double)nthreads + 1;
	if (jd >= (double)n)
		jd = (double)n;
	int j = (int)jd;
	while (j > 0 && spread_ramp_ns((uint64_t)(j - 1), idx, nthreads, rate) > elapsed)
		j--;
	while (j < n && spread_ramp_ns((uint64_t)j, idx, nthreads, rate) <= elapsed)
		j++;
	return j;
}

#endif
