/*
 * scratch.c - job directories are removed depth-first with nftw (not
 * following symlinks), so whatever a compiler leaves behind goes too.
 */
#define _XOPEN_SOURCE 700 /* nftw() */
#include "scratch.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
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

/* Bytes an unprivileged user may still write under path; -1 if unknown. */
static int64_t
free_bytes(const char *path)
{
	struct statvfs sv;

	if (statvfs(path, &sv) != 0)
		return -1;
	return (int64_t)sv.f_bavail * (int64_t)sv.f_frsize;
}

int
scratch_check_space(const char *root, uint64_t need, struct cc_err *err)
{
	const char *base = root && root[0] ? root : default_root();
	int64_t have = free_bytes(base);

	if (have < 0)
		return cc_err_sys(
		        err, CC_ESYS, errno,
		        "cannot check free space in scratch directory '%s'",
		        base);
	if ((uint64_t)have < need)
		return cc_err_set(
		        err, CC_ESYS,
		        "scratch directory '%s' has %lld bytes free, a job needs %llu (disk full?)",
		        base, (long long)have, (unsigned long long)need);
	return CC_OK;
}

bool
scratch_disk_full(const char *dir, const char *stderr_name)
{
	char path[4096], buf[65536];
	int64_t have = free_bytes(dir);
	ssize_t n = -1;
	int fd;

	if (have >= 0 && (uint64_t)have < SCRATCH_MIN_FREE_BYTES)
		return true;
	snprintf(path, sizeof(path), "%s/%s", dir, stderr_name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	/*
	 * gcc never fails without saying why: a failed compile with an
	 * empty stderr could not write even that (seen on a full tmpfs).
	 */
	if (n <= 0)
		return true;
	buf[n] = '\0';
	/* The text may hold NULs; search what precedes the first one. */
	return strstr(buf, strerror(ENOSPC)) != NULL ||
	       strstr(buf, "No space left on device") != NULL;
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
