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

#endif
