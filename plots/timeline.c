/* The timeline: requests as the client saw them over the server's threads as
 * the kernel ran them, on one time axis. The joins (DESIGN.md, "How the views
 * join"): a request lane shows the server's phases of that request from the marks
 * with its id; a thread's running time is coloured by the request it was serving,
 * which the marks on that thread tell (handler_enter/wait_end open a stretch of
 * service, wait_start/request_end close it, and request_start names the request a
 * short burst was parsing).
 *
 * Here only the I/O, in one direction: read the run (rundata), decide what is
 * drawn (tl_model_build, no I/O), print it as one gnuplot script with the data
 * inline as datablocks (tl_emit), and let gnuplot draw it twice (PNG, then
 * SVG). The script is deleted after a good run and kept as timeline.gp, with
 * gnuplot.log, after a bad one. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "files.h"
#include "gp.h"
#include "perr.h"
#include "plots.h"
#include "schema.h"
#include "rundata.h"
#include "tl_emit.h"
#include "tl_model.h"

int plots_timeline(const char *dir)
{
	struct rd_run r;
	struct tl_model m = { 0 };
	char script[4096], log[4096], png[4096], svg[4096];
	FILE *f;
	perr_clear();
	int rc = rd_load(&r, dir);
	if (rc)
		return rc;
	if (snprintf(script, sizeof(script), "%s/timeline.gp", dir) >= (int)sizeof(script) ||
	    snprintf(log, sizeof(log), "%s/gnuplot.log", dir) >= (int)sizeof(log) ||
	    snprintf(png, sizeof(png), "%s/" SCHEMA_TIMELINE_PNG, dir) >= (int)sizeof(png) ||
	    snprintf(svg, sizeof(svg), "%s/" SCHEMA_TIMELINE_SVG, dir) >= (int)sizeof(svg)) {
		rc = -ENAMETOOLONG;
		goto out;
	}
	if ((rc = tl_model_build(&m, &r, dir)))
		goto out;
	f = files_create(script);
	if (!f) {
		rc = perr_file(-errno, script);
		goto out;
	}
	tl_emit(&m, f);
	int wrc = files_commit(f, script, rc);
	if (!rc)
		rc = perr_file(wrc, script);
	f = NULL;
	if (!rc) {
		const char *outs[] = { png, svg };
		rc = gp_run(script, log, outs, 2);
	}
	/* The script and log stay only when gnuplot failed on them: a missing
	 * gnuplot or a full disk leave nothing to debug. */
	if (rc != -EIO) {
		unlink(script);
		unlink(log);
	}
	if (!rc)
		rc = perr_file(files_rename_tmp(png), png);
	if (!rc)
		rc = perr_file(files_rename_tmp(svg), svg);
out:
	if (rc) { /* a chart is either whole under its name or not there anew */
		files_discard_tmp(png);
		files_discard_tmp(svg);
	}
	tl_model_free(&m);
	rd_free(&r);
	return rc;
}
