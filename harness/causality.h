/* The causality check of a traced cell: requests.csv (the client's stamps) joined
 * to marks.csv (the server's request_start and request_end) by request id. Every
 * joined request must read, on the one clock,
 *   t_start <= t_connected <= request_start <= request_end <= t_first_byte <= t_end
 * and a request that does not is a violation: the client's stamps and the
 * server's marks cannot both be right about it. summary.json carries the counts. */
#ifndef ASYNCSCOPE_CAUSALITY_H
#define ASYNCSCOPE_CAUSALITY_H

#include <stdint.h>

struct causality {
	uint64_t joined;     /* requests with all four client stamps and both marks */
	uint64_t violations; /* of those, the ones out of order */
};

/* Reads DIR/requests.csv and DIR/marks.csv. 0, or a negative errno (a file
 * missing or garbled: the CSV reader has said which line). */
int causality_check(const char *dir, struct causality *out);

#endif
