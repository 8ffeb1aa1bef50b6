/* The thread lane chart: each interval is a box on its thread's lane, x in
 * seconds since the trace started. gnuplot is started with fork/exec and reads
 * the script and the data from a pipe, so no temporary files are left behind. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "trace_out.h"
#include "trace_plot.h"

static const char *const colours[SM_NSTATES] = {
	[SM_UNKNOWN] = "0xcccccc", [SM_RUNNING] = "0x2ca02c", [SM_RUNNABLE] = "0xff7f0e",
	[SM_SLEEPING] = "0xaec7e8", [SM_BLOCKED] = "0xd62728",
};

/* gnuplot's string quoting: double quotes inside a name would end it. */
static void put_label(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(*s == '"' || *s == '\\' ? '_' : *s, f);
}

static int feed(FILE *f, const struct sm *sm, const char *png)
{
	struct sm *msm = (struct sm *)sm;
	uint64_t t0 = sm->t_begin, t1 = t0;
	for (size_t i = 0; i < sm->niv; i++)
		if (sm->iv[i].t_end > t1)
			t1 = sm->iv[i].t_end;
	double span = (double)(t1 - t0) / 1e9;
	size_t lanes = sm->nthreads ? sm->nthreads : 1;
	int height = 120 + 22 * (int)lanes;
	fprintf(f, "set terminal pngcairo noenhanced size 1400,%d font 'sans,9'\n", height < 300 ? 300 : height);
	fprintf(f, "set output '");
	put_label(f, png);
	fprintf(f, "'\nset xlabel 'seconds since the trace started'\n");
	fprintf(f, "set xrange [0:%.6f]\nset yrange [-0.7:%zu-0.3]\n", span > 0 ? span : 1.0, lanes);
	fputs("set ytics (", f);
	for (size_t i = 0; i < sm->nthreads; i++) {
		fprintf(f, "%s\"", i ? ", " : "");
		put_label(f, sm->threads[i].comm);
		fprintf(f, " %u\" %zu", sm->threads[i].tid, sm->nthreads - 1 - i);
	}
	fputs(")\n", f);
	/* Name the syscall of the long waits (--syscalls): the story of a blocked
	 * event loop is which call it sat in. Capped so labels stay legible. */
	char nb[16];
	int labels = 0;
	for (size_t i = 0; i < sm->niv && labels < 60; i++) {
		const struct sm_interval *iv = &sm->iv[i];
		if (iv->syscall < 0 || (double)(iv->t_end - iv->t_start) / 1e9 < span * 0.04)
			continue;
		struct sm_thread *t = sm_find(msm, iv->tid);
		size_t lane = sm->nthreads - 1 - (size_t)(t - sm->threads);
		fprintf(f, "set label \"%s\" at %.6f,%.2f center font ',8' front noenhanced\n",
			trace_syscall_name(iv->syscall, nb, sizeof(nb)),
			((double)(iv->t_start + iv->t_end) / 2 - (double)t0) / 1e9, (double)lane + 0.32);
		labels++;
	}
	fputs("set grid xtics\nset key outside top horizontal\nset style fill solid 1.0 noborder\n", f);
	fputs("plot '-' using 1:2:3:4:5:6:7 with boxxyerror lc rgb variable notitle", f);
	for (int s = 0; s < SM_NSTATES; s++)
		fprintf(f, ", NaN with boxes lc rgb '#%s' title '%s'", colours[s] + 2, sm_state_name(s));
	fputc('\n', f);
	for (size_t i = 0; i < sm->niv; i++) {
		const struct sm_interval *iv = &sm->iv[i];
		struct sm_thread *t = sm_find(msm, iv->tid);
		size_t lane = sm->nthreads - 1 - (size_t)(t - sm->threads);
		double a = (double)(iv->t_start - t0) / 1e9, b = (double)(iv->t_end - t0) / 1e9;
		/* Sleeping is the background: a thinner box keeps runs readable. */
		double h = iv->state == SM_SLEEPING || iv->state == SM_UNKNOWN ? 0.15 : 0.35;
		fprintf(f, "%.9f %zu %.9f %.9f %.2f %.2f %s\n", (a + b) / 2, lane, a, b,
			(double)lane - h, (double)lane + h, colours[iv->state]);
	}
	fputs("e\n", f);
	return ferror(f) ? -EIO : 0;
}

int trace_plot_png(const struct sm *sm, const char *png_path)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return -e;
	}
	if (pid == 0) {
		dup2(p[0], 0);
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, 1);
		execlp("gnuplot", "gnuplot", (char *)NULL);
		_exit(127);
	}
	close(p[0]);
	/* gnuplot dying mid-way must not kill us with SIGPIPE. */
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	sigaction(SIGPIPE, &ign, &old);
	FILE *f = fdopen(p[1], "w");
	int rc = f ? feed(f, sm, png_path) : -errno;
	if (f)
		fclose(f);
	else
		close(p[1]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	sigaction(SIGPIPE, &old, NULL);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return -ENOENT;
	if (!rc && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		rc = -EIO;
	return rc;
}
