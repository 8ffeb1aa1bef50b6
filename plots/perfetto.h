/* trace.json: one results directory (rundata.h) as a Chrome trace event file for
 * ui.perfetto.dev, telling each request's story across the client and the
 * server: the client's requests as async slices with their phases, the
 * server's phases per request, flow arrows from a request to the thread that
 * read it and on to the thread that ran its handler, the number of requests in
 * flight, and every thread's states named by the syscall it slept in.
 * docs/results.md lists the tracks, names and args.
 *
 * Times are integer nanoseconds throughout and printed from integers, so
 * adjacent slices on a track meet exactly and never overlap; where the input
 * itself overlaps (two states of one thread, a client stamp after a server
 * mark) the later slice is clipped and the count is in otherData. */
#ifndef ASPLOTS_PERFETTO_H
#define ASPLOTS_PERFETTO_H

#include <stddef.h>
#include <stdio.h>

#include "rundata.h"

/* Beyond these the trace keeps a contiguous window from the start (the first
 * requests by send time, the thread states up to where the last of them was
 * sent) and says so in otherData: a viewer opens a few hundred MB of JSON
 * slowly or not at all. */
#define PERFETTO_MAX_REQUESTS 50000
#define PERFETTO_MAX_STATES   1000000

struct perfetto_stats {
	size_t requests; /* in requests.csv (sent) */
	size_t written;	 /* of those, in the trace */
	size_t joined;	 /* written and joined to a request_start mark */
	size_t flows_client, flows_handoff;
	size_t clipped;		       /* slices shortened because the input overlapped */
	size_t states;		       /* thread-state slices written */
	size_t stalls;		       /* stall slices written (stalls.csv) */
	int windowed;		       /* a cap cut the trace at window_end */
	unsigned long long window_end; /* CLOCK_MONOTONIC ns, when windowed */
};

/* The trace of r into f. 0, -ENOMEM, or -EIO when f failed. */
int perfetto_write(FILE *f, const struct rd_run *r, struct perfetto_stats *st);

/* dir's files to out (NULL: dir/trace.json), written whole under a temporary
 * name and renamed into place. st may be NULL. 0, or the errors of rd_load and
 * of the write (-ENOENT: neither requests.csv nor sched.csv). */
int perfetto_write_dir(const char *dir, const char *out, struct perfetto_stats *st);

#endif
