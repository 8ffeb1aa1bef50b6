#include "cpuset.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* A CPU number at *s: digits only, below CPU_SETSIZE. */
static int cpu_num(const char **s, int *cpu)
{
	const char *p = *s;
	long v = 0;
	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (*p - '0');
		if (v >= CPU_SETSIZE)
			return -EINVAL;
	}
	*cpu = (int)v;
	*s = p;
	return 0;
}

int cpuset_parse(const char *s, cpu_set_t *set)
{
	cpu_set_t out;
	CPU_ZERO(&out);
	if (!s || !*s)
		return -EINVAL;
	for (;;) {
		int lo, hi;
		if (cpu_num(&s, &lo))
			return -EINVAL;
		hi = lo;
		if (*s == '-') {
			s++;
			if (cpu_num(&s, &hi) || hi < lo)
				return -EINVAL;
		}
		for (int c = lo; c <= hi; c++)
			CPU_SET(c, &out);
		if (!*s)
			break;
		if (*s++ != ',')
			return -EINVAL;
	}
	*set = out;
	return 0;
}

int cpuset_format(const cpu_set_t *set, char *buf, size_t len)
{
	size_t n = 0;
	if (!len)
		return -ENAMETOOLONG;
	buf[0] = '\0';
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, set))
			continue;
		int hi = c;
		while (hi + 1 < CPU_SETSIZE && CPU_ISSET(hi + 1, set))
			hi++;
		int w = hi == c ? snprintf(buf + n, len - n, "%s%d", n ? "," : "", c)
				: snprintf(buf + n, len - n, "%s%d-%d", n ? "," : "", c, hi);
		if (w < 0 || (size_t)w >= len - n) {
			buf[0] = '\0';
			return -ENAMETOOLONG;
		}
		n += (size_t)w;
		c = hi;
	}
	return (int)n;
}

int cpuset_usable(cpu_set_t *set)
{
	CPU_ZERO(set);
	return sched_getaffinity(0, sizeof(*set), set) ? -errno : 0;
}

int cpuset_split(const cpu_set_t *usable, cpu_set_t *target, cpu_set_t *load)
{
	int n = CPU_COUNT(usable);
	*target = *usable;
	*load = *usable;
	if (n < 2)
		return -ENOSPC;
	int want = (n + 3) / 4; /* ceil(n/4) >= 1 for n >= 2, and < n */
	CPU_ZERO(load);
	for (int c = 0, got = 0; c < CPU_SETSIZE && got < want; c++)
		if (CPU_ISSET(c, usable)) {
			CPU_SET(c, load);
			CPU_CLR(c, target);
			got++;
		}
	return 0;
}
