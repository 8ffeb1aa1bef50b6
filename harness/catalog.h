/* What there is to run: targets, endpoints, scenarios. One list that `bench list`,
 * `bench target` and the matrix all read. */
#ifndef ASYNCSCOPE_CATALOG_H
#define ASYNCSCOPE_CATALOG_H

struct catalog_target {
	const char *name;
	const char *how;   /* one line: how it schedules */
	const char *knobs; /* its own options */
};

struct catalog_endpoint {
	const char *path;
	const char *meaning;
};

extern const struct catalog_target catalog_targets[];
extern const struct catalog_endpoint catalog_endpoints[];

const struct catalog_target *catalog_find_target(const char *name);

/* The endpoint a request path like "/sync?ms=100" is (its path before the '?'
 * against the table's "/sync?ms=N"), or NULL. The values are the target's to
 * check: a bad one gets 400. */
const struct catalog_endpoint *catalog_find_endpoint(const char *path);

#endif
