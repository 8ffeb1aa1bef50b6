/* Our latency histograms in HdrHistogram's exchange form, so that any HdrHistogram
 * tool (Java, C, Go, JavaScript, HistogramLogAnalyzer) reads what bench load wrote,
 * and bench merge adds other generators' histograms bucket by bucket, losslessly.
 *
 * hist.h is already HdrHistogram's layout, not merely "HDR-style": with a lowest
 * discernible value of 1 and 3 significant digits HdrHistogram has 2048 sub-buckets
 * (1024 per half), bucket 0 resolves 0..2047 exactly and bucket b >= 1 splits
 * [1024 << b, 2048 << b) into 1024 steps of 2^b; its counts index is
 * ((b + 1) << 10) + (sub - 1024), which is hist_index() term by term. With the
 * highest trackable value HIST_MAX (2^43 - 1) it has 33 buckets and 34 * 1024
 * counts, HIST_BUCKETS. So a count moves from index i to index i, with no
 * rounding anywhere; a foreign histogram with another layout is refused rather
 * than re-binned (re-binning would blur exactly what a merge must keep).
 *
 * The encoding (V2, compressed): a big-endian header of cookie 0x1c849314
 * (0x1c849304 | word size 0x10) and the length of what follows, then zlib's
 * DEFLATE stream of the uncompressed form: cookie 0x1c849313, payload length,
 * normalizing index offset (0), significant digits (3), lowest (1), highest
 * (HIST_MAX), integer-to-double ratio (1.0), then the counts as ZigZag LEB128
 * words, a run of k > 1 zeros written as -k, up to the last non-zero count.
 *
 * The log: HdrHistogram's interval log, version 1.3: "#[...]" header comments,
 * the column legend, then one line per interval, "Tag=NAME," (optional), start and
 * length in seconds from the base time, the interval's max in milliseconds, and
 * the base64 of the encoding. Counts are all the format carries; min, max, count
 * and sum to the nanosecond go in a comment line of ours after each interval line,
 * "#[asyncscope TAG count=N sum=S min=A max=B]", which other readers skip; without
 * it (a foreign log) they are rebuilt from the buckets, to bucket precision. */
#ifndef ASYNCSCOPE_HDRLOG_H
#define ASYNCSCOPE_HDRLOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hist.h"

/* h as base64 of its V2 compressed encoding, NUL-terminated, in *out (malloc'd,
 * the caller frees). 0, -ENOMEM, or -EIO when zlib fails. */
int hdrlog_encode(const struct hist *h, char **out);

/* Adds the counts of one base64 V2 (compressed or not) histogram to h (n, min,
 * max and sum from the buckets). 0; -EBADMSG when it is not one (bad base64, a
 * wrong cookie, a truncated or corrupt stream); -ENOTSUP for another layout
 * (lowest discernible value other than 1, significant digits other than 3, a
 * normalizing offset, a double histogram), with the reason in why if not NULL;
 * -ERANGE when a count lies above HIST_MAX. */
int hdrlog_decode(const char *b64, size_t len, struct hist *h, char *why, size_t whylen);

struct hdrlog_item {
	const char *tag; /* [A-Za-z0-9_.-]+, or NULL for none */
	const struct hist *h;
};

/* A whole log: the header (start_epoch_s: wall-clock seconds of the interval's
 * start), then one interval of length_s per item. 0 or the first -errno. */
int hdrlog_write(FILE *f, double start_epoch_s, double length_s, const struct hdrlog_item *items,
		 int n);

/* Adds every interval of the log at path whose tag is tag (NULL: untagged lines)
 * into h, with min, max, count and sum from our exact comment when every interval
 * has one. *intervals gets how many were added. 0, -errno, -EBADMSG with the
 * line number in why, or what hdrlog_decode returns. */
int hdrlog_read(const char *path, const char *tag, struct hist *h, int *intervals, char *why,
		size_t whylen);

#endif
