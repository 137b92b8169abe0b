/*
 * child.c - start, poll, wait for and kill child processes.
 *
 * Why posix_spawn and never fork(): the server calls this after
 * MPI_Init, and fork() in an MPI process is unsafe with some transports
 * (Open MPI's FAQ warns against fork(), system() and popen(): registered
 * memory and progress threads do not survive in the child). glibc's
 * posix_spawn clones with CLONE_VM | CLONE_VFORK and execs at once, so no
 * MPI or nng code runs in the child, and since glibc 2.24 it returns the
 * exec's errno, so a missing program is an error return here rather than
 * a child that exits 127.
 *
 * Every child gets an empty signal mask, default dispositions for all
 * signals (we may ignore or block some; a compiler must not inherit that)
 * and its own process group, so child_kill() ends the driver and
 * everything it started (cc1, as, collect2). The parent is suspended
 * until the child has exec'ed, so the group exists when child_start()
 * returns and an immediate child_kill() cannot miss it.
 *
 * Redirections are opened before the chdir, so relative stdio paths mean
 * what they mean to the caller; a relative argv[0] holding a '/' is
 * looked up after it, in cwd. A bare argv[0] is searched in the caller's
 * PATH, not in opts->envp (posix_spawnp).
 *
 * Called only by the thread that owns the child; nothing is shared.
 */
/*
 * For posix_spawn_file_actions_addchdir_np() (glibc >= 2.29): the child
 * must start in the job's directory, and chdir() in the parent would move
 * every thread. glibc declares it only under _GNU_SOURCE.
 */
#define _GNU_SOURCE
#define LOG_MODULE "child"
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "monotime.h"

/* Bounds of the sleep between polls in child_wait(). */
#define SPAWN_NAP_MIN_MS 1
#define SPAWN_NAP_MAX_MS 20

/* Returns 0 or an errno value, like the posix_spawn calls it makes. */
static int
set_attr(posix_spawnattr_t *attr, bool own_group)
{
	sigset_t none;
	sigset_t all;
	int rc;

	if (sigemptyset(&none) != 0 || sigfillset(&all) != 0)
		return EINVAL;
	rc = posix_spawnattr_setflags(
	        attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
	                      (own_group ? POSIX_SPAWN_SETPGROUP : 0));
	if (rc == 0)
		rc = posix_spawnattr_setsigmask(attr, &none);
	if (rc == 0)
		rc = posix_spawnattr_setsigdefault(attr, &all);
	/* Group 0: a new group whose id is the child's pid. */
	if (rc == 0)
		rc = posix_spawnattr_setpgroup(attr, 0);
	return rc;
}

/*
 * Returns 0 or an errno value. No O_CLOEXEC here: these fds are the
 * child's stdin/stdout/stderr and must survive its exec.
 */
static int
add_actions(posix_spawn_file_actions_t *fa, const struct child_opts *opts)
{
	const int out_flags = O_WRONLY | O_CREAT | O_TRUNC;
	int rc = 0;

	if (opts->stdin_path)
		rc = posix_spawn_file_actions_addopen(
		        fa, STDIN_FILENO, opts->stdin_path, O_RDONLY, 0);
	if (rc == 0 && opts->stdout_path)
		rc = posix_spawn_file_actions_addopen(
		        fa, STDOUT_FILENO, opts->stdout_path, out_flags, 0644);
	if (rc == 0 && opts->stderr_path)
		rc = posix_spawn_file_actions_addopen(
		        fa, STDERR_FILENO, opts->stderr_path, out_flags, 0644);
	if (rc == 0 && opts->cwd)
		rc = posix_spawn_file_actions_addchdir_np(fa, opts->cwd);
	return rc;
}

/* Returns 0 or an errno value; *pid is set on success. */
static int
do_spawn(const struct child_opts *opts, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	/* POSIX's prototypes predate const; the strings are not modified. */
	char *const *argv = (char *const *)opts->argv;
	char *const *envp = opts->envp ? (char *const *)opts->envp : environ;
	int rc;

	rc = posix_spawnattr_init(&attr);
	if (rc != 0)
		return rc;
	rc = posix_spawn_file_actions_init(&fa);
	if (rc != 0)
		goto out_attr;
	rc = set_attr(&attr, !opts->in_caller_group);
	if (rc == 0)
		rc = add_actions(&fa, opts);
	if (rc == 0 && opts->path)
		rc = posix_spawn(pid, opts->path, &fa, &attr, argv, envp);
	else if (rc == 0 && strchr(argv[0], '/'))
		rc = posix_spawn(pid, argv[0], &fa, &attr, argv, envp);
	else if (rc == 0)
		rc = posix_spawnp(pid, argv[0], &fa, &attr, argv, envp);
	/* The destroy calls fail only for an uninitialised object. */
	(void)posix_spawn_file_actions_destroy(&fa);
out_attr:
	(void)posix_spawnattr_destroy(&attr);
	return rc;
}

int
child_start(const struct child_opts *opts, pid_t *pid, struct cc_err *err)
{
	pid_t child;
	int rc;

	if (!opts || !opts->argv || !opts->argv[0] || !opts->argv[0][0])
		return cc_err_set(err, CC_EINVAL,
		                  "child_start: no program to run");
	rc = do_spawn(opts, &child);
	if (rc != 0 && opts->cwd)
		return cc_err_sys(err, CC_ESYS, rc,
		                  "cannot start '%s' in directory '%s'",
		                  opts->argv[0], opts->cwd);
	if (rc != 0)
		return cc_err_sys(err, CC_ESYS, rc, "cannot start '%s'",
		                  opts->argv[0]);
	log_debug("started '%s' as pid %ld", opts->argv[0], (long)child);
	*pid = child;
	return CC_OK;
}

/* Exit code as a shell reports it; -1 for a status we did not ask for. */
static int
status_to_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

int
child_poll(pid_t pid, bool *done, int *exit_code, struct cc_err *err)
{
	pid_t r;
	int status;
	int code;

	/* waitpid(0 or -1) would reap some other child. */
	if (pid < 1)
		return cc_err_set(err, CC_EINVAL, "child_poll: invalid pid %ld",
		                  (long)pid);
	do {
		r = waitpid(pid, &status, WNOHANG);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return cc_err_sys(err, CC_ESYS, errno,
		                  "cannot wait for child %ld", (long)pid);
	if (r == 0) {
		*done = false;
		return CC_OK;
	}
	code = status_to_code(status);
	/* Without WUNTRACED/WCONTINUED waitpid reports only exits. */
	if (code < 0) {
		log_error("child %ld: unexpected wait status %#x", (long)pid,
		          (unsigned)status);
		return cc_err_set(err, CC_EINTERNAL,
		                  "child %ld: unexpected wait status %#x",
		                  (long)pid, (unsigned)status);
	}
	*done = true;
	*exit_code = code;
	return CC_OK;
}

static void
nap_ms(int64_t ms)
{
	struct timespec ts = {.tv_sec = (time_t)(ms / 1000),
	                      .tv_nsec = (long)(ms % 1000) * 1000000L};

	/* Waking early on a signal only means one more poll. */
	(void)nanosleep(&ts, NULL);
}

/* Blocking reap of a child just sent SIGKILL. */
static void
reap_killed(pid_t pid)
{
	pid_t r;

	do {
		r = waitpid(pid, NULL, 0);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		log_warn("cannot reap killed child %ld: %s", (long)pid,
		         strerror(errno));
}

/*
 * Poll with a sleep that doubles from 1 to 20 ms, so a long compile costs
 * ~50 wake-ups a second and no CPU; the exit is noticed at most 20 ms
 * late (by design, not yet measured in tests/bench/).
 */
int
child_wait(pid_t pid, int64_t timeout_ms, int *exit_code, struct cc_err *err)
{
	int64_t deadline = timeout_ms > 0 ? monotime_ms() + timeout_ms : 0;
	int64_t nap = SPAWN_NAP_MIN_MS;
	int64_t left;
	bool done;
	int code;
	int rc;

	for (;;) {
		rc = child_poll(pid, &done, &code, err);
		if (rc != CC_OK)
			return rc;
		if (done) {
			*exit_code = code;
			return CC_OK;
		}
		left = deadline ? deadline - monotime_ms() : nap;
		if (left <= 0)
			break;
		nap_ms(nap < left ? nap : left);
		if (nap < SPAWN_NAP_MAX_MS)
			nap = nap * 2 < SPAWN_NAP_MAX_MS ? nap * 2
			                                 : SPAWN_NAP_MAX_MS;
	}
	child_kill(pid);
	reap_killed(pid);
	return cc_err_set(
	        err, CC_ETIMEDOUT,
	        "child %ld still running after %lld ms; killed its process group",
	        (long)pid, (long long)timeout_ms);
}

void
child_kill(pid_t pid)
{
	/*
	 * kill(-0) would hit our own group and kill(-1) every process we
	 * may signal; neither pid can be a child of ours.
	 */
	if (pid <= 1)
		return;
	/* ESRCH: the group is already gone, which is what we want. */
	if (kill(-pid, SIGKILL) != 0 && errno != ESRCH)
		log_warn("cannot kill process group %ld: %s", (long)pid,
		         strerror(errno));
}

int
child_run(const struct child_opts *opts, int64_t timeout_ms, int *exit_code,
          struct cc_err *err)
{
	pid_t pid;
	int rc;

	rc = child_start(opts, &pid, err);
	if (rc != CC_OK)
		return rc;
	return child_wait(pid, timeout_ms, exit_code, err);
}
