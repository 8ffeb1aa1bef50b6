/* common/meta: the one meta.json writer, read back with plots' own reader. Every
 * file has tool and started first, finished and the machine block last; strings
 * are escaped; nested values balance; a failed or unbalanced write leaves nothing
 * behind. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "meta.h"
#include "pjson.h"
#include "schema.h"

static char dir[64], path[128], tmp[160];

static int make_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/asyncscope-meta-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/" SCHEMA_META, dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	return 0;
}

static int remove_dir(void **state)
{
	(void)state;
	unlink(path);
	return rmdir(dir);
}

static char *get(struct json_object *json, const char *key)
{
	static char v[512];
	return pjson_get(json, key, v, sizeof(v)) ? NULL : v;
}

/* The first members of an object, in file order. */
struct firsts {
	int n;
	char key[2][64], val[2][128];
};

static void take_first(void *ctx, const char *key, const char *val, struct json_object *obj)
{
	(void)obj;
	struct firsts *f = ctx;
	if (f->n < 2) {
		snprintf(f->key[f->n], sizeof(f->key[0]), "%s", key);
		snprintf(f->val[f->n], sizeof(f->val[0]), "%s", val);
		f->n++;
	}
}

static time_t parse_iso(const char *s)
{
	struct tm tm = { 0 };
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	assert_non_null(end);
	assert_int_equal(*end, '\0');
	return timegm(&tm);
}

static void frame_and_machine_block(void **state)
{
	(void)state;
	struct meta m;
	/* A minute ago on the one clock (a machine up for less gets less). */
	uint64_t now = now_ns(), back = 60ull * 1000000000ull;
	if (back > now / 2)
		back = now / 2 / 1000000000ull * 1000000000ull;
	assert_int_equal(meta_create(&m, dir, "bench test", now - back), 0);
	/* Processes we start must not inherit our results files. */
	int fl = fcntl(fileno(m.f), F_GETFD);
	assert_true(fl >= 0 && (fl & FD_CLOEXEC));
	meta_str(&m, META_TARGET, "epoll");
	assert_int_equal(access(path, F_OK), -1); /* nothing under the name yet */
	assert_int_equal(meta_commit(&m, 0), 0);
	assert_int_equal(access(tmp, F_OK), -1);

	struct json_object *j = pjson_load(path);
	assert_non_null(j);
	struct firsts first = { 0 };
	assert_int_equal(pjson_each(j, take_first, &first), 0);
	assert_int_equal(first.n, 2);
	assert_string_equal(first.key[0], META_TOOL);
	assert_string_equal(first.val[0], "bench test");
	assert_string_equal(first.key[1], META_STARTED);
	time_t started = parse_iso(first.val[1]);
	assert_string_equal(get(j, META_TARGET), "epoll");
	time_t finished = parse_iso(get(j, META_FINISHED));
	long want = (long)(back / 1000000000ull), got = (long)(finished - started);
	if (got < want - 1 || got > want + 1)
		fail_msg("started %lds before finished, want %ld: %s", got, want, path);

	/* The machine block, the same in every meta.json. */
	static const char *const keys[] = { META_KERNEL, META_ARCH,    META_CPU,
					    META_NCPU,	 META_MEMORY,  META_CLOCK,
					    META_VERSIONS "." META_VERSION,
					    META_VERSIONS "." META_LIBCURL,
					    META_VERSIONS "." META_LIBBPF };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char *x = get(j, keys[i]);
		assert_non_null(x);
		assert_true(x[0] != '\0');
	}
	assert_true(atoi(get(j, META_NCPU)) >= 1);
	assert_true(atoll(get(j, META_MEMORY)) >= 1);
	assert_string_equal(get(j, META_CLOCK), "CLOCK_MONOTONIC ns");
	pjson_free(j);
}

static void values_nesting_escaping(void **state)
{
	(void)state;
	static const char hostile[] = "a \"quoted\"\\ line\nand\ttab\x01";
	char *const args[] = { "--threads", "2", (char *)hostile, NULL };
	struct meta m;
	assert_int_equal(meta_create(&m, dir, "bench test", 0), 0);
	meta_str(&m, "s", hostile);
	meta_str(&m, "null_str", NULL);
	meta_int(&m, "neg", -42);
	meta_u64(&m, "big", UINT64_MAX);
	meta_num(&m, "tenth", 0.1);
	meta_num(&m, "nan", NAN);
	meta_bool(&m, "yes", 1);
	meta_strs(&m, "args", args);
	meta_strs(&m, "none", NULL);
	meta_object(&m, "load");
	meta_str(&m, "mode", "burst");
	meta_int(&m, "connections", 10);
	meta_end(&m);
	meta_array(&m, "progs");
	meta_object(&m, NULL);
	meta_str(&m, "name", "on\"switch");
	meta_end(&m);
	meta_end(&m);
	meta_object(&m, "empty");
	meta_end(&m);
	assert_int_equal(meta_commit(&m, 0), 0);

	struct json_object *j = pjson_load(path);
	assert_non_null(j);
	assert_string_equal(get(j, "s"), hostile);
	assert_string_equal(get(j, "null_str"), "");
	assert_string_equal(get(j, "neg"), "-42");
	assert_string_equal(get(j, "big"), "18446744073709551615");
	assert_string_equal(get(j, "tenth"), "0.1");
	assert_string_equal(get(j, "nan"), "null");
	assert_string_equal(get(j, "yes"), "true");
	assert_string_equal(get(j, "load.mode"), "burst");
	assert_string_equal(get(j, "load.connections"), "10");
	/* Empty ones as written (json-c would print its own "[ ]"). */
	static char text[8192];
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	text[fread(text, 1, sizeof(text) - 1, f)] = '\0';
	fclose(f);
	assert_non_null(strstr(text, "\"none\": []"));
	assert_non_null(strstr(text, "\"empty\": {}"));
	assert_string_equal(get(j, "none"), "[ ]");
	assert_string_equal(get(j, "empty"), "{ }");
	assert_non_null(strstr(get(j, "args"), "\"--threads\""));
	assert_non_null(strstr(get(j, "progs"), "\"on\\\"switch\""));
	/* The machine block still follows: the nesting closed where it should. */
	assert_non_null(get(j, META_KERNEL));
	pjson_free(j);
}

static void failure_leaves_nothing(void **state)
{
	(void)state;
	unlink(path); /* what the tests before left */
	struct meta m;
	/* The caller's error. */
	assert_int_equal(meta_create(&m, dir, "bench test", 0), 0);
	meta_str(&m, META_TARGET, "epoll");
	assert_int_equal(meta_commit(&m, -EIO), -EIO);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(access(tmp, F_OK), -1);
	/* A writer's bug: an object left open, or closed once too often. */
	assert_int_equal(meta_create(&m, dir, "bench test", 0), 0);
	meta_object(&m, "load");
	assert_int_equal(meta_commit(&m, 0), -EINVAL);
	assert_int_equal(meta_create(&m, dir, "bench test", 0), 0);
	meta_end(&m);
	assert_int_equal(meta_commit(&m, 0), -EINVAL);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(access(tmp, F_OK), -1);
	/* A directory that is not there. */
	char nodir[PATH_MAX];
	snprintf(nodir, sizeof(nodir), "%s/nosuch", dir);
	assert_int_equal(meta_create(&m, nodir, "bench test", 0), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(frame_and_machine_block),
	    cmocka_unit_test(values_nesting_escaping),
	    cmocka_unit_test(failure_leaves_nothing),
	};
	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
