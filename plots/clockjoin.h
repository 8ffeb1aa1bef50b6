/* The offset between a client host's CLOCK_MONOTONIC and the server's, from the
 * requests themselves (Dapper's bound). A joined request was sent by the client at
 * c_sent (requests.csv's t_connected) and its first response byte came back at
 * c_first (t_first_byte), on the client's clock; the server read it at s_start and
 * answered at s_end (the request_start and request_end marks), on its own. The
 * server's work lies inside the client's wait, so with server = client + offset:
 *
 *	c_sent + offset <= s_start   and   s_end <= c_first + offset
 *	s_end - c_first <= offset <= s_start - c_sent
 *
 * Every request gives such an interval; the offset is in all of them, so in their
 * intersection [lo, hi]. The estimate is its midpoint, the uncertainty its half
 * width: the true offset is within it as long as the clocks did not drift apart
 * during the run. The width is bounded below by the fastest round trip outside
 * the server (network both ways plus the kernels' queues): a LAN gives tens of µs,
 * a loaded 2-core box a few hundred. An empty intersection (lo > hi) means the
 * data contradict a constant offset: ids that do not match (two generators sent
 * the same ids), clocks that drifted, or a broken stamp; it is reported with the
 * two requests that disagree, never averaged away.
 *
 * Drift: the same bound over the first and the second half of the run (by the
 * client's send time) gives an offset at each end; their difference over the
 * time between the halves' middles is the drift, with an uncertainty from the two
 * widths. Over a run of seconds it is dominated by that uncertainty; it says
 * something only over long runs between real hosts.
 *
 * Pure: no I/O, no clock. */
#ifndef ASPLOTS_CLOCKJOIN_H
#define ASPLOTS_CLOCKJOIN_H

#include <stddef.h>
#include <stdint.h>

struct rd_run;
struct json_object;

struct cj_req {
	uint64_t id;
	uint64_t c_sent, c_first; /* client clock */
	uint64_t s_start, s_end;  /* server clock */
};

struct cj_bound {
	int64_t lo, hi; /* the offset is in [lo, hi]; lo > hi: inconsistent */
	size_t n;	/* requests in it */
	uint64_t t;	/* the middle of their send times, client clock */
};

struct cj_est {
	size_t joined;
	struct cj_bound all, early, late;
	int consistent;		/* all.lo <= all.hi */
	int64_t offset_ns;	/* (lo + hi) / 2: add to a client time for the server's */
	int64_t uncertainty_ns; /* (hi - lo) / 2; negative when inconsistent */
	uint64_t lo_id, hi_id;	/* the requests that set lo and hi */
	int have_drift;		/* both halves had requests and were consistent */
	double drift_ppm, drift_uncertainty_ppm; /* server minus client, per client second */
};

/* The estimate from n joined requests. -ENODATA when n is 0. */
int cj_estimate(const struct cj_req *r, size_t n, struct cj_est *e);

/* The joined requests of a client run and a server run (by request id: each
 * client request with a t_connected and a t_first_byte, and a request_start and
 * request_end mark of the same id on the server), in *out (malloc'd), their
 * number in *n. 0 or -ENOMEM. */
int cj_join(const struct rd_run *client, const struct rd_run *server, struct cj_req **out,
	    size_t *n);

/* One sentence for a chart, from meta.json's "clock" object when it holds an
 * offset ("" otherwise): "Client clock joined: +12.345678 s ± 42 µs from 100
 * requests." */
void cj_note(struct json_object *meta, char *out, size_t len);

#endif
