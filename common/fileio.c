/*
 * fileio.c - whole-file reads with a size limit and complete writes.
 * Stateless and thread-safe: every call owns its fd and buffer. Files are
 * opened O_CLOEXEC so a child spawned meanwhile by another thread does not
 * inherit them.
 *
 * fstat() only sizes the first buffer: /proc files report 0 and a file
 * may grow while we read it, so the read loop goes on until EOF and grows
 * the buffer as needed, never past max_bytes + 1 (one byte beyond the
 * limit is how we notice a file that is too big).
 */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* First buffer for files whose st_size says nothing (/proc, pipes). */
#define FILEIO_MIN_CHUNK 4096

static size_t
first_size(const struct stat *st, size_t limit)
{
	size_t size = FILEIO_MIN_CHUNK;

	/* +1 so an unchanged file reaches EOF without growing the buffer. */
	if (st->st_size > 0 && (uintmax_t)st->st_size < SIZE_MAX - 1)
		size = (size_t)st->st_size + 1;
	return size < limit ? size : limit;
}

/* Grow *buf to hold next bytes plus the NUL; next is > the current size. */
static int
grow(char **buf, size_t next)
{
	char *p = realloc(*buf, next + 1);

	if (!p)
		return CC_ENOMEM;
	*buf = p;
	return CC_OK;
}

static int
read_fd(int fd, const char *path, size_t max_bytes, char **data, size_t *len,
        struct cc_err *err)
{
	/* limit + 1 must not overflow: the NUL needs a byte too. */
	size_t limit = max_bytes < SIZE_MAX - 1 ? max_bytes + 1 : SIZE_MAX - 1;
	struct stat st;
	char *buf = NULL;
	size_t size;
	size_t have = 0;
	ssize_t n;
	int rc;

	if (fstat(fd, &st) != 0)
		return cc_err_sys(err, CC_ESYS, errno, "cannot stat '%s'",
		                  path);
	if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > max_bytes)
		goto too_big;
	size = first_size(&st, limit);
	if ((rc = grow(&buf, size)) != 0)
		goto no_memory;
	for (;;) {
		if (have > max_bytes)
			goto too_big;
		if (have == size) {
			size = size < limit / 2 ? size * 2 : limit;
			if ((rc = grow(&buf, size)) != 0)
				goto no_memory;
		}
		n = read(fd, buf + have, size - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = cc_err_sys(err, CC_ESYS, errno, "cannot read '%s'",
			                path);
			free(buf);
			return rc;
		}
		if (n == 0)
			break;
		have += (size_t)n;
	}
	buf[have] = '\0';
	*data = buf;
	*len = have;
	return CC_OK;

too_big:
	free(buf);
	return cc_err_set(err, CC_ETOOBIG,
	                  "file '%s' is larger than the limit of %zu bytes",
	                  path, max_bytes);
no_memory:
	free(buf);
	return cc_err_set(err, rc, "out of memory reading '%s'", path);
}

int
fileio_read_all(const char *path, size_t max_bytes, char **data, size_t *len,
                struct cc_err *err)
{
	int fd;
	int rc;

	do {
		fd = open(path, O_RDONLY | O_CLOEXEC);
	} while (fd < 0 && errno == EINTR);
	if (fd < 0 && errno == ENOENT)
		return cc_err_sys(err, CC_ENOENT, errno, "cannot open '%s'",
		                  path);
	if (fd < 0)
		return cc_err_sys(err, CC_ESYS, errno, "cannot open '%s'",
		                  path);
	rc = read_fd(fd, path, max_bytes, data, len, err);
	/*
	 * Nothing was written through this fd, so a failing close() cannot
	 * lose data and changes nothing about what we read.
	 */
	(void)close(fd);
	return rc;
}

/* On CC_ESYS errno says why, for the caller's cc_err_sys(). */
int
fileio_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return CC_ESYS;
		/* write() of > 0 bytes returning 0 would loop forever. */
		if (n == 0) {
			errno = EIO;
			return CC_ESYS;
		}
		p += n;
		len -= (size_t)n;
	}
	return CC_OK;
}
