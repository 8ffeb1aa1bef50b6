/* bench plot --client DIR... --server DIR --out DIR: generators' records from
 * other hosts joined to the target host's scheduler trace. Each client's clock
 * offset onto the server's is estimated from its own requests against the
 * server's marks (plots/clockjoin.h); its records are moved by it and merged
 * (merge_cmd.c); the server's files are copied beside them; meta.json's "clock"
 * says by how much and how sure; the timeline and trace.json are drawn. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clockjoin.h"
#include "cliopt.h"
#include "cmds.h"
#include "files.h"
#include "merge.h"
#include "meta.h"
#include "pjson.h"
#include "rundata.h"
#include "schema.h"

enum { O_CLIENT = CLIOPT_LONG, O_SERVER, O_OUT };

static const struct cliopt opts[] = {
	{ "client", O_CLIENT, "DIR", "what bench load --out wrote on a generator (repeatable)" },
	{ "server", O_SERVER, "DIR", "what bench trace --out wrote on the target's host" },
	{ "out", O_OUT, "DIR", "the joined results directory" },
	CLIOPT_HELP,
	CLIOPT_END,
};

void plot_join_usage(FILE *f)
{
	fputs("usage: bench plot --client DIR [--client DIR...] --server DIR --out DIR\n"
	      "  Joins generators' records to the target's trace across hosts: each client's\n"
	      "  clock offset is estimated from its requests against the server's marks\n"
	      "  (the server's work lies between the client's send and first byte), its\n"
	      "  records moved onto the server's clock and merged, the server's files copied;\n"
	      "  meta.json's clock.offset_ns and clock.uncertainty_ns say by how much.\n"
	      "  Exit 1 when a client's requests contradict any constant offset.\n",
	      f);
	cliopt_print(f, opts);
}

struct client {
	struct cj_est est;
	const char *dir;
};

struct clocks {
	const struct client *c;
	int n;
};

static void est_members(struct meta *m, const struct cj_est *e)
{
	meta_int(m, META_CLOCK_OFFSET, e->offset_ns);
	meta_int(m, META_CLOCK_UNCERTAINTY, e->uncertainty_ns);
	meta_u64(m, META_CLOCK_JOINED, e->joined);
	meta_bool(m, META_CLOCK_CONSISTENT, e->consistent);
	meta_num(m, META_CLOCK_DRIFT, e->have_drift ? e->drift_ppm : NAN);
	meta_num(m, META_CLOCK_DRIFT_UNC, e->have_drift ? e->drift_uncertainty_ppm : NAN);
}

static void clock_members(struct meta *m, void *arg)
{
	const struct clocks *k = arg;
	est_members(m, &k->c[0].est);
	meta_array(m, META_CLOCK_CLIENTS);
	for (int i = 0; i < k->n; i++) {
		meta_object(m, NULL);
		meta_str(m, META_CLOCK_DIR, k->c[i].dir);
		est_members(m, &k->c[i].est);
		meta_end(m);
	}
	meta_end(m);
}

/* The server's trace files, byte for byte; absent ones are skipped. */
static int copy_server(const char *server, const char *out)
{
	static const char *const names[] = { SCHEMA_SCHED, SCHEMA_MARKS, SCHEMA_THREADS,
					     SCHEMA_STALLS };
	char buf[65536];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char src[PATH_MAX], dst[PATH_MAX];
		if (files_join(src, sizeof(src), server, names[i]) ||
		    files_join(dst, sizeof(dst), out, names[i]))
			return -ENAMETOOLONG;
		FILE *in = fopen(src, "re");
		if (!in) {
			if (errno == ENOENT)
				continue;
			return -errno;
		}
		FILE *o = files_create(dst);
		if (!o) {
			int e = -errno;
			fclose(in);
			return e;
		}
		size_t n;
		while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
			fwrite(buf, 1, n, o);
		int err = ferror(in) ? -EIO : 0;
		fclose(in);
		if ((err = files_commit(o, dst, err)))
			return err;
	}
	return 0;
}

static void say_estimate(const struct client *c)
{
	const struct cj_est *e = &c->est;
	if (!e->consistent) {
		fprintf(stderr,
			"bench plot: %s: the %zu joined requests contradict any constant clock "
			"offset: request %" PRIu64 " needs at least %+.6f s, request %" PRIu64
			" at most %+.6f s (ids repeated across generators? clocks drifting?)\n",
			c->dir, e->joined, e->lo_id, (double)e->all.lo / 1e9, e->hi_id,
			(double)e->all.hi / 1e9);
		return;
	}
	printf("%s: clock offset %+.9f s \xc2\xb1 %.1f \xc2\xb5s from %zu joined requests", c->dir,
	       (double)e->offset_ns / 1e9, (double)e->uncertainty_ns / 1e3, e->joined);
	if (e->have_drift)
		printf(", drift %+.1f \xc2\xb1 %.1f ppm", e->drift_ppm, e->drift_uncertainty_ppm);
	printf("\n");
}

int cmd_plot_join(int argc, char **argv)
{
	const struct cliopt *const tables[] = { opts, NULL };
	struct cliopt_state st;
	char err[256];
	const char *server = NULL, *out = NULL, *cdirs[MERGE_MAX];
	int n = 0, rc, status = 0;
	cliopt_begin(&st, tables, argc, argv, 0);
	for (int key; (key = cliopt_next(&st, err, sizeof(err))) != CLIOPT_DONE;) {
		if (key == CLIOPT_BAD)
			return cmd_usage_error("plot", plot_join_usage, "%s", err);
		if (key == 'h') {
			plot_join_usage(stdout);
			return 0;
		}
		if (key == O_CLIENT) {
			if (n == MERGE_MAX)
				return cmd_usage_error("plot", plot_join_usage,
						       "at most %d --client", MERGE_MAX);
			cdirs[n++] = st.arg;
		} else if (key == O_SERVER) {
			server = st.arg;
		} else {
			out = st.arg;
		}
	}
	if (st.ind < argc)
		return cmd_usage_error("plot", plot_join_usage, "unexpected argument '%s'",
				       argv[st.ind]);
	if (!n || !server || !out)
		return cmd_usage_error("plot", plot_join_usage, "missing %s",
				       !n	 ? "--client DIR"
				       : !server ? "--server DIR"
						 : "--out DIR");

	struct rd_run srv;
	if ((rc = rd_load(&srv, server))) {
		fprintf(stderr, "bench plot: --server %s: %s\n", server,
			rc == -ENOENT ? "no sched.csv: not what bench trace --out wrote"
				      : strerror(-rc));
		return 1;
	}
	struct client *cl = calloc((size_t)n, sizeof(*cl));
	struct merge_input *in = calloc((size_t)n, sizeof(*in));
	if (!cl || !in) {
		status = 1;
		goto out;
	}
	if (!srv.nmark) {
		fprintf(stderr,
			"bench plot: --server %s: no marks: trace the target with bench trace "
			"(its asyncscope probes) while the clients run\n",
			server);
		status = 1;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		struct rd_run c;
		struct cj_req *jr = NULL;
		size_t nj = 0;
		cl[i].dir = in[i].dir = cdirs[i];
		if ((rc = rd_load(&c, cdirs[i])) || !c.have_requests) {
			fprintf(stderr, "bench plot: --client %s: %s\n", cdirs[i],
				rc && rc != -ENOENT ? strerror(-rc) : "no requests.csv");
			if (!rc)
				rd_free(&c);
			status = 1;
			goto out;
		}
		rc = cj_join(&c, &srv, &jr, &nj);
		rd_free(&c);
		if (!rc && !nj)
			fprintf(stderr,
				"bench plot: --client %s: no request has marks in --server %s (was "
				"the target traced during the run? are the ids the target's?)\n",
				cdirs[i], server);
		if (rc || !nj || cj_estimate(jr, nj, &cl[i].est)) {
			free(jr);
			status = 1;
			goto out;
		}
		free(jr);
		say_estimate(&cl[i]);
		if (!cl[i].est.consistent)
			status = 1;
		in[i].shift = cl[i].est.offset_ns;
	}
	if ((rc = files_mkdirs(out))) {
		fprintf(stderr, "bench plot: --out %s: %s\n", out, strerror(-rc));
		status = 1;
		goto out;
	}
	char why[512] = "";
	if ((rc = merge_load(out, in, n, why, sizeof(why))) || (rc = copy_server(server, out))) {
		fprintf(stderr, "bench plot: %s\n", why[0] ? why : strerror(-rc));
		status = 1;
		goto out;
	}
	struct meta m;
	struct clocks k = { cl, n };
	if ((rc = meta_create(&m, out, "bench plot --client --server", 0)) == 0) {
		m.clock_fn = clock_members;
		m.clock_arg = &k;
		char pid[32];
		if (srv.meta && !pjson_get(srv.meta, META_PID, pid, sizeof(pid)))
			meta_int(&m, META_PID, strtoll(pid, NULL, 10));
		meta_str(&m, META_SERVER, server);
		meta_array(&m, META_MERGED);
		for (int i = 0; i < n; i++)
			meta_str(&m, NULL, cdirs[i]);
		meta_end(&m);
		rc = meta_commit(&m, 0);
	}
	if (rc) {
		fprintf(stderr, "bench plot: %s/" SCHEMA_META ": %s\n", out, strerror(-rc));
		status = 1;
		goto out;
	}
	if (merge_draw("plot", out))
		status = 1;
out:
	rd_free(&srv);
	free(cl);
	free(in);
	return status;
}
