/*
 * runset.h - the compiles running on this rank: a worker's, or the head's
 * own slots. Owned by the rank's main thread.
 */
#ifndef CLUSTCC_SERVER_RUNSET_H
#define CLUSTCC_SERVER_RUNSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runner.h"

struct runset {
	struct runner **runners;
	size_t n, cap;
};

/* Called with each finished compile's packed WorkerResult; takes buf. */
typedef void runset_done_fn(uint8_t *buf, size_t len, void *arg);

/* Add r (takes ownership, also on failure). CC_ENOMEM if it cannot grow. */
int runset_add(struct runset *set, struct runner *r);

/*
 * Poll every runner; for each finished one, pack its result (recording
 * rank, at most max_bytes) and call done. Returns true if any finished.
 */
bool runset_poll(struct runset *set, int rank, size_t max_bytes,
                 runset_done_fn *done, void *arg);

/* Abort every runner and free the set's storage. */
void runset_release(struct runset *set);

#endif
