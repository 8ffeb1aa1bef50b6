/* Results files written under a temporary name: close-on-exec, renamed only when
 * complete, and a failed write reported by its errno with nothing left behind. */
#include <errno.h>
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

#include "files.h"

static char dir[64];

static int make_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/asyncscope-files-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	(void)state;
	return rmdir(dir);
}

/* The file's path, and the temporary name files.h promises: path.tmp. */
static void path_of(char *buf, char *tmp, const char *name)
{
	snprintf(buf, PATH_MAX, "%s/%s", dir, name);
	snprintf(tmp, PATH_MAX, "%s/%s.tmp", dir, name);
}

static void create_commit_rename(void **state)
{
	(void)state;
	char path[PATH_MAX], tmp[PATH_MAX];
	path_of(path, tmp, "a.json");
	FILE *f = files_create(path);
	assert_non_null(f);
	/* Processes we start (targets, the tracer's children) must not inherit it. */
	int fl = fcntl(fileno(f), F_GETFD);
	assert_true(fl >= 0 && (fl & FD_CLOEXEC));
	fputs("{}\n", f);
	assert_int_equal(access(path, F_OK), -1); /* nothing under the name yet */
	assert_int_equal(files_commit(f, path, 0), 0);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(access(tmp, F_OK), -1);
	unlink(path);
}

/* The write fails when the data reaches the file: /dev/full answers ENOSPC, as
 * a full disk does. The error keeps its name, and nothing is left. */
static void full_disk_named_and_nothing_left(void **state)
{
	(void)state;
	char path[PATH_MAX], tmp[PATH_MAX];
	path_of(path, tmp, "b.json");
	assert_int_equal(symlink("/dev/full", tmp), 0);
	FILE *f = files_create(path);
	assert_non_null(f);
	fputs("{\"a\": 1}\n", f);
	assert_int_equal(files_commit(f, path, 0), -ENOSPC);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(faccessat(AT_FDCWD, tmp, F_OK, AT_SYMLINK_NOFOLLOW), -1);
}

/* A caller's error wins, and also leaves nothing. */
static void caller_error_removes(void **state)
{
	(void)state;
	char path[PATH_MAX], tmp[PATH_MAX];
	path_of(path, tmp, "c.json");
	FILE *f = files_create(path);
	assert_non_null(f);
	fputs("half", f);
	assert_int_equal(files_commit(f, path, -EIO), -EIO);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(access(tmp, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(create_commit_rename),
	    cmocka_unit_test(full_disk_named_and_nothing_left),
	    cmocka_unit_test(caller_error_removes),
	};
	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
