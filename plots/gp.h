/* Running gnuplot, and writing result files so that a reader never sees half of
 * one: everything is written under a temporary name and renamed into place. */
#ifndef ASPLOTS_GP_H
#define ASPLOTS_GP_H

#include <stdio.h>

/* Runs `gnuplot SCRIPT` (fork/exec through posix_spawnp, no shell) with its
 * stderr going to errlog. 0 when it exited 0; -ENOPKG when gnuplot is not
 * installed; -EIO when it failed (errlog says why); -errno otherwise. */
int gp_run(const char *script, const char *errlog);

/* Writes s as a single-quoted gnuplot string: a quote inside is doubled. */
void gp_str(FILE *f, const char *s);

/* path + ".tmp" into buf; -ENAMETOOLONG when it does not fit. */
int gp_tmpname(char *buf, size_t len, const char *path);

/* Renames path.tmp to path; -errno. */
int gp_commit(const char *path);

#endif
