/* bench load: the load generator on the command line. Options into a config
 * (loadopts), the engine (load), the summary (load_report). */
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

static void on_sigint(int sig)
{
	(void)sig;
	load_stop();
}

struct live {
	uint64_t last_done;
	uint64_t last_ns;
	int shown;
};

/* One line, rewritten in place: done, current rate, errors, elapsed / planned. */
static void show_progress(const struct load_progress *p, void *arg)
{
	struct live *l = arg;
	double dt = (double)(p->elapsed_ns - l->last_ns) / 1e9;
	double rate = dt > 0 ? (double)(p->completed - l->last_done) / dt : 0;
	l->last_done = p->completed;
	l->last_ns = p->elapsed_ns;
	char planned[48] = "";
	if (p->total_ns)
		snprintf(planned, sizeof(planned), " / %.1fs", (double)p->total_ns / 1e9);
	else if (p->requests)
		snprintf(planned, sizeof(planned), ", %llu to go",
			 (unsigned long long)(p->requests > p->completed
						  ? p->requests - p->completed
						  : 0));
	fprintf(stderr, "\r\033[K  %llu done, %.0f req/s, %llu errors, %.1fs%s",
		(unsigned long long)p->completed, rate, (unsigned long long)p->errors,
		(double)p->elapsed_ns / 1e9, planned);
	l->shown = 1;
}

/* Written under a temporary name and renamed when complete, like the records:
 * a full disk leaves no half a summary under the name. */
static int write_json(const char *path, const struct load_config *cfg, const struct load_result *r)
{
	if (!strcmp(path, "-"))
		return load_report_json(stdout, cfg, r);
	FILE *f = files_create(path);
	if (!f)
		return -errno;
	return files_commit(f, path, load_report_json(f, cfg, r));
}

/* "No space left on device (ENOSPC)": the symbol is what people search for. */
static void say_file_error(const char *what, const char *path, int err)
{
	const char *name = strerrorname_np(-err);
	fprintf(stderr, "bench load: %s %s: %s%s%s%s\n", what, path, strerror(-err),
		name ? " (" : "", name ? name : "", name ? ")" : "");
}

int cmd_load(int argc, char **argv)
{
	struct loadopts o;
	char why[256];
	int rc = loadopts_parse(&o, argc, argv, why, sizeof(why));
	if (rc == LOADOPTS_HELP) {
		fputs(loadopts_usage, stdout);
		return 0;
	}
	if (rc) {
		fprintf(stderr, "bench load: %s\n\n%s", why, loadopts_usage);
		return 2;
	}

	/* Records go to a temporary name, renamed only once every row is written:
	 * a run that fails to write them (a full disk) leaves nothing under the
	 * name. Standard output is written as it comes. */
	const char *records = o.cfg.records_path;
	int via_tmp = records && strcmp(records, "-");
	char records_tmp[PATH_MAX];
	if (via_tmp) {
		if (files_tmp_path(records_tmp, sizeof(records_tmp), records)) {
			say_file_error("records file", records, -ENAMETOOLONG);
			return 1;
		}
		o.cfg.records_path = records_tmp;
	}

	struct live live = {0};
	if (!o.quiet && isatty(STDERR_FILENO)) {
		o.cfg.progress = show_progress;
		o.cfg.progress_arg = &live;
	}
	struct sigaction sa = {.sa_handler = on_sigint}, old_int, old_term;
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
	if (live.shown)
		fprintf(stderr, "\r\033[K");
	if (err) {
		if (err == -EMFILE)
			fprintf(
			    stderr,
			    "bench load: not enough file descriptors for -c %d (raise ulimit -n)\n",
			    o.cfg.connections);
		else if (records && (err == -ENOENT || err == -EACCES || err == -EISDIR ||
				     err == -ENOSPC || err == -EROFS || err == -EDQUOT ||
				     err == -EFBIG || err == -ENAMETOOLONG))
			say_file_error("records file", records, err);
		else
			fprintf(stderr, "bench load: cannot run: %s\n", strerror(-err));
		return 1;
	}

	/* With the JSON on stdout, the human summary moves to stderr. */
	int json_stdout = o.json_path && !strcmp(o.json_path, "-");
	int records_stdout = o.cfg.records_path && !strcmp(o.cfg.records_path, "-");
	load_report_text(json_stdout || records_stdout ? stderr : stdout, &o.cfg, &res);
	if (o.json_path) {
		err = write_json(o.json_path, &o.cfg, &res);
		if (err) {
			say_file_error("--json", o.json_path, err);
			load_result_free(&res);
			return 1;
		}
	}
	int failed = res.errors > 0;
	load_result_free(&res);
	return failed ? 1 : 0;
}
