/*
 * envset.h - the environment of a child process: a base environment (the
 * caller's environ) with some variables set, replaced or removed.
 * clustcc-ctl run uses it to give mpirun and COMMAND their variables
 * without touching its own environment. Stateless, thread-safe.
 */
#ifndef CLUSTCC_CLIENT_ENVSET_H
#define CLUSTCC_CLIENT_ENVSET_H

#include <stddef.h>

#include "ccerr.h"

/*
 * Build in *out a NULL-terminated array: every "NAME=VALUE" of base (in
 * order) whose NAME no change names, then every change of the form
 * "NAME=VALUE". A change without '=' ("NAME") only removes NAME. Names
 * match whole: a change to PATH leaves PATHEXT alone. base and changes
 * may hold the same name once each; the strings are borrowed (they must
 * outlive *out) and the caller frees only the array, with free().
 * Returns CC_OK, or CC_ENOMEM (*out untouched).
 */
int envset_apply(const char *const *base, const char *const *changes,
                 size_t n_changes, const char ***out);

#endif
