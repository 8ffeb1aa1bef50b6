/* CPU sets as people and the kernel write them ("0-2,5", the cpulist format of
 * Cpus_allowed_list and taskset -c), and the one rule that splits the CPUs bench
 * may use between a target and the load generator, so that neither measures the
 * other's appetite. Pure code but for cpuset_usable, which asks the kernel. */
#ifndef ASYNCSCOPE_CPUSET_H
#define ASYNCSCOPE_CPUSET_H

#include <sched.h>
#include <stddef.h>

/* "0-2,5" into *set: numbers and ascending ranges, comma-separated, no spaces,
 * each below CPU_SETSIZE. 0, or -EINVAL for anything else (empty, "3-1", "1,,2",
 * "x"). Repeats are allowed ("1,1-2"), as the kernel allows them. */
int cpuset_parse(const char *s, cpu_set_t *set);

/* *set as a cpulist, ranges joined ("0-2,5"; "" for an empty set). Its length,
 * or -ENAMETOOLONG when it does not fit in len. */
int cpuset_format(const cpu_set_t *set, char *buf, size_t len);

/* The CPUs this process may run on now (its affinity, normally every online
 * CPU; fewer under taskset or in a container). 0 or -errno. */
int cpuset_usable(cpu_set_t *set);

/* The default split of usable: the load generator gets ceil(n/4) CPUs, at least
 * one, the lowest-numbered; the target the rest. A generator that is ours costs
 * libcurl's ~55k instructions a request, so it needs more than its share of a big
 * machine; a quarter keeps it off the critical path on small ones (on 2 CPUs one
 * each) without starving the target on large ones. With fewer than two CPUs
 * there is nothing to split: both get usable and -ENOSPC says so. */
int cpuset_split(const cpu_set_t *usable, cpu_set_t *target, cpu_set_t *load);

#endif
