/* One connection's bytes: what came in and is not parsed yet, and the responses
 * not written yet. Every model keeps one per connection; only who calls these,
 * on which thread and when, differs.
 *
 * Requests on a connection are answered in order: a model calls session_next for
 * the next request only after responding to the previous one. Error requests
 * (bad head, unknown path, bad parameter) are answered inside session_next. */
#ifndef ASYNCSCOPE_SESSION_H
#define ASYNCSCOPE_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "response.h"
#include "route.h"

#define SESSION_BUF 16384

struct session {
	int fd;
	int closing; /* close once out is flushed: an error, Connection: close, or EOF */
	int peer_eof;
	size_t in_off, in_len; /* unparsed input is in[in_off, in_len) */
	size_t out_sent, out_len;
	/* With --verbose only: when the bytes of the latest read reached the socket,
	 * on CLOCK_MONOTONIC; 0 when the kernel did not say. */
	uint64_t t_arrived;
	char in[SESSION_BUF];
	char out[SESSION_BUF];
};

void session_init(struct session *s, int fd);

/* 1 and *job: a request to run. 0: nothing to run now (need input, output full,
 * or closing). */
int session_next(struct session *s, struct job *job);

/* Queues the response of a job that has run. */
void session_respond(struct session *s, struct job *job);

/* One read into the input: bytes read, 0 at EOF, or a negative errno (-EAGAIN
 * on a non-blocking socket with nothing to read). With --verbose it is a
 * recvmsg that also takes the kernel's receive stamp into t_arrived. */
long session_read(struct session *s);

/* For a model whose reads complete elsewhere (uring: into the kernel's choice of
 * buffer): copies what fits of buf into the input, after the unparsed bytes.
 * Returns the bytes taken; fewer than len when the input is full. */
size_t session_take(struct session *s, const char *buf, size_t len);

/* Writes what is queued: 0 when all is out, -EAGAIN when the socket is full, or a
 * negative errno. */
int session_flush(struct session *s);

static inline int session_has_output(const struct session *s)
{
	return s->out_sent < s->out_len;
}

/* session_next stopped because responses wait to be written: flush, then call it
 * again before waiting for input. */
static inline int session_output_full(const struct session *s)
{
	return s->out_len + RESPONSE_MAX > SESSION_BUF;
}

/* Input was all consumed and the connection is to be closed once flushed. */
static inline int session_finished(const struct session *s)
{
	return s->closing && !session_has_output(s);
}

/* Serves a connection on this thread with blocking I/O to its end: read, run each
 * request with endpoint_run, write each batch of responses at once. A client gets
 * idle_ms for each request head (not per byte, so a slow trickle is bounded too).
 * Closes fd. Used by the models whose threads may block: blocking and threaded. */
void session_serve_blocking(int fd, int idle_ms);

#endif
