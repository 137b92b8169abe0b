/*
 * localslots.h - a node-wide bound on local compiles. When the server is
 * gone, a `make -j64` falls back to 64 local compilers on the submit node
 * at once; with this, at most N run and the rest wait their turn. N slot
 * files in a private per-user directory, each held with flock(): a lock
 * vanishes when its process dies, so a killed compile never leaks a slot.
 * Single-threaded callers (each clustcc-gcc process holds at most one).
 */
#ifndef CLUSTCC_CLIENT_LOCALSLOTS_H
#define CLUSTCC_CLIENT_LOCALSLOTS_H

#include <stddef.h>

#include "ccerr.h"

/*
 * The limit: $CLUSTCC_LOCAL_JOBS (0 = unlimited) or else the number of
 * online CPUs. A malformed value fills err (naming the variable) and
 * returns the CPU count.
 */
int localslots_limit(struct cc_err *err);

/*
 * Make (or check) the slot directory "<base>/clustcc-<uid>" in dir: mode
 * 0700, owned by us, not a symlink. base NULL means "/tmp", the one place
 * every process of the user on this node shares ($TMPDIR may differ per
 * job). CC_ESYS if it cannot be made safe (err names the path and why).
 */
int localslots_dir(const char *base, char *dir, size_t size,
                   struct cc_err *err);

/*
 * Take one of limit slots in dir, waiting (sleeps backing off from 5 to
 * 100 ms) while all are held, at most max_wait_ms (< 0: forever). On
 * success *fd holds the lock (O_CLOEXEC: the compiler does not inherit
 * it) and *slot its number; release with localslots_release(). Errors:
 * CC_ETIMEDOUT after max_wait_ms, CC_ESYS if a slot file cannot be opened
 * safely (a symlink or another user's file).
 */
int localslots_acquire(const char *dir, int limit, long max_wait_ms, int *fd,
                       int *slot, struct cc_err *err);

/* Give the slot back (fd < 0 allowed). */
void localslots_release(int fd);

#endif
