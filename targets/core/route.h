/* From a parsed request to a job: which endpoint, with which argument, or which
 * error status. The same table for every model, so a difference between targets
 * is a difference between models and nothing else. */
#ifndef ASYNCSCOPE_ROUTE_H
#define ASYNCSCOPE_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"

#define ROUTE_MAX_MS 60000
#define ROUTE_MAX_US 10000000

enum endpoint {
	EP_ERROR, /* answered with job.status and job.reason */
	EP_HELLO, /* plaintext */
	EP_SYNC,  /* blocking sleep on the thread running the handler */
	EP_ASYNC, /* the model's own non-blocking wait, two nested calls deep */
	EP_WRONG, /* blocking sleep inside an async handler */
	EP_CPU,	  /* burn CPU for arg microseconds */
};

struct job {
	enum endpoint ep;
	uint32_t arg;	    /* ms for sync/async/wrong, us for cpu */
	int status;	    /* 200, or the error status */
	const char *reason; /* with EP_ERROR: one line for the body */
	uint64_t id;	    /* X-Request-Id, 0 when absent */
	int fd;		    /* the connection, for logs and probes */
	int sampled;	    /* fire the probes for it (http_request.sampled) */
	int keep_alive;
	int http10;	 /* an HTTP/1.0 client: keep-alive must be said */
	int head_only;	 /* HEAD: headers only */
	int handler_tid; /* the thread that ran the handler, for the body */
	uint64_t t_parsed; /* with --verbose only: when the head was parsed */
	uint64_t t_arrived; /* with --verbose only: when its bytes reached the socket, 0 unknown */
};

/* Fills job from a request parsed by http_parse. */
void route(const struct http_request *req, int fd, struct job *job);

/* The value of key in a query string ("a=1&b=2"): 0 and *val, or -ENOENT. */
int route_query(const char *query, size_t len, const char *key, const char **val, size_t *vlen);

/* Parses a decimal in [0, max]: 0, or -EINVAL. */
int route_uint(const char *s, size_t len, uint32_t max, uint32_t *out);

const char *endpoint_name(enum endpoint ep);

#endif
