#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pcsv.h"
#include "perr.h"

/* Splits c->line in place. Quoted fields lose their quotes; a doubled quote
 * inside stands for one. */
static void split(struct pcsv *c)
{
	char *p = c->line;
	c->nfield = 0;
	size_t n = strlen(p);
	while (n && (p[n - 1] == '\n' || p[n - 1] == '\r'))
		p[--n] = '\0';
	for (;;) {
		if (c->nfield == PCSV_MAXCOLS)
			return;
		if (*p == '"') {
			char *out = ++p;
			c->field[c->nfield++] = out;
			while (*p) {
				if (*p == '"' && p[1] == '"') {
					*out++ = '"';
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					*out++ = *p++;
				}
			}
			char *end = strchr(p, ',');
			*out = '\0';
			if (!end)
				return;
			p = end + 1;
			continue;
		}
		c->field[c->nfield++] = p;
		char *comma = strchr(p, ',');
		if (!comma)
			return;
		*comma = '\0';
		p = comma + 1;
	}
}

static int read_line(struct pcsv *c)
{
	errno = 0;
	ssize_t r = getline(&c->line, &c->cap, c->f);
	if (r < 0 && ferror(c->f)) {
		int e = errno ? errno : EIO;
		perr_set("%s: %s", c->path ? c->path : "CSV file", strerror(e));
		return -e;
	}
	if (r < 0)
		return 0;
	c->lineno++;
	return 1;
}

int pcsv_open(struct pcsv *c, const char *path, const char *const *want, int nwant,
	      uint32_t required)
{
	memset(c, 0, sizeof(*c));
	if (nwant > PCSV_MAXCOLS)
		return -EINVAL;
	c->path = path;
	c->want = want;
	c->f = fopen(path, "re");
	if (!c->f)
		return -errno;
	c->nwant = nwant;
	int rc = read_line(c);
	if (rc <= 0) {
		pcsv_close(c);
		if (!rc)
			perr_set("%s: empty, not even a header line", path);
		return rc ? rc : -EBADMSG;
	}
	split(c);
	for (int i = 0; i < nwant; i++) {
		c->col[i] = -1;
		for (int j = 0; j < c->nfield; j++)
			if (!strcmp(c->field[j], want[i]))
				c->col[i] = j;
		if (c->col[i] < 0 && (required & (1u << i))) {
			perr_set("%s: no column '%s' in the header", path, want[i]);
			pcsv_close(c);
			return -EBADMSG;
		}
	}
	return 0;
}

int pcsv_next(struct pcsv *c)
{
	for (;;) {
		int rc = read_line(c);
		if (rc <= 0)
			return rc;
		if (c->line[0] == '\n' || c->line[0] == '\r' || c->line[0] == '\0')
			continue;
		split(c);
		return 1;
	}
}

const char *pcsv_get(const struct pcsv *c, int i)
{
	if (i < 0 || i >= c->nwant || c->col[i] < 0 || c->col[i] >= c->nfield)
		return "";
	return c->field[c->col[i]];
}

int pcsv_bad(const struct pcsv *c, int i)
{
	char v[48];
	perr_quote(v, sizeof(v), pcsv_get(c, i));
	perr_set("%s:%lu: bad %s '%s'", c->path, c->lineno, i < c->nwant ? c->want[i] : "field", v);
	return -EBADMSG;
}

void pcsv_close(struct pcsv *c)
{
	if (c->f)
		fclose(c->f);
	free(c->line);
	memset(c, 0, sizeof(*c));
}

int pcsv_u64(const char *s, uint64_t *v)
{
	if (!*s)
		return -ENODATA;
	if (*s < '0' || *s > '9')
		return -EBADMSG;
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (*end || errno)
		return -EBADMSG;
	*v = x;
	return 0;
}

int pcsv_dbl(const char *s, double *v)
{
	if (!*s)
		return -ENODATA;
	char *end;
	errno = 0;
	double x = strtod(s, &end);
	if (*end || errno || end == s)
		return -EBADMSG;
	*v = x;
	return 0;
}
