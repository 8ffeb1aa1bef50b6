#include "catalog.h"

#include <string.h>

const struct catalog_target catalog_targets[] = {
	{ "blocking", "one thread: accept, serve the connection to its end, accept the next",
	  "--idle-timeout MS (bounds how long one client holds it)" },
	{ "threaded", "a thread per connection", "--max-threads N" },
	{ "hybrid", "one event loop; plain (def) handlers offloaded to a worker pool", "--pool N" },
	{ "epoll", "an event loop per thread, timers in the loop, waits as continuations",
	  "--threads N" },
	{ "coroutine", "a stackful coroutine per connection over an epoll scheduler",
	  "--stack-kib N" },
	{ "fastapi",
	  "the original experiment: FastAPI under uvicorn (def on a pool, async def on the loop)",
	  "Debian's python3-fastapi" },
	{ 0 },
};

const struct catalog_endpoint catalog_endpoints[] = {
	{ "/hello", "plaintext, for throughput" },
	{ "/sync?ms=N", "blocking sleep on the thread that runs the handler (FastAPI def)" },
	{ "/async?ms=N", "non-blocking wait through the model's own mechanism, two nested calls" },
	{ "/wrong?ms=N", "blocking sleep inside an async handler (the mistake)" },
	{ "/cpu?us=N", "burn CPU for N microseconds" },
	{ 0 },
};

const struct catalog_target *catalog_find_target(const char *name)
{
	for (const struct catalog_target *t = catalog_targets; t->name; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

const struct catalog_endpoint *catalog_find_endpoint(const char *path)
{
	size_t n = strcspn(path, "?");
	for (const struct catalog_endpoint *e = catalog_endpoints; e->path; e++)
		if (strcspn(e->path, "?") == n && !strncmp(e->path, path, n))
			return e;
	return NULL;
}
