/* A load result as people read it (wrk-like text) and as programs read it (JSON,
 * also the load part of a run's summary.json). */
#ifndef ASYNCSCOPE_LOAD_REPORT_H
#define ASYNCSCOPE_LOAD_REPORT_H

#include <stdio.h>

#include "load.h"

void load_report_text(FILE *f, const struct load_config *cfg, const struct load_result *r);

/* One JSON object: "config", "requests", "errors", "status", "connections",
 * "throughput", "latency" {"corrected","uncorrected"}, "late", "burst_ns".
 * Times are integer ns. 0 or -EIO. */
int load_report_json(FILE *f, const struct load_config *cfg, const struct load_result *r);

/* The same members without the enclosing braces and without a trailing comma or
 * newline, for a caller that adds its own keys around them (summary.json). */
int load_report_json_members(FILE *f, const struct load_config *cfg, const struct load_result *r);

/* What load_report_json wrote, read back from its parsed JSON (json-c's), for
 * bench merge: the config and every counter and time; not the histograms (the
 * latency.hlog beside it holds them whole) nor the extra headers. cfg's url and
 * method point into the strings here. 0, or -EBADMSG when j is not a load
 * summary (no config, requests or throughput). */
struct json_object;
struct load_summary {
	struct load_config cfg;
	struct load_result res;
	char url[2048], method[32];
};
int load_report_read(struct json_object *j, struct load_summary *s);

/* --out DIR: DIR/summary.json (load_report_json) and DIR/latency.hlog, both
 * histograms as HdrHistogram interval-log lines tagged as below (hdrlog.h). 0 or
 * -errno. */
#define LOAD_HLOG_CORRECTED   "corrected"
#define LOAD_HLOG_UNCORRECTED "uncorrected"
int load_report_dir(const char *dir, const struct load_config *cfg, const struct load_result *r);

/* "1.23ms" and friends; returns buf. */
const char *load_report_ns(char *buf, size_t len, double ns);

#endif
