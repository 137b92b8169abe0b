/*
 * fileio.h - whole-file reads with a size limit. Stateless, thread-safe.
 */
#ifndef CLUSTCC_COMMON_FILEIO_H
#define CLUSTCC_COMMON_FILEIO_H

#include <stddef.h>

#include "ccerr.h"

/*
 * Read all of path into a new buffer (NUL-terminated for convenience; the
 * NUL is not counted in *len). Fails with CC_ENOENT if path does not
 * exist, CC_ETOOBIG if it holds more than max_bytes, CC_ESYS otherwise;
 * err names the file. On success *data is the caller's to free().
 */
int fileio_read_all(const char *path, size_t max_bytes, char **data,
                    size_t *len, struct cc_err *err);

/* Write all len bytes to fd, retrying on EINTR and short writes. */
int fileio_write_all(int fd, const void *data, size_t len);

#endif
