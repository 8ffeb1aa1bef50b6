/* A latency histogram in the HDR style, small enough to read in one sitting.
 *
 * Values are nanoseconds. Buckets are log-linear: below 2048 every value has its
 * own bucket; above, each power of two is split into 1024 equal sub-buckets, so a
 * recorded value is known to within 1/1024 of itself (about three significant
 * digits) from 1 ns up to HIST_MAX (2^43 ns, about 2.4 hours). Larger values land in
 * the top bucket; min, max, count and sum stay exact. Recording is an index
 * computation and three additions, nothing allocated. */
#ifndef ASYNCSCOPE_HIST_H
#define ASYNCSCOPE_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 10 /* 1024 sub-buckets per power of two */
#define HIST_MAX_BITS 43 /* values below 2^43 ns are resolved */
#define HIST_MAX      ((1ull << HIST_MAX_BITS) - 1)
#define HIST_BUCKETS  ((HIST_MAX_BITS - HIST_SUB_BITS + 1) << HIST_SUB_BITS)

struct hist {
	uint64_t n;
	uint64_t sum;
	uint64_t min;
	uint64_t max;
	uint64_t counts[HIST_BUCKETS];
};

/* Heap allocated (about 270 KiB) and zeroed; NULL when out of memory. */
struct hist *hist_new(void);
void hist_free(struct hist *h);
void hist_reset(struct hist *h);

/* Bucket index of v, and the range [lo, hi] of values sharing that bucket. */
static inline unsigned hist_index(uint64_t v)
{
	if (v > HIST_MAX)
		v = HIST_MAX;
	if (v < (2u << HIST_SUB_BITS))
		return (unsigned)v;
	unsigned msb = 63u - (unsigned)__builtin_clzll(v);
	unsigned shift = msb - HIST_SUB_BITS;
	return (shift << HIST_SUB_BITS) + (unsigned)(v >> shift);
}

void hist_bucket_range(unsigned index, uint64_t *lo, uint64_t *hi);

static inline void hist_record(struct hist *h, uint64_t v)
{
	h->counts[hist_index(v)]++;
	h->n++;
	h->sum += v;
	if (v < h->min || h->n == 1)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

/* dst += src. */
void hist_merge(struct hist *dst, const struct hist *src);

/* The smallest recorded value v (to bucket precision) with at least p percent of
 * the values <= v; reported as the top of its bucket, clamped to [min, max], so it
 * never understates. p in [0, 100]; 0 for an empty histogram. */
uint64_t hist_percentile(const struct hist *h, double p);

double hist_mean(const struct hist *h);

/* Population standard deviation, from bucket midpoints (exact below 2048 ns). */
double hist_stdev(const struct hist *h);

#endif
