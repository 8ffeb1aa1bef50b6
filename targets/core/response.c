#include "response.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}

/* Formatting a date costs more than the rest of a /hello response, so each thread
 * keeps the last one and redoes it when the second changes. time() is a vDSO read. */
const char *response_date(void)
{
	static __thread time_t cached_sec = -1;
	static __thread char cached[40];
	time_t now = time(NULL);
	if (now != cached_sec) {
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(cached, sizeof(cached), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		cached_sec = now;
	}
	return cached;
}

size_t response_write(char *out, const struct job *job)
{
	char body[160];
	int blen;
	switch (job->ep) {
	case EP_HELLO: blen = snprintf(body, sizeof(body), "Hello, World!"); break;
	case EP_ERROR:
		blen = snprintf(body, sizeof(body), "%d %s: %s\n", job->status,
				status_text(job->status), job->reason);
		break;
	default:
		/* Which thread ran the handler, as the original experiment printed it. */
		blen =
		    snprintf(body, sizeof(body), "%s %u %s pid=%d tid=%d\n", endpoint_name(job->ep),
			     job->arg, job->ep == EP_CPU ? "us" : "ms", getpid(), job->handler_tid);
		break;
	}
	if (blen < 0)
		blen = 0;
	if (blen >= (int)sizeof(body))
		blen = (int)sizeof(body) - 1;
	int n = snprintf(out, RESPONSE_MAX,
			 "HTTP/1.1 %d %s\r\n"
			 "Server: asyncscope\r\n"
			 "Date: %s\r\n"
			 "Content-Type: text/plain\r\n"
			 "Content-Length: %d\r\n"
			 "%s"
			 "\r\n",
			 job->status, status_text(job->status), response_date(), blen,
			 !job->keep_alive ? "Connection: close\r\n"
			 : job->http10	  ? "Connection: keep-alive\r\n"
					  : "");
	if (!job->head_only && n + blen < RESPONSE_MAX) {
		memcpy(out + n, body, (size_t)blen);
		n += blen;
	}
	return (size_t)n;
}
