/*
 * test_scratch.c - job directories are private (0700), named under the
 * root given, removed with everything inside (without following
 * symlinks out of them), and a missing root is a clear CC_ESYS.
 */
/* mkdtemp(), symlink() and setenv() are POSIX 2008: no feature macro. */
#include "scratch.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

static char *tmpdir;

static void
setup(void)
{
	tmpdir = tu_tmpdir_new("scratch");
}

static void
teardown(void)
{
	tu_tmpdir_free(tmpdir);
}

TestSuite(scratch, .init = setup, .fini = teardown);

static void
write_file(const char *dir, const char *name, const char *text)
{
	char path[4096];

	tu_path(path, sizeof(path), dir, name);
	tu_write_text(path, text);
}

static bool
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

Test(scratch, create_makes_a_private_dir_under_root)
{
	char *dir = NULL;
	char *other = NULL;
	struct cc_err err;
	struct stat st;
	size_t rootlen = strlen(tmpdir);

	cr_assert_eq(scratch_create(tmpdir, 42, &dir, &err), CC_OK, "%s",
	             err.msg);
	cr_assert_not_null(dir);
	cr_assert_eq(strncmp(dir, tmpdir, rootlen), 0, "'%s' not in '%s'", dir,
	             tmpdir);
	cr_assert_eq(dir[rootlen], '/');
	cr_assert_null(strchr(dir + rootlen + 1, '/'), "'%s' is nested", dir);
	cr_assert_not_null(strstr(dir + rootlen, "42"), "'%s' lacks job id",
	                   dir);
	cr_assert_eq(lstat(dir, &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0700, "mode %04o",
	             (unsigned)(st.st_mode & 07777));
	/* The same job id twice gets two directories. */
	cr_assert_eq(scratch_create(tmpdir, 42, &other, &err), CC_OK);
	cr_assert_str_neq(dir, other);
	cr_assert_eq(scratch_remove(dir), CC_OK);
	cr_assert_eq(scratch_remove(other), CC_OK);
	free(dir);
	free(other);
}

Test(scratch, empty_root_means_tmpdir)
{
	char *dir = NULL;

	cr_assert_eq(setenv("TMPDIR", tmpdir, 1), 0);
	cr_assert_eq(scratch_create("", 7, &dir, NULL), CC_OK);
	cr_assert_eq(strncmp(dir, tmpdir, strlen(tmpdir)), 0, "'%s'", dir);
	cr_assert_eq(scratch_remove(dir), CC_OK);
	free(dir);
}

Test(scratch, remove_deletes_files_and_subdirectories)
{
	char path[4096];
	char *dir = NULL;

	cr_assert_eq(scratch_create(tmpdir, 1, &dir, NULL), CC_OK);
	write_file(dir, "in.i", "int x;\n");
	write_file(dir, "out.o", "obj");
	write_file(dir, ".stderr", "");
	snprintf(path, sizeof(path), "%s/sub", dir);
	cr_assert_eq(mkdir(path, 0700), 0);
	write_file(path, "deep.txt", "deep");
	snprintf(path, sizeof(path), "%s/sub/deeper", dir);
	cr_assert_eq(mkdir(path, 0755), 0);
	write_file(path, "x", "x");
	cr_assert_eq(scratch_remove(dir), CC_OK);
	cr_assert_not(exists(dir), "'%s' still exists", dir);
	free(dir);
}

Test(scratch, remove_does_not_follow_symlinks_out)
{
	char outside[4200], link_path[4200], outside_dir[4096];
	char *dir = NULL;

	tu_path(outside_dir, sizeof(outside_dir), tmpdir, "keep");
	cr_assert_eq(mkdir(outside_dir, 0700), 0);
	write_file(outside_dir, "precious", "do not delete");
	snprintf(outside, sizeof(outside), "%s/precious", outside_dir);
	cr_assert_eq(scratch_create(tmpdir, 2, &dir, NULL), CC_OK);
	snprintf(link_path, sizeof(link_path), "%s/link-dir", dir);
	cr_assert_eq(symlink(outside_dir, link_path), 0);
	snprintf(link_path, sizeof(link_path), "%s/link-file", dir);
	cr_assert_eq(symlink(outside, link_path), 0);
	cr_assert_eq(scratch_remove(dir), CC_OK);
	cr_assert_not(exists(dir));
	cr_assert(exists(outside), "symlink target was deleted");
	free(dir);
}

Test(scratch, remove_null_is_ok)
{
	cr_assert_eq(scratch_remove(NULL), CC_OK);
}

Test(scratch, create_under_missing_root_fails_naming_it)
{
	char root[4096];
	char *dir = NULL;
	struct cc_err err;

	snprintf(root, sizeof(root), "%s/no/such/root", tmpdir);
	cc_err_clear(&err);
	cr_assert_eq(scratch_create(root, 3, &dir, &err), CC_ESYS);
	cr_assert_null(dir, "*dir written on failure");
	cr_assert_eq(err.code, CC_ESYS);
	cr_assert_eq(err.sys, ENOENT);
	cr_assert_not_null(strstr(err.msg, root), "msg: %s", err.msg);
}

Test(scratch, check_space_refuses_more_than_is_free_naming_the_root)
{
	struct cc_err err;

	cr_assert_eq(scratch_check_space(tmpdir, 1, &err), CC_OK);
	cr_assert_eq(scratch_check_space(tmpdir, UINT64_MAX / 2, &err),
	             CC_ESYS);
	cr_assert(strstr(err.msg, tmpdir) != NULL, "%s", err.msg);
	cr_assert(strstr(err.msg, "bytes free") != NULL, "%s", err.msg);
}

Test(scratch, check_space_of_a_missing_root_is_an_error)
{
	struct cc_err err;
	char missing[4096];

	tu_path(missing, sizeof(missing), tmpdir, "nope");
	cr_assert_eq(scratch_check_space(missing, 1, &err), CC_ESYS);
	cr_assert(strstr(err.msg, missing) != NULL, "%s", err.msg);
}

Test(scratch, disk_full_is_read_from_the_compiler_stderr)
{
	char path[4096];

	tu_path(path, sizeof(path), tmpdir, ".compile.err");
	tu_write_text(path, "a.c:1:1: error: expected ';' before '}' token\n");
	cr_assert_not(scratch_disk_full(tmpdir, ".compile.err"));
	tu_write_text(path,
	              "Assembler messages:\nFatal error: can't write 4 bytes "
	              "to section .text of out.o: 'No space left on device'\n");
	cr_assert(scratch_disk_full(tmpdir, ".compile.err"));
	/* Failed without a word: it could not even write its stderr. */
	cr_assert(scratch_disk_full(tmpdir, "no-such-file"));
	tu_write_text(path, "");
	cr_assert(scratch_disk_full(tmpdir, ".compile.err"));
}
