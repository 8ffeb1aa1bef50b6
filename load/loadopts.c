#include "loadopts.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* LOAD_RATE_MAX as written in load.h, for the usage and the refusal. */
#define STR_(x)	 #x
#define STR(x)	 STR_(x)
#define RATE_MAX STR(LOAD_RATE_MAX)

const char loadopts_usage[] =
    "usage: bench load URL [options]\n"
    "\n"
    "load model (closed loop unless told otherwise):\n"
    "  -c, --connections N   connections, i.e. requests in flight at most (default 10)\n"
    "  -n, --requests N      stop after N requests\n"
    "  -d, --duration D      run for D (default 10s when no -n); D like 5s, 250ms, 2m\n"
    "  --rate R | A:B        open loop: R requests/s on a fixed schedule, or a linear\n"
    "                        ramp from A to B over -d; latency counts from the schedule;\n"
    "                        at most " RATE_MAX " (one send per nanosecond)\n"
    "  --burst               one request on each of the -c connections, all at once\n"
    "  --warmup D            leave the first D out of the statistics (with -d)\n"
    "  -t, --threads N       event-loop threads, each with its share of -c (default 1)\n"
    "\n"
    "requests:\n"
    "  -X, --method M        request method (default GET)\n"
    "  -H, --header 'N: v'   extra request header (repeatable)\n"
    "  --timeout D           per-request timeout, connect included (default 30s)\n"
    "  --new-conn            a fresh connection per request (default: keep-alive)\n"
    "\n"
    "output:\n"
    "  --records FILE        one CSV row per request (requests.csv format; - for stdout)\n"
    "  --json FILE|-         the full summary as JSON\n"
    "  -q, --quiet           no live progress line on stderr\n"
    "\n"
    "Exit status: 0 all requests succeeded, 1 some failed or the run could not start,\n"
    "2 bad usage.\n";

static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int parse_count(const char *s, uint64_t max, uint64_t *out)
{
	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v == 0 || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int loadopts_duration(const char *s, uint64_t *ns)
{
	if (!s || !(isdigit((unsigned char)s[0]) || s[0] == '.'))
		return -EINVAL;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return -EINVAL;
	double unit;
	if (!*end || !strcmp(end, "s"))
		unit = 1e9;
	else if (!strcmp(end, "ms"))
		unit = 1e6;
	else if (!strcmp(end, "us"))
		unit = 1e3;
	else if (!strcmp(end, "ns"))
		unit = 1;
	else if (!strcmp(end, "m"))
		unit = 60e9;
	else if (!strcmp(end, "h"))
		unit = 3600e9;
	else
		return -EINVAL;
	double total = v * unit;
	if (total > 30.0 * 86400e9) /* a month: anything longer is a typo */
		return -EINVAL;
	*ns = (uint64_t)llround(total);
	return 0;
}

static int parse_rate(const char *s, double *from, double *to)
{
	if (!s || !*s)
		return -EINVAL;
	char *end;
	errno = 0;
	*from = strtod(s, &end);
	if (errno || end == s || !isfinite(*from) || *from < 0 || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	if (!*end) {
		*to = *from;
		return *from > 0 ? 0 : -EINVAL;
	}
	if (*end != ':' || !isdigit((unsigned char)end[1]))
		return -EINVAL;
	const char *b = end + 1;
	*to = strtod(b, &end);
	if (errno || end == b || *end || !isfinite(*to) || *to < 0)
		return -EINVAL;
	return *from > 0 || *to > 0 ? 0 : -EINVAL;
}

static int check_url(const char *url, char *err, size_t len)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	int rc = 0;
	if (!u)
		return fail(err, len, "out of memory");
	CURLUcode uc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (uc != CURLUE_OK) {
		rc = fail(err, len, "bad URL '%s': %s", url, curl_url_strerror(uc));
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") && strcmp(scheme, "https"))) {
		rc = fail(err, len, "bad URL '%s': only http:// and https:// are supported", url);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host)
		rc = fail(err, len, "bad URL '%s': no host", url);
out:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

static int is_token(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("!#$%&'*+-.^_`|~", *s))
			return 0;
	return 1;
}

static int check_header(const char *h)
{
	const char *colon = strchr(h, ':');
	if (!colon || colon == h || strpbrk(h, "\r\n"))
		return 0;
	for (const char *p = h; p < colon; p++)
		if (!isalnum((unsigned char)*p) && !strchr("!#$%&'*+-.^_`|~", *p))
			return 0;
	return 1;
}

/* The options that take a value. */
static const char *const valued[] = {
    "-c",	  "--connections", "-t",	"--threads", "-n", "--requests", "-d",
    "--duration", "--warmup",	   "--timeout", "--rate",    "-X", "--method",	 "-H",
    "--header",	  "--records",	   "--json",	NULL,
};

int loadopts_parse(struct loadopts *o, int argc, char **argv, char *err, size_t len)
{
	struct load_config *c = &o->cfg;
	int have_n = 0, have_d = 0, have_rate = 0, have_warmup = 0;
	uint64_t v;

	memset(o, 0, sizeof(*o));
	load_config_init(c);
	err[0] = '\0';
	for (int i = 1; i < argc; i++) {
		char *a = argv[i], *val = NULL;
		if (a[0] != '-' || !a[1]) {
			if (c->url)
				return fail(err, len, "unexpected argument '%s' (one URL only)", a);
			c->url = a;
			continue;
		}
		/* --name=value is the same as --name value. */
		char name[32];
		const char *eq = a[1] == '-' ? strchr(a, '=') : NULL;
		if (eq) {
			snprintf(name, sizeof(name), "%.*s", (int)(eq - a), a);
			val = (char *)eq + 1;
		} else if (a[1] != '-' && a[2]) {
			/* -c64 is the same as -c 64. */
			snprintf(name, sizeof(name), "%.2s", a);
			val = a + 2;
		} else {
			snprintf(name, sizeof(name), "%s", a);
		}
#define IS(s, l) (!strcmp(name, s) || !strcmp(name, l))
		if (IS("-h", "--help"))
			return LOADOPTS_HELP;
		if (IS("--burst", "--burst")) {
			c->mode = LOAD_BURST;
			continue;
		}
		if (IS("--new-conn", "--new-conn")) {
			c->new_conn = 1;
			continue;
		}
		if (IS("-q", "--quiet")) {
			o->quiet = 1;
			continue;
		}
		int known = 0;
		for (const char *const *v = valued; *v && !known; v++)
			known = !strcmp(name, *v);
		if (!known)
			return fail(err, len, "unknown option '%s'", a);
		if (!val) {
			if (i + 1 >= argc)
				return fail(err, len, "%s needs a value", name);
			val = argv[++i];
		}
		if (IS("-c", "--connections")) {
			if (parse_count(val, 1000000, &v))
				return fail(err, len,
					    "-c: '%s' is not a connection count from 1 to 1000000",
					    val);
			c->connections = (int)v;
		} else if (IS("-t", "--threads")) {
			if (parse_count(val, 1024, &v))
				return fail(err, len,
					    "-t: '%s' is not a thread count from 1 to 1024", val);
			c->threads = (int)v;
		} else if (IS("-n", "--requests")) {
			if (parse_count(val, 1000000000000000ull, &v))
				return fail(err, len, "-n: '%s' is not a positive request count",
					    val);
			c->requests = v;
			have_n = 1;
		} else if (IS("-d", "--duration")) {
			if (loadopts_duration(val, &c->duration_ns) || !c->duration_ns)
				return fail(
				    err, len,
				    "-d: '%s' is not a positive duration (like 10s, 500ms, 2m)",
				    val);
			have_d = 1;
		} else if (IS("--warmup", "--warmup")) {
			if (loadopts_duration(val, &c->warmup_ns))
				return fail(err, len, "--warmup: '%s' is not a duration (like 2s)",
					    val);
			have_warmup = 1;
		} else if (IS("--timeout", "--timeout")) {
			if (loadopts_duration(val, &c->timeout_ns) || c->timeout_ns < 1000000)
				return fail(err, len,
					    "--timeout: '%s' is not a duration of at least 1ms",
					    val);
		} else if (IS("--rate", "--rate")) {
			if (parse_rate(val, &c->rate_from, &c->rate_to))
				return fail(err, len,
					    "--rate: '%s' is not a rate > 0 (R or A:B requests/s)",
					    val);
			if (c->rate_from > LOAD_RATE_MAX || c->rate_to > LOAD_RATE_MAX)
				return fail(err, len,
					    "--rate: '%s' is above " RATE_MAX
					    " requests/s, the most the schedule can represent (one "
					    "send per nanosecond)",
					    val);
			have_rate = 1;
		} else if (IS("-X", "--method")) {
			if (!is_token(val))
				return fail(err, len, "-X: '%s' is not a method name", val);
			c->method = val;
		} else if (IS("-H", "--header")) {
			if (!check_header(val))
				return fail(err, len, "-H: '%s' is not a 'Name: value' header",
					    val);
			if (c->nheaders == LOAD_MAX_HEADERS)
				return fail(err, len, "-H: at most %d headers", LOAD_MAX_HEADERS);
			c->headers[c->nheaders++] = val;
		} else if (IS("--records", "--records")) {
			if (!*val)
				return fail(err, len, "--records needs a file name");
			c->records_path = val;
		} else if (IS("--json", "--json")) {
			if (!*val)
				return fail(err, len, "--json needs a file name or -");
			o->json_path = val;
		} else {
			return fail(err, len, "unknown option '%s'", a);
		}
#undef IS
	}

	if (!c->url)
		return fail(err, len, "missing URL");
	int rc = check_url(c->url, err, len);
	if (rc)
		return rc;
	if (have_n && have_d)
		return fail(err, len, "-n and -d: give one of them");
	if (c->mode == LOAD_BURST) {
		if (have_n || have_d || have_rate || have_warmup)
			return fail(err, len,
				    "--burst sends one request per connection (-c): no -n, -d, "
				    "--rate or --warmup");
		c->duration_ns = 0;
	}
	if (have_rate) {
		c->mode = LOAD_OPEN;
		if (c->rate_from != c->rate_to && !have_d)
			return fail(err, len, "--rate %s: a ramp needs -d", "A:B");
	}
	if (have_n)
		c->duration_ns = 0;
	if (have_warmup && !have_d)
		return fail(err, len, "--warmup needs -d");
	if (c->connections < c->threads)
		return fail(err, len, "-c %d is fewer than -t %d: every thread needs a connection",
			    c->connections, c->threads);
	if (o->json_path && c->records_path && !strcmp(o->json_path, "-") &&
	    !strcmp(c->records_path, "-"))
		return fail(err, len, "--json - and --records -: only one of them can use stdout");
	return 0;
}
