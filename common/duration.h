/* Durations on the command line, one grammar for every option that takes one:
 * "5" (seconds), "2.5s", "250ms", "100us", "10ns", "2m", "1h", and sums of them
 * with the units from large to small, "1m30s", "1h2m3.5s". */
#ifndef ASYNCSCOPE_DURATION_H
#define ASYNCSCOPE_DURATION_H

#include <stdint.h>

/* What the usage texts say a duration looks like. */
#define DUR_FORMS "5 (seconds), 2.5s, 250ms, 1m30s"

/* The longest duration accepted: a month. Longer is a typo, and it keeps every
 * duration exact in a double's 53 bits of nanoseconds. */
#define DUR_MAX_NS (30ull * 86400ull * 1000000000ull)

/* s into *ns: 0, or -EINVAL for anything else (empty, negative, a unit without a
 * number, an unknown or repeated unit, units out of order, trailing text, more
 * than DUR_MAX_NS). Zero is a duration; callers that need more say so. */
int dur_parse(const char *s, uint64_t *ns);

#endif
