/* A reader for the CSV files of a results directory. The header names the
 * columns; the caller asks for columns by name, so a file with extra or
 * reordered columns still reads. Fields are plain (the writers here never quote),
 * but a double-quoted field is accepted. Lines longer than the buffer grow it.
 * What is wrong with a file is said through perr, with its path and line. */
#ifndef ASPLOTS_PCSV_H
#define ASPLOTS_PCSV_H

#include <stdint.h>
#include <stdio.h>

#define PCSV_MAXCOLS 32

struct pcsv {
	FILE *f;
	char *line;
	size_t cap;
	int nfield;
	char *field[PCSV_MAXCOLS];
	int nwant;
	int col[PCSV_MAXCOLS]; /* wanted column -> field index, -1 when absent */
	unsigned long lineno;
	const char *path;	 /* for messages: the caller's string */
	const char *const *want; /* column names, for messages */
};

/* Opens path and maps the header. want[i] names column i of pcsv_get. Columns
 * listed in `required` (a bitmask over want) must be present: -EBADMSG if not,
 * also for an empty file. -errno when the file cannot be opened. path and want
 * must outlive c. */
int pcsv_open(struct pcsv *c, const char *path, const char *const *want, int nwant,
	      uint32_t required);

/* 1 with a row ready, 0 at the end, negative errno on a read error. Blank lines
 * are skipped. */
int pcsv_next(struct pcsv *c);

/* The field of wanted column i in the current row; "" when absent or short. */
const char *pcsv_get(const struct pcsv *c, int i);

void pcsv_close(struct pcsv *c);

/* The field of wanted column i in the current row is garbled: says so through
 * perr ("PATH:LINE: bad NAME 'VALUE'") and returns -EBADMSG. */
int pcsv_bad(const struct pcsv *c, int i);

/* Strict number parsers: 0, -ENODATA for an empty field, -EBADMSG for garbage. */
int pcsv_u64(const char *s, uint64_t *v);
int pcsv_dbl(const char *s, double *v);

#endif
