#include "target_opts.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "duration.h"
#include "schema.h"

/* The defaults, each written once: as numbers in topt_defaults and, through
 * STR, in the help texts. */
#define DEF_PORT	8080
#define DEF_IDLE_MS	10000
#define DEF_IDLE_TEXT	"10s"
#define DEF_MAX_THREADS 1000
#define DEF_POOL	40
#define DEF_THREADS	1
#define DEF_STACK_KIB	64
#define STR_(x)		#x
#define STR(x)		STR_(x)

const struct cliopt topt_table[] = {
	{ "bind", TOPT_BIND, "ADDR", "address to listen on (default 127.0.0.1)" },
	{ "port", TOPT_PORT, "N", "port, 0 picks a free one (default " STR(DEF_PORT) ")" },
	{ "ready-fd", TOPT_READY_FD, "FD",
	  "write the bound port and a newline to FD, then close it\n(default none)" },
	{ "verbose", TOPT_VERBOSE, NULL,
	  "blog-style lines: pid, tid, endpoint, phase, time\n(default off)" },
	{ "idle-timeout", TOPT_IDLE, "D",
	  "close a connection that sends no complete request, or\nreads none of its "
	  "responses, for D (default " DEF_IDLE_TEXT ");\na bare number is milliseconds" },
	{ NULL, 0, NULL, "model knobs, each taken by its own target only:" },
	{ "max-threads", TOPT_MAX_THREADS, "N",
	  "connection threads at most; more wait in accept\n(default " STR(DEF_MAX_THREADS) ")" },
	{ "pool", TOPT_POOL, "N",
	  "worker threads for def handlers (default " STR(DEF_POOL) ", as FastAPI)" },
	{ "threads", TOPT_THREADS, "N",
	  "event loops, one per thread, sharing the port\n(default " STR(DEF_THREADS) ")" },
	{ "stack-kib", TOPT_STACK_KIB, "N",
	  "stack per coroutine in KiB (default " STR(DEF_STACK_KIB) ")" },
	CLIOPT_HELP,
	CLIOPT_END,
};

/* The whole-number options: where each goes and its range. The upper bounds
 * are typos caught, not limits measured: 100,000 threads or a 64 MiB stack
 * would be refused by the machine long before they matter here. */
static const struct {
	int key;
	size_t off;
	int lo, hi;
} nums[] = {
	{ TOPT_PORT, offsetof(struct topt, port), 0, 65535 },
	{ TOPT_READY_FD, offsetof(struct topt, ready_fd), 0, 1 << 20 },
	{ TOPT_MAX_THREADS, offsetof(struct topt, max_threads), 1, 100000 },
	{ TOPT_POOL, offsetof(struct topt, pool), 1, 10000 },
	{ TOPT_THREADS, offsetof(struct topt, threads), 1, 1024 },
	{ TOPT_STACK_KIB, offsetof(struct topt, stack_kib), 16, 65536 },
};

void topt_defaults(struct topt *v)
{
	*v = (struct topt){ .bind = "127.0.0.1",
			    .port = DEF_PORT,
			    .ready_fd = -1,
			    .idle_ms = DEF_IDLE_MS,
			    .max_threads = DEF_MAX_THREADS,
			    .pool = DEF_POOL,
			    .threads = DEF_THREADS,
			    .stack_kib = DEF_STACK_KIB };
}

unsigned topt_knob(int key)
{
	return key >= TOPT_MAX_THREADS && key <= TOPT_STACK_KIB ? 1u << (key - TOPT_MAX_THREADS)
								: 0;
}

/* Whether text names word as a whole: at its start or after a space or comma,
 * and followed by its end, a space or a comma. */
static int names(const char *text, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = text; (p = strstr(p, word)); p++)
		if ((p == text || p[-1] == ' ' || p[-1] == ',') &&
		    (!p[n] || p[n] == ' ' || p[n] == ','))
			return 1;
	return 0;
}

unsigned topt_knobs_of(const char *target)
{
	const struct schema_target *t = schema_target_find(target);
	unsigned bits = 0;
	if (!t)
		return 0;
	for (const struct cliopt *o = topt_table; o->name || o->help; o++) {
		char word[64];
		if (!o->name || !topt_knob(o->key))
			continue;
		snprintf(word, sizeof(word), "--%s %s", o->name, o->arg);
		if (names(t->knobs, word))
			bits |= topt_knob(o->key);
	}
	return bits;
}

int topt_idle_ms(const char *s, int *ms)
{
	char buf[64];
	uint64_t ns;
	/* Digits and a point alone: milliseconds, as the targets always took. */
	if (s && *s && strspn(s, "0123456789.") == strlen(s)) {
		if (snprintf(buf, sizeof(buf), "%sms", s) >= (int)sizeof(buf))
			return -EINVAL;
		s = buf;
	}
	if (dur_parse(s, &ns) || ns < 1000000ull || ns > 3600ull * 1000000000ull)
		return -EINVAL;
	*ms = (int)(ns / 1000000ull);
	return 0;
}

int topt_set(struct topt *v, int key, const char *arg, const char *name, char *err, size_t len)
{
	uint64_t n;
	switch (key) {
	case TOPT_BIND: v->bind = arg; return 0;
	case TOPT_VERBOSE: v->verbose = 1; return 0;
	case TOPT_IDLE:
		if (!topt_idle_ms(arg, &v->idle_ms))
			return 0;
		snprintf(err, len, "%s: '%s' is not a duration from 1ms to 1h", name, arg);
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		if (nums[i].key != key)
			continue;
		if (cliopt_uint(arg, (uint64_t)nums[i].lo, (uint64_t)nums[i].hi, &n)) {
			snprintf(err, len, "%s: '%s' is not a number from %d to %d", name,
				 arg ? arg : "", nums[i].lo, nums[i].hi);
			return -EINVAL;
		}
		*(int *)((char *)v + nums[i].off) = (int)n;
		return 0;
	}
	snprintf(err, len, "%s is not a target option", name);
	return -EINVAL;
}

int topt_check_knob(const char *target, int key, const char *name, char *err, size_t len)
{
	unsigned bit = topt_knob(key);
	if (!bit || (topt_knobs_of(target) & bit))
		return 0;
	const struct schema_target *t = schema_target_find(target);
	if (t && topt_knobs_of(target))
		snprintf(err, len, "%s is not a knob of %s (its own: %s)", name, target, t->knobs);
	else
		snprintf(err, len, "%s is not a knob of %s (it has none)", name, target);
	return -EINVAL;
}

int topt_parse(struct topt *v, const char *target, int argc, char **argv, char *err, size_t len)
{
	const struct cliopt *const tables[] = { topt_table, NULL };
	struct cliopt_state st;
	topt_defaults(v);
	int rc = cliopt_begin(&st, tables, argc, argv, 0);
	if (rc < 0) {
		snprintf(err, len, "too many options in the table");
		return rc;
	}
	for (int key; (key = cliopt_next(&st, err, len)) != CLIOPT_DONE;) {
		if (key == CLIOPT_BAD)
			return -EINVAL;
		if (key == 'h')
			return 1;
		if ((rc = topt_check_knob(target, key, st.name, err, len)) < 0 ||
		    (rc = topt_set(v, key, st.arg, st.name, err, len)) < 0)
			return rc;
	}
	if (st.ind < argc) {
		snprintf(err, len, "unexpected argument '%s'", argv[st.ind]);
		return -EINVAL;
	}
	return 0;
}

void topt_print(FILE *f, unsigned knobs)
{
	enum { N = 16 };
	struct cliopt shown[N];
	size_t n = 0;
	for (const struct cliopt *o = topt_table; (o->name || o->help) && n < N - 1; o++) {
		/* The heading just before the knobs, only when some follow. */
		int heading = !o->name && topt_knob(o[1].key);
		if ((heading && !knobs) ||
		    (o->name && topt_knob(o->key) && !(knobs & topt_knob(o->key))))
			continue;
		shown[n++] = *o;
	}
	shown[n] = (struct cliopt)CLIOPT_END;
	cliopt_print(f, shown);
}
