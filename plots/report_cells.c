/* Links from the report into the cell folders. A cell's folder is named in
 * summary.csv's last column, relative to the matrix (or absolute); what is in
 * it is checked here, so the report links only what exists. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "report_cells.h"
#include "schema.h"

static int there(const char *dir, const char *rel)
{
	char p[4096];
	if (snprintf(p, sizeof(p), "%s%s%s", rel[0] == '/' ? "" : dir, rel[0] == '/' ? "" : "/",
		     rel) >= (int)sizeof(p))
		return 0;
	return access(p, R_OK) == 0;
}

static int is_degraded(const struct sum_row *r)
{
	return !strncmp(r->status, "degraded", 8);
}

/* Its target cannot run on the machine that ran the matrix (uring without io_uring). */
static int is_unsupported(const struct sum_row *r)
{
	return !strncmp(r->status, SCHEMA_UNSUPPORTED, strlen(SCHEMA_UNSUPPORTED));
}

const char *rcell_status(const struct sum_row *r)
{
	return is_degraded(r)	 ? "degraded"
	       : is_unsupported(r) ? SCHEMA_UNSUPPORTED
	       : r->failed	 ? "failed"
				 : "ok";
}

const char *rcell_class(const struct sum_row *r)
{
	if (is_unsupported(r))
		return NULL; /* not this machine's fault to colour */
	if (is_degraded(r))
		return "degraded";
	if (r->failed)
		return "fail";
	return r->errors > 0 ? "errors" : NULL;
}

void rcell_id(const struct sum_row *r, char *out, size_t len)
{
	size_t n = (size_t)snprintf(out, len, "cell-");
	for (const char *c = r->dir; *c && n + 1 < len; c++) {
		int keep = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			   (*c >= '0' && *c <= '9') || *c == '-' || *c == '_';
		out[n++] = keep ? *c : '-';
	}
	out[n < len ? n : len - 1] = '\0';
}

static void link_file(const char *dir, const struct sum_row *r, struct rcell_links *o,
		      const char *file, const char *text)
{
	char *h = o->href[o->n];
	if (snprintf(h, sizeof(o->href[0]), "%s/%s", r->dir, file) >= (int)sizeof(o->href[0]) ||
	    !there(dir, h))
		return;
	o->l[o->n].text = text;
	o->l[o->n].href = h;
	o->n++;
}

void rcell_links(const char *dir, const struct sum_row *r, struct rcell_links *o)
{
	o->n = 0;
	if (!r->dir[0] ||
	    snprintf(o->href[0], sizeof(o->href[0]), "%s/", r->dir) >= (int)sizeof(o->href[0]))
		return;
	/* The folder itself: a browser lists it, stderr.txt and all. */
	o->l[0] = (struct doc_link){ "folder", o->href[0] };
	o->n = 1;
	link_file(dir, r, o, SCHEMA_TIMELINE_PNG, "png");
	link_file(dir, r, o, SCHEMA_TIMELINE_SVG, "svg");
	link_file(dir, r, o, SCHEMA_TRACE_JSON, "trace.json");
}

/* "epoll c32", or for a burst (the blog) "epoll /sync". */
static void short_name(const struct sum_row *r, char *out, size_t len)
{
	if (!strcmp(r->scenario, "blog")) {
		char path[64];
		sum_path(r->endpoint, path, sizeof(path));
		snprintf(out, len, "%s %s", r->target, path);
	} else {
		snprintf(out, len, "%s c%.0f", r->target, r->concurrency);
	}
}

void rcell_chart_list(struct doc *d, const struct sum *s, const char *dir, const char *scenario)
{
	enum { MAX = 64 };
	struct doc_link l[MAX];
	char text[MAX][112], href[MAX][300];
	int n = 0;
	for (size_t i = 0; i < s->n && n < MAX; i++) {
		const struct sum_row *r = &s->row[i];
		if (strcmp(r->scenario, scenario) || !r->dir[0])
			continue;
		char name[96];
		short_name(r, name, sizeof(name));
		/* The word says what the colour of the table would: a cell the
		 * chart leaves out is named as such. */
		snprintf(text[n], sizeof(text[n]), "%s%s%s", name, r->failed ? " " : "",
			 r->failed ? rcell_status(r) : "");
		snprintf(href[n], sizeof(href[n]), "%s/" SCHEMA_TIMELINE_PNG, r->dir);
		if (!there(dir, href[n]))
			snprintf(href[n], sizeof(href[n]), "%s/", r->dir);
		l[n] = (struct doc_link){ text[n], href[n] };
		n++;
	}
	if (n)
		doc_links(d, "The cells of this chart, each opening its timeline:", l, n);
}

/* A burst's pictures (the blog's, the ones the report is about) go inside the
 * page; the rest are read from the folders. */
static void thumbs(struct doc *d, const struct sum *s, const char *dir, const char *scenario,
		   int burst)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct sum_row *r = &s->row[i];
		if (strcmp(r->scenario, scenario) || !r->dir[0])
			continue;
		char cap[260], what[120], id[300], png[300];
		if (r->failed)
			snprintf(what, sizeof(what), "%s", rcell_status(r));
		else if (burst)
			snprintf(what, sizeof(what), "%.2f s", r->batch_ms / 1000);
		else
			snprintf(what, sizeof(what), "%.0f req/s, p99 %.1f ms%s", r->rps, r->p99_ms,
				 r->errors > 0 ? ", with errors" : "");
		if (burst) /* the burst's N is the blog's, said above */
			snprintf(cap, sizeof(cap), "%s %s: %s", r->target, r->endpoint, what);
		else
			snprintf(cap, sizeof(cap), "%s %s c%.0f: %s", r->target, r->endpoint,
				 r->concurrency, what);
		rcell_id(r, id, sizeof(id));
		snprintf(png, sizeof(png), "%s/" SCHEMA_TIMELINE_PNG, r->dir);
		struct rcell_links l;
		rcell_links(dir, r, &l);
		/* The links under the picture: not the PNG again, it opens on a click. */
		struct doc_link under[4];
		int nu = 0;
		for (int k = 0; k < l.n; k++)
			if (strcmp(l.l[k].text, "png"))
				under[nu++] = l.l[k];
		doc_thumb(d, there(dir, png) ? png : NULL, burst, cap, id, under, nu);
	}
}

void rcell_timelines(struct doc *d, const struct sum *s, const char *dir)
{
	doc_h(d, 2, "Timelines of every cell");
	doc_p(d, "One picture per cell: requests on top as the client saw them, the server's "
		 "threads below as the kernel ran them, one colour per request in both. A "
		 "staircase on one thread is a serialised batch; parallel bars on many threads are "
		 "a thread per request; short bursts on one thread under overlapping bars are an "
		 "event loop. Only the blog's cells are traced: the others show the client's view. "
		 "A picture opens the full PNG; svg has hover text; trace.json opens in Perfetto; "
		 "folder is everything the cell wrote. The blog's pictures are inside this page; "
		 "the others are read from the cell folders next to it.");
	static const enum col_key_id keys[] = { KEY_CLIENT,   KEY_QUEUED,   KEY_ON_CPU,
						KEY_WAITING,  KEY_FAILED,   KEY_RUN_NOREQ,
						KEY_RUNNABLE, KEY_SLEEPING, KEY_BLOCKED };
	doc_legend(d, keys, (int)(sizeof(keys) / sizeof(keys[0])));
	/* Scenarios in the order they ran. */
	const char *seen[16];
	int ns = 0;
	for (size_t i = 0; i < s->n && ns < 16; i++) {
		int k = 0;
		while (k < ns && strcmp(seen[k], s->row[i].scenario))
			k++;
		if (k < ns)
			continue;
		const char *scen = seen[ns++] = s->row[i].scenario;
		int blog = !strcmp(scen, "blog");
		doc_h(d, 3, blog ? "blog: the original experiment" : scen);
		doc_grid(d, blog ? 3 : 4);
		thumbs(d, s, dir, scen, blog);
		doc_grid_end(d);
	}
}
