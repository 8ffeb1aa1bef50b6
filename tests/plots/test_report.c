/* The report's ways into its cells and the sentences it writes from the
 * numbers, over a small hand-made matrix: no gnuplot needed, since the report
 * only links the files a cell has (and embeds none outside the blog). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plots.h"

static char root[256];

static void write_file(const char *dir, const char *rel, const char *text)
{
	char p[1024];
	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	mkdir(dir, 0755);
	/* Each folder on the way. */
	for (char *s = p + strlen(dir) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *slurp(const char *dir, const char *rel)
{
	char p[1024];
	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	FILE *f = fopen(p, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = malloc((size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	fclose(f);
	return s;
}

static int count(const char *s, const char *what)
{
	int n = 0;
	for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

/* io-bound: the most memory is a coroutine cell's, not the thread-per-
 * connection target's (which has the most threads); the least is epoll's at
 * the lowest concurrency. One cell degraded, one failed, one ok with errors,
 * and one folder whose name needs escaping. */
static void matrix(const char *d)
{
	write_file(d, "summary.csv",
		   "scenario,target,endpoint,concurrency,requests,ok,errors,duration_s,rps,"
		   "p50_ms,p99_ms,max_ms,batch_ms,rss_kib,threads,cpu_s,status,dir\n"
		   "io-bound,threaded,/async?ms=50,10,200,200,0,1,200,51,60,61,,2048,11,0.1,ok,"
		   "io/threaded-c10\n"
		   "io-bound,threaded,/async?ms=50,1000,9000,9000,0,1,9000,55,90,95,,8192,1001,"
		   "0.5,ok,io/threaded-c1000\n"
		   "io-bound,epoll,/async?ms=50,10,200,200,0,1,200,51,60,61,,1536,1,0.1,ok,"
		   "io/epoll-c10\n"
		   "io-bound,epoll,/async?ms=50,1000,9500,9400,100,1,9400,53,80,85,,4096,1,0.3,"
		   "ok,io/epoll+c1000\n"
		   "io-bound,coroutine,/async?ms=50,1000,9300,9300,0,1,9300,54,85,90,,10035,1,"
		   "0.3,ok,io/coroutine-c1000\n"
		   "io-bound,blocking,/async?ms=50,10,20,19,9,1,19,56.4,2497.5,2500,,1843,1,0,"
		   "\"degraded: 9 of 10 connections never served\",io/blocking-c10\n"
		   "io-bound,hybrid,/async?ms=50,1000,,,,,,,,,,,,,failed: target exited with "
		   "status 1,io/hybrid-c1000\n");
	/* "failed": 0 is the matrix's count, not a failure to colour. */
	write_file(d, "meta.json", "{\"tool\": \"bench all\", \"failed\": 0, \"cells\": 7}\n");
	static const char *const drawn[] = { "io/threaded-c10",	   "io/threaded-c1000",
					     "io/epoll-c10",	   "io/epoll+c1000",
					     "io/coroutine-c1000", "io/blocking-c10" };
	char rel[300];
	for (size_t i = 0; i < sizeof(drawn) / sizeof(drawn[0]); i++) {
		snprintf(rel, sizeof(rel), "%s/timeline.png", drawn[i]);
		write_file(d, rel, "not read: linked only\n");
		snprintf(rel, sizeof(rel), "%s/timeline.svg", drawn[i]);
		write_file(d, rel, "<svg/>\n");
	}
	write_file(d, "io/epoll-c10/trace.json", "{\"traceEvents\": []}\n");
	write_file(d, "io/hybrid-c1000/stderr.txt", "boom\n");
	/* A chart's paragraph is written under the chart: one stands in. */
	write_file(d, "memory.png", "not a PNG: embedded as it is\n");
}

static void report(const char *d)
{
	int rc = plots_report(d);
	if (rc)
		fprintf(stderr, "plots_report: %s\n", plots_error(rc));
	assert_int_equal(rc, 0);
}

static void test_memory_extremes(void **state)
{
	(void)state;
	char d[512];
	snprintf(d, sizeof(d), "%s/mem", root);
	matrix(d);
	report(d);
	char *md = slurp(d, "report.md");
	/* The real extremes, from the numbers: lowest and highest peak RSS with
	 * their cells (a degraded cell's memory counts; a failed one has none). */
	assert_non_null(strstr(md, "Peak resident memory ranged from 1.5 MiB (epoll at 10 "
				   "connections) to 9.8 MiB (coroutine at 1000 connections)."));
	assert_non_null(
	    strstr(md, "threaded peaked at 1001 threads (8.0 MiB) at 1000 connections"));
	free(md);
}

static void test_links_and_marks(void **state)
{
	(void)state;
	char d[512];
	snprintf(d, sizeof(d), "%s/links", root);
	matrix(d);
	report(d);
	char *h = slurp(d, "report.html"), *md = slurp(d, "report.md");
	/* Every cell's folder from its row, its files where they exist. */
	assert_non_null(strstr(h, "<a href=\"io/threaded-c10/\">folder</a>"));
	assert_non_null(strstr(h, "<a href=\"io/threaded-c10/timeline.png\">png</a>"));
	assert_non_null(strstr(h, "<a href=\"io/threaded-c10/timeline.svg\">svg</a>"));
	assert_non_null(strstr(h, "<a href=\"io/epoll-c10/trace.json\">trace.json</a>"));
	assert_int_equal(count(h, "trace.json</a>"), 2); /* its row and its thumbnail */
	assert_non_null(strstr(h, "<a href=\"io/hybrid-c1000/\">folder</a>"));
	assert_null(strstr(h, "io/hybrid-c1000/timeline.png"));
	/* A folder name is percent-encoded, never pasted ("+" is the one character
	 * summary.c allows that a URL may read otherwise). */
	assert_non_null(strstr(h, "href=\"io/epoll%2Bc1000/\""));
	assert_null(strstr(h, "href=\"io/epoll+c1000"));
	assert_non_null(strstr(md, "[folder](io/epoll%2Bc1000/)"));
	assert_non_null(strstr(md, "[trace.json](io/epoll-c10/trace.json)"));
	/* Thumbnails open the full picture. */
	assert_non_null(strstr(h, "<a href=\"io/epoll-c10/timeline.png\"><img loading=\"lazy\""));
	/* Rows coloured by status and error count, and marked in words. */
	assert_int_equal(count(h, "<tr class=\"fail\""), 1);
	assert_int_equal(count(h, "<tr class=\"degraded\""), 1);
	assert_int_equal(count(h, "<tr class=\"errors\""), 1);
	assert_non_null(strstr(h, "<tr class=\"degraded\" id=\"cell-io-blocking-c10\">"));
	assert_non_null(strstr(h, "<td>degraded</td>"));
	assert_non_null(strstr(h, "<td>failed</td>"));
	assert_non_null(strstr(h, "<td>\xe2\x89\xa5"
				  "2497.5</td>"));
	/* The sorting script, once, and its table. */
	assert_int_equal(count(h, "<script>"), 1);
	assert_non_null(strstr(h, "<table class=\"sort\">"));
	assert_non_null(strstr(h, "table.sort"));
	free(h);
	free(md);
}

/* The stall section: a part for the cell whose stalls.csv has rows (its
 * verdict from stalls.txt, its longest five stalls, its timeline linked), none
 * for the cell whose file has only the header; what came from the traced
 * program (a comm, a stack) escaped like any text. */
static void test_stalls(void **state)
{
	(void)state;
	char d[512];
	snprintf(d, sizeof(d), "%s/stalls", root);
	write_file(d, "summary.csv",
		   "scenario,target,endpoint,concurrency,requests,ok,errors,duration_s,rps,"
		   "p50_ms,p99_ms,max_ms,batch_ms,rss_kib,threads,cpu_s,status,dir\n"
		   "blog,epoll,/wrong?ms=200,7,7,7,0,1.4,5,700,1400,1400,,1536,1,0.1,ok,"
		   "blog/epoll-wrong\n"
		   "blog,epoll,/async?ms=200,7,7,7,0,0.2,35,200,201,201,,1536,1,0.1,ok,"
		   "blog/epoll-async\n");
	write_file(d, "meta.json", "{\"tool\": \"bench all\"}\n");
	const char *head = "tid,comm,t_start,t_end,duration_ns,cause,syscall,running_ns,"
			   "runnable_ns,sleeping_ns,blocked_ns,ready,requests_waiting,stack\n";
	char csv[4096];
	size_t n = (size_t)snprintf(csv, sizeof(csv), "%s", head);
	/* Seven stalls, 201 .. 207 ms long: the table keeps the five longest. */
	for (int i = 0; i < 7; i++)
		n += (size_t)snprintf(csv + n, sizeof(csv) - n,
				      "42,<script>x,%d000000000,%d%03d000000,%d000000,sleeping,"
				      "clock_nanosleep,1000,0,%d000000,0,1,%d,%s\n",
				      10 + i, 10 + i, 201 + i, 201 + i, 200 + i, 7 - i,
				      i != 6 ? "" : "nanosleep;sleep_ms<T>&;handler;main");
	write_file(d, "blog/epoll-wrong/stalls.csv", csv);
	write_file(d, "blog/epoll-wrong/stalls.txt",
		   "\nevent loops (stalls: 100 ms or more away from the wait):\n  tid 42 "
		   "(<script>x) is an event loop (epoll_wait). It stalled 7 times.\n");
	write_file(d, "blog/epoll-wrong/meta.json", "{\"t0\": 9000000000}\n");
	write_file(d, "blog/epoll-wrong/timeline.png", "linked only\n");
	write_file(d, "blog/epoll-async/stalls.csv", head);
	report(d);
	char *html = slurp(d, "report.html");
	char *md = slurp(d, "report.md");
	assert_non_null(strstr(html, "<h2>Event-loop stalls</h2>"));
	assert_int_equal(count(html, "<h3>epoll"), 1);
	assert_non_null(strstr(html, "<h3>epoll /wrong?ms=200, blog, 7 connections</h3>"));
	assert_null(strstr(html, "/async?ms=200, blog"));
	/* The verdict, the threshold line included, escaped. */
	assert_non_null(strstr(html, "event loops (stalls: 100 ms or more away from the wait):"));
	assert_non_null(strstr(html, "tid 42 (&lt;script&gt;x) is an event loop"));
	assert_null(strstr(html, "<script>x"));
	/* Five rows, the longest first, "at" from the cell's t0. */
	assert_int_equal(count(html, "&lt;script&gt;x 42"), 5);
	char *a = strstr(html, "207.0"), *b = strstr(html, "203.0");
	assert_non_null(a);
	assert_non_null(b);
	assert_true(a < b);
	/* "at": the 207 ms one began 7 s after t0; the 202 ms one is not shown. */
	assert_non_null(strstr(html, ">7000.0<"));
	assert_non_null(strstr(html, ">3000.0<"));
	assert_null(strstr(html, ">2000.0<"));
	assert_non_null(
	    strstr(html, "nanosleep &lt; sleep_ms&lt;T&gt;&amp; &lt; handler &lt; ..."));
	assert_non_null(strstr(html, "blog/epoll-wrong/timeline.png"));
	assert_non_null(strstr(md, "## Event-loop stalls"));
	free(html);
	free(md);

	/* No cell stalled: the section says so. */
	snprintf(d, sizeof(d), "%s/nostalls", root);
	write_file(d, "summary.csv",
		   "scenario,target,endpoint,concurrency,requests,ok,errors,duration_s,rps,"
		   "p50_ms,p99_ms,max_ms,batch_ms,rss_kib,threads,cpu_s,status,dir\n"
		   "blog,epoll,/async?ms=200,7,7,7,0,0.2,35,200,201,201,,1536,1,0.1,ok,"
		   "blog/epoll-async\n");
	write_file(d, "blog/epoll-async/stalls.csv", head);
	report(d);
	html = slurp(d, "report.html");
	assert_non_null(strstr(html, "None: no traced cell has a row in its stalls.csv."));
	free(html);
}

static int setup(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	snprintf(root, sizeof(root), "%s/asreport-test-XXXXXX", tmp ? tmp : "/tmp");
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	if (getenv("ASPLOTS_KEEP")) {
		fprintf(stderr, "kept %s\n", root);
		return 0;
	}
	pid_t pid = fork();
	if (pid == 0) {
		execlp("rm", "rm", "-rf", root, (char *)NULL);
		_exit(127);
	}
	int st;
	waitpid(pid, &st, 0);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory_extremes),
		cmocka_unit_test(test_links_and_marks),
		cmocka_unit_test(test_stalls),
	};
	return cmocka_run_group_tests_name("plots.report", tests, setup, teardown);
}
