/* An HTTP/1.x request-head parser in the spirit of picohttpparser: stateless,
 * allocates nothing, points into the caller's buffer.
 *
 *   n = http_parse(buf, len, &req);
 *   n > 0            a whole head of n bytes; req describes it
 *   n == HTTP_MORE   need more bytes (call again with the longer buffer)
 *   n == HTTP_BAD    not acceptable; req.status (400, 414, 431, 413) and
 *                    req.reason say why, and the connection should be closed
 *
 * Pipelining is "advance by n and call again".
 *
 * Whether the request is traced (sampled) travels in a W3C trace context
 * `traceparent` header, as the load generator sends it: its sampled flag decides.
 * A request without one, or with one that does not parse, is sampled, so a
 * plain client (curl by hand) is marked as if sampling did not exist. */
#ifndef ASYNCSCOPE_HTTP_H
#define ASYNCSCOPE_HTTP_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_MORE (-2)
#define HTTP_BAD  (-1)

#define HTTP_MAX_HEAD 8192 /* whole request head; longer: 431 */
#define HTTP_MAX_URI  2048 /* request target; longer: 414 */

struct http_request {
	const char *method;
	size_t method_len;
	const char *path; /* up to '?' */
	size_t path_len;
	const char *query; /* after '?', not decoded; NULL when absent */
	size_t query_len;
	int minor;	     /* HTTP/1.<minor> */
	int keep_alive;	     /* the connection stays open after the response */
	uint64_t request_id; /* X-Request-Id, 0 when absent or not a number */
	int sampled;	     /* traceparent's sampled flag; 1 without a valid one */
	int status;	     /* with HTTP_BAD: the response status */
	const char *reason;  /* with HTTP_BAD: one line for the response body */
};

int http_parse(const char *buf, size_t len, struct http_request *req);

/* The trace-flags of a traceparent header value (W3C Trace Context: version,
 * trace-id, parent-id, flags in lowercase hex, ids not all zero), 0 to 255, or
 * -1 when it is not a valid one. Bit 0 is "sampled". */
int http_traceparent(const char *v, size_t len);

#endif
