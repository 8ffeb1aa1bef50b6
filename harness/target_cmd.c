/* bench target NAME: one target alone, in the foreground, --verbose on, so its
 * blog-style lines show what each request does on which thread. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "schema.h"
#include "cmds.h"
#include "proc.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bench target TARGET [--bind ADDR] [--port N] [--verbose] [model options]\n"
		"targets:\n");
	for (const struct schema_target *t = schema_targets; t->name; t++)
		fprintf(f, "  %-10s %s (%s)\n", t->name, t->how, t->knobs);
}

int cmd_target(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *name = argv[1];
	char path[4096];
	if (!schema_target_find(name) || proc_target_path(name, path, sizeof(path)) < 0) {
		fprintf(stderr, "bench target: unknown target '%s'\n", name);
		usage(stderr);
		return 2;
	}

	/* The target parses its own options; we only make sure it is verbose and has
	 * a port, and report bad flags through its usage message and exit code. */
	char **args = calloc((size_t)argc + 4, sizeof(*args));
	if (!args)
		return 1;
	int n = 0, has_port = 0, has_verbose = 0;
	const char *bind = "127.0.0.1";
	args[n++] = path;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--port"))
			has_port = 1;
		if (!strcmp(argv[i], "--verbose"))
			has_verbose = 1;
		if (!strcmp(argv[i], "--bind") && i + 1 < argc)
			bind = argv[i + 1];
		args[n++] = argv[i];
	}
	if (!has_port) {
		args[n++] = "--port";
		args[n++] = "0";
	}
	if (!has_verbose)
		args[n++] = "--verbose";

	sigset_t sigs, old;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGCHLD);
	sigprocmask(SIG_BLOCK, &sigs, &old);

	struct proc p;
	int err = proc_start(&p, args, NULL, 1, 5000);
	free(args);
	if (err == -ECHILD) {
		/* It printed its own reason (a bad flag, a busy port) on our stderr. */
		int st = p.status;
		return WIFEXITED(st) && WEXITSTATUS(st) == 2 ? 2 : 1;
	}
	if (err < 0) {
		fprintf(stderr, "bench target: cannot start %s: %s\n", path, strerror(-err));
		return 1;
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
		struct timespec tick = {1, 0};
		int sig = sigtimedwait(&sigs, &si, &tick);
		if (sig == SIGINT || sig == SIGTERM)
			kill(p.pid, sig);
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
