#include "http.h"

#include <string.h>

/* Token characters of RFC 9110 (method, header names). */
static int is_tchar(unsigned char c)
{
	if (c >= 'a' && c <= 'z')
		return 1;
	if (c >= 'A' && c <= 'Z')
		return 1;
	if (c >= '0' && c <= '9')
		return 1;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Visible characters allowed in a request target. */
static int is_uri_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

static int bad(struct http_request *req, int status, const char *reason)
{
	req->status = status;
	req->reason = reason;
	return HTTP_BAD;
}

static int name_is(const char *name, size_t len, const char *want)
{
	return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

/* Does a comma-separated header value contain token (case-insensitive)? */
static int value_has_token(const char *v, size_t len, const char *token)
{
	size_t tlen = strlen(token);
	size_t i = 0;
	while (i < len) {
		while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		size_t start = i;
		while (i < len && v[i] != ',')
			i++;
		size_t end = i;
		while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
			end--;
		if (end - start == tlen && strncasecmp(v + start, token, tlen) == 0)
			return 1;
	}
	return 0;
}

/* Finds the end of the line starting at p; returns the index of '\n' or -1.
 * Bare CR, NUL and other control bytes are rejected through *bad_char. */
static long line_end(const char *buf, size_t from, size_t len, int *bad_char)
{
	for (size_t i = from; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];
		if (c == '\n')
			return (long)i;
		if (c == '\r') {
			if (i + 1 < len && buf[i + 1] != '\n') {
				*bad_char = 1;
				return -1;
			}
			continue;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			*bad_char = 1;
			return -1;
		}
	}
	return -1;
}

static int parse_request_line(const char *line, size_t len, struct http_request *req)
{
	size_t i = 0;
	while (i < len && is_tchar((unsigned char)line[i]))
		i++;
	if (i == 0 || i >= len || line[i] != ' ')
		return bad(req, 400, "malformed request line");
	req->method = line;
	req->method_len = i;
	size_t uri = ++i;
	while (i < len && is_uri_char((unsigned char)line[i]))
		i++;
	if (i - uri > HTTP_MAX_URI)
		return bad(req, 414, "request target too long");
	if (i == uri || i >= len || line[i] != ' ' || line[uri] != '/')
		return bad(req, 400, "malformed request target");
	const char *q = memchr(line + uri, '?', i - uri);
	req->path = line + uri;
	req->path_len = q ? (size_t)(q - req->path) : i - uri;
	req->query = q ? q + 1 : NULL;
	req->query_len = q ? (size_t)(line + i - (q + 1)) : 0;
	i++;
	if (len - i != 8 || memcmp(line + i, "HTTP/1.", 7) != 0)
		return bad(req, 400, "unsupported HTTP version");
	char minor = line[i + 7];
	if (minor != '0' && minor != '1')
		return bad(req, 400, "unsupported HTTP version");
	req->minor = minor - '0';
	return 0;
}

static uint64_t parse_id(const char *v, size_t len)
{
	uint64_t id = 0;
	if (len == 0 || len > 19)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return 0;
		id = id * 10 + (uint64_t)(v[i] - '0');
	}
	return id;
}

static int hex_lc(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1; /* upper case too: the spec allows only lower case */
}

static int hex_byte(const char *p)
{
	int hi = hex_lc(p[0]), lo = hex_lc(p[1]);
	return hi < 0 || lo < 0 ? -1 : hi << 4 | lo;
}

/* n lowercase hex digits, not all zero (an all-zero id is invalid). */
static int hex_id(const char *p, size_t n)
{
	int nonzero = 0;
	for (size_t i = 0; i < n; i++) {
		if (hex_lc(p[i]) < 0)
			return 0;
		nonzero |= p[i] != '0';
	}
	return nonzero;
}

/* "00-<32 hex trace-id>-<16 hex parent-id>-<2 hex flags>": 55 characters. A later
 * version may append fields after another '-'; version ff is invalid. */
int http_traceparent(const char *v, size_t len)
{
	if (len < 55 || v[2] != '-' || v[35] != '-' || v[52] != '-')
		return -1;
	int version = hex_byte(v);
	if (version < 0 || version == 0xff || (version == 0 && len != 55) ||
	    (len > 55 && v[55] != '-'))
		return -1;
	if (!hex_id(v + 3, 32) || !hex_id(v + 36, 16))
		return -1;
	return hex_byte(v + 53);
}

int http_parse(const char *buf, size_t len, struct http_request *req)
{
	memset(req, 0, sizeof(*req));
	int bad_char = 0;
	size_t limit = len < HTTP_MAX_HEAD ? len : HTTP_MAX_HEAD;

	/* Tolerate empty lines before a request (RFC 9112 2.2). */
	size_t pos = 0;
	while (pos < limit && (buf[pos] == '\r' || buf[pos] == '\n'))
		pos++;

	long eol = line_end(buf, pos, limit, &bad_char);
	if (bad_char)
		return bad(req, 400, "control character in request line");
	if (eol < 0) {
		/* A URI that is already too long is a 414 before the line ends. */
		const char *sp = memchr(buf + pos, ' ', limit - pos);
		if (sp) {
			const char *sp2 = memchr(sp + 1, ' ', (size_t)(buf + limit - sp - 1));
			size_t ulen = (size_t)((sp2 ? sp2 : buf + limit) - sp - 1);
			if (ulen > HTTP_MAX_URI)
				return bad(req, 414, "request target too long");
		}
		if (len >= HTTP_MAX_HEAD)
			return bad(req, 431, "request head too large");
		return HTTP_MORE;
	}
	size_t llen = (size_t)eol - pos;
	if (llen && buf[pos + llen - 1] == '\r')
		llen--;
	if (parse_request_line(buf + pos, llen, req) < 0)
		return HTTP_BAD;

	int hosts = 0, connection_close = 0, connection_keep = 0;
	/* Two traceparent headers make one invalid value (a field list joined by
	 * commas); like a malformed one, it is ignored. */
	int traceparents = 0, trace_flags = -1;
	pos = (size_t)eol + 1;
	for (;;) {
		eol = line_end(buf, pos, limit, &bad_char);
		if (bad_char)
			return bad(req, 400, "control character in header");
		if (eol < 0) {
			if (len >= HTTP_MAX_HEAD)
				return bad(req, 431, "request head too large");
			return HTTP_MORE;
		}
		size_t l = (size_t)eol - pos;
		const char *line = buf + pos;
		if (l && line[l - 1] == '\r')
			l--;
		pos = (size_t)eol + 1;
		if (l == 0)
			break; /* end of head */

		size_t n = 0;
		while (n < l && is_tchar((unsigned char)line[n]))
			n++;
		if (n == 0 || n >= l || line[n] != ':')
			return bad(req, 400, "malformed header");
		const char *v = line + n + 1;
		size_t vlen = l - n - 1;
		while (vlen && (*v == ' ' || *v == '\t'))
			v++, vlen--;
		while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
			vlen--;

		if (name_is(line, n, "host")) {
			hosts++;
		} else if (name_is(line, n, "connection")) {
			connection_close |= value_has_token(v, vlen, "close");
			connection_keep |= value_has_token(v, vlen, "keep-alive");
		} else if (name_is(line, n, "content-length")) {
			for (size_t i = 0; i < vlen; i++)
				if (v[i] < '0' || v[i] > '9')
					return bad(req, 400, "malformed Content-Length");
			if (vlen == 0)
				return bad(req, 400, "malformed Content-Length");
			for (size_t i = 0; i < vlen; i++)
				if (v[i] != '0')
					return bad(req, 413, "request bodies are not accepted");
		} else if (name_is(line, n, "transfer-encoding")) {
			return bad(req, 413, "request bodies are not accepted");
		} else if (name_is(line, n, "x-request-id")) {
			req->request_id = parse_id(v, vlen);
		} else if (name_is(line, n, "traceparent")) {
			traceparents++;
			trace_flags = http_traceparent(v, vlen);
		}
	}
	req->sampled = traceparents != 1 || trace_flags < 0 || (trace_flags & 1);
	if (req->minor == 1 && hosts != 1)
		return bad(req, 400, "HTTP/1.1 needs exactly one Host header");
	if (hosts > 1)
		return bad(req, 400, "more than one Host header");
	req->keep_alive =
	    req->minor == 1 ? !connection_close : connection_keep && !connection_close;
	return (int)pos;
}
