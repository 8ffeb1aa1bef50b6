/* libFuzzer target: the request path every target shares, from bytes on the wire
 * to bytes written back: read -> parse -> route -> respond, pipelined, the input
 * arriving in chunks whose size the first byte picks, read from a pipe as the
 * readiness models do or handed in as uring's completions are (session_take).
 * No handler runs (they only sleep or spin); everything around them does.
 *
 * What must hold, whatever comes in:
 *   - no crash, no sanitizer report, no hang;
 *   - the output is a sequence of whole HTTP/1.1 responses, each with a known
 *     status and a Content-Length that matches its body (HEAD aside);
 *   - a job handed to a model has an endpoint and an argument within the limits;
 *   - http_parse keeps its contract: a head of n bytes is HTTP_MORE at every
 *     shorter prefix, and what it points at lies inside the head;
 *   - a request is sampled (its probes fire) unless it has a traceparent header:
 *     no input turns the marks off for a client that did not ask;
 *   - http_traceparent, on any bytes, returns -1 or a flags byte. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "http.h"
#include "route.h"
#include "session.h"

/* "traceparent:" anywhere in buf, in any case. */
static int has_traceparent(const char *buf, size_t len)
{
	static const char name[] = "traceparent:";
	for (size_t i = 0; i + sizeof(name) - 1 <= len; i++)
		if (!strncasecmp(buf + i, name, sizeof(name) - 1))
			return 1;
	return 0;
}

static void check_parse_contract(const char *buf, size_t len)
{
	struct http_request req;
	int n = http_parse(buf, len, &req);
	if (n == HTTP_MORE || n == HTTP_BAD)
		return;
	if (n <= 0 || (size_t)n > len)
		abort();
	if (req.sampled != 1 && (req.sampled != 0 || !has_traceparent(buf, (size_t)n)))
		abort();
	const char *end = buf + n;
	if (req.method < buf || req.method + req.method_len > end || req.path < buf ||
	    req.path + req.path_len > end ||
	    (req.query && (req.query < buf || req.query + req.query_len > end)))
		abort();
	/* Every shorter prefix is incomplete; all of them when the head is short. */
	size_t step = n > 512 ? (size_t)n / 128 : 1;
	for (size_t k = 0; k < (size_t)n; k += step) {
		struct http_request r;
		if (http_parse(buf, k, &r) != HTTP_MORE)
			abort();
	}
}

static int known_status(int status)
{
	static const int ok[] = {200, 400, 404, 405, 408, 413, 414, 431, 503};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (status == ok[i])
			return 1;
	return 0;
}

/* Walks the responses in out[0, len): each must be whole and well formed. */
static void check_responses(const char *out, size_t len)
{
	size_t off = 0;
	while (off < len) {
		const char *r = out + off;
		size_t left = len - off;
		int status = 0;
		if (left < 12 || memcmp(r, "HTTP/1.1 ", 9) || sscanf(r + 9, "%3d", &status) != 1 ||
		    !known_status(status))
			abort();
		const char *head_end = memmem(r, left, "\r\n\r\n", 4);
		if (!head_end)
			abort();
		size_t head = (size_t)(head_end - r) + 4;
		const char *cl = memmem(r, head, "Content-Length: ", 16);
		if (!cl)
			abort();
		size_t body = strtoul(cl + 16, NULL, 10);
		/* A HEAD answer says the length and sends no body: the next response
		 * (or the end) follows the head directly. */
		if (head + body <= left &&
		    (head + body == left || !memcmp(r + head + body, "HTTP/1.1 ", 9)))
			off += head + body;
		else if (head == left || !memcmp(r + head, "HTTP/1.1 ", 9))
			off += head;
		else
			abort();
	}
}

static void check_job(const struct job *job)
{
	switch (job->ep) {
	case EP_HELLO: break;
	case EP_SYNC:
	case EP_ASYNC:
	case EP_WRONG:
		if (job->arg > ROUTE_MAX_MS)
			abort();
		break;
	case EP_CPU:
		if (job->arg > ROUTE_MAX_US)
			abort();
		break;
	default: abort(); /* errors are answered inside session_next */
	}
	if (job->status != 200 || (job->sampled != 0 && job->sampled != 1))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	check_parse_contract((const char *)data + 1, size - 1);
	int flags = http_traceparent((const char *)data, size);
	if (flags < -1 || flags > 255)
		abort();

	size_t chunk = data[0] ? data[0] : size; /* 0: everything in one read */
	/* Odd: the bytes are handed in as a completion-based model gets them (uring:
	 * session_take of what the kernel received, the rest kept for later); even:
	 * read from a socket-like pipe (session_read), as the other models do. */
	int take = data[0] & 1;
	data++, size--;
	int p[2];
	if (pipe2(p, O_NONBLOCK | O_CLOEXEC))
		abort();
	static struct session s;
	session_init(&s, p[0]);
	size_t fed = 0;
	int wrote_eof = 0;
	while (!s.closing) {
		long r;
		if (take) {
			size_t n = size - fed < chunk ? size - fed : chunk;
			size_t t = session_take(&s, (const char *)data + fed, n);
			if (t > n || s.in_len > SESSION_BUF)
				abort();
			fed += t;
			if (fed == size && !wrote_eof)
				s.peer_eof = wrote_eof = 1; /* the receive that said EOF */
			r = fed == size ? 0 : (long)t;
			goto parse;
		}
		if (fed < size) {
			size_t n = size - fed < chunk ? size - fed : chunk;
			ssize_t w = write(p[1], data + fed, n);
			if (w > 0)
				fed += (size_t)w;
		} else if (!wrote_eof) {
			close(p[1]);
			wrote_eof = 1;
		}
		r = session_read(&s);
		if (r < 0 && r != -EAGAIN)
			abort(); /* a pipe read fails only if session_read misuses it */
	parse:;
		struct job job;
		for (;;) {
			while (session_next(&s, &job)) {
				check_job(&job);
				job.handler_tid = 1;
				session_respond(&s, &job);
			}
			if (s.out_len > SESSION_BUF)
				abort();
			check_responses(s.out, s.out_len);
			int full = session_output_full(&s);
			s.out_sent = s.out_len = 0; /* written */
			if (!full || s.closing)
				break;
		}
		if (wrote_eof && r == 0 && !s.closing)
			abort(); /* EOF seen with every byte parsed must end the session */
	}
	if (!wrote_eof || take) /* take: the pipe was never written or closed */
		close(p[1]);
	close(p[0]);
	return 0;
}
