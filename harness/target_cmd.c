/* bench target NAME: one target alone, in the foreground, --verbose on, so its
 * blog-style lines show what each request does on which thread. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "schema.h"
#include "cliopt.h"
#include "cmds.h"
#include "duration.h"
#include "proc.h"

enum {
	O_BIND = CLIOPT_LONG,
	O_PORT,
	O_READY,
	O_VERBOSE,
	O_IDLE,
	O_MAXT,
	O_POOL,
	O_THREADS,
	O_STACK
};

/* The targets' own command line (targets/core/server.c, whose usage gives the
 * same defaults), read here too so that a bad flag is bench's one line and
 * --port=N counts as a port. The model knobs come last; schema_targets says
 * which target has which. */
static const struct cliopt opts[] = {
	{ "bind", O_BIND, "ADDR", "address to listen on (default 127.0.0.1)" },
	{ "port", O_PORT, "N", "port, 0 picks a free one (default 0)" },
	{ "ready-fd", O_READY, "FD",
	  "write the bound port and a newline to FD, then close it\n(default none)" },
	{ "verbose", O_VERBOSE, NULL,
	  "blog-style lines: pid, tid, endpoint, phase, time\n(always on here)" },
	{ "idle-timeout", O_IDLE, "D",
	  "close a connection that sends no complete request, or\nreads none of its responses, for D (default 10s)" },
	{ NULL, 0, NULL, "model knobs, each taken by its own target only:" },
	{ "max-threads", O_MAXT, "N",
	  "threaded: connection threads at most; more wait in accept\n(default 1000)" },
	{ "pool", O_POOL, "N", "hybrid: worker threads for def handlers (default 40, as FastAPI)" },
	{ "threads", O_THREADS, "N",
	  "epoll: event loops, one per thread, sharing the port\n(default 1)" },
	{ "stack-kib", O_STACK, "N", "coroutine: stack per coroutine in KiB (default 64)" },
	CLIOPT_HELP,
	CLIOPT_END,
};

static void usage(FILE *f)
{
	fputs("usage: bench target TARGET [options]\n", f);
	cliopt_print(f, opts);
	fputs("TARGET, one of:\n", f);
	for (const struct schema_target *t = schema_targets; t->name; t++)
		fprintf(f, "  %-10s %s (%s)\n", t->name, t->how, t->knobs);
	fputs("Durations (D) are written " DUR_FORMS ".\n"
	      "Exit status: the target's; 2 bad usage.\n",
	      f);
}

struct target_opts {
	const char *name;
	const char *bind;
	int ready_fd; /* the user's, -1 for none */
	int has_port;
	char *args[2 * (sizeof(opts) / sizeof(opts[0])) + 8]; /* for the target */
	char flags[sizeof(opts) / sizeof(opts[0])][32];	      /* "--pool", for args */
	char idle[32];
	int nargs;
	const char *knobs[8]; /* the model knobs given, in flags */
	int nknobs;
};

/* The command line into o, and the target's into o->args: -1 to go on, or the
 * exit code (help shown, bad usage said). */
static int parse(int argc, char **argv, struct target_opts *o)
{
	const struct cliopt *const tables[] = { opts, NULL };
	struct cliopt_state st;
	char err[128];
	uint64_t v;
	memset(o, 0, sizeof(*o));
	o->bind = "127.0.0.1";
	o->ready_fd = -1;
	cliopt_begin(&st, tables, argc, argv, 0);
	for (int key; (key = cliopt_next(&st, err, sizeof(err))) != CLIOPT_DONE;) {
		switch (key) {
		case CLIOPT_BAD: return cmd_usage_error("target", usage, "%s", err);
		case 'h': usage(stdout); return 0;
		case O_VERBOSE: continue; /* always */
		case O_READY:
			if (cliopt_uint(st.arg, 0, INT_MAX, &v) || fcntl((int)v, F_GETFD) < 0)
				return cmd_usage_error(
				    "target", usage, "%s: '%s' is not an open fd", st.name, st.arg);
			o->ready_fd = (int)v;
			continue;
		case O_IDLE:
			/* A duration here; the target takes milliseconds. */
			if (dur_parse(st.arg, &v) || v < 1000000ull || v > 3600ull * 1000000000ull)
				return cmd_usage_error("target", usage,
						       "%s: '%s' is not a duration from 1ms to 1h",
						       st.name, st.arg);
			snprintf(o->idle, sizeof(o->idle), "--idle-timeout=%llu",
				 (unsigned long long)(v / 1000000ull));
			o->args[o->nargs++] = o->idle;
			continue;
		case O_BIND: o->bind = st.arg; break;
		case O_PORT: o->has_port = 1; break;
		}
		/* The rest go to the target as given; it checks their values. st.name
		 * is rewritten by the next option: the flag is kept in a slot of its
		 * own, one per option of the table. */
		char *flag = o->flags[key - CLIOPT_LONG];
		snprintf(flag, sizeof(o->flags[0]), "%s", st.name);
		o->args[o->nargs++] = flag;
		o->args[o->nargs++] = (char *)st.arg;
		if (key >= O_MAXT && o->nknobs < 8)
			o->knobs[o->nknobs++] = flag;
	}
	if (st.ind >= argc)
		return cmd_usage_error("target", usage, "missing TARGET");
	if (st.ind + 1 < argc)
		return cmd_usage_error("target", usage, "unexpected argument '%s'",
				       argv[st.ind + 1]);
	o->name = argv[st.ind];
	const struct schema_target *t = schema_target_find(o->name);
	if (!t)
		return cmd_usage_error("target", usage, "unknown target '%s'", o->name);
	for (int i = 0; i < o->nknobs; i++)
		if (!strstr(t->knobs, o->knobs[i]))
			return cmd_usage_error("target", usage,
					       "%s is not a knob of %s (its own: %s)", o->knobs[i],
					       t->name, t->knobs);
	return -1;
}

int cmd_target(int argc, char **argv)
{
	struct target_opts o;
	int rc = parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	const char *name = o.name;
	char path[4096];
	if (proc_target_path(name, path, sizeof(path)) < 0) {
		fprintf(stderr, "bench target: %s is not there or not executable\n", path);
		return 1;
	}
	char *args[sizeof(o.args) / sizeof(o.args[0]) + 4];
	int n = 0;
	args[n++] = path;
	for (int i = 0; i < o.nargs; i++)
		args[n++] = o.args[i];
	if (!o.has_port) {
		args[n++] = "--port";
		args[n++] = "0";
	}
	args[n++] = "--verbose";
	args[n] = NULL;
	const char *bind = o.bind;

	sigset_t sigs, old;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGCHLD);
	sigprocmask(SIG_BLOCK, &sigs, &old);

	struct proc p;
	int err = proc_start(&p, args, NULL, 1, 5000);
	if (err == -ECHILD) {
		/* It printed its own reason (a bad flag, a busy port) on our stderr. */
		int st = p.status;
		return WIFEXITED(st) && WEXITSTATUS(st) == 2 ? 2 : 1;
	}
	if (err < 0) {
		fprintf(stderr, "bench target: cannot start %s: %s\n", path, strerror(-err));
		return 1;
	}

	if (o.ready_fd >= 0) {
		/* What the target does with its own --ready-fd, for whoever started us. */
		dprintf(o.ready_fd, "%d\n", p.port);
		close(o.ready_fd);
	}
	const char *host = strcmp(bind, "0.0.0.0") ? bind : "127.0.0.1";
	printf("target-%s listening on http://%s:%d/  (Ctrl-C stops it)\n", name, host, p.port);
	for (const struct schema_endpoint *e = schema_endpoints; e->path; e++)
		printf("  %-12s %s\n", e->path, e->meaning);
	printf("try:\n  curl -s 'http://%s:%d/async?ms=1000' & curl -s "
	       "'http://%s:%d/wrong?ms=1000'\n\n",
	       host, p.port, host, p.port);
	fflush(stdout);

	/* Wait for the target; a signal to us goes to it, and we wait for its exit. */
	for (;;) {
		siginfo_t si;
		struct timespec tick = { 1, 0 };
		int sig = sigtimedwait(&sigs, &si, &tick);
		if (sig == SIGINT || sig == SIGTERM)
			proc_signal(&p, sig);
		if (proc_exited(&p))
			break;
	}
	char how[64];
	int st = p.status;
	if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		fprintf(stderr, "bench target: target-%s %s\n", name,
			proc_describe(st, how, sizeof(how)));
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
