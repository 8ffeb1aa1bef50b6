#include "loadopts.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "duration.h"
#include "schema.h"

/* LOAD_RATE_MAX as written in load.h, for the usage and the refusal. */
#define STR_(x)	 #x
#define STR(x)	 STR_(x)
#define RATE_MAX STR(LOAD_RATE_MAX)

/* Keys of the long-only options, above every short letter. */
enum {
	O_RATE = CLIOPT_LONG + 100, /* clear of the keys of the commands that embed these */
	O_BURST,
	O_WARMUP,
	O_TIMEOUT,
	O_NEW_CONN,
	O_RECORDS,
	O_JSON,
	O_MARK_EVERY,
	O_CONNECT_RATE,
	/* many hosts (docs/multihost.md) */
	O_OUT,
	O_SHARD,
	O_START_AT,
};

const struct cliopt loadopts_table[] = {
	{ NULL, 0, NULL, "load model (closed loop unless told otherwise):" },
	{ "connections", 'c', "N", "connections, i.e. requests in flight at most (default 10)" },
	{ "requests", 'n', "N", "stop after N requests" },
	{ "duration", 'd', "D", "run for D (default 10s when no -n)" },
	{ "rate", O_RATE, "R|A:B",
	  "open loop: R requests/s on a fixed schedule, or a linear\n"
	  "ramp from A to B over -d; latency counts from the schedule;\n"
	  "at most " RATE_MAX " (one send per nanosecond); default none" },
	{ "burst", O_BURST, NULL, "one request on each of the -c connections, all at once" },
	{ "warmup", O_WARMUP, "D", "leave the first D out of the statistics (with -d; default 0)" },
	{ "threads", 't', "N", "event-loop threads, each with its share of -c (default 1)" },
	{ "connect-rate", O_CONNECT_RATE, "N",
	  "closed loop: open at most N connections a second at the\n"
	  "start (their first requests), so a large -c does not flood\n"
	  "the listen backlog; 0 for all at once (default " STR(LOAD_CONNECT_RATE_DEFAULT_INT) ")" },
	{ NULL, 0, NULL, "requests:" },
	{ "method", 'X', "M", "request method (default GET)" },
	{ "header", 'H', "'N: v'", "extra request header (repeatable; default none)" },
	{ "timeout", O_TIMEOUT, "D", "per-request timeout, connect included (default 30s)" },
	{ "new-conn", O_NEW_CONN, NULL, "a fresh connection per request (default: keep-alive)" },
	{ "mark-every", O_MARK_EVERY, "N",
	  "ask the target to mark (trace) 1 request in N, through\n"
	  "traceparent's sampled flag; 1 marks all (default: all of\n"
	  "a burst, 1 in " STR(LOAD_MARK_EVERY_DEFAULT) " otherwise)" },
	{ NULL, 0, NULL, "output:" },
	{ "records", O_RECORDS, "FILE",
	  "one CSV row per request (requests.csv format; - for\nstdout; default none)" },
	{ "json", O_JSON, "FILE|-", "the full summary as JSON (default none)" },
	{ "quiet", 'q', NULL, "no live progress line on stderr (default: shown on a terminal)" },
	CLIOPT_HELP,
	CLIOPT_END,
};

/* bench load's alone: bench run has its own --out, and one host. */
const struct cliopt loadopts_hosts_table[] = {
	{ NULL, 0, NULL, "many generators, one load (docs/multihost.md):" },
	{ "out", O_OUT, "DIR",
	  "write DIR/requests.csv, summary.json and latency.hlog\n"
	  "(HdrHistogram log, for bench merge); not with --records\nor --json (default none)" },
	{ "shard", O_SHARD, "I/N",
	  "be generator I of N (0 <= I < N): take the I-th share of\n"
	  "-c, -n, --rate and --connect-rate; ids interleave so the\nshards join the target's "
	  "trace (default 0/1)" },
	{ "start-at", O_START_AT, "EPOCH",
	  "start at this wall-clock instant (seconds since 1970,\n"
	  "CLOCK_REALTIME, decimals allowed), then keep time on the\nmonotonic clock (default: "
	  "now)" },
	CLIOPT_END,
};

void loadopts_usage(FILE *f)
{
	fputs("usage: bench load URL [options]\n\n", f);
	cliopt_print(f, loadopts_table);
	cliopt_print(f, loadopts_hosts_table);
	fputs("\nDurations (D) are written " DUR_FORMS ".\n"
	      "Exit status: 0 all requests succeeded, 1 some failed or the run could not start,\n"
	      "2 bad usage.\n",
	      f);
}

static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
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

/* --shard's split and --out's files, after every other check. Shard i of n
 * takes c/n connections (the first c%n shards one more), likewise -n, and 1/n of
 * the rate and of the connect ramp; load.c interleaves the ids and phases the schedule. */
static int shard_and_out(struct loadopts *o, char *err, size_t len)
{
	struct load_config *c = &o->cfg;
	uint32_t i = c->shard_i, n = c->shard_n ? c->shard_n : 1;
	c->shard_n = n;
	if (c->mode == LOAD_OPEN && c->rate_from == c->rate_to)
		c->rate_total = c->rate_from;
	if (n > 1) {
		uint64_t conns = (uint64_t)c->connections / n + (i < (uint64_t)c->connections % n);
		if (!conns || conns < (uint64_t)c->threads)
			return fail(
			    err, len,
			    "--shard %u/%u: -c %d leaves this shard %llu connections, fewer "
			    "than -t %d",
			    i, n, c->connections, (unsigned long long)conns, c->threads);
		c->connections = (int)conns;
		if (c->requests) {
			uint64_t r = c->requests / n + (i < c->requests % n);
			if (!r)
				return fail(err, len,
					    "--shard %u/%u: -n %llu leaves this shard none", i, n,
					    (unsigned long long)c->requests);
			c->requests = r;
		}
		/* The target's listen backlog sees every shard's ramp at once. */
		c->connect_rate /= n;
		if (c->mode == LOAD_OPEN) {
			c->rate_from /= n;
			c->rate_to /= n;
		}
	}
	if (!o->out_dir)
		return 0;
	if (c->records_path || o->json_path)
		return fail(err, len,
			    "--out writes requests.csv and summary.json itself: no --records or "
			    "--json with it");
	if (snprintf(o->out_records, sizeof(o->out_records), "%s/" SCHEMA_REQUESTS, o->out_dir) >=
	    (int)sizeof(o->out_records))
		return fail(err, len, "--out: '%s' is too long a path", o->out_dir);
	c->records_path = o->out_records;
	return 0;
}

void loadopts_init(struct loadopts *o)
{
	memset(o, 0, sizeof(*o));
	load_config_init(&o->cfg);
}

int loadopts_set(struct loadopts *o, int key, const char *name, const char *val, char *err,
		 size_t len)
{
	struct load_config *c = &o->cfg;
	uint64_t v;
	switch (key) {
	case 'c':
		if (cliopt_uint(val, 1, 1000000, &v))
			return fail(err, len,
				    "%s: '%s' is not a connection count from 1 to 1000000", name,
				    val);
		c->connections = (int)v;
		o->given |= LOADOPTS_GIVEN_C;
		return 0;
	case 't':
		if (cliopt_uint(val, 1, 1024, &v))
			return fail(err, len, "%s: '%s' is not a thread count from 1 to 1024", name,
				    val);
		c->threads = (int)v;
		return 0;
	case 'n':
		if (cliopt_uint(val, 1, 1000000000000000ull, &v))
			return fail(err, len, "%s: '%s' is not a positive request count", name,
				    val);
		c->requests = v;
		o->given |= LOADOPTS_GIVEN_N;
		return 0;
	case 'd':
		if (dur_parse(val, &c->duration_ns) || !c->duration_ns)
			return fail(err, len, "%s: '%s' is not a positive duration (like %s)", name,
				    val, DUR_FORMS);
		o->given |= LOADOPTS_GIVEN_D;
		return 0;
	case O_WARMUP:
		if (dur_parse(val, &c->warmup_ns))
			return fail(err, len, "%s: '%s' is not a duration (like %s)", name, val,
				    DUR_FORMS);
		o->given |= LOADOPTS_GIVEN_WARMUP;
		return 0;
	case O_TIMEOUT:
		if (dur_parse(val, &c->timeout_ns) || c->timeout_ns < 1000000)
			return fail(err, len, "%s: '%s' is not a duration of at least 1ms", name,
				    val);
		return 0;
	case O_RATE:
		if (parse_rate(val, &c->rate_from, &c->rate_to))
			return fail(err, len, "%s: '%s' is not a rate > 0 (R or A:B requests/s)",
				    name, val);
		if (c->rate_from > LOAD_RATE_MAX || c->rate_to > LOAD_RATE_MAX)
			return fail(err, len,
				    "%s: '%s' is above " RATE_MAX
				    " requests/s, the most the schedule can represent (one "
				    "send per nanosecond)",
				    name, val);
		o->given |= LOADOPTS_GIVEN_RATE;
		return 0;
	case O_BURST:
		c->mode = LOAD_BURST;
		o->given |= LOADOPTS_GIVEN_BURST;
		return 0;
	case O_NEW_CONN: c->new_conn = 1; return 0;
	case O_MARK_EVERY:
		if (cliopt_uint(val, 1, LOAD_MARK_EVERY_MAX, &v))
			return fail(err, len, "%s: '%s' is not a count from 1 to %u", name, val,
				    LOAD_MARK_EVERY_MAX);
		c->mark_every = (uint32_t)v;
		return 0;
	case O_CONNECT_RATE:
		if (cliopt_uint(val, 0, 100000000, &v))
			return fail(err, len,
				    "%s: '%s' is not a connection rate from 0 (no ramp) to "
				    "100000000 a second",
				    name, val);
		c->connect_rate = (double)v;
		o->given |= LOADOPTS_GIVEN_CONNECT_RATE;
		return 0;
	case O_OUT:
		if (!*val)
			return fail(err, len, "%s needs a directory", name);
		o->out_dir = val;
		return 0;
	case O_SHARD: {
		unsigned long i, n;
		int used = 0;
		if (sscanf(val, "%lu/%lu%n", &i, &n, &used) != 2 || val[used] || n < 1 ||
		    n > 10000 || i >= n || !isdigit((unsigned char)val[0]))
			return fail(err, len, "%s: '%s' is not I/N with 0 <= I < N <= 10000", name,
				    val);
		c->shard_i = (uint32_t)i;
		c->shard_n = (uint32_t)n;
		o->given |= LOADOPTS_GIVEN_SHARD;
		return 0;
	}
	case O_START_AT: {
		/* Seconds and up to nine decimals, to the nanosecond (a double would
		 * round 1.8e18 ns to a few hundred). */
		uint64_t sec = 0, frac = 0;
		int ndig = 0, ok = isdigit((unsigned char)val[0]);
		const char *p = val;
		for (; ok && isdigit((unsigned char)*p) && sec < 100000000000ull; p++)
			sec = sec * 10 + (uint64_t)(*p - '0');
		if (ok && *p == '.')
			for (p++; isdigit((unsigned char)*p) && ndig < 9; p++, ndig++)
				frac = frac * 10 + (uint64_t)(*p - '0');
		for (int k = ndig; k < 9; k++)
			frac *= 10;
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		/* Not more than a day ahead: a typo (milliseconds for seconds) would
		 * otherwise wait for decades. */
		if (!ok || *p || sec < 1000000000ull || sec > (uint64_t)now.tv_sec + 86400)
			return fail(err, len,
				    "%s: '%s' is not seconds since 1970 within the next day (date "
				    "+%%s.%%N)",
				    name, val);
		c->start_at_ns = sec * 1000000000ull + frac;
		return 0;
	}
	case 'q': o->quiet = 1; return 0;
	case 'X':
		if (!is_token(val))
			return fail(err, len, "%s: '%s' is not a method name", name, val);
		c->method = val;
		return 0;
	case 'H':
		if (!check_header(val))
			return fail(err, len, "%s: '%s' is not a 'Name: value' header", name, val);
		/* Ours carries the sampling decision; a second one would void it. */
		if (!strncasecmp(val, "traceparent:", 12))
			return fail(err, len,
				    "%s: every request carries its own traceparent (see "
				    "--mark-every)",
				    name);
		if (c->nheaders == LOAD_MAX_HEADERS)
			return fail(err, len, "%s: at most %d headers", name, LOAD_MAX_HEADERS);
		c->headers[c->nheaders++] = val;
		return 0;
	case O_RECORDS:
		if (!*val)
			return fail(err, len, "%s needs a file name", name);
		c->records_path = val;
		return 0;
	case O_JSON:
		if (!*val)
			return fail(err, len, "%s needs a file name or -", name);
		o->json_path = val;
		return 0;
	}
	return fail(err, len, "unknown option '%s'", name);
}

int loadopts_check(struct loadopts *o, char *err, size_t len)
{
	struct load_config *c = &o->cfg;
	unsigned g = o->given;
	if (!c->url)
		return fail(err, len, "missing URL");
	int rc = check_url(c->url, err, len);
	if (rc)
		return rc;
	if ((g & LOADOPTS_GIVEN_N) && (g & LOADOPTS_GIVEN_D))
		return fail(err, len, "-n and -d: give one of them");
	if (c->mode == LOAD_BURST) {
		if (g & (LOADOPTS_GIVEN_N | LOADOPTS_GIVEN_D | LOADOPTS_GIVEN_RATE |
			 LOADOPTS_GIVEN_WARMUP))
			return fail(err, len,
				    "--burst sends one request per connection (-c): no -n, -d, "
				    "--rate or --warmup");
		c->duration_ns = 0;
	}
	if ((g & LOADOPTS_GIVEN_CONNECT_RATE) && (g & (LOADOPTS_GIVEN_BURST | LOADOPTS_GIVEN_RATE)))
		return fail(err, len,
			    "--connect-rate paces a closed loop's connects: a burst is all at "
			    "once, and --rate's schedule paces its own sends");
	if (g & LOADOPTS_GIVEN_RATE) {
		c->mode = LOAD_OPEN;
		if (c->rate_from != c->rate_to && !(g & LOADOPTS_GIVEN_D))
			return fail(err, len, "--rate %s: a ramp needs -d", "A:B");
	}
	if (g & LOADOPTS_GIVEN_N)
		c->duration_ns = 0;
	if ((g & LOADOPTS_GIVEN_WARMUP) && !(g & LOADOPTS_GIVEN_D))
		return fail(err, len, "--warmup needs -d");
	if (c->connections < c->threads)
		return fail(err, len, "-c %d is fewer than -t %d: every thread needs a connection",
			    c->connections, c->threads);
	if (o->json_path && c->records_path && !strcmp(o->json_path, "-") &&
	    !strcmp(c->records_path, "-"))
		return fail(err, len, "--json - and --records -: only one of them can use stdout");
	return shard_and_out(o, err, len);
}

int loadopts_parse(struct loadopts *o, int argc, char **argv, char *err, size_t len)
{
	const struct cliopt *const tables[] = { loadopts_table, loadopts_hosts_table, NULL };
	struct cliopt_state st;
	loadopts_init(o);
	err[0] = '\0';
	if (cliopt_begin(&st, tables, argc, argv, 0))
		return fail(err, len, "too many options in the table");
	for (;;) {
		int key = cliopt_next(&st, err, len);
		if (key == CLIOPT_DONE)
			break;
		if (key == CLIOPT_BAD)
			return -EINVAL;
		if (key == 'h')
			return LOADOPTS_HELP;
		int rc = loadopts_set(o, key, st.name, st.arg, err, len);
		if (rc)
			return rc;
	}
	if (st.ind < argc)
		o->cfg.url = argv[st.ind];
	if (st.ind + 1 < argc)
		return fail(err, len, "unexpected argument '%s' (one URL only)", argv[st.ind + 1]);
	return loadopts_check(o, err, len);
}
