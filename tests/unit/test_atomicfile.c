/*
 * test_atomicfile.c - content, modes, replacing a file, and failures that
 * must leave the target untouched and no temporary file behind.
 */
#include "atomicfile.h"

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
	tmpdir = tu_tmpdir_new("atomicfile");
}

static void
teardown(void)
{
	tu_tmpdir_free(tmpdir);
}

TestSuite(atomicfile, .init = setup, .fini = teardown);

static void
assert_content(const char *path, const char *want)
{
	size_t len = 0;
	char *data = tu_read_file(path, &len);

	cr_assert_eq(len, strlen(want));
	cr_assert_str_eq(data, want);
	free(data);
}

static mode_t
mode_of(const char *path)
{
	struct stat st;

	cr_assert_eq(stat(path, &st), 0, "stat '%s': %s", path,
	             strerror(errno));
	return st.st_mode & 07777;
}

Test(atomicfile, creates_file_with_content_and_nothing_else)
{
	char path[4096];

	tu_path(path, sizeof(path), tmpdir, "out.o");
	cr_assert_eq(atomicfile_write(path, "payload", 7, 0644, 0, NULL),
	             CC_OK);
	assert_content(path, "payload");
	cr_assert_eq(tu_count_entries(tmpdir), 1, "temporary file left behind");
}

Test(atomicfile, mode_given_is_applied_exactly)
{
	char path[4096];

	tu_path(path, sizeof(path), tmpdir, "secret");
	umask(022);
	cr_assert_eq(atomicfile_write(path, "t", 1, 0640, 0, NULL), CC_OK);
	cr_assert_eq(mode_of(path), 0640, "mode %04o", mode_of(path));
	/* The umask must not widen or narrow a mode given as is. */
	umask(077);
	cr_assert_eq(atomicfile_write(path, "t", 1, 0664, 0, NULL), CC_OK);
	cr_assert_eq(mode_of(path), 0664, "mode %04o", mode_of(path));
}

Test(atomicfile, umask_is_respected_when_asked)
{
	char path[4096];

	tu_path(path, sizeof(path), tmpdir, "obj.o");
	umask(027);
	cr_assert_eq(atomicfile_write(path, "x", 1, 0666, 1, NULL), CC_OK);
	cr_assert_eq(mode_of(path), 0640, "mode %04o", mode_of(path));
	umask(002);
	cr_assert_eq(atomicfile_write(path, "x", 1, 0666, 1, NULL), CC_OK);
	cr_assert_eq(mode_of(path), 0664, "mode %04o", mode_of(path));
	/* Reading the umask must not change it. */
	cr_assert_eq(umask(022), 002);
}

Test(atomicfile, replaces_existing_file_and_applies_0600)
{
	char path[4096];
	struct stat before;
	struct stat after;

	tu_path(path, sizeof(path), tmpdir, "port");
	tu_write_text(path, "old content that is longer");
	cr_assert_eq(chmod(path, 0644), 0);
	cr_assert_eq(stat(path, &before), 0);

	cr_assert_eq(atomicfile_write(path, "new", 3, 0600, 0, NULL), CC_OK);
	assert_content(path, "new");
	cr_assert_eq(mode_of(path), 0600, "mode %04o", mode_of(path));
	/* A rename gives a new inode; writing in place would keep it. */
	cr_assert_eq(stat(path, &after), 0);
	cr_assert_neq(before.st_ino, after.st_ino);
	cr_assert_eq(tu_count_entries(tmpdir), 1);
}

Test(atomicfile, empty_content_is_fine)
{
	char path[4096];

	tu_path(path, sizeof(path), tmpdir, "empty");
	cr_assert_eq(atomicfile_write(path, NULL, 0, 0600, 0, NULL), CC_OK);
	assert_content(path, "");
}

Test(atomicfile, missing_directory_fails_and_leaves_nothing)
{
	char path[4200];
	char sub[4096];
	struct cc_err err;

	tu_path(sub, sizeof(sub), tmpdir, "nosuch");
	snprintf(path, sizeof(path), "%s/out.o", sub);
	cr_assert_eq(atomicfile_write(path, "x", 1, 0644, 0, &err), CC_ESYS);
	cr_assert_eq(err.code, CC_ESYS);
	cr_assert_eq(err.sys, ENOENT);
	cr_assert_not_null(strstr(err.msg, path), "msg: %s", err.msg);
	cr_assert_eq(tu_count_entries(tmpdir), 0);
}

/*
 * rename() of a file over a non-empty directory fails after the temporary
 * file was written: it must be removed and the target kept as it was.
 */
Test(atomicfile, failed_rename_removes_temp_and_keeps_target)
{
	char path[4096];
	char inner[4200];
	struct cc_err err;

	tu_path(path, sizeof(path), tmpdir, "target");
	cr_assert_eq(mkdir(path, 0755), 0);
	snprintf(inner, sizeof(inner), "%s/keep", path);
	tu_write_text(inner, "");

	cr_assert_eq(atomicfile_write(path, "x", 1, 0644, 0, &err), CC_ESYS);
	cr_assert_eq(err.sys, EISDIR, "errno %d: %s", err.sys, err.msg);
	cr_assert_not_null(strstr(err.msg, path), "msg: %s", err.msg);
	cr_assert_eq(tu_count_entries(tmpdir), 1, "temporary file left behind");
	cr_assert_eq(tu_count_entries(path), 1);
	assert_content(inner, "");
}

Test(atomicfile, relative_path_writes_in_cwd)
{
	char path[4096];

	cr_assert_eq(chdir(tmpdir), 0);
	cr_assert_eq(atomicfile_write("rel.txt", "r", 1, 0644, 0, NULL), CC_OK);
	tu_path(path, sizeof(path), tmpdir, "rel.txt");
	assert_content(path, "r");
	cr_assert_eq(tu_count_entries(tmpdir), 1);
}

Test(atomicfile, very_long_name_still_fits_temp_name)
{
	char name[256];
	char path[4096];

	/* 250 chars: ".<name>.XXXXXX" in full would exceed NAME_MAX. */
	memset(name, 'n', 250);
	name[250] = '\0';
	tu_path(path, sizeof(path), tmpdir, name);
	cr_assert_eq(atomicfile_write(path, "l", 1, 0644, 0, NULL), CC_OK);
	assert_content(path, "l");
	cr_assert_eq(tu_count_entries(tmpdir), 1);
}

Test(atomicfile, path_without_file_name_is_einval)
{
	char path[4096];
	struct cc_err err;

	snprintf(path, sizeof(path), "%s/", tmpdir);
	cr_assert_eq(atomicfile_write(path, "x", 1, 0644, 0, &err), CC_EINVAL);
	cr_assert_not_null(strstr(err.msg, path), "msg: %s", err.msg);
	cr_assert_eq(tu_count_entries(tmpdir), 0);
}
