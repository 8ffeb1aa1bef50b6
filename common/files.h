/* Small file chores the harness does in many places: make a directory path,
 * write a file under a temporary name and rename it into place (so a crash never
 * leaves a half-written file under its final name), read the tail of a log. */
#ifndef ASYNCSCOPE_FILES_H
#define ASYNCSCOPE_FILES_H

#include <stddef.h>
#include <stdio.h>

/* mkdir -p, then checks the result is a writable directory. 0 or -errno. */
int files_mkdirs(const char *path);

/* The temporary name of path, "path.tmp", into buf. 0 or -ENAMETOOLONG. */
int files_tmp_path(char *buf, size_t len, const char *path);

/* Opens path.tmp for writing, close-on-exec (processes we start must not hold
 * our results open); files_commit flushes, closes and renames it to path, or
 * removes it when err is nonzero or anything failed. 0 or the first -errno. */
FILE *files_create(const char *path);
int files_commit(FILE *f, const char *path, int err);

/* Renames path.tmp to path. 0 or -errno. */
int files_rename_tmp(const char *path);

/* Removes path.tmp, if there is one: what a failed write leaves behind. */
void files_discard_tmp(const char *path);

/* The last lines (at most max bytes) of a file into buf; "" when unreadable. */
void files_tail(const char *path, char *buf, size_t max);

/* snprintf into buf as a path "dir/name"; -ENAMETOOLONG when it does not fit. */
int files_join(char *buf, size_t len, const char *dir, const char *name);

#endif
