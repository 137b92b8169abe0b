/*
 * atomicfile.c - replace a file so readers see the old or the complete new
 * content, never a mix: write a temporary file ".<name>.XXXXXX" in the
 * target's own directory (rename(2) is atomic only within one file
 * system), set its mode, fsync it, close it, rename it over the target.
 * Any failure removes the temporary file and leaves the target as it was.
 *
 * Stateless; thread-safe except for the umask() fallback noted below.
 *
 * The directory is not fsync'ed after the rename: readers need atomicity,
 * not durability across a power cut, and an extra fsync per object file
 * would slow every build.
 */
/*
 * For mkostemp(): mkstemp() with O_CLOEXEC, so a child spawned meanwhile by
 * another thread cannot inherit the temporary file; glibc declares it only
 * under _GNU_SOURCE.
 */
#define _GNU_SOURCE
#define LOG_MODULE "atomicfile"
#include "atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"

/*
 * Keep ".<name>.XXXXXX" within NAME_MAX (255) even for targets whose own
 * name is close to it; the temporary name need not repeat it all.
 */
#define ATOMICFILE_BASE_MAX 200

#define PROC_STATUS_MAX (64 * 1024)

/* Build "<dir>/.<base>.XXXXXX" for path; CC_EINVAL if it names no file. */
static int
temp_name(const char *path, char **out)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	size_t dirlen = (size_t)(base - path);
	size_t baselen = strlen(base);
	char *tmp;

	if (baselen == 0 || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return CC_EINVAL;
	if (baselen > ATOMICFILE_BASE_MAX)
		baselen = ATOMICFILE_BASE_MAX;
	/* "." + base + ".XXXXXX" + NUL */
	tmp = malloc(dirlen + 1 + baselen + sizeof(".XXXXXX"));
	if (!tmp)
		return CC_ENOMEM;
	memcpy(tmp, path, dirlen);
	tmp[dirlen] = '.';
	memcpy(tmp + dirlen + 1, base, baselen);
	memcpy(tmp + dirlen + 1 + baselen, ".XXXXXX", sizeof(".XXXXXX"));
	*out = tmp;
	return CC_OK;
}

/* The "Umask:" line of /proc/self/status (Linux >= 4.7); false if absent. */
static bool
proc_umask(mode_t *out)
{
	char *status = NULL;
	const char *line;
	unsigned long v;
	char *end;
	size_t len;
	bool ok = false;

	if (fileio_read_all("/proc/self/status", PROC_STATUS_MAX, &status, &len,
	                    NULL) != CC_OK)
		return false;
	line = strstr(status, "\nUmask:");
	if (line) {
		line += strlen("\nUmask:");
		errno = 0;
		v = strtoul(line, &end, 8);
		ok = errno == 0 && end != line && v <= 0777;
		if (ok)
			*out = (mode_t)v;
	}
	free(status);
	return ok;
}

static mode_t
current_umask(void)
{
	mode_t mask;

	if (proc_umask(&mask))
		return mask;
	/*
	 * umask() can only be read by setting it. Between the two calls a
	 * file created by another thread gets mask 0, so this fallback is not
	 * thread-safe; it is used only without /proc or before Linux 4.7.
	 */
	mask = umask(0);
	(void)umask(mask);
	return mask;
}

/* Write, chmod, sync and close fd (always closed); err names path. */
static int
fill_temp(int fd, const char *path, const void *data, size_t len, mode_t mode,
          struct cc_err *err)
{
	int rc;

	if (fileio_write_all(fd, data, len) != CC_OK) {
		rc = cc_err_sys(err, CC_ESYS, errno, "cannot write '%s'", path);
		goto out_close;
	}
	if (fchmod(fd, mode) != 0) {
		rc = cc_err_sys(err, CC_ESYS, errno,
		                "cannot set mode %04o on '%s'", (unsigned)mode,
		                path);
		goto out_close;
	}
	if (fsync(fd) != 0) {
		rc = cc_err_sys(err, CC_ESYS, errno, "cannot sync '%s'", path);
		goto out_close;
	}
	/* close() reports delayed write errors (NFS); it must succeed too. */
	if (close(fd) != 0)
		return cc_err_sys(err, CC_ESYS, errno, "cannot close '%s'",
		                  path);
	return CC_OK;

out_close:
	/* Already failing: the temporary file is discarded either way. */
	(void)close(fd);
	return rc;
}

int
atomicfile_write(const char *path, const void *data, size_t len, mode_t mode,
                 int respect_umask, struct cc_err *err)
{
	char *tmp = NULL;
	int fd;
	int rc;

	if (!path || (!data && len > 0))
		return cc_err_set(err, CC_EINVAL,
		                  "atomicfile_write: no path or no data");
	rc = temp_name(path, &tmp);
	if (rc == CC_EINVAL)
		return cc_err_set(err, rc, "cannot write '%s': not a file name",
		                  path);
	if (rc != CC_OK)
		return cc_err_set(err, rc, "cannot write '%s': out of memory",
		                  path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		rc = cc_err_sys(err, CC_ESYS, errno,
		                "cannot create a temporary file for '%s'",
		                path);
		goto out;
	}
	mode &= 07777;
	if (respect_umask)
		mode &= ~current_umask();
	rc = fill_temp(fd, path, data, len, mode, err);
	if (rc != CC_OK)
		goto out_unlink;
	if (rename(tmp, path) != 0) {
		rc = cc_err_sys(err, CC_ESYS, errno,
		                "cannot rename '%s' to '%s'", tmp, path);
		goto out_unlink;
	}
	goto out;

out_unlink:
	if (unlink(tmp) != 0)
		log_warn("cannot remove temporary file '%s': %s", tmp,
		         strerror(errno));
out:
	free(tmp);
	return rc;
}
