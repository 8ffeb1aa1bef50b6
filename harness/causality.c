#include "causality.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "pcsv.h"
#include "schema.h"
#include "spans.h"

/* The server's request_start and request_end by id, sorted and one per id. */
static int read_marks(const char *path, struct span **out, size_t *nout)
{
	const struct schema_csv *s = &schema_marks;
	struct span *v = NULL;
	size_t n = 0, cap = 0;
	struct pcsv c;
	int rc = pcsv_open(&c, path, s->cols, s->ncols, (1u << MARKCOL_N) - 1);
	if (rc)
		return rc;
	while ((rc = pcsv_next(&c)) > 0) {
		int ev = schema_mark_parse(pcsv_get(&c, MARKCOL_EVENT));
		if (ev != AS_MARK_REQUEST_START && ev != AS_MARK_REQUEST_END)
			continue;
		uint64_t id, t;
		if (pcsv_u64(pcsv_get(&c, MARKCOL_REQUEST_ID), &id)) {
			rc = pcsv_bad(&c, MARKCOL_REQUEST_ID);
			goto out;
		}
		if (pcsv_u64(pcsv_get(&c, MARKCOL_T), &t)) {
			rc = pcsv_bad(&c, MARKCOL_T);
			goto out;
		}
		if (!id) /* a request without our header: not one of ours */
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 1024;
			struct span *p = realloc(v, nc * sizeof(*v));
			if (!p) {
				rc = -ENOMEM;
				goto out;
			}
			v = p;
			cap = nc;
		}
		v[n++] = ev == AS_MARK_REQUEST_START ? (struct span){ id, t, 0 }
						     : (struct span){ id, 0, t };
	}
	if (rc < 0)
		goto out;
	*nout = spans_fold(v, n);
	rc = 0;
out:
	pcsv_close(&c);
	if (rc)
		free(v);
	else
		*out = v;
	return rc;
}

int causality_check(const char *dir, struct causality *out)
{
	char path[PATH_MAX];
	struct span *srv = NULL;
	size_t nsrv = 0;
	memset(out, 0, sizeof(*out));
	int rc = files_join(path, sizeof(path), dir, SCHEMA_MARKS);
	if (rc || (rc = read_marks(path, &srv, &nsrv)))
		return rc;
	if ((rc = files_join(path, sizeof(path), dir, SCHEMA_REQUESTS)))
		goto done;

	const struct schema_csv *s = &schema_requests;
	struct pcsv c;
	rc = pcsv_open(&c, path, s->cols, s->ncols, 1u << REQCOL_ID);
	if (rc)
		goto done;
	static const int cols[] = { REQCOL_T_START, REQCOL_T_CONNECTED, REQCOL_T_FIRST_BYTE,
				    REQCOL_T_END };
	while ((rc = pcsv_next(&c)) > 0) {
		uint64_t id, t[4];
		if (pcsv_u64(pcsv_get(&c, REQCOL_ID), &id)) {
			rc = pcsv_bad(&c, REQCOL_ID);
			break;
		}
		int whole = 1;
		for (int i = 0; i < 4 && whole; i++) {
			int r = pcsv_u64(pcsv_get(&c, cols[i]), &t[i]);
			if (r == -ENODATA)
				whole = 0; /* never connected, no response: nothing to hold */
			else if (r) {
				rc = pcsv_bad(&c, cols[i]);
				break;
			}
		}
		if (rc < 0)
			break;
		const struct span *m = whole ? spans_find(srv, nsrv, id) : NULL;
		if (!m || !m->start || !m->end)
			continue;
		out->joined++;
		if (!(t[0] <= t[1] && t[1] <= m->start && m->start <= m->end && m->end <= t[2] &&
		      t[2] <= t[3]))
			out->violations++;
	}
	if (rc > 0)
		rc = 0;
	pcsv_close(&c);
done:
	free(srv);
	return rc;
}
