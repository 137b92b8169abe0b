/*
 * scratch.h - private per-job directories on a rank, and their removal.
 * Stateless; called from a rank's main thread.
 */
#ifndef CLUSTCC_SERVER_SCRATCH_H
#define CLUSTCC_SERVER_SCRATCH_H

#include <stdint.h>

#include "ccerr.h"

/*
 * Create a new private (0700) directory under root ("" = $TMPDIR or /tmp)
 * named for the job. On success *dir is the caller's to free().
 */
int scratch_create(const char *root, uint64_t job_id, char **dir,
                   struct cc_err *err);

/* Remove dir and everything in it (NULL allowed). */
int scratch_remove(const char *dir);

#endif
