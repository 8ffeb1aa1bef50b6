/* fake-serve MODE: one of fake_server.h's misbehaving servers as a process, for the
 * shell tests that drive `bench load` from outside. Prints the port and a newline
 * on stdout, serves until SIGTERM or SIGINT. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "fake_server.h"

int main(int argc, char **argv)
{
	int mode = argc == 2 ? fake_mode_parse(argv[1]) : -1;
	if (mode < 0) {
		fprintf(stderr, "usage: fake-serve ok|hang|garbage|close_early|slam|endless|trickle\n");
		return 2;
	}
	/* Blocked before any thread starts, so every thread inherits the mask and
	 * sigwait below is the one place these signals land. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	struct fake_server s;
	if (fake_start(&s, (enum fake_mode)mode)) {
		perror("fake-serve");
		return 1;
	}
	printf("%d\n", s.port);
	fflush(stdout);
	int sig;
	sigwait(&set, &sig);
	fake_stop(&s);
	return 0;
}
