#include "loadview.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "files.h"
#include "load_report.h"

/* One line, rewritten in place: done, current rate, errors, elapsed / planned. */
static void show_progress(const struct load_progress *p, void *arg)
{
	struct loadview *l = arg;
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

void loadview_progress(struct loadview *v, struct load_config *cfg, int quiet)
{
	memset(v, 0, sizeof(*v));
	if (quiet || !isatty(STDERR_FILENO))
		return;
	cfg->progress = show_progress;
	cfg->progress_arg = v;
}

void loadview_clear(struct loadview *v)
{
	if (v->shown)
		fprintf(stderr, "\r\033[K");
	v->shown = 0;
}

/* Written under a temporary name and renamed when complete, like the records:
 * a full disk leaves no half a summary under the name. */
int loadview_json(const char *path, const struct load_config *cfg, const struct load_result *r)
{
	if (!strcmp(path, "-"))
		return load_report_json(stdout, cfg, r);
	FILE *f = files_create(path);
	if (!f)
		return -errno;
	return files_commit(f, path, load_report_json(f, cfg, r));
}

/* The symbol is what people search for. */
void loadview_file_error(const char *cmd, const char *what, const char *path, int err)
{
	const char *name = strerrorname_np(-err);
	fprintf(stderr, "bench %s: %s %s: %s%s%s%s\n", cmd, what, path, strerror(-err),
		name ? " (" : "", name ? name : "", name ? ")" : "");
}
