#include "cliopt.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const struct cliopt *by_key(const struct cliopt_state *st, int key)
{
	for (const struct cliopt *const *t = st->tables; *t; t++)
		for (const struct cliopt *o = *t; o->name || o->help; o++)
			if (o->name && o->key == key)
				return o;
	return NULL;
}

int cliopt_begin(struct cliopt_state *st, const struct cliopt *const tables[], int argc,
		 char **argv, int in_order)
{
	memset(st, 0, sizeof(*st));
	st->tables = tables;
	st->argc = argc;
	st->argv = argv;
	size_t n = 0, k = 0;
	/* '+' stops at the first operand; ':' tells a missing value from an
	 * unknown option. */
	if (in_order)
		st->shorts[k++] = '+';
	st->shorts[k++] = ':';
	for (const struct cliopt *const *t = tables; *t; t++)
		for (const struct cliopt *o = *t; o->name || o->help; o++) {
			if (!o->name)
				continue;
			if (n == CLIOPT_MAX)
				return -E2BIG;
			st->longs[n++] =
			    (struct option){ o->name, o->arg ? required_argument : no_argument,
					     NULL, o->key };
			if (o->key < CLIOPT_LONG) {
				st->shorts[k++] = (char)o->key;
				if (o->arg)
					st->shorts[k++] = ':';
			}
		}
	st->shorts[k] = '\0';
	if (by_key(st, 'h'))
		for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
			if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
				st->help = 1;
	/* 0, not 1: getopt starts over, also after a previous command line. */
	optind = 0;
	opterr = 0;
	return 0;
}

/* How many long names start with the word of "--word[=value]". */
static int prefix_matches(const struct cliopt_state *st, const char *word)
{
	size_t len = strcspn(word, "=");
	int n = 0;
	for (const struct option *o = st->longs; o->name; o++)
		n += !strncmp(o->name, word, len);
	return n;
}

/* The option getopt_long just stopped at, as the user wrote it: "--name" (without
 * "=value") or "-c". word is the argument it was in. */
static void name_of(const struct cliopt_state *st, char *buf, size_t len, const char *word, int key)
{
	const struct cliopt *o = key ? by_key(st, key) : NULL;
	if (!strncmp(word, "--", 2))
		snprintf(buf, len, "%.*s", (int)strcspn(word, "="), word);
	else if (key > 0 && key < CLIOPT_LONG)
		snprintf(buf, len, "-%c", key);
	else if (o)
		snprintf(buf, len, "--%s", o->name);
	else
		snprintf(buf, len, "%s", word);
}

int cliopt_next(struct cliopt_state *st, char *err, size_t len)
{
	if (st->help) {
		st->help = 0;
		st->arg = NULL;
		snprintf(st->written, sizeof(st->written), "--help");
		st->name = st->written;
		return 'h';
	}
	const char *prev = st->arg;
	int c = getopt_long(st->argc, st->argv, st->shorts, st->longs, NULL);
	st->arg = optarg;
	if (c == -1) {
		st->ind = optind;
		/* A "--" that was the value of the option before it ended nothing. */
		st->dashdash = optind > 1 && !strcmp(st->argv[optind - 1], "--") &&
			       st->argv[optind - 1] != prev;
		return CLIOPT_DONE;
	}
	/* The argument holding the option: the one before its value when the value
	 * came separately ("-c 64"), else the last one read ("-c64", "--c=64"). */
	const char *word = st->argv[optind - (optarg && optarg == st->argv[optind - 1] ? 2 : 1)];
	if (c == ':' || c == '?')
		word = st->argv[optind - 1];
	name_of(st, st->written, sizeof(st->written), word, c == ':' || c == '?' ? optopt : c);
	st->name = st->written;
	if (c == ':') {
		snprintf(err, len, "%s needs a value", st->written);
		return CLIOPT_BAD;
	}
	if (c == '?') {
		if (optopt && !strncmp(word, "--", 2) && strchr(word, '='))
			snprintf(err, len, "%s takes no value", st->written);
		else if (!strncmp(word, "--", 2) && prefix_matches(st, word + 2) > 1)
			snprintf(err, len, "ambiguous option '%s'", st->written);
		else
			snprintf(err, len, "unknown option '%s'", st->written);
		return CLIOPT_BAD;
	}
	/* An abbreviation is named in full in the caller's messages. */
	const struct cliopt *o = by_key(st, c);
	if (o && !strncmp(word, "--", 2))
		snprintf(st->written, sizeof(st->written), "--%s", o->name);
	return c;
}

void cliopt_print(FILE *f, const struct cliopt *table)
{
	enum { COL = 26 };
	for (const struct cliopt *o = table; o->name || o->help; o++) {
		if (!o->name) {
			fprintf(f, "%s\n", o->help);
			continue;
		}
		char flag[64];
		int n;
		if (o->key < CLIOPT_LONG)
			n = snprintf(flag, sizeof(flag), "  -%c, --%s%s%s", o->key, o->name,
				     o->arg ? " " : "", o->arg ? o->arg : "");
		else
			n = snprintf(flag, sizeof(flag), "  --%s%s%s", o->name, o->arg ? " " : "",
				     o->arg ? o->arg : "");
		fputs(flag, f);
		if (n >= COL - 1) {
			fputc('\n', f);
			n = 0;
		}
		for (const char *h = o->help; *h;) {
			size_t len = strcspn(h, "\n");
			fprintf(f, "%*s%.*s\n", COL - n, "", (int)len, h);
			n = 0;
			h += len + (h[len] == '\n');
		}
	}
}

int cliopt_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}
