/*
 * test_localslots.c - the node-wide bound on local compiles: the limit's
 * environment variable, the private directory's safety checks, and that
 * no more than `limit` processes ever hold a slot at once.
 */
#define _DEFAULT_SOURCE /* usleep(), MAP_ANONYMOUS */
#include <criterion/criterion.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "localslots.h"
#include "testutil.h"

static char *base;
static char dir[4096];

static void
setup(void)
{
	struct cc_err err;

	base = tu_tmpdir_new("localslots");
	cr_assert_eq(localslots_dir(base, dir, sizeof(dir), &err), CC_OK, "%s",
	             err.msg);
}

static void
teardown(void)
{
	tu_tmpdir_free(base);
}

TestSuite(localslots, .init = setup, .fini = teardown);

Test(localslots, limit_defaults_to_the_cpu_count)
{
	unsetenv("CLUSTCC_LOCAL_JOBS");
	cr_assert_eq(localslots_limit(NULL),
	             (int)sysconf(_SC_NPROCESSORS_ONLN));
}

Test(localslots, limit_comes_from_the_environment_and_zero_is_unlimited)
{
	setenv("CLUSTCC_LOCAL_JOBS", "3", 1);
	cr_assert_eq(localslots_limit(NULL), 3);
	setenv("CLUSTCC_LOCAL_JOBS", "0", 1);
	cr_assert_eq(localslots_limit(NULL), 0);
}

Test(localslots, bad_limit_names_the_variable_and_uses_the_default)
{
	static const char *const bad[] = {"abc", "-1", "2x", "99999"};
	struct cc_err err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cc_err_clear(&err);
		setenv("CLUSTCC_LOCAL_JOBS", bad[i], 1);
		cr_assert_eq(localslots_limit(&err),
		             (int)sysconf(_SC_NPROCESSORS_ONLN));
		cr_assert_eq(err.code, CC_EINVAL);
		cr_assert(strstr(err.msg, "CLUSTCC_LOCAL_JOBS") != NULL, "%s",
		          err.msg);
	}
}

Test(localslots, directory_is_private_and_ours)
{
	struct stat st;

	cr_assert_eq(lstat(dir, &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
	cr_assert_eq(st.st_mode & 0777, 0700);
	cr_assert_eq(st.st_uid, getuid());
	/* A second call finds it and accepts it. */
	cr_assert_eq(localslots_dir(base, dir, sizeof(dir), NULL), CC_OK);
}

Test(localslots, symlinked_directory_is_refused)
{
	char other[4096], link_base[2048], link_dir[4096], out[4096];
	struct cc_err err;

	tu_path(other, sizeof(other), base, "elsewhere");
	tu_path(link_base, sizeof(link_base), base, "b");
	cr_assert_eq(mkdir(other, 0700), 0);
	cr_assert_eq(mkdir(link_base, 0700), 0);
	snprintf(link_dir, sizeof(link_dir), "%s/clustcc-%ld", link_base,
	         (long)getuid());
	cr_assert_eq(symlink(other, link_dir), 0);
	cr_assert_eq(localslots_dir(link_base, out, sizeof(out), &err),
	             CC_ESYS);
	cr_assert(strstr(err.msg, link_dir) != NULL, "%s", err.msg);
}

Test(localslots, directory_open_to_others_is_refused)
{
	struct cc_err err;

	cr_assert_eq(chmod(dir, 0777), 0);
	cr_assert_eq(localslots_dir(base, dir, sizeof(dir), &err), CC_ESYS);
	cr_assert(strstr(err.msg, "open to others") != NULL, "%s", err.msg);
}

Test(localslots, symlinked_slot_file_is_refused)
{
	char slot0[4096], target[4096];
	int fd = -1, slot = -1;
	struct cc_err err;

	tu_path(slot0, sizeof(slot0), dir, "slot.0");
	tu_path(target, sizeof(target), base, "target");
	tu_write_text(target, "");
	cr_assert_eq(symlink(target, slot0), 0);
	cr_assert_eq(localslots_acquire(dir, 1, 0, &fd, &slot, &err), CC_ESYS);
	cr_assert_eq(fd, -1);
	cr_assert(strstr(err.msg, "slot.0") != NULL, "%s", err.msg);
}

Test(localslots, full_slots_wait_and_a_release_frees_one)
{
	int a = -1, b = -1, c = -1, sa, sb, sc;
	struct cc_err err;

	cr_assert_eq(localslots_acquire(dir, 2, 0, &a, &sa, NULL), CC_OK);
	cr_assert_eq(localslots_acquire(dir, 2, 0, &b, &sb, NULL), CC_OK);
	cr_assert_neq(sa, sb);
	cr_assert_eq(localslots_acquire(dir, 2, 50, &c, &sc, &err),
	             CC_ETIMEDOUT);
	cr_assert(strstr(err.msg, "2 local slots") != NULL, "%s", err.msg);
	localslots_release(a);
	cr_assert_eq(localslots_acquire(dir, 2, 0, &c, &sc, NULL), CC_OK);
	cr_assert_eq(sc, sa);
	localslots_release(b);
	localslots_release(c);
}

Test(localslots, a_dead_holder_leaves_its_slot_free)
{
	int fd = -1, slot, status;
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int mine, s;

		if (localslots_acquire(dir, 1, 0, &mine, &s, NULL) != CC_OK)
			_exit(1);
		raise(SIGKILL); /* dies holding it, never releases */
		_exit(2);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	cr_assert_eq(localslots_acquire(dir, 1, 0, &fd, &slot, NULL), CC_OK);
	localslots_release(fd);
}

/* Children compete for 2 slots; count holders in shared memory. */
Test(localslots, never_more_holders_than_the_limit)
{
	enum { CHILDREN = 8, LIMIT = 2 };
	_Atomic int *shared =
	        mmap(NULL, 2 * sizeof(*shared), PROT_READ | PROT_WRITE,
	             MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	cr_assert_neq(shared, MAP_FAILED);
	atomic_init(&shared[0], 0); /* holders now */
	atomic_init(&shared[1], 0); /* most holders seen */
	for (int i = 0; i < CHILDREN; i++) {
		pid_t pid = fork();

		cr_assert_geq(pid, 0);
		if (pid == 0) {
			int fd, slot, now, peak;

			if (localslots_acquire(dir, LIMIT, 30000, &fd, &slot,
			                       NULL) != CC_OK)
				_exit(1);
			now = atomic_fetch_add(&shared[0], 1) + 1;
			peak = atomic_load(&shared[1]);
			while (now > peak && !atomic_compare_exchange_weak(
			                             &shared[1], &peak, now))
				;
			usleep(20000);
			atomic_fetch_sub(&shared[0], 1);
			localslots_release(fd);
			_exit(0);
		}
	}
	for (int i = 0; i < CHILDREN; i++) {
		int status;

		cr_assert_gt(wait(&status), 0);
		cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	cr_assert_leq(atomic_load(&shared[1]), LIMIT);
	cr_assert_geq(atomic_load(&shared[1]), 1);
	munmap(shared, 2 * sizeof(*shared));
}
