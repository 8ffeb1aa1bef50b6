/* The names of the ways a request fails: requests.csv's error column and the
 * keys of the summary's "errors", read by everything above the engine. A file of
 * its own so that the engine's parts all depend on it and it on none of them. */
#include "load.h"

static const char *const err_names[LOAD_E_COUNT] = {
	[LOAD_OK] = "",
	[LOAD_E_CONNECT] = "connect",
	[LOAD_E_TIMEOUT] = "timeout",
	[LOAD_E_RESET] = "reset",
	[LOAD_E_MALFORMED] = "malformed",
	[LOAD_E_STATUS_3XX] = "status_3xx",
	[LOAD_E_STATUS_4XX] = "status_4xx",
	[LOAD_E_STATUS_5XX] = "status_5xx",
	[LOAD_E_STATUS_OTHER] = "status_other",
	[LOAD_E_ABORTED] = "aborted",
	[LOAD_E_OTHER] = "other",
};

const char *load_err_name(enum load_err e)
{
	return e < LOAD_E_COUNT ? err_names[e] : "other";
}
