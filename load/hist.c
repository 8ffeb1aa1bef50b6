#include "hist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct hist *hist_new(void)
{
	return calloc(1, sizeof(struct hist));
}

void hist_free(struct hist *h)
{
	free(h);
}

void hist_reset(struct hist *h)
{
	memset(h, 0, sizeof(*h));
}

void hist_bucket_range(unsigned index, uint64_t *lo, uint64_t *hi)
{
	if (index < (2u << HIST_SUB_BITS)) {
		*lo = *hi = index;
		return;
	}
	/* Inverse of hist_index: the top bits hold the shift, the rest the mantissa
	 * in [1024, 2048). */
	unsigned shift = (index >> HIST_SUB_BITS) - 1;
	uint64_t mant = (index & ((1u << HIST_SUB_BITS) - 1)) | (1u << HIST_SUB_BITS);
	*lo = mant << shift;
	*hi = ((mant + 1) << shift) - 1;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	if (!src->n)
		return;
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		dst->counts[i] += src->counts[i];
	if (!dst->n || src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->n += src->n;
	dst->sum += src->sum;
}

uint64_t hist_percentile(const struct hist *h, double p)
{
	if (!h->n)
		return 0;
	if (p <= 0)
		return h->min;
	if (p >= 100)
		return h->max;
	/* Rank of the wanted value, 1-based: ceil(p/100 * n), at least 1. */
	uint64_t rank = (uint64_t)ceil(p / 100.0 * (double)h->n);
	if (rank < 1)
		rank = 1;
	uint64_t seen = 0;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->counts[i];
		if (seen >= rank) {
			uint64_t lo, hi;
			hist_bucket_range(i, &lo, &hi);
			if (hi > h->max)
				hi = h->max;
			if (hi < h->min)
				hi = h->min;
			return hi;
		}
	}
	return h->max;
}

double hist_mean(const struct hist *h)
{
	return h->n ? (double)h->sum / (double)h->n : 0.0;
}

double hist_stdev(const struct hist *h)
{
	if (h->n < 2)
		return 0.0;
	double mean = hist_mean(h), acc = 0.0;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		if (!h->counts[i])
			continue;
		uint64_t lo, hi;
		hist_bucket_range(i, &lo, &hi);
		double d = ((double)lo + (double)hi) / 2.0 - mean;
		acc += d * d * (double)h->counts[i];
	}
	return sqrt(acc / (double)h->n);
}
