/*
 * dispatch.h - the head's main loop: take requests from the jobq, place
 * compiles on the least-loaded slot (its own or a worker rank's), collect
 * results, answer status and drain, and stop every rank when a drain has
 * finished. Main thread only (it is the thread that calls MPI).
 */
#ifndef CLUSTCC_SERVER_DISPATCH_H
#define CLUSTCC_SERVER_DISPATCH_H

#include <signal.h>

#include "cfg.h"
#include "frontend.h"
#include "jobq.h"
#include "transport.h"

struct dispatch_ctx {
	const struct cfg *cfg;
	struct transport *t;
	struct jobq *q;
	struct frontend *fe;
	/*
	 * SIGTERM/SIGINT received (the handler also wakes the jobq): 1 =
	 * drain, 2 or more = stop now.
	 */
	volatile sig_atomic_t *stop_requested;
};

/*
 * Serve until a drain (request or signal) has finished every job, then
 * tell all worker ranks to stop. A second signal ends it at once: queued
 * and running jobs are refused, compilers killed, workers told to do the
 * same. Returns 0, or an exit code on a fatal
 * error.
 */
int dispatch_run(const struct dispatch_ctx *ctx);

#endif
