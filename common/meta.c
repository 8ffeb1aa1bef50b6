#include "meta.h"

#include <bpf/libbpf_version.h>
#include <curl/curlver.h>
#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "cpuset.h"
#include "files.h"
#include "json.h"
#include "schema.h"

#ifndef ASYNCSCOPE_VERSION
#define ASYNCSCOPE_VERSION "dev"
#endif

void meta_time(char *buf, size_t len, uint64_t mono_ns)
{
	struct timespec real;
	clock_gettime(CLOCK_REALTIME, &real);
	time_t t = real.tv_sec;
	uint64_t now = now_ns();
	if (mono_ns && mono_ns < now)
		t -= (time_t)((now - mono_ns + 500000000ull) / 1000000000ull);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "unknown");
}

/* The separator and indentation before a member or element, and its key. */
static void member(struct meta *m, const char *key)
{
	if (!m->f)
		return;
	fputs(m->empty[m->depth] ? "\n" : ",\n", m->f);
	m->empty[m->depth] = 0;
	for (int i = 0; i <= m->depth; i++)
		fputs("  ", m->f);
	if (key) {
		json_str(m->f, key);
		fputs(": ", m->f);
	}
}

int meta_create(struct meta *m, const char *dir, const char *tool, uint64_t started_ns)
{
	memset(m, 0, sizeof(*m));
	if (files_join(m->path, sizeof(m->path), dir, SCHEMA_META))
		return -ENAMETOOLONG;
	m->f = files_create(m->path);
	if (!m->f)
		return -errno;
	fputc('{', m->f);
	m->empty[0] = 1;
	char started[32];
	meta_time(started, sizeof(started), started_ns);
	meta_str(m, META_TOOL, tool);
	meta_str(m, META_STARTED, started);
	return 0;
}

void meta_str(struct meta *m, const char *key, const char *v)
{
	member(m, key);
	if (m->f)
		json_str(m->f, v);
}

void meta_int(struct meta *m, const char *key, long long v)
{
	member(m, key);
	if (m->f)
		fprintf(m->f, "%lld", v);
}

void meta_u64(struct meta *m, const char *key, uint64_t v)
{
	member(m, key);
	if (m->f)
		fprintf(m->f, "%llu", (unsigned long long)v);
}

void meta_num(struct meta *m, const char *key, double v)
{
	member(m, key);
	/* 15 significant digits: more than any figure here means, and few enough
	 * that 0.1 reads as 0.1. JSON has no NaN or infinity. */
	if (m->f && isfinite(v))
		fprintf(m->f, "%.15g", v);
	else if (m->f)
		fputs("null", m->f);
}

void meta_bool(struct meta *m, const char *key, int v)
{
	member(m, key);
	if (m->f)
		fputs(v ? "true" : "false", m->f);
}

static void open_nested(struct meta *m, const char *key, char brace)
{
	member(m, key);
	if (!m->f)
		return;
	if (m->depth == META_MAX_DEPTH) {
		m->err = m->err ? m->err : -EINVAL; /* a writer's bug: refuse the file */
		return;
	}
	fputc(brace, m->f);
	m->depth++;
	m->empty[m->depth] = 1;
	m->closer[m->depth] = brace == '{' ? '}' : ']';
}

void meta_object(struct meta *m, const char *key)
{
	open_nested(m, key, '{');
}

void meta_array(struct meta *m, const char *key)
{
	open_nested(m, key, '[');
}

void meta_end(struct meta *m)
{
	if (!m->f || m->depth == 0) {
		m->err = m->err ? m->err : -EINVAL;
		return;
	}
	/* empty[depth] set: "{}" or "[]" on one line. */
	if (!m->empty[m->depth]) {
		fputc('\n', m->f);
		for (int i = 0; i < m->depth; i++)
			fputs("  ", m->f);
	}
	fputc(m->closer[m->depth], m->f);
	m->depth--;
}

void meta_strs(struct meta *m, const char *key, char *const *v)
{
	meta_array(m, key);
	for (; v && *v; v++)
		meta_str(m, NULL, *v);
	meta_end(m);
}

static void cpulist(struct meta *m, const char *key, const cpu_set_t *set)
{
	char buf[1024];
	meta_str(m, key, cpuset_format(set, buf, sizeof(buf)) < 0 ? "" : buf);
}

void meta_cpus(struct meta *m, int pinned, const cpu_set_t *target, const cpu_set_t *load,
	       const cpu_set_t *usable)
{
	char online[1024] = "";
	FILE *f = fopen("/sys/devices/system/cpu/online", "re");
	if (f) {
		if (!fgets(online, sizeof(online), f))
			online[0] = '\0';
		online[strcspn(online, "\n")] = '\0';
		fclose(f);
	}
	meta_object(m, META_CPUS);
	meta_bool(m, META_CPUS_PINNED, pinned);
	cpulist(m, META_CPUS_TARGET, target);
	cpulist(m, META_CPUS_LOAD, load);
	cpulist(m, META_CPUS_USABLE, usable);
	meta_str(m, META_CPUS_ONLINE, online);
	meta_end(m);
}

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
			colon += colon[1] == ' ' ? 2 : 1;
			colon[strcspn(colon, "\n")] = '\0';
			snprintf(buf, len, "%s", colon);
			break;
		}
	}
	fclose(f);
}

/* The machine and the versions: the same block in every meta.json. The library
 * versions are those bench was built against; a libcurl upgraded underneath it
 * since is not seen. */
static void machine(struct meta *m)
{
	struct utsname u;
	if (uname(&u))
		memset(&u, 0, sizeof(u));
	char cpu[256], libbpf[32];
	cpu_model(cpu, sizeof(cpu));
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	meta_str(m, META_KERNEL, u.release);
	meta_str(m, META_ARCH, u.machine);
	meta_str(m, META_CPU, cpu);
	meta_int(m, META_NCPU, sysconf(_SC_NPROCESSORS_ONLN));
	meta_int(m, META_MEMORY, pages > 0 && psize > 0 ? (long long)pages * psize >> 20 : 0);
	meta_object(m, META_VERSIONS);
	meta_str(m, META_VERSION, ASYNCSCOPE_VERSION);
	meta_str(m, META_LIBCURL, LIBCURL_VERSION);
	snprintf(libbpf, sizeof(libbpf), "%d.%d", LIBBPF_MAJOR_VERSION, LIBBPF_MINOR_VERSION);
	meta_str(m, META_LIBBPF, libbpf);
	meta_end(m);
	if (!m->clock_fn) {
		meta_str(m, META_CLOCK, "CLOCK_MONOTONIC ns");
		return;
	}
	meta_object(m, META_CLOCK);
	meta_str(m, META_CLOCK_SOURCE, "CLOCK_MONOTONIC ns");
	m->clock_fn(m, m->clock_arg);
	meta_end(m);
}

int meta_commit(struct meta *m, int err)
{
	if (!m->f)
		return -EBADF;
	if (!err && m->depth != 0)
		err = -EINVAL; /* a writer left an object open */
	if (!err)
		err = m->err;
	if (!err) {
		char finished[32];
		meta_time(finished, sizeof(finished), 0);
		meta_str(m, META_FINISHED, finished);
		machine(m);
		fputs("\n}\n", m->f);
	}
	err = files_commit(m->f, m->path, err);
	m->f = NULL;
	return err;
}
