#include "load_report.h"

#include "json.h"
#include "clock.h"
#include "files.h"
#include "hdrlog.h"
#include "schema.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

static const char *const mode_names[] = {
	[LOAD_CLOSED] = META_MODE_CLOSED,
	[LOAD_BURST] = META_MODE_BURST,
	[LOAD_OPEN] = META_MODE_OPEN,
};

static const double pcts[] = { 50, 75, 90, 99, 99.9, 99.99 };
static const char *const pct_keys[] = { "p50", "p75", "p90", "p99", "p99_9", "p99_99" };
#define NPCTS (sizeof(pcts) / sizeof(pcts[0]))
#define U(x)  ((unsigned long long)(x))

const char *load_report_ns(char *buf, size_t len, double ns)
{
	if (ns < 1e3)
		snprintf(buf, len, "%.0fns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.2fus", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, "%.2fms", ns / 1e6);
	else
		snprintf(buf, len, "%.3fs", ns / 1e9);
	return buf;
}

static const char *bytes_h(char *buf, size_t len, double b)
{
	const char *units[] = { "B", "KB", "MB", "GB", "TB" };
	int u = 0;
	while (b >= 1024 && u < 4) {
		b /= 1024;
		u++;
	}
	snprintf(buf, len, "%.2f%s", b, units[u]);
	return buf;
}

/* One latency row. With lower_bound (requests cut off at the end are in the
 * histogram with their wait so far) every figure but the spread is a floor, and
 * says so with a leading ">="; the sign is three bytes wide in UTF-8 and one
 * column on screen, so the field is two bytes wider to keep the columns. */
static void lat_cell(FILE *f, double ns, int lower_bound)
{
	char b[32], c[40];
	load_report_ns(b, sizeof(b), ns);
	if (!lower_bound) {
		fprintf(f, " %9s", b);
		return;
	}
	snprintf(c, sizeof(c), "\u2265%s", b);
	fprintf(f, " %11s", c);
}

static void lat_row(FILE *f, const char *name, const struct hist *h, int lb)
{
	char b[32];
	fprintf(f, "    %-12s", name);
	lat_cell(f, hist_mean(h), lb);
	fprintf(f, " %9s", load_report_ns(b, sizeof(b), hist_stdev(h)));
	for (size_t i = 0; i < NPCTS; i++)
		lat_cell(f, (double)hist_percentile(h, pcts[i]), lb);
	lat_cell(f, (double)h->max, lb);
	fputc('\n', f);
}

/* The connect row: first requests' connect times, beside the latency and not in
 * it, and how long the connect phase took. */
static void connect_rows(FILE *f, const struct load_config *cfg, const struct load_result *r)
{
	char b1[32];
	const struct hist *h = r->lat.connect;
	if (!h || !h->n)
		return;
	lat_row(f, "connect", h, 0);
	fprintf(f, "  connect phase: %llu connection%s in %s", U(r->conns_connected),
		r->conns_connected == 1 ? "" : "s",
		load_report_ns(b1, sizeof(b1), (double)r->connect_phase_ns));
	if (cfg->mode == LOAD_CLOSED && cfg->connect_rate > 0)
		fprintf(f, " (ramp %g/s)", cfg->connect_rate);
	fprintf(f, "; connect times are first requests' (send to connected), not in the latency\n");
}

/* What the warmup left out, so nothing is dropped silently; and whether the
 * connect phase fell inside it. */
static void warmup_line(FILE *f, const struct load_config *cfg, const struct load_result *r)
{
	char b1[32], b2[32];
	if (!cfg->warmup_ns || !cfg->duration_ns || cfg->requests)
		return;
	fprintf(f, "  warmup: the first %s left out, %llu requests sent in it",
		load_report_ns(b1, sizeof(b1), (double)cfg->warmup_ns), U(r->warmup_requests));
	if (r->conns_connected) {
		if (r->connect_phase_ns <= cfg->warmup_ns)
			fprintf(f, "; the connect phase (%s) is inside it",
				load_report_ns(b2, sizeof(b2), (double)r->connect_phase_ns));
		else
			fprintf(f, "; the connect phase (%s) outlasted it: its end is measured",
				load_report_ns(b2, sizeof(b2), (double)r->connect_phase_ns));
	}
	fprintf(f, "\n");
}

void load_report_text(FILE *f, const struct load_config *cfg, const struct load_result *r)
{
	char b1[32], b2[32];
	fprintf(f, "%s @ %s\n",
		cfg->mode == LOAD_BURST	 ? "burst"
		: cfg->mode == LOAD_OPEN ? "open loop"
					 : "closed loop",
		cfg->url);
	fprintf(f, "  %d thread%s, %d connection%s", cfg->threads, cfg->threads == 1 ? "" : "s",
		cfg->connections, cfg->connections == 1 ? "" : "s");
	if (cfg->mode == LOAD_OPEN) {
		if (cfg->rate_from == cfg->rate_to)
			fprintf(f, ", %g req/s", cfg->rate_from);
		else
			fprintf(f, ", %g -> %g req/s", cfg->rate_from, cfg->rate_to);
	}
	if (cfg->requests)
		fprintf(f, ", %llu requests", (unsigned long long)cfg->requests);
	else if (cfg->duration_ns)
		fprintf(f, ", %s", load_report_ns(b1, sizeof(b1), (double)cfg->duration_ns));
	if (cfg->warmup_ns)
		fprintf(f, " after %s warmup",
			load_report_ns(b1, sizeof(b1), (double)cfg->warmup_ns));
	if (cfg->new_conn)
		fprintf(f, ", new connection per request");
	if (cfg->mode == LOAD_CLOSED && cfg->connect_rate > 0)
		fprintf(f, ", connects ramped at %g/s", cfg->connect_rate);
	fprintf(f, "\n");

	fprintf(f, "  Latency       %9s %9s %9s %9s %9s %9s %9s %9s %9s\n", "mean", "stdev", "p50",
		"p75", "p90", "p99", "p99.9", "p99.99", "max");
	if (cfg->mode == LOAD_CLOSED) {
		lat_row(f, "", r->lat.service, r->lat_lower_bound);
	} else {
		/* Burst and open loop measure from the intended start; the service
		 * time from the actual send is shown beside it. */
		lat_row(f, "corrected", r->lat.corrected, r->lat_lower_bound);
		lat_row(f, "uncorrected", r->lat.service, r->lat_lower_bound);
	}
	connect_rows(f, cfg, r);
	fprintf(f, "  %llu requests in %.2fs, %s read\n", (unsigned long long)r->completed,
		r->elapsed_s, bytes_h(b1, sizeof(b1), (double)r->bytes));
	fprintf(f, "  sent %llu, completed %llu, ok %llu, errors %llu", (unsigned long long)r->sent,
		(unsigned long long)r->completed, (unsigned long long)r->ok,
		(unsigned long long)r->errors);
	if (r->aborted)
		fprintf(f, " (%llu aborted at the end)", (unsigned long long)r->aborted);
	if (r->warmup_requests)
		fprintf(f, "; %llu in warmup, not counted", (unsigned long long)r->warmup_requests);
	fprintf(f, "\n");
	warmup_line(f, cfg, r);
	if (r->errors) {
		fprintf(f, "  errors:");
		for (int k = 1; k < LOAD_E_COUNT; k++)
			if (r->by_kind[k])
				fprintf(f, " %s %llu", load_err_name(k),
					(unsigned long long)r->by_kind[k]);
		fprintf(f, "\n");
	}
	fprintf(f, "  connections: %llu asked, %llu opened, %llu open at most, %llu failed\n",
		(unsigned long long)r->conns_asked, (unsigned long long)r->conns_opened,
		(unsigned long long)r->conns_peak, (unsigned long long)r->conns_failed);
	if (r->unserved || r->conns_unserved)
		fprintf(f,
			"  unserved: %llu requests never answered, %llu of %llu connections never "
			"served; latencies include their wait so far (\u2265: lower bounds)\n",
			(unsigned long long)r->unserved, (unsigned long long)r->conns_unserved,
			(unsigned long long)r->conns_asked);
	if (cfg->mode == LOAD_OPEN) {
		if (r->late)
			fprintf(f,
				"  late sends: %llu of %llu (mean %s behind, max %s): the schedule "
				"was not kept\n",
				(unsigned long long)r->late, (unsigned long long)r->sent,
				load_report_ns(b1, sizeof(b1),
					       (double)r->late_sum_ns / (double)r->late),
				load_report_ns(b2, sizeof(b2), (double)r->late_max_ns));
		else
			fprintf(f, "  late sends: none\n");
		if (r->unsent)
			fprintf(f,
				"  unsent: %llu sends were due but never went out (no free "
				"connection)\n",
				(unsigned long long)r->unsent);
	}
	if (cfg->mode == LOAD_BURST)
		fprintf(f, "  burst: %llu requests in %s\n", (unsigned long long)r->sent,
			load_report_ns(b1, sizeof(b1), (double)r->burst_ns));
	if (r->interrupted)
		fprintf(f, "  interrupted: the run was stopped early\n");
	if (cfg->shard_n > 1)
		fprintf(f, "  shard %u of %u: ids %u, %u + %u, ... (bench merge adds the shards)\n",
			cfg->shard_i, cfg->shard_n, cfg->shard_i + 1, cfg->shard_i + 1,
			cfg->shard_n);
	if (r->start_late_ns)
		fprintf(f, "  --start-at had passed %s before the run could start: started late\n",
			load_report_ns(b1, sizeof(b1), (double)r->start_late_ns));
	fprintf(f, "Requests/sec: %10.2f\n", r->rps);
	fprintf(f, "Transfer/sec: %10s\n", bytes_h(b1, sizeof(b1), r->bytes_per_s));
}

static void json_hist(FILE *f, const struct hist *h)
{
	fprintf(f, "{\"count\": %llu, \"min_ns\": %llu, \"mean_ns\": %.0f, \"stdev_ns\": %.0f",
		(unsigned long long)h->n, (unsigned long long)h->min, hist_mean(h), hist_stdev(h));
	for (size_t i = 0; i < NPCTS; i++)
		fprintf(f, ", \"%s_ns\": %llu", pct_keys[i],
			(unsigned long long)hist_percentile(h, pcts[i]));
	fprintf(f, ", \"max_ns\": %llu}", (unsigned long long)h->max);
}

int load_report_json_members(FILE *f, const struct load_config *cfg, const struct load_result *r)
{
	fprintf(f, "  \"config\": {\"url\": ");
	json_str(f, cfg->url);
	fprintf(f, ", \"method\": ");
	json_str(f, cfg->method ? cfg->method : "GET");
	fprintf(f, ", \"mode\": \"%s\", \"connections\": %d, \"threads\": %d",
		mode_names[cfg->mode], cfg->connections, cfg->threads);
	fprintf(f, ", \"requests\": %llu, \"duration_ns\": %llu, \"warmup_ns\": %llu",
		U(cfg->requests), U(cfg->duration_ns), U(cfg->warmup_ns));
	fprintf(f, ", \"timeout_ns\": %llu, \"rate_from\": %g, \"rate_to\": %g, \"new_conn\": %s",
		U(cfg->timeout_ns), cfg->mode == LOAD_OPEN ? cfg->rate_from : 0,
		cfg->mode == LOAD_OPEN ? cfg->rate_to : 0, cfg->new_conn ? "true" : "false");
	fprintf(f, ", \"mark_every\": %u", load_mark_every(cfg));
	fprintf(f, ", \"connect_rate\": %g", cfg->mode == LOAD_CLOSED ? cfg->connect_rate : 0);
	if (cfg->shard_n > 1)
		fprintf(f, ", \"shard_index\": %u, \"shard_count\": %u, \"rate_total\": %g",
			cfg->shard_i, cfg->shard_n, cfg->rate_total);
	if (cfg->start_at_ns)
		fprintf(f, ", \"start_at_ns\": %llu", U(cfg->start_at_ns));
	fprintf(f, ", \"headers\": [");
	for (int i = 0; i < cfg->nheaders; i++) {
		fprintf(f, i ? ", " : "");
		json_str(f, cfg->headers[i]);
	}
	fprintf(f, "]},\n");
	fprintf(f,
		"  \"requests\": {\"sent\": %llu, \"completed\": %llu, \"ok\": %llu, "
		"\"errors\": %llu, \"aborted\": %llu, \"unserved\": %llu, \"warmup\": %llu},\n",
		U(r->sent), U(r->completed), U(r->ok), U(r->errors), U(r->aborted), U(r->unserved),
		U(r->warmup_requests));
	fprintf(f, "  \"errors\": {");
	for (int k = 1; k < LOAD_E_COUNT; k++)
		fprintf(f, "%s\"%s\": %llu", k > 1 ? ", " : "", load_err_name(k), U(r->by_kind[k]));
	fprintf(f, "},\n  \"status\": {\"none\": %llu", U(r->by_class[0]));
	for (int c = 1; c < 6; c++)
		fprintf(f, ", \"%dxx\": %llu", c, U(r->by_class[c]));
	fprintf(f, "},\n");
	fprintf(f,
		"  \"connections\": {\"asked\": %llu, \"opened\": %llu, \"peak\": %llu, "
		"\"failed\": %llu, \"unserved\": %llu},\n",
		U(r->conns_asked), U(r->conns_opened), U(r->conns_peak), U(r->conns_failed),
		U(r->conns_unserved));
	/* First requests' connect times and the connect phase, apart from the
	 * latency (which they are not part of). */
	fprintf(f, "  \"connect\": {\"connected\": %llu, \"phase_ns\": %llu, \"times\": ",
		U(r->conns_connected), U(r->connect_phase_ns));
	if (r->lat.connect)
		json_hist(f, r->lat.connect);
	else
		fputs("null", f);
	fprintf(f, "},\n");
	fprintf(f,
		"  \"throughput\": {\"t0_ns\": %llu, \"measure_start_ns\": %llu, "
		"\"measure_end_ns\": %llu, \"elapsed_s\": %.6f, \"requests_per_s\": %.2f, "
		"\"bytes\": %llu, \"bytes_per_s\": %.2f},\n",
		U(r->t0_ns), U(r->measure_ns), U(r->end_ns), r->elapsed_s, r->rps, U(r->bytes),
		r->bytes_per_s);
	/* lower_bound: the histograms hold cut-off requests' wait so far, so every
	 * figure in them but the spread is a floor. */
	fprintf(f, "  \"latency\": {\n    \"lower_bound\": %s,\n    \"corrected\": ",
		r->lat_lower_bound ? "true" : "false");
	json_hist(f, r->lat.corrected);
	fprintf(f, ",\n    \"uncorrected\": ");
	json_hist(f, r->lat.service);
	fprintf(f, "\n  },\n");
	fprintf(f,
		"  \"late\": {\"count\": %llu, \"mean_ns\": %.0f, \"max_ns\": %llu, "
		"\"unsent\": %llu},\n",
		U(r->late), r->late ? (double)r->late_sum_ns / (double)r->late : 0.0,
		U(r->late_max_ns), U(r->unsent));
	fprintf(f, "  \"burst_ns\": %llu,\n  \"interrupted\": %s", U(r->burst_ns),
		r->interrupted ? "true" : "false");
	if (cfg->start_at_ns)
		fprintf(f, ",\n  \"start_late_ns\": %llu", U(r->start_late_ns));
	return ferror(f) ? -EIO : 0;
}

int load_report_json(FILE *f, const struct load_config *cfg, const struct load_result *r)
{
	fputs("{\n", f);
	load_report_json_members(f, cfg, r);
	fputs("\n}\n", f);
	return ferror(f) ? -EIO : 0;
}

/* The reader of what load_report_json writes, beside it so that the layout is
 * known in this one file; test_report's round trip writes a result and reads it
 * back field by field. */
static struct json_object *member(struct json_object *j, const char *group, const char *key)
{
	struct json_object *g = j, *v = NULL;
	if (group && !json_object_object_get_ex(j, group, &g))
		return NULL;
	return json_object_object_get_ex(g, key, &v) ? v : NULL;
}

static uint64_t u64(struct json_object *j, const char *group, const char *key)
{
	struct json_object *v = member(j, group, key);
	return v ? json_object_get_uint64(v) : 0;
}

static double dbl(struct json_object *j, const char *group, const char *key)
{
	struct json_object *v = member(j, group, key);
	return v ? json_object_get_double(v) : 0;
}

static int flag(struct json_object *j, const char *group, const char *key)
{
	struct json_object *v = member(j, group, key);
	return v && json_object_get_boolean(v);
}

static void text(struct json_object *j, const char *key, char *buf, size_t len)
{
	struct json_object *v = member(j, "config", key);
	snprintf(buf, len, "%s", v ? json_object_get_string(v) : "");
}

int load_report_read(struct json_object *j, struct load_summary *s)
{
	memset(s, 0, sizeof(*s));
	if (!member(j, NULL, "config") || !member(j, NULL, "requests") ||
	    !member(j, NULL, "throughput"))
		return -EBADMSG;
	struct load_config *c = &s->cfg;
	text(j, "url", s->url, sizeof(s->url));
	text(j, "method", s->method, sizeof(s->method));
	c->url = s->url;
	c->method = s->method;
	char mode[16];
	text(j, "mode", mode, sizeof(mode));
	c->mode = LOAD_CLOSED;
	for (size_t m = 0; m < sizeof(mode_names) / sizeof(mode_names[0]); m++)
		if (!strcmp(mode, mode_names[m]))
			c->mode = (enum load_mode)m;
	c->connections = (int)u64(j, "config", "connections");
	c->threads = (int)u64(j, "config", "threads");
	c->requests = u64(j, "config", "requests");
	c->duration_ns = u64(j, "config", "duration_ns");
	c->warmup_ns = u64(j, "config", "warmup_ns");
	c->timeout_ns = u64(j, "config", "timeout_ns");
	c->rate_from = dbl(j, "config", "rate_from");
	c->rate_to = dbl(j, "config", "rate_to");
	c->new_conn = flag(j, "config", "new_conn");
	c->mark_every = (uint32_t)u64(j, "config", "mark_every");
	c->connect_rate = dbl(j, "config", "connect_rate");
	c->shard_i = (uint32_t)u64(j, "config", "shard_index");
	c->shard_n =
	    member(j, "config", "shard_count") ? (uint32_t)u64(j, "config", "shard_count") : 1;
	c->rate_total = dbl(j, "config", "rate_total");
	c->start_at_ns = u64(j, "config", "start_at_ns");

	struct load_result *r = &s->res;
	r->sent = u64(j, "requests", "sent");
	r->completed = u64(j, "requests", "completed");
	r->ok = u64(j, "requests", "ok");
	r->errors = u64(j, "requests", "errors");
	r->aborted = u64(j, "requests", "aborted");
	r->unserved = u64(j, "requests", "unserved");
	r->warmup_requests = u64(j, "requests", "warmup");
	for (int k = 1; k < LOAD_E_COUNT; k++)
		r->by_kind[k] = u64(j, "errors", load_err_name(k));
	r->by_class[0] = u64(j, "status", "none");
	for (int c5 = 1; c5 < 6; c5++) {
		char key[8];
		snprintf(key, sizeof(key), "%dxx", c5);
		r->by_class[c5] = u64(j, "status", key);
	}
	r->conns_asked = u64(j, "connections", "asked");
	r->conns_opened = u64(j, "connections", "opened");
	r->conns_peak = u64(j, "connections", "peak");
	r->conns_failed = u64(j, "connections", "failed");
	r->conns_unserved = u64(j, "connections", "unserved");
	r->conns_connected = u64(j, "connect", "connected");
	r->connect_phase_ns = u64(j, "connect", "phase_ns");
	r->t0_ns = u64(j, "throughput", "t0_ns");
	r->measure_ns = u64(j, "throughput", "measure_start_ns");
	r->end_ns = u64(j, "throughput", "measure_end_ns");
	r->elapsed_s = dbl(j, "throughput", "elapsed_s");
	r->rps = dbl(j, "throughput", "requests_per_s");
	r->bytes = u64(j, "throughput", "bytes");
	r->bytes_per_s = dbl(j, "throughput", "bytes_per_s");
	r->lat_lower_bound = flag(j, "latency", "lower_bound");
	r->late = u64(j, "late", "count");
	/* The mean is written to the nanosecond: the sum is good to count ns. */
	r->late_sum_ns = (uint64_t)(dbl(j, "late", "mean_ns") * (double)r->late + 0.5);
	r->late_max_ns = u64(j, "late", "max_ns");
	r->unsent = u64(j, "late", "unsent");
	r->burst_ns = u64(j, NULL, "burst_ns");
	r->interrupted = flag(j, NULL, "interrupted");
	r->start_late_ns = u64(j, NULL, "start_late_ns");
	return 0;
}

/* --out DIR (requests.csv is already there, streamed by the run): the summary
 * and the latency histograms in HdrHistogram's interval log, each written whole
 * under a temporary name. The log's StartTime is t0 on the wall clock, read now
 * against the monotonic clock. */
int load_report_dir(const char *dir, const struct load_config *cfg, const struct load_result *r)
{
	char path[PATH_MAX];
	if (files_join(path, sizeof(path), dir, SCHEMA_SUMMARY_JSON))
		return -ENAMETOOLONG;
	FILE *f = files_create(path);
	if (!f)
		return -errno;
	int err = files_commit(f, path, load_report_json(f, cfg, r));
	if (err)
		return err;
	if (files_join(path, sizeof(path), dir, SCHEMA_LATENCY_HLOG))
		return -ENAMETOOLONG;
	if (!(f = files_create(path)))
		return -errno;
	struct timespec real;
	clock_gettime(CLOCK_REALTIME, &real);
	double start = (double)real.tv_sec + (double)real.tv_nsec / 1e9 -
		       ((double)now_ns() - (double)r->measure_ns) / 1e9;
	const struct hdrlog_item items[] = {
		{ LOAD_HLOG_CORRECTED, r->lat.corrected },
		{ LOAD_HLOG_UNCORRECTED, r->lat.service },
	};
	return files_commit(f, path, hdrlog_write(f, start, r->elapsed_s, items, 2));
}
