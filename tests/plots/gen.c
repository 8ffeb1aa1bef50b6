/* synth-gen KIND N WAIT_MS DIR [sched-only] | synth-gen matrix DIR [blog] |
 * synth-gen closed|open CONNS N WAIT_MS MARK_EVERY DIR:
 * writes a synthetic results directory, for looking at the charts by hand and
 * for the shell tests of `bench plot`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth.h"

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "matrix"))
		return synth_matrix(argv[2], argc > 3) ? 1 : 0;
	if (argc >= 7 && (!strcmp(argv[1], "closed") || !strcmp(argv[1], "open")))
		return synth_load(argv[6], argv[1][0] == 'o', atoi(argv[2]), atoi(argv[3]),
				  atoi(argv[4]), atoi(argv[5]))
			   ? 1
			   : 0;
	if (argc < 5) {
		fputs("usage: synth-gen stair|parallel|loop|pool N WAIT_MS DIR [sched-only]\n"
		      "       synth-gen matrix DIR [blog]\n"
		      "       synth-gen closed|open CONNS N WAIT_MS MARK_EVERY DIR\n",
		      stderr);
		return 2;
	}
	static const char *const kinds[] = { "stair", "parallel", "loop", "pool" };
	for (int k = 0; k < 4; k++)
		if (!strcmp(argv[1], kinds[k]))
			return synth_run(argv[4], (enum synth_kind)k, atoi(argv[2]), atoi(argv[3]),
					 argc > 5)
				   ? 1
				   : 0;
	fprintf(stderr, "synth-gen: unknown kind %s\n", argv[1]);
	return 2;
}
