#include "duration.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Longest first, so that "ms" is not read as "m" followed by garbage. */
static const struct {
	const char *name;
	double ns;
	int rank; /* larger units first in a sum: 1m30s, never 30s1m */
} units[] = {
	{ "ms", 1e6, 3 },   { "us", 1e3, 2 }, { "ns", 1, 1 },
	{ "h", 3600e9, 6 }, { "m", 60e9, 5 }, { "s", 1e9, 4 },
};

/* The number at *p: digits with an optional fraction, nothing else (strtod would
 * also take hex, exponents, "inf" and a sign). Its length, 0 when there is none. */
static size_t number_len(const char *p)
{
	size_t n = strspn(p, "0123456789");
	if (p[n] == '.')
		n += 1 + strspn(p + n + 1, "0123456789");
	return n == 1 && p[0] == '.' ? 0 : n;
}

int dur_parse(const char *s, uint64_t *ns)
{
	if (!s || !*s)
		return -EINVAL;
	double total = 0;
	int last_rank = 7;
	for (const char *p = s; *p;) {
		size_t n = number_len(p);
		if (!n)
			return -EINVAL; /* a unit without a number, a sign, a space */
		double v = strtod(p, NULL);
		p += n;
		if (!*p && p - n == s) { /* a bare number: seconds */
			total = v * 1e9;
			break;
		}
		size_t k = 0, nunits = sizeof(units) / sizeof(units[0]);
		while (k < nunits && strncmp(p, units[k].name, strlen(units[k].name)))
			k++;
		if (k == nunits || units[k].rank >= last_rank)
			return -EINVAL; /* unknown, repeated or out of order */
		last_rank = units[k].rank;
		total += v * units[k].ns;
		p += strlen(units[k].name);
	}
	if (!(total <= (double)DUR_MAX_NS))
		return -EINVAL;
	*ns = (uint64_t)(total + 0.5); /* total >= 0: this rounds */
	return 0;
}
