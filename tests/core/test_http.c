/* The request parser, query parsing and routing: pure functions, no sockets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>

#include <cmocka.h>

#include "http.h"
#include "route.h"

static const char simple[] = "GET /async?ms=200 HTTP/1.1\r\n"
			     "Host: localhost\r\n"
			     "X-Request-Id: 42\r\n"
			     "\r\n";

static void test_complete(void **state)
{
	(void)state;
	struct http_request req;
	int n = http_parse(simple, strlen(simple), &req);
	assert_int_equal(n, (int)strlen(simple));
	assert_int_equal(req.method_len, 3);
	assert_memory_equal(req.method, "GET", 3);
	assert_int_equal(req.path_len, 6);
	assert_memory_equal(req.path, "/async", 6);
	assert_int_equal(req.query_len, 6);
	assert_memory_equal(req.query, "ms=200", 6);
	assert_int_equal(req.minor, 1);
	assert_int_equal(req.keep_alive, 1);
	assert_int_equal(req.request_id, 42);
}

/* Every prefix of a valid head is "need more", never "bad" and never complete. */
static void test_partial_at_every_split(void **state)
{
	(void)state;
	struct http_request req;
	for (size_t i = 0; i < strlen(simple); i++)
		assert_int_equal(http_parse(simple, i, &req), HTTP_MORE);
}

static void test_pipelined(void **state)
{
	(void)state;
	char buf[512];
	const char *a = "GET /hello HTTP/1.1\r\nHost: a\r\n\r\n";
	const char *b = "HEAD /cpu?us=5 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
	snprintf(buf, sizeof(buf), "%s%s%s", a, b, "GET /sy");
	size_t len = strlen(buf), off = 0;
	struct http_request req;
	int n = http_parse(buf, len, &req);
	assert_int_equal(n, (int)strlen(a));
	off += (size_t)n;
	n = http_parse(buf + off, len - off, &req);
	assert_int_equal(n, (int)strlen(b));
	assert_memory_equal(req.method, "HEAD", 4);
	assert_int_equal(req.keep_alive, 0);
	off += (size_t)n;
	assert_int_equal(http_parse(buf + off, len - off, &req), HTTP_MORE);
}

static void test_http10_keepalive(void **state)
{
	(void)state;
	struct http_request req;
	const char *plain = "GET /hello HTTP/1.0\r\n\r\n";
	assert_true(http_parse(plain, strlen(plain), &req) > 0);
	assert_int_equal(req.keep_alive, 0);
	const char *ka = "GET /hello HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n";
	assert_true(http_parse(ka, strlen(ka), &req) > 0);
	assert_int_equal(req.keep_alive, 1);
	const char *lf = "GET /hello HTTP/1.1\nHost: x\n\n"; /* bare LF line ends are tolerated */
	assert_int_equal(http_parse(lf, strlen(lf), &req), (int)strlen(lf));
}

struct bad_case {
	const char *name;
	const char *head;
	size_t len; /* 0: strlen */
	int status;
};

static void test_bad_cases(void **state)
{
	(void)state;
	static const char nul[] = "GET /hello HTTP/1.1\r\nHost: a\0b\r\n\r\n";
	const struct bad_case cases[] = {
	    {"garbage", "hello there\r\n\r\n", 0, 400},
	    {"binary", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\r\n\r\n", 0, 400},
	    {"nul in header", nul, sizeof(nul) - 1, 400},
	    {"no version", "GET /hello\r\n\r\n", 0, 400},
	    {"http/2.0", "GET /hello HTTP/2.0\r\nHost: a\r\n\r\n", 0, 400},
	    {"http/1.2", "GET /hello HTTP/1.2\r\nHost: a\r\n\r\n", 0, 400},
	    {"no host", "GET /hello HTTP/1.1\r\n\r\n", 0, 400},
	    {"two hosts", "GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 0, 400},
	    {"header without colon", "GET /hello HTTP/1.1\r\nHost a\r\n\r\n", 0, 400},
	    {"space before colon", "GET /hello HTTP/1.1\r\nHost : a\r\n\r\n", 0, 400},
	    {"relative target", "GET hello HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400},
	    {"bare CR", "GET /hello HTTP/1.1\rHost: a\r\n\r\n", 0, 400},
	    {"body", "GET /hello HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", 0, 413},
	    {"chunked", "POST /hello HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 0,
	     413},
	    {"bad length", "GET /hello HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n", 0, 400},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct http_request req;
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].head);
		int n = http_parse(cases[i].head, len, &req);
		if (n != HTTP_BAD || req.status != cases[i].status)
			fail_msg("%s: got %d status %d, want bad %d", cases[i].name, n, req.status,
				 cases[i].status);
		assert_non_null(req.reason);
	}
	/* A zero Content-Length is no body. */
	const char *zero = "GET /hello HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n";
	struct http_request req;
	assert_true(http_parse(zero, strlen(zero), &req) > 0);
}

static void test_limits(void **state)
{
	(void)state;
	static char buf[HTTP_MAX_HEAD + 4096];
	struct http_request req;
	/* A long URI is a 414 as soon as it is known, even before the line ends. */
	memset(buf, 'a', sizeof(buf));
	memcpy(buf, "GET /", 5);
	assert_int_equal(http_parse(buf, HTTP_MAX_URI + 100, &req), HTTP_BAD);
	assert_int_equal(req.status, 414);
	/* A head that never ends within the limit is a 431. */
	int n = snprintf(buf, sizeof(buf), "GET /hello HTTP/1.1\r\nHost: a\r\nX-Big: ");
	memset(buf + n, 'b', sizeof(buf) - (size_t)n);
	assert_int_equal(http_parse(buf, (size_t)n + 100, &req), HTTP_MORE);
	assert_int_equal(http_parse(buf, sizeof(buf), &req), HTTP_BAD);
	assert_int_equal(req.status, 431);
}

static void test_query(void **state)
{
	(void)state;
	const char *q = "a=1&ms=250&msx=3&empty=";
	const char *v;
	size_t vlen;
	assert_int_equal(route_query(q, strlen(q), "ms", &v, &vlen), 0);
	assert_int_equal(vlen, 3);
	assert_memory_equal(v, "250", 3);
	assert_int_equal(route_query(q, strlen(q), "empty", &v, &vlen), 0);
	assert_int_equal(vlen, 0);
	assert_int_equal(route_query(q, strlen(q), "m", &v, &vlen), -ENOENT);
	assert_int_equal(route_query(NULL, 0, "ms", &v, &vlen), -ENOENT);

	uint32_t x;
	assert_int_equal(route_uint("60000", 5, 60000, &x), 0);
	assert_int_equal(x, 60000);
	assert_int_equal(route_uint("60001", 5, 60000, &x), -EINVAL);
	assert_int_equal(route_uint("-1", 2, 60000, &x), -EINVAL);
	assert_int_equal(route_uint("1e3", 3, 60000, &x), -EINVAL);
	assert_int_equal(route_uint("", 0, 60000, &x), -EINVAL);
	assert_int_equal(route_uint("99999999999", 11, 60000, &x), -EINVAL);
}

/* W3C trace context's traceparent: the flags of a valid value, -1 otherwise. */
#define TP_TRACE "4bf92f3577b34da6a3ce929d0e0e4736"
#define TP_PARENT "00f067aa0ba902b7"
static int tp(const char *v)
{
	return http_traceparent(v, strlen(v));
}

static void test_traceparent(void **state)
{
	(void)state;
	assert_int_equal(tp("00-" TP_TRACE "-" TP_PARENT "-01"), 1);
	assert_int_equal(tp("00-" TP_TRACE "-" TP_PARENT "-00"), 0);
	assert_int_equal(tp("00-" TP_TRACE "-" TP_PARENT "-ff"), 0xff);
	/* A later version may add fields after a '-', and nothing else. */
	assert_int_equal(tp("01-" TP_TRACE "-" TP_PARENT "-01-whatever"), 1);
	assert_int_equal(tp("01-" TP_TRACE "-" TP_PARENT "-01"), 1);

	static const char *const bad[] = {
	    "",
	    "00-" TP_TRACE "-" TP_PARENT "-0",		/* short */
	    "00-" TP_TRACE "-" TP_PARENT "-01-x",	/* version 00 is exactly 55 */
	    "01-" TP_TRACE "-" TP_PARENT "-01x",	/* no '-' after the flags */
	    "ff-" TP_TRACE "-" TP_PARENT "-01",		/* version ff is invalid */
	    "0g-" TP_TRACE "-" TP_PARENT "-01",		/* not hex */
	    "00-" TP_TRACE "-" TP_PARENT "-0G",
	    "00-4BF92F3577B34DA6A3CE929D0E0E4736-" TP_PARENT "-01", /* upper case */
	    "00-00000000000000000000000000000000-" TP_PARENT "-01", /* zero trace-id */
	    "00-" TP_TRACE "-0000000000000000-01",		      /* zero parent-id */
	    "00_" TP_TRACE "-" TP_PARENT "-01",
	    "00-" TP_TRACE "_" TP_PARENT "-01",
	    "00-" TP_TRACE "-" TP_PARENT "_01",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(tp(bad[i]), -1);
}

/* Sampled unless one valid traceparent clears the flag: a plain client, a broken
 * header or two headers leave the request marked as before sampling. */
static void test_sampled(void **state)
{
	(void)state;
	static const struct {
		const char *headers;
		int sampled;
	} cases[] = {
	    {"", 1},
	    {"traceparent: 00-" TP_TRACE "-" TP_PARENT "-01\r\n", 1},
	    {"traceparent: 00-" TP_TRACE "-" TP_PARENT "-00\r\n", 0},
	    {"TraceParent:  00-" TP_TRACE "-" TP_PARENT "-02 \r\n", 0}, /* bit 0 only */
	    {"traceparent: 00-" TP_TRACE "-" TP_PARENT "-0\r\n", 1},	  /* invalid */
	    {"traceparent: 00-" TP_TRACE "-" TP_PARENT "-00\r\n"
	     "traceparent: 00-" TP_TRACE "-" TP_PARENT "-00\r\n",
	     1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char head[512];
		snprintf(head, sizeof(head), "GET /hello HTTP/1.1\r\nHost: a\r\n%s\r\n",
			 cases[i].headers);
		struct http_request req;
		assert_int_equal(http_parse(head, strlen(head), &req), (int)strlen(head));
		assert_int_equal(req.sampled, cases[i].sampled);
		struct job job;
		route(&req, 3, &job);
		assert_int_equal(job.sampled, cases[i].sampled);
	}
}

static void route_str(const char *head, struct job *job)
{
	struct http_request req;
	assert_true(http_parse(head, strlen(head), &req) > 0);
	route(&req, 7, job);
}

static void test_routing(void **state)
{
	(void)state;
	struct job job;
	route_str("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n", &job);
	assert_int_equal(job.ep, EP_HELLO);
	route_str("GET /sync?ms=1000 HTTP/1.1\r\nHost: a\r\nX-Request-Id: 9\r\n\r\n", &job);
	assert_int_equal(job.ep, EP_SYNC);
	assert_int_equal(job.arg, 1000);
	assert_int_equal(job.id, 9);
	assert_int_equal(job.fd, 7);
	route_str("GET /async?ms=0 HTTP/1.1\r\nHost: a\r\n\r\n", &job);
	assert_int_equal(job.ep, EP_ASYNC);
	route_str("GET /wrong?x=1&ms=5 HTTP/1.1\r\nHost: a\r\n\r\n", &job);
	assert_int_equal(job.ep, EP_WRONG);
	assert_int_equal(job.arg, 5);
	route_str("HEAD /cpu?us=10000000 HTTP/1.1\r\nHost: a\r\n\r\n", &job);
	assert_int_equal(job.ep, EP_CPU);
	assert_int_equal(job.head_only, 1);

	const struct {
		const char *head;
		int status;
	} errors[] = {
	    {"GET /cpu?us=10000001 HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	    {"GET /sync?ms=60001 HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	    {"GET /sync HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	    {"GET /async?ms=abc HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	    {"GET /nope HTTP/1.1\r\nHost: a\r\n\r\n", 404},
	    {"GET /hello/ HTTP/1.1\r\nHost: a\r\n\r\n", 404},
	    {"DELETE /hello HTTP/1.1\r\nHost: a\r\n\r\n", 405},
	    {"POST /sync?ms=1 HTTP/1.1\r\nHost: a\r\n\r\n", 405},
	};
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		route_str(errors[i].head, &job);
		assert_int_equal(job.ep, EP_ERROR);
		assert_int_equal(job.status, errors[i].status);
		assert_non_null(job.reason);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_complete),  cmocka_unit_test(test_partial_at_every_split),
	    cmocka_unit_test(test_pipelined), cmocka_unit_test(test_http10_keepalive),
	    cmocka_unit_test(test_bad_cases), cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_query),     cmocka_unit_test(test_routing),
	    cmocka_unit_test(test_traceparent), cmocka_unit_test(test_sampled),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
