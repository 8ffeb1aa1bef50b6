/* Running gnuplot so that a reader never sees half a chart: each chart is
 * written under its temporary name (common/files.h), checked whole, and left
 * for the caller to rename into place; a failed write is reported with its
 * errno. Scripts and reports are written with files_create/files_commit. */
#ifndef ASPLOTS_GP_H
#define ASPLOTS_GP_H

#include <stdio.h>

/* At most this many charts per gnuplot run. */
#define GP_MAX_OUT 8

/* Runs `gnuplot SCRIPT` (proc_fork and exec, no shell: it dies with bench) with
 * its stderr going to errlog. The script draws chart i into `set output`
 * gp_output(i), a pipe: we write it to the temporary name of outs[i]
 * ourselves, since gnuplot exits 0 when its own writes fail. 0 when every chart
 * is complete (a PNG ends with IEND, an SVG with </svg>): the caller renames
 * them into place (files_rename_tmp). Otherwise none is left, and: -ENOPKG when
 * gnuplot is not installed; -errno of the first failed write (-ENOSPC on a full
 * disk); -EIO when gnuplot failed or stopped half way (errlog says why). perr
 * names the file. Call it from a thread that outlives the run (proc_fork). */
int gp_run(const char *script, const char *errlog, const char *const *outs, int nout);

/* `set output` for chart i of gp_run. File names never enter the script. */
void gp_output(FILE *f, int i);

/* Writes s as a single-quoted gnuplot string: the one way any text, ours or a
 * results file's, enters a gnuplot script. Inside single quotes gnuplot expands
 * nothing: no backquote command substitution (which it does inside double
 * quotes), no @macro, no backslash escape. A single quote in s becomes U+2019,
 * its look-alike: gnuplot's own escape, a doubled quote, is misread at the start
 * of a string and after another one. Control bytes become spaces (a newline
 * would end the command) and bytes that
 * are not UTF-8 become '?', so the SVG stays well-formed XML. Data never goes
 * into a datablock as text: a string a chart shows is an array element set
 * with gp_str, indexed by a number in the datablock. */
void gp_str(FILE *f, const char *s);

/* Writes s as a gnuplot string expression for a hover text of the SVG
 * (`with labels hypertext`), where gnuplot puts the text unescaped into a
 * JavaScript string in an XML attribute: a newline in s starts a new line of
 * the text; ' " and \ become their look-alikes (U+2019, U+201D, U+29F5), so a
 * name shows nearly as it was and the SVG stays well-formed; the rest as
 * gp_str. */
void gp_hypertext(FILE *f, const char *s);

#endif
