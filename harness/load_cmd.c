/* bench load: the load generator on the command line. Options into a config
 * (loadopts), the engine (load), the summary (load_report), what the user sees
 * and asked for (loadview). */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "files.h"
#include "load.h"
#include "load_report.h"
#include "loadopts.h"
#include "loadview.h"

static void on_sigint(int sig)
{
	(void)sig;
	load_stop();
}

int cmd_load(int argc, char **argv)
{
	struct loadopts o;
	char why[256];
	int rc = loadopts_parse(&o, argc, argv, why, sizeof(why));
	if (rc == LOADOPTS_HELP) {
		loadopts_usage(stdout);
		return 0;
	}
	if (rc)
		return cmd_usage_error("load", loadopts_usage, "%s", why);

	/* --out DIR: made before any work, so a bad one costs nothing. */
	if (o.out_dir && (rc = files_mkdirs(o.out_dir))) {
		loadview_file_error("load", "--out", o.out_dir, rc);
		return 1;
	}

	/* Records go to a temporary name, renamed only once every row is written:
	 * a run that fails to write them (a full disk) leaves nothing under the
	 * name. Standard output is written as it comes. */
	const char *records = o.cfg.records_path;
	int via_tmp = records && strcmp(records, "-");
	char records_tmp[PATH_MAX];
	if (via_tmp) {
		if (files_tmp_path(records_tmp, sizeof(records_tmp), records)) {
			loadview_file_error("load", "records file", records, -ENAMETOOLONG);
			return 1;
		}
		o.cfg.records_path = records_tmp;
	}

	struct loadview live;
	loadview_progress(&live, &o.cfg, o.quiet);
	struct sigaction sa = { .sa_handler = on_sigint }, old_int, old_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	struct load_result res;
	int err = load_run(&o.cfg, &res);
	if (via_tmp) {
		if (err)
			files_discard_tmp(records);
		else if ((err = files_rename_tmp(records)))
			load_result_free(&res);
	}

	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	loadview_clear(&live);
	if (err) {
		if (err == -EMFILE)
			fprintf(
			    stderr,
			    "bench load: not enough file descriptors for -c %d (raise ulimit -n)\n",
			    o.cfg.connections);
		else if (records &&
			 (err == -ENOENT || err == -EACCES || err == -EISDIR || err == -ENOSPC ||
			  err == -EROFS || err == -EDQUOT || err == -EFBIG || err == -ENAMETOOLONG))
			loadview_file_error("load", "records file", records, err);
		else
			fprintf(stderr, "bench load: cannot run: %s\n", strerror(-err));
		return 1;
	}

	/* With the JSON on stdout, the human summary moves to stderr. */
	int json_stdout = o.json_path && !strcmp(o.json_path, "-");
	int records_stdout = o.cfg.records_path && !strcmp(o.cfg.records_path, "-");
	load_report_text(json_stdout || records_stdout ? stderr : stdout, &o.cfg, &res);
	if (o.json_path) {
		err = loadview_json(o.json_path, &o.cfg, &res);
		if (err) {
			loadview_file_error("load", "--json", o.json_path, err);
			load_result_free(&res);
			return 1;
		}
	}
	if (o.out_dir && (err = load_report_dir(o.out_dir, &o.cfg, &res))) {
		loadview_file_error("load", "--out", o.out_dir, err);
		load_result_free(&res);
		return 1;
	}
	int failed = res.errors > 0;
	load_result_free(&res);
	return failed ? 1 : 0;
}
