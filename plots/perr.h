/* The detail behind a negative errno, for the one line the caller prints: which
 * file, which line, which field ("DIR/sched.csv:1234: bad t_end 'xyz'"). Like
 * errno it is per thread and only meaningful right after a call failed; each
 * public plots_ call clears it first. */
#ifndef ASPLOTS_PERR_H
#define ASPLOTS_PERR_H

#include <stddef.h>

void perr_clear(void);

/* Sets the detail, for the call that fails with it. */
void perr_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* rc, after naming path in the detail ("PATH: No space left on device") when
 * rc is a negative errno: for a file that failed to be written or renamed. */
int perr_file(int rc, const char *path);

/* s cut to at most len-1 bytes with bytes that are not printable ASCII as '?',
 * for quoting a garbled field inside a message to a terminal. */
void perr_quote(char *out, size_t len, const char *s);

#endif
