/* What an endpoint does, phase by phase, with its probe and its log line. Models
 * call these at the matching points of their own scheduling story:
 *
 *   endpoint_enter     a thread starts running the handler
 *   endpoint_sleep     a blocking sleep of job->arg ms on this thread (/sync, /wrong,
 *                      and /async where the model has nothing better)
 *   endpoint_wait_*    around a non-blocking wait the model implements itself
 *   endpoint_burn      /cpu: spin on this thread
 *   endpoint_run       the whole handler on a thread that may block
 */
#ifndef ASYNCSCOPE_ENDPOINT_H
#define ASYNCSCOPE_ENDPOINT_H

#include "route.h"

void endpoint_enter(struct job *job);
void endpoint_sleep(struct job *job);
void endpoint_wait_start(struct job *job);
void endpoint_wait_end(struct job *job);
void endpoint_burn(struct job *job);
void endpoint_run(struct job *job);

#endif
