/* hdrlog: our histogram through HdrHistogram's V2 encoding and interval log and
 * back, count for count; the layout against HdrHistogram's index formula written
 * out independently; and what a bad or foreign histogram gets.
 *
 * test_hdrlog emit FILE: writes a known histogram's base64 and what it holds,
 * for hdr_js.sh to decode with hdr-histogram-js (an independent reader). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "hdrlog.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Values from 1 ns to hours, log-uniform, plus 0 and the top. */
static struct hist *sample(size_t n)
{
	struct hist *h = hist_new();
	assert_non_null(h);
	for (size_t i = 0; i < n; i++) {
		unsigned bits = (unsigned)(rng() % 44);
		hist_record(h, bits ? rng() & ((1ull << bits) - 1) : 0);
	}
	hist_record(h, HIST_MAX);
	hist_record(h, 1500);
	hist_record(h, 1500);
	return h;
}

/* HdrHistogram's counts index for lowest 1, 3 significant digits, from its
 * definition: sub-bucket count 2048 (2 * 10^3 rounded up to a power of two),
 * bucket = 53 - clz(v | 2047), sub = v >> bucket, index = (bucket + 1) * 1024 +
 * sub - 1024. */
static unsigned hdr_index(uint64_t v)
{
	unsigned bucket = 53u - (unsigned)__builtin_clzll(v | 2047u);
	uint64_t sub = v >> bucket;
	return (bucket + 1) * 1024u + (unsigned)sub - 1024u;
}

static void layout_is_hdr(void **state)
{
	(void)state;
	for (int i = 0; i < 200000; i++) {
		uint64_t v = rng() & HIST_MAX;
		v >>= rng() % 43;
		assert_int_equal(hist_index(v), hdr_index(v));
	}
	for (uint64_t v = 0; v < 5000; v++)
		assert_int_equal(hist_index(v), hdr_index(v));
	assert_int_equal(hdr_index(HIST_MAX), HIST_BUCKETS - 1);
}

static void round_trip(void **state)
{
	(void)state;
	struct hist *h = sample(100000), *g = hist_new();
	char *b64;
	assert_int_equal(hdrlog_encode(h, &b64), 0);
	assert_int_equal(hdrlog_decode(b64, strlen(b64), g, NULL, 0), 0);
	assert_memory_equal(h->counts, g->counts, sizeof(h->counts));
	assert_int_equal(g->n, h->n);
	/* Without our exact line, min and max are their buckets' ends. */
	assert_true(g->min <= h->min);
	assert_true(g->max >= h->max);
	free(b64);

	/* An empty histogram is a valid one, with no counts. */
	struct hist *e = hist_new();
	assert_int_equal(hdrlog_encode(e, &b64), 0);
	assert_int_equal(hdrlog_decode(b64, strlen(b64), g, NULL, 0), 0);
	assert_int_equal(g->n, h->n);
	free(b64);
	hist_free(e);
	hist_free(h);
	hist_free(g);
}

static void log_adds_exactly(void **state)
{
	(void)state;
	char path[] = "/tmp/test_hdrlog_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	struct hist *a = sample(5000), *b = sample(7000), *sum = hist_new(), *got = hist_new();
	hist_merge(sum, a);
	hist_merge(sum, b);
	struct hdrlog_item items[] = { { "corrected", a },
				       { "uncorrected", b },
				       { "corrected", b } };
	assert_int_equal(hdrlog_write(f, 1764000000.25, 3.5, items, 3), 0);
	fclose(f);

	int nint = 0;
	char why[200];
	assert_int_equal(hdrlog_read(path, "corrected", got, &nint, why, sizeof(why)), 0);
	assert_int_equal(nint, 2);
	assert_memory_equal(got->counts, sum->counts, sizeof(sum->counts));
	assert_int_equal(got->n, sum->n);
	assert_int_equal(got->sum, sum->sum);
	assert_int_equal(got->min, sum->min);
	assert_int_equal(got->max, sum->max);
	hist_reset(got);
	assert_int_equal(hdrlog_read(path, "nosuch", got, &nint, why, sizeof(why)), 0);
	assert_int_equal(nint, 0);
	assert_int_equal(got->n, 0);
	unlink(path);
	hist_free(a);
	hist_free(b);
	hist_free(sum);
	hist_free(got);
}

static void bad_input(void **state)
{
	(void)state;
	struct hist *g = hist_new(), *h = sample(100);
	char why[200];
	assert_int_equal(hdrlog_decode("!!!!", 4, g, why, sizeof(why)), -EBADMSG);
	assert_int_equal(hdrlog_decode("AAAAAAAAAAAA", 12, g, why, sizeof(why)), -EBADMSG);
	char *b64;
	assert_int_equal(hdrlog_encode(h, &b64), 0);
	/* Cut short: the zlib stream ends early. */
	size_t len = strlen(b64);
	assert_int_equal(hdrlog_decode(b64, len / 2 / 4 * 4, g, why, sizeof(why)), -EBADMSG);
	/* A flipped byte in the deflate stream. */
	b64[len / 2] = b64[len / 2] == 'A' ? 'B' : 'A';
	int rc = hdrlog_decode(b64, len, g, why, sizeof(why));
	assert_true(rc == -EBADMSG || rc == 0); /* a flip may still inflate */
	free(b64);

	/* Another layout (2 significant digits): refused, with the reason. A V2
	 * uncompressed header by hand: cookie, payload 1 byte, offset 0, digits 2,
	 * lowest 1, highest 1000, ratio 1.0, one count of 1. */
	static const unsigned char raw[41] = { 0x1c, 0x84, 0x93, 0x13, 0, 0, 0, 1, 0, 0,    0,
					       0,    0,	   0,	 0,    2, 0, 0, 0, 0, 0,    0,
					       0,    1,	   0,	 0,    0, 0, 0, 0, 3, 0xe8, 0x3f,
					       0xf0, 0,	   0,	 0,    0, 0, 0, 2 };
	static const char tbl[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char enc[80];
	size_t o = 0;
	for (size_t i = 0; i < sizeof(raw); i += 3) {
		uint32_t w = (uint32_t)raw[i] << 16 | (i + 1 < sizeof(raw) ? raw[i + 1] << 8 : 0) |
			     (i + 2 < sizeof(raw) ? raw[i + 2] : 0);
		enc[o++] = tbl[w >> 18];
		enc[o++] = tbl[(w >> 12) & 63];
		enc[o++] = i + 1 < sizeof(raw) ? tbl[(w >> 6) & 63] : '=';
		enc[o++] = i + 2 < sizeof(raw) ? tbl[w & 63] : '=';
	}
	enc[o] = '\0';
	assert_int_equal(hdrlog_decode(enc, o, g, why, sizeof(why)), -ENOTSUP);
	assert_non_null(strstr(why, "2 significant digits"));
	hist_free(g);
	hist_free(h);
}

static int emit(const char *path)
{
	struct hist *h = sample(20000);
	char *b64;
	if (hdrlog_encode(h, &b64))
		return 1;
	FILE *f = fopen(path, "w");
	if (!f)
		return 1;
	/* base64, total count, then "index count" of every non-zero bucket. */
	fprintf(f, "%s\n%llu\n", b64, (unsigned long long)h->n);
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		if (h->counts[i]) {
			uint64_t lo, hi;
			hist_bucket_range(i, &lo, &hi);
			fprintf(f, "%llu %llu\n", (unsigned long long)lo,
				(unsigned long long)h->counts[i]);
		}
	fclose(f);
	free(b64);
	hist_free(h);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "emit"))
		return emit(argv[2]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(layout_is_hdr),
		cmocka_unit_test(round_trip),
		cmocka_unit_test(log_adds_exactly),
		cmocka_unit_test(bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
