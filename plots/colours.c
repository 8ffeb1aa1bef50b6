#include "colours.h"

static const unsigned palette[COL_NREQUEST] = { COL_REQUEST0, 0x2ca02c, 0x9467bd, 0x8c564b,
						0xe377c2,     0x17becf, 0xbcbd22, 0x393b79,
						0x637939,     0x7b4173, 0x3182bd, 0x31a354 };

unsigned col_request(uint64_t n)
{
	return palette[n % COL_NREQUEST];
}

unsigned col_pale(unsigned c)
{
	return COL_PALE(c);
}

/* The request samples show the first request's colour: "its colour" in the
 * label says the rest. */
const struct col_key col_keys[KEY_N] = {
	[KEY_CLIENT] = { COL_CLIENT, COL_LINE, "client: sent, awaiting response" },
	[KEY_CLIENT_ONLY] = { COL_REQUEST0, COL_LINE,
			      "unmarked: the client's view" },
	[KEY_KQUEUE] = { COL_KQUEUE, COL_BOX, "sent, in the kernel's queue" },
	[KEY_QUEUED] = { COL_QUEUED, COL_BOX, "queued: read, no handler yet" },
	[KEY_ON_CPU] = { COL_REQUEST0, COL_BOX, "in handler, on CPU (its colour)" },
	[KEY_WAITING] = { COL_PALE(COL_REQUEST0), COL_BOX, "in handler, waiting" },
	[KEY_FAILED] = { COL_FAILED, COL_LINE, "failed request" },
	[KEY_RUN_REQUEST] = { COL_REQUEST0, COL_BOX, "running a request (its colour)" },
	[KEY_RUN_NOREQ] = { COL_NOREQ, COL_BOX, "running, no request" },
	[KEY_RUN] = { COL_NOREQ, COL_BOX, "running" },
	[KEY_RUNNABLE] = { COL_RUNNABLE, COL_BOX, "runnable: awaiting a CPU" },
	[KEY_SLEEPING] = { COL_SLEEPING, COL_LINE, "sleeping (syscall named)" },
	[KEY_BLOCKED] = { COL_BLOCKED, COL_LINE, "blocked (uninterruptible)" },
	[KEY_HANDOFF] = { COL_HANDOFF, COL_ARROW, "read here, handed to" },
	[KEY_STALL] = { COL_STALL, COL_LINE, "event loop stalled (stalls.csv)" },
};
