/* The requests.csv writer: exact text, empty unknown fields, flushing, and whole
 * rows when two writers share one file. */
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "records.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	static char buf[1 << 22];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void tmp_path(char *buf, size_t len)
{
	snprintf(buf, len, "/tmp/asyncscope-rec-%d.csv", (int)getpid());
}

static void header_and_rows(void **state)
{
	(void)state;
	char path[64];
	tmp_path(path, sizeof(path));
	int fd = rec_open(path);
	assert_true(fd >= 0);
	struct rec_writer w;
	assert_int_equal(rec_writer_init(&w, fd, 0), 0);
	struct rec_row ok = {7, 1, 3, 100, 110, 120, 130, 140, 200, 14, "", 1};
	struct rec_row bad = {18446744073709551614ull,
			      0,
			      REC_NONE,
			      5,
			      6,
			      REC_NONE,
			      REC_NONE,
			      9,
			      REC_NONE,
			      0,
			      "connect",
			      0};
	assert_int_equal(rec_write(&w, &ok), 0);
	assert_int_equal(rec_write(&w, &bad), 0);
	assert_int_equal(rec_writer_close(&w), 0);
	close(fd);
	assert_string_equal(
	    slurp(path),
	    "id,thread,conn,t_intended,t_start,t_connected,t_first_byte,t_end,status,bytes,error,"
	    "sampled\n"
	    "7,1,3,100,110,120,130,140,200,14,,1\n"
	    "18446744073709551614,0,,5,6,,,9,,0,connect,0\n");
	unlink(path);
}

static void many_rows_small_buffer(void **state)
{
	(void)state;
	char path[64];
	tmp_path(path, sizeof(path));
	int fd = rec_open(path);
	struct rec_writer w;
	assert_int_equal(rec_writer_init(&w, fd, 300), 0); /* flushes about every row */
	for (uint64_t i = 0; i < 5000; i++) {
		struct rec_row r = {i,	   0,	  i % 4, i, i + 1, i + 2,
				    i + 3, i + 4, 200,	 i, "",	   (int)(i & 1)};
		assert_int_equal(rec_write(&w, &r), 0);
	}
	assert_int_equal(rec_writer_close(&w), 0);
	close(fd);
	char *text = slurp(path);
	char *line = strchr(text, '\n') + 1;
	for (uint64_t i = 0; i < 5000; i++) {
		char want[128];
		snprintf(want, sizeof(want), "%llu,0,%llu,%llu,%llu,%llu,%llu,%llu,200,%llu,,%d\n",
			 (unsigned long long)i, (unsigned long long)(i % 4), (unsigned long long)i,
			 (unsigned long long)i + 1, (unsigned long long)i + 2,
			 (unsigned long long)i + 3, (unsigned long long)i + 4,
			 (unsigned long long)i, (int)(i & 1));
		assert_memory_equal(line, want, strlen(want));
		line += strlen(want);
	}
	assert_int_equal(*line, '\0');
	unlink(path);
}

static void two_writers_whole_rows(void **state)
{
	(void)state;
	char path[64];
	tmp_path(path, sizeof(path));
	int fd = rec_open(path);
	struct rec_writer a, b;
	assert_int_equal(rec_writer_init(&a, fd, 1000), 0);
	assert_int_equal(rec_writer_init(&b, fd, 700), 0);
	for (uint64_t i = 0; i < 2000; i++) {
		struct rec_row r = {i, i & 1, 0, 1, 2, 3, 4, 5, 200, 0, i % 7 ? "" : "timeout", 0};
		rec_write(i & 1 ? &b : &a, &r);
	}
	rec_writer_close(&a);
	rec_writer_close(&b);
	close(fd);
	/* Every line is a whole row with 12 fields, every id once. */
	char *text = slurp(path);
	static char seen[2000];
	int rows = 0;
	char *save = NULL;
	strtok_r(text, "\n", &save); /* header */
	for (char *l = strtok_r(NULL, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		int commas = 0;
		for (char *p = l; *p; p++)
			commas += *p == ',';
		assert_int_equal(commas, 11);
		unsigned long id = strtoul(l, NULL, 10);
		if (id >= 2000 || seen[id])
			fail_msg("row id %lu out of range or repeated", id);
		else
			seen[id] = 1;
		rows++;
	}
	assert_int_equal(rows, 2000);
	unlink(path);
}

static void pipe_flushes_fit_pipe_buf(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	struct rec_writer w;
	assert_int_equal(rec_writer_init(&w, p[1], 0), 0);
	assert_true(w.cap <= PIPE_BUF);
	rec_writer_close(&w);
	close(p[0]);
	close(p[1]);
}

static void bad_path(void **state)
{
	(void)state;
	assert_true(rec_open("/nonexistent-dir/requests.csv") < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(header_and_rows),
	    cmocka_unit_test(many_rows_small_buffer),
	    cmocka_unit_test(two_writers_whole_rows),
	    cmocka_unit_test(pipe_flushes_fit_pipe_buf),
	    cmocka_unit_test(bad_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
