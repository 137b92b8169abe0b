/*
 * child.h - run a child process with posix_spawn.
 *
 * Why posix_spawn: fork() after MPI_Init is unsafe with some transports
 * (Open MPI warns against fork/system/popen); posix_spawn uses vfork/clone
 * semantics and execs at once, so no MPI state runs in the child. The child
 * gets a default signal mask and dispositions and its own process group, so
 * child_kill() ends the whole compiler (driver, cc1, as). Its stdin/stdout/
 * stderr are files or inherited: no pipes to drain, no deadlock.
 *
 * Called only from the thread that owns the child (server main thread,
 * client). Nothing here blocks except child_wait().
 */
#ifndef CLUSTCC_COMMON_CHILD_H
#define CLUSTCC_COMMON_CHILD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "ccerr.h"

struct child_opts {
	/* argv[0] is run as given if it holds a '/', else searched in PATH. */
	const char *const *argv;
	/*
	 * If set, the file run instead, argv[0] still passed as given: a
	 * worker runs the allow-listed real path of a compiler under the
	 * name the client used, so gcc's messages ("gcc: warning: ...") match.
	 */
	const char *path;
	const char *const *envp; /* NULL: inherit environ */
	const char *cwd;         /* NULL: inherit */
	const char *stdin_path;  /* NULL: inherit; "/dev/null" is fine */
	const char
	        *stdout_path; /* NULL: inherit; else created/truncated 0644 */
	const char
	        *stderr_path; /* NULL: inherit; else created/truncated 0644 */
	/*
	 * false: the child gets a process group of its own, so child_kill()
	 * ends the whole compiler (server side). true: it stays in the
	 * caller's group, so a Ctrl-C at the terminal reaches it as it would
	 * reach gcc run by make (client side).
	 */
	bool in_caller_group;
};

/*
 * Start a child. On success *pid is set. Fails with CC_ESYS (err names
 * argv[0]) if the program cannot be started, e.g. does not exist.
 */
int child_start(const struct child_opts *opts, pid_t *pid, struct cc_err *err);

/*
 * Poll a child without blocking: *done is true once it exited and was
 * reaped, with *exit_code its exit code (0-255), or 128+signal if killed.
 */
int child_poll(pid_t pid, bool *done, int *exit_code, struct cc_err *err);

/*
 * Wait for a child; after timeout_ms (0 = no limit) kill its process group
 * and return CC_ETIMEDOUT. *exit_code as in child_poll().
 */
int child_wait(pid_t pid, int64_t timeout_ms, int *exit_code,
               struct cc_err *err);

/* Send SIGKILL to the child's process group. */
void child_kill(pid_t pid);

/* Convenience: child_start() + child_wait(). */
int child_run(const struct child_opts *opts, int64_t timeout_ms, int *exit_code,
              struct cc_err *err);

#endif
