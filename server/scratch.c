/*
 * scratch.c - job directories are removed depth-first with nftw (not
 * following symlinks), so whatever a compiler leaves behind goes too.
 */
#define _XOPEN_SOURCE 700 /* nftw() */
#include "scratch.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *
default_root(void)
{
	const char *t = getenv("TMPDIR");

	return t && t[0] ? t : "/tmp";
}

int
scratch_create(const char *root, uint64_t job_id, char **dir,
               struct cc_err *err)
{
	const char *base = root && root[0] ? root : default_root();
	size_t size = strlen(base) + 64;
	char *path = malloc(size);

	if (!path)
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	snprintf(path, size, "%s/clustcc-%ld-%llu-XXXXXX", base, (long)getpid(),
	         (unsigned long long)job_id);
	if (!mkdtemp(path)) {
		int e = errno;

		free(path);
		return cc_err_sys(err, CC_ESYS, e,
		                  "cannot create scratch directory in '%s'",
		                  base);
	}
	*dir = path;
	return CC_OK;
}

static int
remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	/* Keep going on failure: scratch_remove() checks what is left. */
	(void)remove(path);
	return 0;
}

int
scratch_remove(const char *dir)
{
	if (!dir)
		return CC_OK;
	if (nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
		return CC_ESYS;
	return access(dir, F_OK) == 0 ? CC_ESYS : CC_OK;
}
