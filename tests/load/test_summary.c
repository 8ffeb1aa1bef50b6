/* The load summary's JSON, written and read back: every field the reader fills
 * must come back as it went out, for each load model, so the writer and the
 * reader (bench merge's) cannot drift apart; and what is not a load summary is
 * refused, not read as zeros. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "hist.h"
#include "load.h"
#include "load_report.h"

/* A config and a result with a distinct value in every field. */
static void fill(struct load_config *c, struct load_result *r, enum load_mode mode)
{
	load_config_init(c);
	c->url = "http://127.0.0.1:8080/async?ms=5&x=\"quoted\"";
	c->method = "HEAD";
	c->mode = mode;
	c->connections = 7;
	c->threads = 3;
	c->requests = 1001;
	c->duration_ns = 5000000001ull;
	c->warmup_ns = 1000000003ull;
	c->timeout_ns = 30000000007ull;
	c->rate_from = 100.5;
	c->rate_to = 2000.25;
	c->new_conn = 1;
	c->mark_every = 16;
	c->connect_rate = 250;
	c->shard_i = 2;
	c->shard_n = 5;
	c->rate_total = 10002.5;
	c->start_at_ns = 1764500000123456789ull;

	memset(r, 0, sizeof(*r));
	uint64_t v = 11;
	/* Every counter its own odd number, so a swapped pair shows. */
	uint64_t *counters[] = { &r->sent,
				 &r->completed,
				 &r->ok,
				 &r->errors,
				 &r->aborted,
				 &r->bytes,
				 &r->warmup_requests,
				 &r->conns_asked,
				 &r->conns_opened,
				 &r->conns_peak,
				 &r->conns_failed,
				 &r->conns_connected,
				 &r->connect_phase_ns,
				 &r->late,
				 &r->late_max_ns,
				 &r->unsent,
				 &r->unserved,
				 &r->conns_unserved,
				 &r->t0_ns,
				 &r->measure_ns,
				 &r->end_ns,
				 &r->burst_ns,
				 &r->start_late_ns };
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++, v += 2)
		*counters[i] = v;
	for (int k = 0; k < LOAD_E_COUNT; k++, v += 2)
		r->by_kind[k] = k ? v : 0; /* kind 0 is "no error", never written */
	for (int c5 = 0; c5 < 6; c5++, v += 2)
		r->by_class[c5] = v;
	r->late_sum_ns = r->late * 12345; /* a whole mean, so the sum comes back exact */
	r->lat_lower_bound = 1;
	r->interrupted = 1;
	r->elapsed_s = 5.000123;
	r->rps = 200.25;
	r->bytes_per_s = 13.5;
	r->lat.corrected = hist_new();
	r->lat.service = hist_new();
	assert_non_null(r->lat.corrected);
	assert_non_null(r->lat.service);
	hist_record(r->lat.corrected, 1500);
	hist_record(r->lat.service, 900);
}

static struct json_object *written(const struct load_config *c, const struct load_result *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(load_report_json(f, c, r), 0);
	fclose(f);
	struct json_object *j = json_tokener_parse(text);
	assert_non_null(j);
	free(text);
	return j;
}

static void round_trip(enum load_mode mode)
{
	struct load_config c;
	struct load_result r;
	fill(&c, &r, mode);
	struct json_object *j = written(&c, &r);
	struct load_summary s;
	assert_int_equal(load_report_read(j, &s), 0);
	json_object_put(j);

	const struct load_config *b = &s.cfg;
	assert_string_equal(b->url, c.url);
	assert_string_equal(b->method, c.method);
	assert_int_equal(b->mode, c.mode);
	assert_int_equal(b->connections, c.connections);
	assert_int_equal(b->threads, c.threads);
	assert_int_equal(b->requests, c.requests);
	assert_int_equal(b->duration_ns, c.duration_ns);
	assert_int_equal(b->warmup_ns, c.warmup_ns);
	assert_int_equal(b->timeout_ns, c.timeout_ns);
	/* The writer keeps each rate only where it means something. */
	assert_true(b->rate_from == (mode == LOAD_OPEN ? c.rate_from : 0));
	assert_true(b->rate_to == (mode == LOAD_OPEN ? c.rate_to : 0));
	assert_true(b->connect_rate == (mode == LOAD_CLOSED ? c.connect_rate : 0));
	assert_int_equal(b->new_conn, c.new_conn);
	assert_int_equal(b->mark_every, load_mark_every(&c));
	assert_int_equal(b->shard_i, c.shard_i);
	assert_int_equal(b->shard_n, c.shard_n);
	assert_true(b->rate_total == c.rate_total);
	assert_int_equal(b->start_at_ns, c.start_at_ns);

	const struct load_result *o = &s.res;
#define SAME(f) assert_int_equal(o->f, r.f)
	SAME(sent);
	SAME(completed);
	SAME(ok);
	SAME(errors);
	SAME(aborted);
	SAME(bytes);
	SAME(warmup_requests);
	SAME(conns_asked);
	SAME(conns_opened);
	SAME(conns_peak);
	SAME(conns_failed);
	SAME(conns_connected);
	SAME(connect_phase_ns);
	SAME(late);
	SAME(late_sum_ns);
	SAME(late_max_ns);
	SAME(unsent);
	SAME(unserved);
	SAME(conns_unserved);
	SAME(t0_ns);
	SAME(measure_ns);
	SAME(end_ns);
	SAME(burst_ns);
	SAME(start_late_ns);
	SAME(lat_lower_bound);
	SAME(interrupted);
#undef SAME
	for (int k = 0; k < LOAD_E_COUNT; k++)
		assert_int_equal(o->by_kind[k], r.by_kind[k]);
	for (int c5 = 0; c5 < 6; c5++)
		assert_int_equal(o->by_class[c5], r.by_class[c5]);
	assert_true(o->elapsed_s == r.elapsed_s);
	assert_true(o->rps == r.rps);
	assert_true(o->bytes_per_s == r.bytes_per_s);
	assert_null(o->lat.corrected); /* the histograms travel in latency.hlog */
	load_result_free(&r);
}

static void closed_loop(void **state)
{
	(void)state;
	round_trip(LOAD_CLOSED);
}

static void open_loop(void **state)
{
	(void)state;
	round_trip(LOAD_OPEN);
}

static void burst(void **state)
{
	(void)state;
	round_trip(LOAD_BURST);
}

/* A run's meta.json, or JSON of any other shape, is not a load summary. */
static void not_a_summary(void **state)
{
	(void)state;
	const char *texts[] = { "{}", "{\"target\": \"epoll\", \"load\": {\"mode\": \"closed\"}}",
				"{\"config\": {}, \"requests\": {}}", "[1, 2]" };
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct json_object *j = json_tokener_parse(texts[i]);
		assert_non_null(j);
		struct load_summary s;
		assert_int_equal(load_report_read(j, &s), -EBADMSG);
		json_object_put(j);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(closed_loop),
		cmocka_unit_test(open_loop),
		cmocka_unit_test(burst),
		cmocka_unit_test(not_a_summary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
