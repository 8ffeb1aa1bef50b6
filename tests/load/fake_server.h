/* Misbehaving HTTP servers for the load generator's error tests, on loopback and
 * an ephemeral port, run by a thread of the test process. */
#ifndef ASYNCSCOPE_FAKE_SERVER_H
#define ASYNCSCOPE_FAKE_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

enum fake_mode {
	FAKE_OK,	  /* a proper keep-alive HTTP/1.1 200; remembers the request ids */
	FAKE_HANG,	  /* accepts, reads, never answers */
	FAKE_GARBAGE,	  /* answers with bytes that are not HTTP, then closes */
	FAKE_CLOSE_EARLY, /* a status line and half the promised body, then closes */
	FAKE_SLAM,	  /* closes right after accept */
	FAKE_ENDLESS,	  /* a 200 whose body never ends, written as fast as it is read */
	FAKE_TRICKLE,	  /* a 200 whose body never ends, one byte every 100 ms */
};

/* The mode named on a command line ("ok", "hang", "endless", ...); -1 if none. */
int fake_mode_parse(const char *name);

#define FAKE_MAX_IDS   4096
/* What a request's traceparent said (W3C trace context, version 00). */
enum { FAKE_TP_NONE, FAKE_TP_UNSAMPLED, FAKE_TP_SAMPLED, FAKE_TP_BAD };
#define FAKE_MAX_CONNS 256

struct fake_server {
	enum fake_mode mode;
	int lfd;
	int port;
	atomic_int stop;
	pthread_t thread;
	pthread_t conns[FAKE_MAX_CONNS];
	int nconns;
	/* FAKE_OK: how often each X-Request-Id was seen, and requests without one. */
	pthread_mutex_t lock;
	unsigned seen[FAKE_MAX_IDS];
	/* Each id's traceparent: FAKE_TP_* (0: none seen), and the run's trace-id
	 * as the first request had it; trace_ids counts the changes after it. */
	unsigned char tp[FAKE_MAX_IDS];
	char trace_id[33];
	unsigned trace_ids;
	unsigned no_id;
	unsigned requests;
};

int fake_start(struct fake_server *s, enum fake_mode mode);
void fake_stop(struct fake_server *s);

/* A port nothing listens on (bound, then closed). */
int fake_closed_port(void);

#endif
