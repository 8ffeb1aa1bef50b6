/* meta.json, written in one place: what ran, for a reader who was not there.
 *
 * Every meta.json (a cell of bench run or bench all, bench trace --out, the
 * matrix of bench all) has the same frame: "tool" and "started" first, then the
 * writer's own members, then "finished" and the machine block (kernel, arch, cpu,
 * ncpu, memory_mib, versions, clock), so plots/ reads one layout. Keys come from
 * schema.h (META_*); strings go through json_str. The value calls return nothing:
 * the first error is kept and meta_commit returns it, so a writer is a list of
 * members, not of checks.
 *
 *	struct meta m;
 *	if (meta_create(&m, dir, "bench run", t0) == 0) {
 *		meta_str(&m, META_TARGET, "epoll");
 *		meta_object(&m, META_LOAD);
 *		meta_int(&m, META_LOAD_CONNS, 10);
 *		meta_end(&m);
 *		err = meta_commit(&m, 0);
 *	}
 */
#ifndef ASYNCSCOPE_META_H
#define ASYNCSCOPE_META_H

#include <limits.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define META_MAX_DEPTH 4 /* objects and arrays inside the top-level object */

struct meta {
	FILE *f;
	char path[PATH_MAX];
	int depth;			 /* 0: the top-level object */
	char empty[META_MAX_DEPTH + 1];	 /* nothing written yet at that depth */
	char closer[META_MAX_DEPTH + 1]; /* '}' or ']': what ends that depth */
	int err;
	/* When set, the machine block's "clock" is an object: its source, then
	 * what this writes (a joined directory's offsets, clockjoin.h). */
	void (*clock_fn)(struct meta *m, void *arg);
	void *clock_arg;
};

/* Starts DIR/meta.json (under a temporary name, close-on-exec) with "tool" and
 * "started", the ISO time of started_ns (CLOCK_MONOTONIC; 0: now). 0 or -errno. */
int meta_create(struct meta *m, const char *dir, const char *tool, uint64_t started_ns);

/* One member; key is NULL for an element of an array. */
void meta_str(struct meta *m, const char *key, const char *v); /* NULL as "" */
void meta_int(struct meta *m, const char *key, long long v);
void meta_u64(struct meta *m, const char *key, uint64_t v);
void meta_num(struct meta *m, const char *key, double v); /* not finite: null */
void meta_bool(struct meta *m, const char *key, int v);
/* A NULL-terminated list as an array of strings; NULL as []. */
void meta_strs(struct meta *m, const char *key, char *const *v);

/* The "cpus" object of a cell: pinned, the target's and the generator's sets,
 * the CPUs bench might use and those online, each as a cpulist ("0-2,5"). */
void meta_cpus(struct meta *m, int pinned, const cpu_set_t *target, const cpu_set_t *load,
	       const cpu_set_t *usable);

/* Opens an object or array member (key NULL inside an array); meta_end closes
 * the innermost one. */
void meta_object(struct meta *m, const char *key);
void meta_array(struct meta *m, const char *key);
void meta_end(struct meta *m);

/* Ends the file with "finished" and the machine block, and renames it into place;
 * with err nonzero, or after any failed write, it removes it instead. 0 or the
 * first -errno. */
int meta_commit(struct meta *m, int err);

/* An instant on the one clock (CLOCK_MONOTONIC ns; 0: now) as wall-clock time,
 * "2026-11-24T04:29:41Z". The wall clock may have been set since: the instant is
 * placed by today's offset between the two clocks. */
void meta_time(char *buf, size_t len, uint64_t mono_ns);

#endif
