/* Writing a response for a finished job: status line, Server, Date, Content-Type,
 * Content-Length, Connection, body. */
#ifndef ASYNCSCOPE_RESPONSE_H
#define ASYNCSCOPE_RESPONSE_H

#include <stddef.h>

#include "route.h"

#define RESPONSE_MAX 512 /* no response we write is longer */

/* Writes the response into out (at least RESPONSE_MAX bytes); returns its length. */
size_t response_write(char *out, const struct job *job);

/* "Date: ..." value for now, refreshed once a second per thread. */
const char *response_date(void);

#endif
