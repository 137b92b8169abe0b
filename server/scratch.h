/*
 * scratch.h - private per-job directories on a rank, and their removal.
 * Stateless; called from a rank's main thread.
 */
#ifndef CLUSTCC_SERVER_SCRATCH_H
#define CLUSTCC_SERVER_SCRATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "ccerr.h"

/*
 * Create a new private (0700) directory under root ("" = $TMPDIR or /tmp)
 * named for the job. On success *dir is the caller's to free().
 */
int scratch_create(const char *root, uint64_t job_id, char **dir,
                   struct cc_err *err);

/*
 * A job is not started with less than this much free space (plus twice
 * its source) under the scratch root: on a full disk the compiler would
 * fail with "No space left on device", which is not the user's error.
 */
#define SCRATCH_MIN_FREE_BYTES ((uint64_t)4 << 20)

/*
 * CC_OK if the file system of root ("" = $TMPDIR or /tmp) has at least
 * need bytes free; else CC_ESYS, err naming root and both sizes.
 */
int scratch_check_space(const char *root, uint64_t need, struct cc_err *err);

/*
 * After a failed compile in dir: did it fail because the disk filled up?
 * True if dir/stderr_name (read up to 64 KiB) says "No space left on
 * device" or is empty or missing (a failing gcc always says why, unless
 * it could not write its stderr), or dir's file system has less than
 * SCRATCH_MIN_FREE_BYTES free (a localized message would not say it in
 * English).
 */
bool scratch_disk_full(const char *dir, const char *stderr_name);

/* Remove dir and everything in it (NULL allowed). */
int scratch_remove(const char *dir);

#endif
