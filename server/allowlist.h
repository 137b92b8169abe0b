/*
 * allowlist.h - the compilers a rank may run (cfg allowed_compilers).
 *
 * A request names its compiler by path; that path is never run as given
 * (distcc's CVE-2004-2687 was a daemon that ran whatever a request named).
 * A rank resolves it with realpath() and runs the resolved file only if it
 * is a regular executable file that an entry of the list names: an
 * absolute path (itself resolved when the list is built) or an fnmatch(3)
 * pattern matched, with FNM_PATHNAME, against the resolved path. An empty
 * configured list means the gcc, g++, cc and c++ found on the rank's PATH
 * when the list is built, resolved.
 *
 * Built once per rank at start; read-only afterwards, so any thread may
 * call allowlist_resolve().
 */
#ifndef CLUSTCC_SERVER_ALLOWLIST_H
#define CLUSTCC_SERVER_ALLOWLIST_H

#include <stddef.h>

#include "ccerr.h"
#include "cfg.h"

struct allowlist;

/*
 * The list of this rank from cfg allowed_compilers and $PATH, its entries
 * logged. NULL (logged as an error) only when out of memory: then every
 * compile is refused and clients compile locally. Caller frees.
 */
struct allowlist *allowlist_for_rank(const struct cfg *cfg);

/*
 * Build a list from entries[0..n) (borrowed); n == 0: the default
 * compilers found in path_env (a PATH value; NULL or "" = none found).
 * Entries must be absolute (cfg checks this): CC_EINVAL otherwise, with
 * err naming the entry. On success *out is the caller's (allowlist_free).
 */
int allowlist_new(char *const *entries, size_t n, const char *path_env,
                  struct allowlist **out, struct cc_err *err);

/* Free everything (NULL allowed). */
void allowlist_free(struct allowlist *al);

/*
 * Resolve path and check it against al (NULL: nothing is allowed). On
 * success *resolved is the malloc'd real path to execute (caller frees).
 * CC_ENOENT if path cannot be resolved, CC_EINVAL if the resolved file is
 * not on the list or not a regular executable file; err says which.
 */
int allowlist_resolve(const struct allowlist *al, const char *path,
                      char **resolved, struct cc_err *err);

/* Number of entries, and entry i (borrowed, lives as long as al). */
size_t allowlist_count(const struct allowlist *al);
const char *allowlist_entry(const struct allowlist *al, size_t i);

#endif
