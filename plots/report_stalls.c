/* The report's "Event-loop stalls" section (report_stalls.h): for every cell
 * whose stalls.csv has rows, the verdict its run printed (stalls.txt), the
 * worst stalls as a table, and links to its timeline, where the stalls are
 * framed on the loop's lane. Text goes through doc.h, which escapes it for
 * each format; nothing here writes HTML. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perr.h"
#include "pjson.h"
#include "report_cells.h"
#include "report_stalls.h"
#include "rundata.h"
#include "schema.h"

/* Rows of a cell's table, the longest stalls first. */
#define WORST 5
/* Frames of a stack shown in a table cell: the innermost, where it slept. */
#define FRAMES 3

static int cell_path(char *buf, size_t len, const char *dir, const char *cell, const char *file)
{
	int n = cell[0] == '/' ? snprintf(buf, len, "%s/%s", cell, file)
			       : snprintf(buf, len, "%s/%s/%s", dir, cell, file);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int by_length(const void *a, const void *b)
{
	const struct rd_stall *x = a, *y = b;
	uint64_t dx = x->t_end - x->t_start, dy = y->t_end - y->t_start;
	if (dx != dy)
		return dx > dy ? -1 : 1;
	return x->t_start < y->t_start ? -1 : x->t_start > y->t_start;
}

/* The verdict as the run printed it, a paragraph per line; the heading line
 * ("event loops (stalls: 100 ms or more ...):") included, it gives the
 * threshold. 0, or -ENOENT when the cell has no stalls.txt (an older run). */
static int verdict(struct doc *d, const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	char line[4096];
	while (fgets(line, sizeof(line), f)) {
		char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		s[strcspn(s, "\n")] = '\0';
		if (*s)
			doc_p(d, s);
	}
	fclose(f);
	return 0;
}

static void fmt_ms(char *b, size_t len, uint64_t ns)
{
	snprintf(b, len, "%.1f", (double)ns / 1e6);
}

static void stack_cell(char *b, size_t len, const char *stack)
{
	if (!stack) {
		snprintf(b, len, "-");
		return;
	}
	size_t n = 0;
	const char *p = stack;
	for (int k = 0; *p && k < FRAMES; k++) {
		size_t w = strcspn(p, ";");
		n += (size_t)snprintf(b + n, n < len ? len - n : 0, "%s%.*s", k ? " < " : "",
				      (int)w, p);
		p += w + (p[w] == ';');
		if (n >= len)
			break;
	}
	if (*p && n + 5 < len)
		snprintf(b + n, len - n, " < ...");
}

static void worst_table(struct doc *d, struct rd_stall *v, size_t n, uint64_t t0)
{
	const char *const head[] = { "thread",
				     "at ms",
				     "stalled ms",
				     "cause",
				     "syscall",
				     schema_state_name(AS_STATE_RUNNING),
				     schema_state_name(AS_STATE_RUNNABLE),
				     schema_state_name(AS_STATE_SLEEPING),
				     schema_state_name(AS_STATE_BLOCKED),
				     "ready",
				     "requests waiting",
				     "stack (innermost first)" };
	enum { NCOL = sizeof(head) / sizeof(head[0]) };
	qsort(v, n, sizeof(*v), by_length);
	doc_table(d, head, NCOL);
	for (size_t i = 0; i < n && i < WORST; i++) {
		const struct rd_stall *s = &v[i];
		char c[NCOL][256];
		snprintf(c[0], sizeof(c[0]), "%s %u", s->comm, s->tid);
		if (t0 && s->t_start >= t0)
			fmt_ms(c[1], sizeof(c[1]), s->t_start - t0);
		else
			snprintf(c[1], sizeof(c[1]), "-");
		fmt_ms(c[2], sizeof(c[2]), s->t_end - s->t_start);
		snprintf(c[3], sizeof(c[3]), "%s", schema_state_name(s->cause));
		snprintf(c[4], sizeof(c[4]), "%s", s->syscall[0] ? s->syscall : "-");
		for (int k = 0; k < 4; k++)
			fmt_ms(c[5 + k], sizeof(c[5 + k]), s->ns[RD_RUNNING + k]);
		if (s->ready >= 0)
			snprintf(c[9], sizeof(c[9]), "\xe2\x89\xa5 %lld", (long long)s->ready);
		else
			snprintf(c[9], sizeof(c[9]), "-");
		if (s->requests >= 0)
			snprintf(c[10], sizeof(c[10]), "%lld", (long long)s->requests);
		else
			snprintf(c[10], sizeof(c[10]), "-");
		stack_cell(c[11], sizeof(c[11]), s->stack);
		const char *cells[NCOL];
		for (int k = 0; k < NCOL; k++)
			cells[k] = c[k];
		doc_row(d, cells, NCOL);
	}
	doc_table_end(d);
}

/* One cell's part; 1 when it had stalls. A stalls.csv that does not read is
 * said in a line: the report is the matrix's, not one file's. */
static int cell(struct doc *d, const char *dir, const struct sum_row *r)
{
	char path[4096];
	struct rd_stall *v = NULL;
	size_t n = 0;
	if (!r->dir[0] || cell_path(path, sizeof(path), dir, r->dir, SCHEMA_STALLS))
		return 0;
	int rc = rd_stalls_load(path, &v, &n);
	if (rc == -ENOENT || (!rc && !n)) {
		rd_stalls_free(v, n);
		return 0;
	}
	char title[256];
	snprintf(title, sizeof(title), "%s %s, %s, %.0f connection%s", r->target, r->endpoint,
		 r->scenario, r->concurrency, r->concurrency == 1 ? "" : "s");
	doc_h(d, 3, title);
	if (rc) {
		char why[160];
		snprintf(why, sizeof(why), "Its stalls.csv does not read: %s.", strerror(-rc));
		doc_p(d, why);
		perr_clear();
		return 1;
	}
	uint64_t total = 0, t0 = 0;
	for (size_t i = 0; i < n; i++)
		total += v[i].t_end - v[i].t_start;
	if (cell_path(path, sizeof(path), dir, r->dir, SCHEMA_STALLS_TXT) || verdict(d, path)) {
		char p[160];
		snprintf(p, sizeof(p), "%zu stall%s, %.0f ms in all (no stalls.txt: an older run).",
			 n, n == 1 ? "" : "s", (double)total / 1e6);
		doc_p(d, p);
	}
	if (!cell_path(path, sizeof(path), dir, r->dir, SCHEMA_META)) {
		struct json_object *meta = pjson_load(path);
		char t[32];
		if (meta && !pjson_get(meta, META_T0, t, sizeof(t)))
			t0 = strtoull(t, NULL, 10);
		pjson_free(meta);
	}
	if (n > WORST) {
		char p[160];
		snprintf(p, sizeof(p),
			 "The %d longest of its %zu stalls (times in ms; \"at\" is "
			 "since the load began):",
			 WORST, n);
		doc_p(d, p);
	} else {
		doc_p(d, "Its stalls (times in ms; \"at\" is since the load began):");
	}
	worst_table(d, v, n, t0);
	rd_stalls_free(v, n);
	struct rcell_links l;
	rcell_links(dir, r, &l);
	if (l.n)
		doc_links(d, "Its timeline, where each stall is framed on the loop's lane:", l.l,
			  l.n);
	return 1;
}

void rstall_section(struct doc *d, const struct sum *s, const char *dir)
{
	doc_h(d, 2, "Event-loop stalls");
	doc_p(d, "An event loop serves everything from one thread: while it is away from its "
		 "wait (epoll_wait, poll, io_uring_enter, ...) no other client is served. Each "
		 "cell below had a loop away for at least the threshold its verdict names, found "
		 "from kernel events alone (docs/tracer.md, \"Event-loop stalls\").");
	int any = 0;
	for (size_t i = 0; i < s->n; i++)
		any += cell(d, dir, &s->row[i]);
	if (!any)
		doc_p(d, "None: no traced cell has a row in its stalls.csv.");
}
