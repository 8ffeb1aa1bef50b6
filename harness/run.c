#include "run.h"

#include <bpf/libbpf_version.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "astrace.h"
#include "schema.h"
#include "clock.h"
#include "files.h"
#include "json.h"
#include "load_report.h"
#include "loadopts.h"
#include "proc.h"
#include "trace_out.h"
#include "plots.h"

#define STOP_GRACE_MS 3000

static volatile sig_atomic_t interrupted;

void run_interrupt(void)
{
	interrupted = 1;
	load_stop();
}

int run_interrupted(void)
{
	return interrupted;
}

/* ---- the target process, seen from /proc ---- */

struct sampler {
	pthread_t thread;
	pid_t pid;
	atomic_int stop; /* set by the cell, read by the sampler thread */
	long rss_peak_kib;
	int threads_peak;
};

static void sample_status(struct sampler *s)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", s->pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		long v;
		if (sscanf(line, "VmRSS: %ld", &v) == 1 && v > s->rss_peak_kib)
			s->rss_peak_kib = v;
		else if (sscanf(line, "Threads: %ld", &v) == 1 && v > s->threads_peak)
			s->threads_peak = (int)v;
	}
	fclose(f);
}

/* Memory and threads at their peak: read every 50 ms while the load runs. */
static void *sampler_main(void *arg)
{
	struct sampler *s = arg;
	while (!s->stop) {
		sample_status(s);
		struct timespec ts = { 0, 50 * 1000000L };
		nanosleep(&ts, NULL);
	}
	sample_status(s);
	return NULL;
}

/* User + system time of the whole process, exited threads included. */
static double process_cpu_s(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *s = strrchr(buf, ')');
	unsigned long ut = 0, st = 0;
	if (!s ||
	    sscanf(s + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Context switches of the live threads, when the tracer did not count them. */
static void process_switches(pid_t pid, uint64_t *vol, uint64_t *invol)
{
	char path[PATH_MAX], line[256];
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	DIR *d = opendir(path);
	*vol = *invol = 0;
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/status", pid, e->d_name);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		unsigned long long v;
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "voluntary_ctxt_switches: %llu", &v) == 1)
				*vol += v;
			else if (sscanf(line, "nonvoluntary_ctxt_switches: %llu", &v) == 1)
				*invol += v;
		}
		fclose(f);
	}
	closedir(d);
}

/* ---- what ran, for meta.json ---- */

static void cpu_model(char *buf, size_t len)
{
	snprintf(buf, len, "unknown");
	FILE *f = fopen("/proc/cpuinfo", "re");
	if (!f)
		return;
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		if (!strncmp(line, "model name", 10) && colon) {
			colon += 2;
			colon[strcspn(colon, "\n")] = '\0';
			snprintf(buf, len, "%s", colon);
			break;
		}
	}
	fclose(f);
}

void run_machine_json(FILE *f, const char *in)
{
	struct utsname u;
	uname(&u);
	char cpu[256];
	cpu_model(cpu, sizeof(cpu));
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	fprintf(f, "%s\"kernel\": ", in);
	json_str(f, u.release);
	fprintf(f, ",\n%s\"arch\": ", in);
	json_str(f, u.machine);
	fprintf(f, ",\n%s\"cpu\": ", in);
	json_str(f, cpu);
	fprintf(f, ",\n%s\"ncpu\": %ld,\n", in, sysconf(_SC_NPROCESSORS_ONLN));
	fprintf(f, "%s\"memory_mib\": %lld,\n", in, (long long)pages * psize / (1024 * 1024));
	fprintf(f, "%s\"asyncscope\": \"%s\",\n", in, ASYNCSCOPE_VERSION);
	fprintf(f, "%s\"libcurl\": ", in);
	json_str(f, curl_version_info(CURLVERSION_NOW)->version);
	fprintf(f, ",\n%s\"libbpf\": \"%d.%d\"", in, LIBBPF_MAJOR_VERSION, LIBBPF_MINOR_VERSION);
}

void run_stamp(char *buf, size_t len, int iso)
{
	time_t now = time(NULL);
	struct tm tm;
	if (iso)
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	else
		strftime(buf, len, "%Y%m%d-%H%M%S", localtime_r(&now, &tm));
}

int run_parse_ready_timeout(const char *s, int *ms)
{
	uint64_t ns;
	if (loadopts_duration(s, &ns) || ns < 1000000ull || ns > 600ull * 1000000000ull)
		return -EINVAL;
	*ms = (int)(ns / 1000000ull);
	return 0;
}

static const char *mode_name(enum load_mode m)
{
	return m == LOAD_BURST ? "burst" : m == LOAD_OPEN ? "open" : "closed";
}

/* pid is the target's (gone by now), t0 and started when the load began. */
static int write_meta(const struct run_cell *c, const char *url, pid_t pid,
		      const struct run_outcome *o, uint64_t t0, const char *started)
{
	char path[PATH_MAX];
	files_join(path, sizeof(path), c->dir, SCHEMA_META);
	FILE *f = files_create(path);
	if (!f)
		return -errno;
	const struct load_config *l = &c->load;
	fputs("{\n  \"target\": ", f);
	json_str(f, c->target);
	fputs(",\n  \"endpoint\": ", f);
	json_str(f, c->endpoint);
	fputs(",\n  \"scenario\": ", f);
	json_str(f, c->scenario ? c->scenario : "run");
	fputs(",\n  \"url\": ", f);
	json_str(f, url);
	fputs(",\n  \"target_args\": [", f);
	for (char *const *a = c->target_args; a && *a; a++) {
		fputs(a == c->target_args ? "" : ", ", f);
		json_str(f, *a);
	}
	fprintf(f, "],\n  \"target_pid\": %d,\n", (int)pid);
	fprintf(f,
		"  \"load\": {\"mode\": \"%s\", \"connections\": %d, \"threads\": %d, "
		"\"requests\": %llu, \"duration_s\": %.3f, \"rate_from\": %g, \"rate_to\": %g, "
		"\"new_conn\": %s},\n",
		mode_name(l->mode), l->connections, l->threads, (unsigned long long)l->requests,
		(double)l->duration_ns / 1e9, l->rate_from, l->rate_to,
		l->new_conn ? "true" : "false");
	fprintf(f, "  \"traced\": %s,\n  \"trace_note\": ", o->traced ? "true" : "false");
	json_str(f, o->trace_note);
	fprintf(
	    f, ",\n  \"clock\": \"CLOCK_MONOTONIC ns\",\n  \"t0\": %llu,\n  \"started\": \"%s\",\n",
	    (unsigned long long)t0, started);
	run_machine_json(f, "  ");
	fputs("\n}\n", f);
	return files_commit(f, path, 0);
}

static int write_summary(const struct run_cell *c, const struct load_config *cfg,
			 const struct run_outcome *o)
{
	char path[PATH_MAX];
	files_join(path, sizeof(path), c->dir, SCHEMA_SUMMARY_JSON);
	FILE *f = files_create(path);
	if (!f)
		return -errno;
	fputs("{\n  \"status\": ", f);
	json_str(f, o->failed ? "failed" : "ok");
	fputs(",\n  \"reason\": ", f);
	json_str(f, o->reason);
	fputs(",\n  \"target\": ", f);
	json_str(f, c->target);
	fputs(",\n  \"endpoint\": ", f);
	json_str(f, c->endpoint);
	fputs(",\n  \"load\": ", f);
	/* A load that never ran (the target never listened, the records file could not
	 * be opened) has no numbers at all, which is not the same as zeros. */
	int err = 0;
	if (o->load.lat.corrected)
		err = load_report_json(f, cfg, &o->load);
	else
		fputs("null", f);
	fprintf(f,
		",\n  \"target_process\": {\"cpu_s\": %.3f, \"rss_peak_kib\": %ld, "
		"\"threads_peak\": %d, \"voluntary_switches\": %llu, "
		"\"involuntary_switches\": %llu},\n",
		o->cpu_s, o->rss_peak_kib, o->threads_peak, (unsigned long long)o->vol_switches,
		(unsigned long long)o->invol_switches);
	fprintf(f,
		"  \"trace\": {\"traced\": %s, \"events\": %llu, \"lost_events\": %llu, \"note\": ",
		o->traced ? "true" : "false", (unsigned long long)o->events,
		(unsigned long long)o->lost_events);
	json_str(f, o->trace_note);
	fputs("}\n}\n", f);
	return files_commit(f, path, err);
}

/* sched.csv, marks.csv and trace.json, each under a temporary name first. */
static int write_trace(const char *dir, const struct sm *sm)
{
	static const struct {
		const char *name;
		int (*write)(const struct sm *, const char *);
	} outs[] = {
		{ SCHEMA_SCHED, trace_write_sched_csv },
		{ SCHEMA_MARKS, trace_write_marks_csv },
		{ SCHEMA_TRACE_JSON, trace_write_perfetto },
	};
	for (size_t i = 0; i < sizeof(outs) / sizeof(outs[0]); i++) {
		char path[PATH_MAX], tmp[PATH_MAX + 8];
		files_join(path, sizeof(path), dir, outs[i].name);
		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		int err = outs[i].write(sm, tmp);
		if (!err)
			err = files_rename_tmp(path);
		if (err) {
			unlink(tmp);
			return err;
		}
	}
	return 0;
}

static void fail(struct run_outcome *o, const char *stderr_path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(struct run_outcome *o, const char *stderr_path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->reason, sizeof(o->reason), fmt, ap);
	va_end(ap);
	o->failed = 1;
	char tail[512] = "";
	if (stderr_path)
		files_tail(stderr_path, tail, sizeof(tail));
	size_t len = strlen(tail);
	while (len && (tail[len - 1] == '\n' || tail[len - 1] == '\r'))
		tail[--len] = '\0'; /* the reason ends with its text */
	if (tail[0] && n > 0 && (size_t)n < sizeof(o->reason) - 16)
		snprintf(o->reason + n, sizeof(o->reason) - (size_t)n, "; stderr: %s", tail);
}

int run_cell(const struct run_cell *c, struct run_outcome *o)
{
	memset(o, 0, sizeof(*o));
	int perr, err = files_mkdirs(c->dir);
	if (err)
		return err;
	char target_path[PATH_MAX], stderr_path[PATH_MAX], records[PATH_MAX], url[512];
	files_join(stderr_path, sizeof(stderr_path), c->dir, SCHEMA_STDERR);
	files_join(records, sizeof(records), c->dir, SCHEMA_REQUESTS);
	struct load_config cfg = c->load;
	struct astrace *tr = NULL;
	if (proc_target_path(c->target, target_path, sizeof(target_path)) < 0) {
		fail(o, NULL, "%s is not there or not executable", target_path);
		goto out;
	}

	/* The tracer loads first, so attaching to the target is quick. */
	if (c->trace) {
		struct astrace_opts topts = { .syscalls = 1 };
		if (astrace_check_privilege() < 0) {
			snprintf(o->trace_note, sizeof(o->trace_note),
				 "not traced: needs root or CAP_BPF+CAP_PERFMON");
		} else if ((err = astrace_open(&tr, &topts)) < 0) {
			snprintf(o->trace_note, sizeof(o->trace_note),
				 "not traced: cannot load: %s", strerror(-err));
			astrace_close(tr);
			tr = NULL;
		}
	} else {
		snprintf(o->trace_note, sizeof(o->trace_note), "not traced: --no-trace");
	}

	char *argv[32];
	int argc = 0;
	argv[argc++] = target_path;
	argv[argc++] = "--port";
	argv[argc++] = "0";
	for (char *const *a = c->target_args; a && *a && argc < 28; a++)
		argv[argc++] = *a;
	argv[argc] = NULL;
	int ready_ms = c->ready_timeout_ms;
	if (ready_ms <= 0)
		run_parse_ready_timeout(RUN_READY_TIMEOUT, &ready_ms);
	struct proc p;
	err = proc_start(&p, argv, stderr_path, 0, ready_ms);
	pid_t target_pid = p.pid; /* for meta.json: proc_stop clears p.pid */
	if (err) {
		char how[64];
		if (err == -ECHILD)
			proc_describe(p.status, how, sizeof(how));
		else if (err == -ETIMEDOUT)
			snprintf(how, sizeof(how), "no port within %g s", ready_ms / 1000.0);
		else
			snprintf(how, sizeof(how), "%s", strerror(-err));
		fail(o, stderr_path, "target-%s never became ready: %s", c->target, how);
		err = 0; /* the cell's failure, not the caller's */
		goto out;
	}

	if (tr && (err = astrace_start(tr, p.pid)) < 0) {
		snprintf(o->trace_note, sizeof(o->trace_note), "not traced: attach failed%s%s: %s",
			 *astrace_failed(tr) ? " on " : "", astrace_failed(tr), strerror(-err));
		astrace_close(tr);
		tr = NULL;
	}
	o->traced = tr != NULL;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", p.port, c->endpoint);
	cfg.url = url;
	char records_tmp[PATH_MAX + 8];
	snprintf(records_tmp, sizeof(records_tmp), "%s.tmp", records);
	cfg.records_path = records_tmp;

	struct sampler s = { .pid = p.pid };
	int sampling = pthread_create(&s.thread, NULL, sampler_main, &s) == 0;
	double cpu0 = process_cpu_s(p.pid);
	uint64_t t0 = now_ns();
	char started[32];
	run_stamp(started, sizeof(started), 1);
	err = interrupted ? -EINTR : load_run(&cfg, &o->load);
	o->cpu_s = process_cpu_s(p.pid) - cpu0;
	if (sampling) {
		s.stop = 1;
		pthread_join(s.thread, NULL);
	}
	o->rss_peak_kib = s.rss_peak_kib;
	o->threads_peak = s.threads_peak;
	if (!o->traced)
		process_switches(p.pid, &o->vol_switches, &o->invol_switches);
	if (tr)
		astrace_stop(tr);

	/* Anything but our SIGTERM ending the target is a crash. */
	if (proc_exited(&p)) {
		char how[64];
		fail(o, stderr_path, "target-%s %s during the load", c->target,
		     proc_describe(p.status, how, sizeof(how)));
	}
	proc_stop(&p, STOP_GRACE_MS);
	if (err) {
		/* A load that did not run is the cell's failure, not the caller's. */
		if (!o->failed)
			fail(o, stderr_path, "the load did not run: %s", strerror(-err));
		unlink(records_tmp);
		err = 0;
	} else {
		err = files_rename_tmp(records);
	}

	if (tr && !err) {
		const struct sm *sm = astrace_result(tr);
		struct astrace_stats st;
		astrace_get_stats(tr, &st);
		o->events = st.events;
		o->lost_events = st.lost;
		struct trace_thread_sum *sums = NULL;
		size_t n = 0;
		if (trace_summarize(sm, &sums, &n) == 0)
			for (size_t i = 0; i < n; i++) {
				o->vol_switches += sums[i].vol;
				o->invol_switches += sums[i].invol;
			}
		free(sums);
		err = write_trace(c->dir, sm);
	}
	if (!err)
		err = write_meta(c, url, target_pid, o, t0, started);
out:
	astrace_close(tr);
	/* A failed cell has a summary.json too, with its reason, also when the load
	 * never ran or other files could not be written: the matrix reads it. */
	if (!err || o->failed) {
		int serr = write_summary(c, &cfg, o);
		err = err ? err : serr;
	}
	/* A chart that cannot be drawn leaves the data; the caller says why. */
	if (!err && c->plot && !o->failed && (perr = plots_timeline(c->dir)) < 0)
		snprintf(o->plot_note, sizeof(o->plot_note), "%s", plots_error(perr));
	return err;
}
