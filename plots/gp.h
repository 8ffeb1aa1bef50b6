/* Running gnuplot, and writing result files so that a reader never sees half of
 * one: everything is written under a temporary name and renamed into place. */
#ifndef ASPLOTS_GP_H
#define ASPLOTS_GP_H

#include <stdio.h>

/* Runs `gnuplot SCRIPT` (fork/exec through posix_spawnp, no shell) with its
 * stderr going to errlog. 0 when it exited 0; -ENOPKG when gnuplot is not
 * installed; -EIO when it failed (errlog says why); -errno otherwise. */
int gp_run(const char *script, const char *errlog);

/* Writes s as a single-quoted gnuplot string: the one way any text, ours or a
 * results file's, enters a gnuplot script. Inside single quotes gnuplot expands
 * nothing: no backquote command substitution (which it does inside double
 * quotes), no @macro, no backslash escape; only a doubled quote stands for one.
 * Control bytes become spaces (a newline would end the command) and bytes that
 * are not UTF-8 become '?', so the SVG stays well-formed XML. Data never goes
 * into a datablock as text: a string a chart shows is an array element set
 * with gp_str, indexed by a number in the datablock. */
void gp_str(FILE *f, const char *s);

/* path + ".tmp" into buf; -ENAMETOOLONG when it does not fit. */
int gp_tmpname(char *buf, size_t len, const char *path);

/* Renames path.tmp to path; -errno. */
int gp_commit(const char *path);

#endif
