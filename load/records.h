/* requests.csv: one row per request, streamed through a small per-thread buffer so
 * memory stays bounded whatever the run length.
 *
 *   id,thread,conn,t_intended,t_start,t_connected,t_first_byte,t_end,status,bytes,error,
 *   sampled
 *
 * sampled is 1 when the request's traceparent asked the target to mark it, else 0.
 * Times are CLOCK_MONOTONIC ns. A field that is not known (no connection, no
 * response) is left empty. Several writers may share one file descriptor opened
 * with O_APPEND: each flush is one write(2) of whole rows, which the kernel appends
 * atomically for a regular file. For a pipe, rows stay whole only if each flush is
 * at most PIPE_BUF bytes, so rec_writer_init picks that size for non-regular files.
 * Rows of different writers interleave in chunks; within one writer they are in
 * completion order. */
#ifndef ASYNCSCOPE_RECORDS_H
#define ASYNCSCOPE_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#define REC_NONE UINT64_MAX /* an unknown numeric field, written empty */

struct rec_row {
	uint64_t id;
	uint64_t thread;
	uint64_t conn;
	uint64_t t_intended;
	uint64_t t_start;
	uint64_t t_connected;
	uint64_t t_first_byte;
	uint64_t t_end;
	uint64_t status;
	uint64_t bytes;
	const char *error; /* "" when the request succeeded */
	int sampled;	   /* the traceparent's sampled flag */
};

struct rec_writer {
	int fd;
	int err; /* first write error, negative errno; later rows are dropped */
	size_t len;
	size_t cap;
	char *buf;
};

/* Creates (truncates) path, writes the header, returns an O_APPEND fd or -errno.
 * "-" means standard output (the fd is a dup). */
int rec_open(const char *path);

/* cap 0 picks a default: 64 KiB, or PIPE_BUF when fd is not a regular file. */
int rec_writer_init(struct rec_writer *w, int fd, size_t cap);

/* Appends one row, flushing first when it might not fit. 0 or the sticky error. */
int rec_write(struct rec_writer *w, const struct rec_row *r);

int rec_flush(struct rec_writer *w);

/* Flushes and frees the buffer (not the fd); returns the sticky error. */
int rec_writer_close(struct rec_writer *w);

#endif
