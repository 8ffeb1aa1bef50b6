/* bench target NAME: one target alone, in the foreground, --verbose on, so its
 * blog-style lines show what each request does on which thread. */
#include <errno.h>
#include <fcntl.h>
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
#include "proc.h"
#include "target_opts.h"

/* The targets' own command line, its one table (common/target_opts.c), read here
 * too so that a bad flag or value is bench's one line; every option but
 * --ready-fd (answered here) and --verbose (always on) goes to the target as given. */
static void usage(FILE *f)
{
	fputs("usage: bench target TARGET [options]\n"
	      "The target's options, passed on to it (--verbose always on; --port 0 unless given;\n"
	      "--ready-fd is answered by bench, once the target is ready):\n",
	      f);
	topt_print(f, ~0u);
	fputs("TARGET, one of:\n", f);
	for (const struct schema_target *t = schema_targets; t->name; t++)
		fprintf(f, "  %-10s %s (%s)\n", t->name, t->how, t->knobs);
	fputs("Exit status: the target's; 2 bad usage.\n", f);
}

enum { NOPTS = 16 }; /* options of topt_table at most */

struct target_opts {
	const char *name;
	const char *bind;
	int ready_fd; /* the user's, -1 for none */
	int has_port;
	char *args[2 * NOPTS + 8]; /* for the target */
	char flags[NOPTS][32];	   /* "--pool", for args: one slot per option key */
	int nargs;
	int knobs[NOPTS]; /* the keys of the model knobs given */
	const char *knob_names[NOPTS];
	int nknobs;
};

/* The command line into o, and the target's into o->args: -1 to go on, or the
 * exit code (help shown, bad usage said). */
static int parse(int argc, char **argv, struct target_opts *o)
{
	const struct cliopt *const tables[] = { topt_table, NULL };
	struct cliopt_state st;
	struct topt v;
	char err[256];
	memset(o, 0, sizeof(*o));
	topt_defaults(&v);
	o->ready_fd = -1;
	cliopt_begin(&st, tables, argc, argv, 0);
	for (int key; (key = cliopt_next(&st, err, sizeof(err))) != CLIOPT_DONE;) {
		if (key == CLIOPT_BAD)
			return cmd_usage_error("target", usage, "%s", err);
		if (key == 'h') {
			usage(stdout);
			return 0;
		}
		/* The value is checked here as the target will check it. */
		if (topt_set(&v, key, st.arg, st.name, err, sizeof(err)) < 0)
			return cmd_usage_error("target", usage, "%s", err);
		if (key == TOPT_VERBOSE)
			continue; /* always */
		if (key == TOPT_READY_FD) {
			if (fcntl(v.ready_fd, F_GETFD) < 0)
				return cmd_usage_error("target", usage, "%s: '%s' is not an open fd",
						       st.name, st.arg);
			o->ready_fd = v.ready_fd;
			continue;
		}
		o->has_port |= key == TOPT_PORT;
		/* The rest go to the target as given. st.name is rewritten by the next
		 * option: the flag is kept in a slot of its own, one per option key. */
		char *flag = o->flags[(key - CLIOPT_LONG) % NOPTS];
		snprintf(flag, sizeof(o->flags[0]), "%s", st.name);
		o->args[o->nargs++] = flag;
		o->args[o->nargs++] = (char *)st.arg;
		if (topt_knob(key) && o->nknobs < NOPTS) {
			o->knob_names[o->nknobs] = flag;
			o->knobs[o->nknobs++] = key;
		}
	}
	o->bind = v.bind;
	if (st.ind >= argc)
		return cmd_usage_error("target", usage, "missing TARGET");
	if (st.ind + 1 < argc)
		return cmd_usage_error("target", usage, "unexpected argument '%s'",
				       argv[st.ind + 1]);
	o->name = argv[st.ind];
	if (!schema_target_find(o->name))
		return cmd_usage_error("target", usage, "unknown target '%s'", o->name);
	for (int i = 0; i < o->nknobs; i++)
		if (topt_check_knob(o->name, o->knobs[i], o->knob_names[i], err, sizeof(err)) < 0)
			return cmd_usage_error("target", usage, "%s", err);
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
