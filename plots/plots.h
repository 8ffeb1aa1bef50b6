/* The charts and the report. Each call reads a results directory (DESIGN.md,
 * "Results directory"), draws with gnuplot, writes every file under a temporary
 * name and renames it into place, and returns 0 or a negative errno. Nothing is
 * printed; the caller says what failed.
 *
 *   -ENOENT   the directory lacks the input
 *   -ENOPKG   gnuplot is not installed
 *   -EBADMSG  an input file is garbled
 *   -ENODATA  the files hold no rows to draw
 *   -EIO      gnuplot failed, or stopped before a chart was whole;
 *             DIR/gnuplot.log and the script DIR/<chart>.gp stay
 *   -errno    of a failed write, as it is (-ENOSPC on a full disk): gnuplot's
 *             output comes through a pipe and is written here, since gnuplot
 *             itself exits 0 when its writes fail
 *
 * A file under its final name is always whole: a chart is renamed into place
 * only after its PNG ends with IEND or its SVG with </svg>, and on failure the
 * previous version, if any, stays.
 *
 * plots_detail() then says where: the file, line and field that is garbled.
 */
#ifndef ASPLOTS_PLOTS_H
#define ASPLOTS_PLOTS_H

/* Lanes beyond these are sampled (requests) or the busiest kept (threads). */
#define PLOTS_MAX_REQ_LANES    60
#define PLOTS_MAX_THREAD_LANES 40

/* run_dir/timeline.png and timeline.svg from requests.csv, sched.csv and
 * marks.csv. With only sched.csv it draws the thread panel alone. */
int plots_timeline(const char *run_dir);

/* The comparison charts of a matrix from matrix_dir/summary.csv: blog.png,
 * throughput.png, latency.png, iobound.png, memory.png, cpubound.png, each only
 * when its scenario has rows. */
int plots_compare(const char *matrix_dir);

/* matrix_dir/report.md and report.html (self-contained: charts embedded). Draws
 * nothing itself: call plots_compare first. */
int plots_report(const char *matrix_dir);

/* What the last failed call of this thread found, naming the file and, for a
 * garbled one, the line and field: "DIR/sched.csv:1234: bad t_end 'xyz'".
 * "" when the errno says it all. */
const char *plots_detail(void);

/* One line for a failed call's rc, for every caller to print: plots_detail()
 * when it has one, else what the errno means here ("gnuplot is not installed"). */
const char *plots_error(int rc);

#endif
