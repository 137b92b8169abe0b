/*
 * worker.h - the loop of a worker rank (rank >= 1): receive jobs from the
 * head, run them with runner, send results back, until the head says stop.
 * Main thread only.
 */
#ifndef CLUSTCC_SERVER_WORKER_H
#define CLUSTCC_SERVER_WORKER_H

#include "cfg.h"
#include "transport.h"

/*
 * The head stops a worker with TRANSPORT_TAG_STOP: empty, the worker
 * finishes its running compiles first; carrying this one byte, it kills
 * them (no results are sent) and exits at once.
 */
#define WORKER_STOP_NOW 1

/* Returns 0 after a clean stop, an exit code otherwise. */
int worker_run(struct transport *t, const struct cfg *cfg);

#endif
