#include "route.h"

#include <errno.h>
#include <string.h>

#include "probes.h"

static const char *const names[] = {
    [EP_ERROR] = "/error", [EP_HELLO] = "/hello", [EP_SYNC] = "/sync",
    [EP_ASYNC] = "/async", [EP_WRONG] = "/wrong", [EP_CPU] = "/cpu",
};

const char *endpoint_name(enum endpoint ep)
{
	return names[ep];
}

int route_query(const char *query, size_t len, const char *key, const char **val, size_t *vlen)
{
	size_t klen = strlen(key);
	size_t i = 0;
	while (query && i < len) {
		size_t end = i;
		while (end < len && query[end] != '&')
			end++;
		if (end - i > klen && query[i + klen] == '=' && memcmp(query + i, key, klen) == 0) {
			*val = query + i + klen + 1;
			*vlen = end - i - klen - 1;
			return 0;
		}
		i = end + 1;
	}
	return -ENOENT;
}

int route_uint(const char *s, size_t len, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	if (len == 0 || len > 10)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static void fail(struct job *job, int status, const char *reason)
{
	job->ep = EP_ERROR;
	job->status = status;
	job->reason = reason;
}

/* Endpoints that take a bounded number: the parameter name, its limit, its error. */
static const struct {
	const char *path;
	enum endpoint ep;
	const char *key;
	uint32_t max;
	const char *bad;
} routes[] = {
    {"/hello", EP_HELLO, NULL, 0, NULL},
    {"/sync", EP_SYNC, "ms", ROUTE_MAX_MS, "ms must be an integer from 0 to 60000"},
    {"/async", EP_ASYNC, "ms", ROUTE_MAX_MS, "ms must be an integer from 0 to 60000"},
    {"/wrong", EP_WRONG, "ms", ROUTE_MAX_MS, "ms must be an integer from 0 to 60000"},
    {"/cpu", EP_CPU, "us", ROUTE_MAX_US, "us must be an integer from 0 to 10000000"},
};

void route(const struct http_request *req, int fd, struct job *job)
{
	memset(job, 0, sizeof(*job));
	job->id = req->request_id;
	job->fd = fd;
	job->sampled = req->sampled;
	job->keep_alive = req->keep_alive;
	job->http10 = req->minor == 0;
	job->status = 200;
	PROBE_REQUEST_START(job);

	int get = req->method_len == 3 && memcmp(req->method, "GET", 3) == 0;
	int head = req->method_len == 4 && memcmp(req->method, "HEAD", 4) == 0;
	job->head_only = head;

	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (strlen(routes[i].path) != req->path_len ||
		    memcmp(routes[i].path, req->path, req->path_len) != 0)
			continue;
		if (!get && !head)
			return fail(job, 405, "only GET and HEAD are supported");
		job->ep = routes[i].ep;
		if (!routes[i].key)
			return;
		const char *v;
		size_t vlen;
		if (route_query(req->query, req->query_len, routes[i].key, &v, &vlen) < 0 ||
		    route_uint(v, vlen, routes[i].max, &job->arg) < 0)
			return fail(job, 400, routes[i].bad);
		return;
	}
	fail(job, 404, "no such endpoint: try /hello, /sync, /async, /wrong, /cpu");
}
