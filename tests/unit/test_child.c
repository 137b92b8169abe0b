/*
 * test_spawn.c - starting children (missing programs, PATH search, cwd,
 * redirections, environment), exit codes, signal state, process groups
 * and the timeout that must kill the whole group.
 */
#include "child.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "monotime.h"
#include "testutil.h"

static char *tmpdir;

static void
setup(void)
{
	tmpdir = tu_tmpdir_new("spawn");
}

static void
teardown(void)
{
	tu_tmpdir_free(tmpdir);
}

TestSuite(spawn, .init = setup, .fini = teardown, .timeout = 60);

/* Run /bin/sh -c script; returns its exit code. */
static int
run_sh(const char *script, const struct child_opts *base)
{
	const char *argv[] = {"/bin/sh", "-c", script, NULL};
	struct child_opts opts = {0};
	struct cc_err err;
	int code = -1;
	int rc;

	if (base)
		opts = *base;
	opts.argv = argv;
	rc = child_run(&opts, 10000, &code, &err);
	cr_assert_eq(rc, CC_OK, "child_run: %s", err.msg);
	return code;
}

/* True once no child of ours is left, zombie or running. */
static bool
no_children_left(void)
{
	return waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD;
}

Test(spawn, exit_code_is_reported)
{
	cr_assert_eq(run_sh("exit 3", NULL), 3);
	cr_assert_eq(run_sh("exit 0", NULL), 0);
	cr_assert_eq(run_sh("exit 255", NULL), 255);
}

Test(spawn, killed_by_signal_is_128_plus_signal)
{
	cr_assert_eq(run_sh("kill -9 $$", NULL), 128 + 9);
}

Test(spawn, missing_program_with_slash_fails_cleanly)
{
	const char *argv[] = {"/nonexistent/clustcc-no-such-prog", NULL};
	struct child_opts opts = {.argv = argv};
	struct cc_err err;
	pid_t pid = -7;

	cr_assert_eq(child_start(&opts, &pid, &err), CC_ESYS);
	cr_assert_eq(err.sys, ENOENT, "sys %d: %s", err.sys, err.msg);
	cr_assert_not_null(strstr(err.msg, argv[0]), "msg: %s", err.msg);
	cr_assert_eq(pid, -7, "pid written on failure");
	cr_assert(no_children_left(), "failed child not reaped");
}

Test(spawn, missing_program_in_path_fails_cleanly)
{
	const char *argv[] = {"clustcc-no-such-program-xyz", NULL};
	struct child_opts opts = {.argv = argv};
	struct cc_err err;
	int code = -1;

	cr_assert_eq(child_run(&opts, 1000, &code, &err), CC_ESYS);
	cr_assert_eq(err.sys, ENOENT, "sys %d: %s", err.sys, err.msg);
	cr_assert_not_null(strstr(err.msg, argv[0]), "msg: %s", err.msg);
	cr_assert_eq(code, -1);
	cr_assert(no_children_left());
}

Test(spawn, empty_argv_is_einval)
{
	const char *argv[] = {NULL};
	struct child_opts opts = {.argv = argv};
	pid_t pid;

	cr_assert_eq(child_start(&opts, &pid, NULL), CC_EINVAL);
	opts.argv = NULL;
	cr_assert_eq(child_start(&opts, &pid, NULL), CC_EINVAL);
}

Test(spawn, bare_name_is_searched_in_path)
{
	const char *argv[] = {"sh", "-c", "exit 7", NULL};
	struct child_opts opts = {.argv = argv};
	int code = -1;

	cr_assert_eq(child_run(&opts, 10000, &code, NULL), CC_OK);
	cr_assert_eq(code, 7);
}

Test(spawn, stdout_and_stderr_go_to_files)
{
	char out[4096];
	char errp[4096];
	struct child_opts opts = {0};
	char *data;

	tu_path(out, sizeof(out), tmpdir, "stdout");
	tu_path(errp, sizeof(errp), tmpdir, "stderr");
	opts.stdout_path = out;
	opts.stderr_path = errp;
	cr_assert_eq(run_sh("echo to-out; echo to-err >&2; exit 4", &opts), 4);
	data = tu_read_file(out, NULL);
	cr_assert_str_eq(data, "to-out\n");
	free(data);
	data = tu_read_file(errp, NULL);
	cr_assert_str_eq(data, "to-err\n");
	free(data);
}

Test(spawn, output_file_replaces_old_content)
{
	char out[4096];
	struct child_opts opts = {0};
	char *data;

	tu_path(out, sizeof(out), tmpdir, "stdout");
	tu_write_text(out, "old and much longer content\n");
	opts.stdout_path = out;
	cr_assert_eq(run_sh("echo new", &opts), 0);
	data = tu_read_file(out, NULL);
	cr_assert_str_eq(data, "new\n");
	free(data);
}

Test(spawn, stdin_comes_from_file)
{
	char in[4096];
	char out[4096];
	struct child_opts opts = {0};
	char *data;

	tu_path(in, sizeof(in), tmpdir, "stdin");
	tu_path(out, sizeof(out), tmpdir, "stdout");
	tu_write_text(in, "line one\nline two\n");
	opts.stdin_path = in;
	opts.stdout_path = out;
	cr_assert_eq(run_sh("cat", &opts), 0);
	data = tu_read_file(out, NULL);
	cr_assert_str_eq(data, "line one\nline two\n");
	free(data);
}

Test(spawn, cwd_is_applied)
{
	char out[4096];
	char want[PATH_MAX];
	struct child_opts opts = {0};
	char *data;
	size_t len;

	tu_path(out, sizeof(out), tmpdir, "stdout");
	/* getcwd() resolves symlinks as pwd -P does (/tmp may be one). */
	cr_assert_eq(chdir(tmpdir), 0);
	cr_assert_not_null(getcwd(want, sizeof(want)));
	cr_assert_eq(chdir("/"), 0);
	opts.cwd = tmpdir;
	opts.stdout_path = out;
	cr_assert_eq(run_sh("pwd -P; echo x > made-here", &opts), 0);
	data = tu_read_file(out, NULL);
	len = strlen(data);
	cr_assert_gt(len, 0);
	data[len - 1] = '\0';
	cr_assert_str_eq(data, want);
	free(data);
	tu_path(out, sizeof(out), tmpdir, "made-here");
	data = tu_read_file(out, NULL);
	cr_assert_str_eq(data, "x\n");
	free(data);
}

Test(spawn, missing_cwd_fails_and_names_it)
{
	const char *argv[] = {"/bin/sh", "-c", "exit 0", NULL};
	char dir[4096];
	struct child_opts opts = {.argv = argv};
	struct cc_err err;
	pid_t pid;

	tu_path(dir, sizeof(dir), tmpdir, "nosuch");
	opts.cwd = dir;
	cr_assert_eq(child_start(&opts, &pid, &err), CC_ESYS);
	cr_assert_not_null(strstr(err.msg, dir), "msg: %s", err.msg);
	cr_assert(no_children_left());
}

Test(spawn, unwritable_stdout_path_fails)
{
	const char *argv[] = {"/bin/sh", "-c", "exit 0", NULL};
	char out[4096];
	struct child_opts opts = {.argv = argv};
	struct cc_err err;
	pid_t pid;

	tu_path(out, sizeof(out), tmpdir, "nosuch/stdout");
	opts.stdout_path = out;
	cr_assert_eq(child_start(&opts, &pid, &err), CC_ESYS);
	cr_assert_eq(err.sys, ENOENT, "sys %d: %s", err.sys, err.msg);
	cr_assert(no_children_left());
}

Test(spawn, envp_replaces_environment)
{
	const char *env[] = {"CLUSTCC_T=from-envp", NULL};
	char out[4096];
	struct child_opts opts = {0};
	char *data;

	cr_assert_eq(setenv("CLUSTCC_PARENT", "leak", 1), 0);
	tu_path(out, sizeof(out), tmpdir, "stdout");
	opts.envp = env;
	opts.stdout_path = out;
	cr_assert_eq(
	        run_sh("echo \"$CLUSTCC_T:${CLUSTCC_PARENT-unset}\"", &opts),
	        0);
	data = tu_read_file(out, NULL);
	cr_assert_str_eq(data, "from-envp:unset\n");
	free(data);
}

Test(spawn, null_envp_inherits_environment)
{
	char out[4096];
	struct child_opts opts = {0};
	char *data;

	cr_assert_eq(setenv("CLUSTCC_PARENT", "inherited", 1), 0);
	tu_path(out, sizeof(out), tmpdir, "stdout");
	opts.stdout_path = out;
	cr_assert_eq(run_sh("echo \"$CLUSTCC_PARENT\"", &opts), 0);
	data = tu_read_file(out, NULL);
	cr_assert_str_eq(data, "inherited\n");
	free(data);
}

/*
 * A child must not inherit our ignored or blocked signals: with SIGTERM
 * ignored and blocked here, the child's own SIGTERM must still kill it.
 */
Test(spawn, child_gets_default_signal_state)
{
	sigset_t set;

	cr_assert_eq(sigemptyset(&set), 0);
	cr_assert_eq(sigaddset(&set, SIGTERM), 0);
	cr_assert_eq(signal(SIGINT, SIG_IGN) == SIG_ERR, false);
	cr_assert_eq(signal(SIGTERM, SIG_IGN) == SIG_ERR, false);
	cr_assert_eq(run_sh("kill -TERM $$; exit 0", NULL), 128 + SIGTERM);
	cr_assert_eq(signal(SIGTERM, SIG_DFL) == SIG_ERR, false);
	cr_assert_eq(sigprocmask(SIG_BLOCK, &set, NULL), 0);
	cr_assert_eq(run_sh("kill -TERM $$; exit 0", NULL), 128 + SIGTERM);
	cr_assert_eq(run_sh("kill -INT $$; exit 0", NULL), 128 + SIGINT);
}

Test(spawn, child_leads_its_own_process_group)
{
	const char *argv[] = {"/bin/sh", "-c", "sleep 30", NULL};
	struct child_opts opts = {.argv = argv};
	pid_t pid;
	int code = -1;

	cr_assert_eq(child_start(&opts, &pid, NULL), CC_OK);
	cr_assert_eq(getpgid(pid), pid);
	cr_assert_neq(getpgid(pid), getpgrp());
	child_kill(pid);
	cr_assert_eq(child_wait(pid, 5000, &code, NULL), CC_OK);
	cr_assert_eq(code, 128 + SIGKILL);
}

Test(spawn, poll_reports_running_then_done)
{
	const char *argv[] = {"/bin/sh", "-c", "sleep 30", NULL};
	const char *quick[] = {"/bin/sh", "-c", "exit 3", NULL};
	struct child_opts opts = {.argv = argv};
	int64_t deadline;
	bool done = true;
	int code = -1;
	pid_t pid;

	cr_assert_eq(child_start(&opts, &pid, NULL), CC_OK);
	cr_assert_eq(child_poll(pid, &done, &code, NULL), CC_OK);
	cr_assert_eq(done, false);
	cr_assert_eq(code, -1, "exit code written while running");
	child_kill(pid);
	cr_assert_eq(child_wait(pid, 5000, &code, NULL), CC_OK);

	opts.argv = quick;
	cr_assert_eq(child_start(&opts, &pid, NULL), CC_OK);
	deadline = monotime_ms() + 10000;
	done = false;
	while (!done && monotime_ms() < deadline) {
		struct timespec ts = {0, 1000000};

		cr_assert_eq(child_poll(pid, &done, &code, NULL), CC_OK);
		nanosleep(&ts, NULL);
	}
	cr_assert(done);
	cr_assert_eq(code, 3);
	/* Reaped: polling again is an error, not a second exit. */
	cr_assert_eq(child_poll(pid, &done, &code, NULL), CC_ESYS);
}

Test(spawn, poll_and_wait_reject_foreign_pids)
{
	bool done;
	int code;
	struct cc_err err;

	cr_assert_eq(child_poll(0, &done, &code, NULL), CC_EINVAL);
	cr_assert_eq(child_poll(-1, &done, &code, NULL), CC_EINVAL);
	cr_assert_eq(child_wait(1, 100, &code, &err), CC_ESYS);
	cr_assert_eq(err.sys, ECHILD);
}

/* child_kill(0) must not become kill(0): that is our own group. */
Test(spawn, kill_of_pid_0_kills_nobody)
{
	pid_t pid = fork();
	int status;

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		/* A group of our own, so a wrong kill(0) hits only us. */
		if (setpgid(0, 0) != 0)
			_exit(2);
		child_kill(0);
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status), "child killed by signal %d",
	          WTERMSIG(status));
	cr_assert_eq(WEXITSTATUS(status), 0);
}

/*
 * The shell stays alive as the parent of a background sleep that writes
 * its pid; the timeout must kill both, i.e. the whole group, within the
 * deadline.
 */
Test(spawn, wait_timeout_kills_process_group)
{
	char pidfile[4096];
	char script[3 * 4096 + 64];
	const char *argv[] = {"/bin/sh", "-c", script, NULL};
	struct child_opts opts = {.argv = argv};
	struct cc_err err;
	int64_t t0;
	int64_t took;
	int code = -1;
	pid_t pid;
	pid_t sleeper;
	char *data;

	tu_path(pidfile, sizeof(pidfile), tmpdir, "sleeper.pid");
	snprintf(script, sizeof(script),
	         "sleep 30 & echo $! > '%s.tmp' && mv '%s.tmp' '%s'; wait",
	         pidfile, pidfile, pidfile);
	cr_assert_eq(child_start(&opts, &pid, NULL), CC_OK);
	/* Wait for the sleeper's pid, with a deadline. */
	t0 = monotime_ms();
	while (access(pidfile, R_OK) != 0 && monotime_ms() - t0 < 10000) {
		struct timespec ts = {0, 5000000};

		nanosleep(&ts, NULL);
	}
	data = tu_read_file(pidfile, NULL);
	sleeper = (pid_t)atol(data);
	free(data);
	cr_assert_gt(sleeper, 1);

	t0 = monotime_ms();
	cr_assert_eq(child_wait(pid, 300, &code, &err), CC_ETIMEDOUT);
	took = monotime_ms() - t0;
	cr_assert_geq(took, 300);
	cr_assert_lt(took, 2000, "timeout took %lld ms", (long long)took);
	cr_assert_eq(code, -1, "exit code written on timeout");
	cr_assert(no_children_left(), "timed-out child not reaped");

	/*
	 * The sleeper is not our child; once killed it is gone or a zombie
	 * waiting for init. Without the group kill it sleeps on ('S').
	 */
	t0 = monotime_ms();
	for (;;) {
		char statpath[64];
		char buf[512];
		char *p;
		FILE *f;
		size_t n;

		snprintf(statpath, sizeof(statpath), "/proc/%ld/stat",
		         (long)sleeper);
		f = fopen(statpath, "r");
		if (!f)
			break; /* gone */
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		p = strrchr(buf, ')');
		if (p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'))
			break;
		cr_assert_lt(monotime_ms() - t0, 2000,
		             "sleeper %ld still alive: %s", (long)sleeper, buf);
		{
			struct timespec ts = {0, 5000000};

			nanosleep(&ts, NULL);
		}
	}
}

Test(spawn, run_with_zero_timeout_waits_without_limit)
{
	const char *argv[] = {"/bin/sh", "-c", "sleep 0.2; exit 5", NULL};
	struct child_opts opts = {.argv = argv};
	int code = -1;

	cr_assert_eq(child_run(&opts, 0, &code, NULL), CC_OK);
	cr_assert_eq(code, 5);
}
