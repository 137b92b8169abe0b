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
	/* Set by the SIGTERM/SIGINT handler (which also wakes the jobq). */
	volatile sig_atomic_t *stop_requested;
};

/*
 * Serve until a drain (request or signal) has finished every job, then
 * tell all worker ranks to stop. Returns 0, or an exit code on a fatal
 * error.
 */
int dispatch_run(const struct dispatch_ctx *ctx);

#endif
