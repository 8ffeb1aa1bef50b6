/* The one command-line grammar of bench and its parts. A command declares its
 * options once, in a table; getopt_long reads them from it (so "--name=value",
 * "--name value", "-c64", "-c 64" and a unique abbreviation of a long name all
 * work), and the usage text lists them from the same table, so the two cannot
 * disagree. Nothing here prints on its own: a bad option comes back as a reason
 * for the caller to print, one line, with its usage. */
#ifndef ASYNCSCOPE_CLIOPT_H
#define ASYNCSCOPE_CLIOPT_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* One option. An entry with only help is a heading in the usage; an entry of
 * zeros ends the table. */
struct cliopt {
	const char *name; /* long name, without "--" */
	int key;	  /* its short letter, or a value from CLIOPT_LONG up for none */
	const char *arg;  /* what the value is called ("N", "FILE"); NULL: a flag */
	const char *help; /* what it does and its default; '\n' starts a new line */
};
#define CLIOPT_LONG 256
#define CLIOPT_HELP                                                                                \
	{                                                                                          \
		"help", 'h', NULL, "this text"                                                     \
	}
#define CLIOPT_END                                                                                 \
	{                                                                                          \
		0                                                                                  \
	}

#define CLIOPT_MAX 48 /* options in all the tables of one command */

/* What cliopt_next returns besides an option's key. */
#define CLIOPT_DONE (-1) /* no more options: operands start at st->ind */
#define CLIOPT_BAD  (-2) /* a reason is in err */

struct cliopt_state {
	const struct cliopt *const *tables;
	struct option longs[CLIOPT_MAX + 1];
	char shorts[3 * CLIOPT_MAX + 3];
	char **argv;
	int argc;
	const char *arg;  /* the value of the option just returned, or NULL */
	const char *name; /* that option as written: "-c", "--connections" */
	int ind;	  /* after CLIOPT_DONE: the index of the first operand in argv */
	int dashdash;	  /* after CLIOPT_DONE: a "--" ended the options */
	int help;	  /* "--help" or "-h" is among the options: returned first */
	char written[64]; /* where name points */
};

/* Starts reading argv (argv[0] is the command's name) with the options of
 * tables[], a NULL-terminated list. in_order stops at the first operand (for
 * "-- CMD ARGS" and commands whose operands may look like options); otherwise
 * options and operands mix in any order, and the operands are moved to the end
 * of argv. -E2BIG when the tables hold more than CLIOPT_MAX options. */
int cliopt_begin(struct cliopt_state *st, const struct cliopt *const tables[], int argc,
		 char **argv, int in_order);

/* The key of the next option (its value in st->arg), CLIOPT_DONE, or CLIOPT_BAD
 * with "unknown option '--x'", "--x needs a value" or "--x takes no value" in
 * err. Help wins: when the tables have 'h' and a word before any "--" is "--help"
 * or "-h", 'h' comes first, before anything else is read, so a bad value beside
 * it or an option that would take it as its value ("--client --help") cannot
 * turn a request for the usage into a usage error. */
int cliopt_next(struct cliopt_state *st, char *err, size_t len);

/* Lists the options of table, one per entry, help aligned, for a usage text. */
void cliopt_print(FILE *f, const struct cliopt *table);

/* Whole numbers from lo to hi, decimal only, nothing after: 0 or -EINVAL. */
int cliopt_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);

#endif
