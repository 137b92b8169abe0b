/*
 * test_allowlist.c - a rank runs only compilers its list names: matched
 * by real path (symlinks resolved, in the list and in the request), by
 * fnmatch pattern, or found on PATH by default; anything else, a symlink
 * to /bin/sh named gcc included, is refused.
 */
#define _XOPEN_SOURCE 700 /* realpath(), symlink() */
#include "allowlist.h"

#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

static char *tmpdir;
static char real_tmp[PATH_MAX];

static void
setup(void)
{
	tmpdir = tu_tmpdir_new("allowlist");
	cr_assert_not_null(realpath(tmpdir, real_tmp));
}

static void
teardown(void)
{
	tu_tmpdir_free(tmpdir);
}

TestSuite(allowlist, .init = setup, .fini = teardown);

/* tmpdir/name as an executable script (or plain file with mode). */
static void
make_file(const char *name, mode_t mode, char *path, size_t size)
{
	tu_path(path, size, real_tmp, name);
	tu_write_text(path, "#!/bin/sh\nexit 0\n");
	cr_assert_eq(chmod(path, mode), 0);
}

static struct allowlist *
new_list(char **entries, size_t n, const char *path_env)
{
	struct allowlist *al = NULL;
	struct cc_err err;

	cr_assert_eq(allowlist_new(entries, n, path_env, &al, &err), CC_OK,
	             "%s", err.msg);
	return al;
}

/* resolve must give want (CC_OK: resolved == expect_path). */
static void
expect(const struct allowlist *al, const char *path, int want,
       const char *expect_path)
{
	char *resolved = NULL;
	struct cc_err err;
	int rc;

	cc_err_clear(&err);
	rc = allowlist_resolve(al, path, &resolved, &err);
	cr_assert_eq(rc, want, "'%s': rc %s, want %s (%s)", path,
	             cc_strerror(rc), cc_strerror(want), err.msg);
	if (want == CC_OK)
		cr_assert_str_eq(resolved, expect_path);
	else
		cr_assert_null(resolved, "*resolved written on failure");
	free(resolved);
}

Test(allowlist, plain_entry_is_resolved_and_matches_symlinks_to_it)
{
	char cc[PATH_MAX], link[PATH_MAX];
	char *entries[] = {link};
	struct allowlist *al;

	make_file("cc-real", 0755, cc, sizeof(cc));
	tu_path(link, sizeof(link), real_tmp, "cc-link");
	cr_assert_eq(symlink(cc, link), 0);
	al = new_list(entries, 1, NULL);
	cr_assert_eq(allowlist_count(al), 1);
	cr_assert_str_eq(allowlist_entry(al, 0), cc, "entry not resolved");
	expect(al, link, CC_OK, cc);
	expect(al, cc, CC_OK, cc);
	allowlist_free(al);
}

Test(allowlist, symlink_named_like_a_compiler_to_sh_is_refused)
{
	char gcc[PATH_MAX], fake[PATH_MAX];
	char *entries[] = {gcc};
	struct allowlist *al;

	make_file("gcc", 0755, gcc, sizeof(gcc));
	tu_path(fake, sizeof(fake), real_tmp, "bin-gcc");
	cr_assert_eq(symlink("/bin/sh", fake), 0);
	al = new_list(entries, 1, NULL);
	expect(al, fake, CC_EINVAL, NULL);
	expect(al, "/bin/sh", CC_EINVAL, NULL);
	allowlist_free(al);
}

Test(allowlist, pattern_matches_the_real_path_without_crossing_slashes)
{
	char pattern[PATH_MAX + 16], ok[PATH_MAX], deeper[PATH_MAX];
	char sub[PATH_MAX];
	char *entries[] = {pattern};
	struct allowlist *al;

	snprintf(pattern, sizeof(pattern), "%s/gcc-*", real_tmp);
	make_file("gcc-13", 0755, ok, sizeof(ok));
	tu_path(sub, sizeof(sub), real_tmp, "gcc-x");
	cr_assert_eq(mkdir(sub, 0755), 0);
	make_file("gcc-x/sh", 0755, deeper, sizeof(deeper));
	al = new_list(entries, 1, NULL);
	cr_assert_str_eq(allowlist_entry(al, 0), pattern);
	expect(al, ok, CC_OK, ok);
	expect(al, deeper, CC_EINVAL, NULL); /* '*' does not match '/' */
	allowlist_free(al);
}

Test(allowlist, listed_file_that_is_not_executable_is_refused)
{
	char f[PATH_MAX];
	char *entries[] = {f};
	struct allowlist *al;

	make_file("gcc", 0644, f, sizeof(f));
	al = new_list(entries, 1, NULL);
	expect(al, f, CC_EINVAL, NULL);
	allowlist_free(al);
}

Test(allowlist, missing_compiler_is_enoent)
{
	char *entries[] = {(char *)"/usr/bin/gcc"};
	struct allowlist *al = new_list(entries, 1, NULL);

	expect(al, "/nonexistent/bin/gcc", CC_ENOENT, NULL);
	allowlist_free(al);
}

Test(allowlist, default_is_gcc_gxx_cc_cxx_on_path)
{
	char dir1[PATH_MAX], dir2[PATH_MAX], path_env[3 * PATH_MAX];
	char gcc1[PATH_MAX], gcc2[PATH_MAX], cxx[PATH_MAX], other[PATH_MAX];
	struct allowlist *al;

	tu_path(dir1, sizeof(dir1), real_tmp, "a");
	tu_path(dir2, sizeof(dir2), real_tmp, "b");
	cr_assert_eq(mkdir(dir1, 0755), 0);
	cr_assert_eq(mkdir(dir2, 0755), 0);
	make_file("a/gcc", 0755, gcc1, sizeof(gcc1));
	make_file("b/gcc", 0755, gcc2, sizeof(gcc2)); /* shadowed by a/ */
	make_file("b/c++", 0755, cxx, sizeof(cxx));
	make_file("b/clang", 0755, other, sizeof(other));
	/* An empty element (the cwd) and a relative one are skipped. */
	snprintf(path_env, sizeof(path_env), ":rel:%s:%s", dir1, dir2);
	al = new_list(NULL, 0, path_env);
	cr_assert_eq(allowlist_count(al), 2);
	expect(al, gcc1, CC_OK, gcc1);
	expect(al, cxx, CC_OK, cxx);
	expect(al, gcc2, CC_EINVAL, NULL);
	expect(al, other, CC_EINVAL, NULL);
	allowlist_free(al);
}

Test(allowlist, relative_entry_is_einval_and_names_it)
{
	char *entries[] = {(char *)"/usr/bin/gcc", (char *)"gcc"};
	struct allowlist *al = NULL;
	struct cc_err err;

	cr_assert_eq(allowlist_new(entries, 2, NULL, &al, &err), CC_EINVAL);
	cr_assert_null(al);
	cr_assert_not_null(strstr(err.msg, "'gcc'"), "%s", err.msg);
}

Test(allowlist, null_list_allows_nothing)
{
	expect(NULL, "/usr/bin/gcc", CC_EINVAL, NULL);
	cr_assert_eq(allowlist_count(NULL), 0);
	cr_assert_null(allowlist_entry(NULL, 0));
	allowlist_free(NULL);
}
