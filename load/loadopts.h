/* The load options, shared by `bench load` and `bench run`: one table (for the
 * parser and the usage alike), each value checked as it is read, and the
 * combinations checked at the end. */
#ifndef ASYNCSCOPE_LOADOPTS_H
#define ASYNCSCOPE_LOADOPTS_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cliopt.h"
#include "duration.h" /* what -d, --warmup and --timeout read */
#include "load.h"

#define LOADOPTS_HELP 1

/* Which options were given, for the checks at the end and for bench run, which
 * picks its own load model when none is chosen. */
enum {
	LOADOPTS_GIVEN_C = 1 << 0,
	LOADOPTS_GIVEN_N = 1 << 1,
	LOADOPTS_GIVEN_D = 1 << 2,
	LOADOPTS_GIVEN_RATE = 1 << 3,
	LOADOPTS_GIVEN_BURST = 1 << 4,
	LOADOPTS_GIVEN_WARMUP = 1 << 5,
	LOADOPTS_GIVEN_CONNECT_RATE = 1 << 6,
	LOADOPTS_GIVEN_SHARD = 1 << 7,
	LOADOPTS_MODEL = LOADOPTS_GIVEN_C | LOADOPTS_GIVEN_N | LOADOPTS_GIVEN_D |
			 LOADOPTS_GIVEN_RATE | LOADOPTS_GIVEN_BURST,
};

struct loadopts {
	struct load_config cfg;
	const char *json_path; /* --json FILE, "-" for stdout; NULL for none */
	int quiet;	       /* -q: no live progress line */
	unsigned given;	       /* LOADOPTS_GIVEN_* */
	const char *out_dir;   /* --out DIR: requests.csv, summary.json, latency.hlog */
	char out_records[PATH_MAX]; /* DIR/requests.csv, what cfg.records_path points at */
};

/* Every load option (help included), for a command that reads them among its own. */
extern const struct cliopt loadopts_table[];
/* bench load's own: --out, --shard, --start-at (many generators, one load). */
extern const struct cliopt loadopts_hosts_table[];

/* bench load's whole usage. */
void loadopts_usage(FILE *f);

/* The defaults, as load_config_init sets them. */
void loadopts_init(struct loadopts *o);

/* One option of loadopts_table (key as cliopt_next returns it, its value in val,
 * as written in name): 0, or -EINVAL with a one-line reason in err. */
int loadopts_set(struct loadopts *o, int key, const char *name, const char *val, char *err,
		 size_t errlen);

/* After the last option: the URL (which must be set) and the combinations. 0 or
 * -EINVAL with the reason in err. */
int loadopts_check(struct loadopts *o, char *err, size_t errlen);

/* bench load's whole command line (argv[0] is the subcommand name): options and
 * one URL. 0, LOADOPTS_HELP for -h/--help, or -EINVAL with a one-line reason
 * naming the bad flag or value in err. Strings in the result point into argv,
 * whose operands getopt moves after the options. */
int loadopts_parse(struct loadopts *o, int argc, char **argv, char *err, size_t errlen);

#endif
