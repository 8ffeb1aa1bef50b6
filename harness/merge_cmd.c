/* Many generators, one result (docs/multihost.md).
 *
 * bench merge DIR... --out DIR: what several `bench load --out` wrote, as one
 * run. Histograms are added bucket by bucket from their latency.hlog (never
 * percentiles averaged), counters are summed, records concatenated; the summary
 * is written by the same code as a single run's (load_report_json, text too),
 * and so are the timeline and trace.json.
 *
 * bench plot --client DIR... --server DIR --out DIR: the same, with every
 * client's records moved onto the server's clock by the offset estimated from
 * its own requests against the server's marks (plots/clockjoin.h), and the
 * server's scheduler trace beside them: the joined results directory.
 *
 * Without a server the records of different hosts are lined up by their start
 * instants (throughput.t0_ns: the shared --start-at), which is only as good as
 * the hosts' wall clocks agree (NTP: about a millisecond); the latencies
 * themselves are differences on one host and need no alignment. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "clockjoin.h"
#include "cliopt.h"
#include "cmds.h"
#include "files.h"
#include "hdrlog.h"
#include "load_report.h"
#include "meta.h"
#include "perfetto.h"
#include "pjson.h"
#include "plots.h"
#include "rundata.h"
#include "schema.h"

#include "merge.h"

/* One input's summary.json, read by the load engine's own reader. */
static int read_summary(const char *dir, struct load_summary *in, char *why, size_t wl)
{
	char path[PATH_MAX];
	if (files_join(path, sizeof(path), dir, SCHEMA_SUMMARY_JSON)) {
		snprintf(why, wl, "%s: %s", dir, strerror(ENAMETOOLONG));
		return -ENAMETOOLONG;
	}
	struct json_object *j = pjson_load(path);
	if (!j) {
		int err = -errno;
		snprintf(why, wl, "%s: %s", path, errno == EBADMSG ? "not JSON" : strerror(errno));
		return err;
	}
	int err = load_report_read(j, in);
	pjson_free(j);
	if (err)
		snprintf(why, wl, "%s: not a load summary (bench load --out writes one)", path);
	return err;
}

/* The summaries' counters, summed; what cannot be summed is said per member. */
static void add_summary(const struct load_result *in, struct load_result *r)
{
	static const size_t sums[] = {
#define S(f) offsetof(struct load_result, f)
		S(sent),
		S(completed),
		S(ok),
		S(errors),
		S(aborted),
		S(unserved),
		S(warmup_requests),
		S(conns_asked),
		S(conns_opened),
		S(conns_peak),
		S(conns_failed),
		S(conns_unserved),
		S(bytes),
		S(late),
		S(late_sum_ns),
		S(unsent),
#undef S
	};
	for (size_t i = 0; i < sizeof(sums) / sizeof(sums[0]); i++)
		*(uint64_t *)((char *)r + sums[i]) +=
		    *(const uint64_t *)((const char *)in + sums[i]);
	for (int k = 1; k < LOAD_E_COUNT; k++)
		r->by_kind[k] += in->by_kind[k];
	for (int c = 0; c < 6; c++)
		r->by_class[c] += in->by_class[c];
	if (in->late_max_ns > r->late_max_ns)
		r->late_max_ns = in->late_max_ns;
	if (in->burst_ns > r->burst_ns)
		r->burst_ns = in->burst_ns;
	r->interrupted |= in->interrupted;
	r->lat_lower_bound |= in->lat_lower_bound;
	if (in->elapsed_s > r->elapsed_s)
		r->elapsed_s = in->elapsed_s;
}

/* The merged load's config: the first's shape, the sums of the shares. */
static void add_config(const struct load_config *in, struct load_config *c, int first)
{
	if (first) {
		*c = *in;
		c->connections = c->threads = 0;
		c->requests = 0;
		c->rate_from = c->rate_to = c->connect_rate = 0;
	}
	c->connections += in->connections;
	c->threads += in->threads;
	c->requests += in->requests;
	c->rate_from += in->rate_from;
	c->rate_to += in->rate_to;
	c->connect_rate += in->connect_rate; /* each ramps its own */
}

/* Every input's requests.csv into out/requests.csv: each t_* moved by its shift,
 * connections renumbered (n * conn + input, as the engine numbers them across
 * threads) so two generators' connection 0 stay two lanes. */
static int merge_records(const char *out, const struct merge_input *in, int n, char *why, size_t wl)
{
	char path[PATH_MAX], header[1024];
	int err = 0;
	if (files_join(path, sizeof(path), out, SCHEMA_REQUESTS) ||
	    schema_csv_header(header, sizeof(header), &schema_requests) < 0)
		return -ENAMETOOLONG;
	header[strcspn(header, "\n")] = '\0';
	FILE *o = files_create(path);
	if (!o)
		return -errno;
	fprintf(o, "%s\n", header);
	char *line = NULL;
	size_t cap = 0;
	for (int g = 0; g < n && !err; g++) {
		char ipath[PATH_MAX];
		if (files_join(ipath, sizeof(ipath), in[g].dir, SCHEMA_REQUESTS)) {
			err = -ENAMETOOLONG;
			break;
		}
		FILE *f = fopen(ipath, "re");
		if (!f) {
			err = -errno;
			snprintf(why, wl, "%s: %s", ipath, strerror(errno));
			break;
		}
		long lineno = 0;
		for (ssize_t len; !err && (len = getline(&line, &cap, f)) > 0;) {
			line[strcspn(line, "\r\n")] = '\0';
			if (lineno++ == 0) {
				if (strcmp(line, header)) {
					err = -EBADMSG;
					snprintf(why, wl, "%s: not the requests.csv header", ipath);
				}
				continue;
			}
			char *field = line;
			for (int col = 0; col < schema_requests.ncols; col++) {
				char *comma = strchr(field, ',');
				if (comma)
					*comma = '\0';
				else if (col < schema_requests.ncols - 1) {
					err = -EBADMSG;
					snprintf(why, wl, "%s:%ld: %d columns, want %d", ipath,
						 lineno, col + 1, schema_requests.ncols);
					break;
				}
				const char *name = schema_requests.cols[col];
				if (col)
					fputc(',', o);
				if (*field && !strncmp(name, "t_", 2)) {
					int64_t t =
					    (int64_t)strtoull(field, NULL, 10) + in[g].shift;
					fprintf(o, "%" PRId64, t < 0 ? 0 : t);
				} else if (*field && col == REQCOL_CONN && n > 1) {
					fprintf(o, "%llu",
						strtoull(field, NULL, 10) * (unsigned long long)n +
						    (unsigned long long)g);
				} else {
					fputs(field, o);
				}
				field = comma ? comma + 1 : field + strlen(field);
			}
			fputc('\n', o);
		}
		fclose(f);
	}
	free(line);
	return files_commit(o, path, err);
}

/* What a merge writes whatever its inputs: records, summary.json and
 * latency.hlog (added exactly), the text summary on stdout. */
int merge_load(const char *out, const struct merge_input *in, int n, char *why, size_t wl)
{
	struct load_config cfg;
	struct load_result res;
	struct load_summary sum0, sum; /* cfg's url and method point into sum0 */
	int err = 0, shard_seen = 0, shard_ok = 1;
	unsigned long long shard_mask_n = 0;
	load_config_init(&cfg);
	memset(&res, 0, sizeof(res));
	res.lat.corrected = hist_new();
	res.lat.service = hist_new();
	if (!res.lat.corrected || !res.lat.service) {
		err = -ENOMEM;
		goto out;
	}
	for (int g = 0; g < n; g++) {
		char path[PATH_MAX];
		struct load_summary *s = g ? &sum : &sum0;
		if ((err = read_summary(in[g].dir, s, why, wl)))
			goto out;
		add_config(&s->cfg, &cfg, g == 0);
		add_summary(&s->res, &res);
		if (s->cfg.shard_n > 1) {
			shard_seen++;
			if (shard_mask_n && shard_mask_n != s->cfg.shard_n)
				shard_ok = 0;
			shard_mask_n = s->cfg.shard_n;
		}
		int nint;
		char hwhy[256] = "";
		const char *tags[] = { LOAD_HLOG_CORRECTED, LOAD_HLOG_UNCORRECTED };
		struct hist *dst[] = { res.lat.corrected, res.lat.service };
		if (files_join(path, sizeof(path), in[g].dir, SCHEMA_LATENCY_HLOG)) {
			err = -ENAMETOOLONG;
			goto out;
		}
		for (int t = 0; t < 2; t++)
			if ((err = hdrlog_read(path, tags[t], dst[t], &nint, hwhy, sizeof(hwhy)))) {
				snprintf(why, wl, "%s", hwhy[0] ? hwhy : path);
				if (err == -ENOENT)
					snprintf(why, wl,
						 "%s: missing (bench load --out writes it)", path);
				goto out;
			}
	}
	if (n > 1 && (shard_seen != n || !shard_ok))
		fprintf(stderr,
			"bench merge: warning: the inputs are not the shards of one --shard I/%d "
			"load: request ids may repeat, and a repeated id joins the wrong marks\n",
			n);
	if (res.elapsed_s > 0) {
		res.rps = (double)res.completed / res.elapsed_s;
		res.bytes_per_s = (double)res.bytes / res.elapsed_s;
	}
	/* The merged log's StartTime: now less the run (what load_report_dir
	 * takes measure_ns for), an approximation across hosts. */
	res.measure_ns = now_ns() - (uint64_t)(res.elapsed_s * 1e9);
	res.end_ns = res.measure_ns + (uint64_t)(res.elapsed_s * 1e9);
	cfg.shard_n = 1;
	if ((err = merge_records(out, in, n, why, wl)))
		goto out;
	if ((err = load_report_dir(out, &cfg, &res))) {
		snprintf(why, wl, "%s: %s", out, strerror(-err));
		goto out;
	}
	load_report_text(stdout, &cfg, &res);
out:
	load_result_free(&res);
	return err;
}

/* The timeline and trace.json of the result, as for any run. */
int merge_draw(const char *cmd, const char *out)
{
	int rc = plots_timeline(out);
	if (rc) {
		fprintf(stderr, "bench %s: %s: %s\n", cmd, out,
			plots_detail()[0] ? plots_detail() : plots_error(rc));
		return 1;
	}
	if ((rc = perfetto_write_dir(out, NULL, NULL))) {
		fprintf(stderr, "bench %s: %s/" SCHEMA_TRACE_JSON ": %s\n", cmd, out,
			strerror(-rc));
		return 1;
	}
	printf("%s/" SCHEMA_TIMELINE_PNG "\n%s/" SCHEMA_TRACE_JSON "\n", out, out);
	return 0;
}

static void merge_usage(FILE *f)
{
	fputs("usage: bench merge DIR... --out DIR\n"
	      "  DIR... are what bench load --out wrote on each generator (requests.csv,\n"
	      "  summary.json, latency.hlog). Writes one of each to --out, the histograms\n"
	      "  added bucket by bucket and the records concatenated (lined up by each\n"
	      "  run's start instant), with the timeline and trace.json.\n",
	      f);
	cliopt_print(f, (const struct cliopt[]){
			    { "out", 'o', "DIR", "where the merged results go (required)" },
			    CLIOPT_HELP,
			    CLIOPT_END,
			});
}

/* Each input's t0 (the run's first intended send, its own clock). */
static int start_of(const char *dir, uint64_t *t0, char *why, size_t wl)
{
	struct load_summary s;
	int err = read_summary(dir, &s, why, wl);
	*t0 = s.res.t0_ns;
	return err;
}

int cmd_merge(int argc, char **argv)
{
	static const struct cliopt opts[] = {
		{ "out", 'o', "DIR", "where the merged results go (required)" },
		CLIOPT_HELP,
		CLIOPT_END,
	};
	const struct cliopt *const tables[] = { opts, NULL };
	struct cliopt_state st;
	char err[256];
	const char *out = NULL;
	cliopt_begin(&st, tables, argc, argv, 0);
	for (int key; (key = cliopt_next(&st, err, sizeof(err))) != CLIOPT_DONE;) {
		if (key == CLIOPT_BAD)
			return cmd_usage_error("merge", merge_usage, "%s", err);
		if (key == 'h') {
			merge_usage(stdout);
			return 0;
		}
		out = st.arg;
	}
	int n = argc - st.ind;
	if (!out || !*out)
		return cmd_usage_error("merge", merge_usage, "missing --out DIR");
	if (n < 1)
		return cmd_usage_error("merge", merge_usage, "missing DIR to merge");
	if (n > MERGE_MAX)
		return cmd_usage_error("merge", merge_usage, "at most %d directories", MERGE_MAX);
	struct merge_input in[MERGE_MAX];
	uint64_t t0_first = 0;
	for (int g = 0; g < n; g++) {
		memset(&in[g], 0, sizeof(in[g]));
		in[g].dir = argv[st.ind + g];
		uint64_t t0 = 0;
		char why[PATH_MAX + 64];
		if (start_of(in[g].dir, &t0, why, sizeof(why))) {
			fprintf(stderr, "bench merge: %s\n", why);
			return 1;
		}
		if (!g)
			t0_first = t0;
		in[g].shift = (int64_t)t0_first - (int64_t)t0;
	}
	int rc = files_mkdirs(out);
	if (rc) {
		fprintf(stderr, "bench merge: --out %s: %s\n", out, strerror(-rc));
		return 1;
	}
	char why[512] = "";
	if ((rc = merge_load(out, in, n, why, sizeof(why)))) {
		fprintf(stderr, "bench merge: %s\n", why[0] ? why : strerror(-rc));
		return 1;
	}
	struct meta m;
	if ((rc = meta_create(&m, out, "bench merge", 0)) == 0) {
		meta_array(&m, META_MERGED);
		for (int g = 0; g < n; g++)
			meta_str(&m, NULL, in[g].dir);
		meta_end(&m);
		rc = meta_commit(&m, 0);
	}
	if (rc) {
		fprintf(stderr, "bench merge: %s/" SCHEMA_META ": %s\n", out, strerror(-rc));
		return 1;
	}
	return merge_draw("merge", out);
}
