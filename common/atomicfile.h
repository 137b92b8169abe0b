/*
 * atomicfile.h - publish a file so that readers see either the old file or
 * the complete new one, never a half-written one: write a temporary file
 * in the target's directory, fsync, set the mode, rename over the target.
 * Stateless, thread-safe.
 */
#ifndef CLUSTCC_COMMON_ATOMICFILE_H
#define CLUSTCC_COMMON_ATOMICFILE_H

#include <stddef.h>
#include <sys/types.h>

#include "ccerr.h"

/*
 * Write len bytes of data to path atomically. mode is applied as given
 * when respect_umask is 0 (e.g. 0600 for the port file), or as
 * mode & ~umask like open(2) would when respect_umask is 1 (objects: 0666,
 * as gcc creates them). On failure the target is untouched, the temporary
 * file is removed, and err names path: CC_ESYS (errno in err->sys).
 */
int atomicfile_write(const char *path, const void *data, size_t len,
                     mode_t mode, int respect_umask, struct cc_err *err);

#endif
