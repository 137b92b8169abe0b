/*
 * testutil.h - helpers shared by the unit tests: a private temporary
 * directory per test, and whole-file writes and reads for fixtures.
 *
 * Call these only from inside a Criterion test (or its .init/.fini): a
 * helper that cannot do its job fails the running test with cr_assert
 * instead of returning an error.
 */
#ifndef CLUSTCC_TESTS_TESTUTIL_H
#define CLUSTCC_TESTS_TESTUTIL_H

#include <stddef.h>

/*
 * Create a new private (0700) directory /tmp/clustcc-test-<name>.XXXXXX.
 * Returns its path, which the caller releases with tu_tmpdir_free().
 */
char *tu_tmpdir_new(const char *name);

/* Remove dir and everything in it, then free the string; NULL is allowed. */
void tu_tmpdir_free(char *dir);

/*
 * Remove path and everything below it, like rm -rf: symbolic links are
 * removed, never followed. Errors are ignored; NULL does nothing.
 */
void tu_rm_rf(const char *path);

/* buf = "dir/name", cut to size like snprintf(). */
void tu_path(char *buf, size_t size, const char *dir, const char *name);

/* Entries of dir other than "." and ".."; dir must exist. */
int tu_count_entries(const char *dir);

/* Create or truncate path and write the len bytes of data to it. */
void tu_write_file(const char *path, const void *data, size_t len);

/* tu_write_file() of the string text, without its NUL. */
void tu_write_text(const char *path, const char *text);

/*
 * The whole of path (at most 1 MiB), which must exist, NUL-terminated.
 * *len gets its size when len is not NULL. The caller frees the result.
 */
char *tu_read_file(const char *path, size_t *len);

#endif
