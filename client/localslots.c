/*
 * localslots.c - slot files "slot.<i>" (i < limit) in a 0700 directory of
 * the user's, locked with flock(LOCK_EX | LOCK_NB). A waiter tries every
 * slot, then sleeps and tries again: no queue, no daemon, and nothing to
 * clean up after a crash, since the kernel drops the locks of a dead
 * process. Files are opened O_NOFOLLOW and checked to be ours, so another
 * user cannot make us block on, or write through, a file they planted.
 */
#define _DEFAULT_SOURCE /* flock() */
#define LOG_MODULE      "localslots"
#include "localslots.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "monotime.h"

#define FIRST_NAP_MS 5
#define MAX_NAP_MS   100
#define MAX_LIMIT    4096

int
localslots_limit(struct cc_err *err)
{
	const char *s = getenv("CLUSTCC_LOCAL_JOBS");
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int def = cpus > 0 && cpus < MAX_LIMIT ? (int)cpus : 1;
	char *end = NULL;
	long v;

	if (!s || !s[0])
		return def;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0 || v > MAX_LIMIT) {
		cc_err_set(
		        err, CC_EINVAL,
		        "CLUSTCC_LOCAL_JOBS='%s': expected an integer from 0 (unlimited) to %d; using %d",
		        s, MAX_LIMIT, def);
		return def;
	}
	return (int)v;
}

/* dir exists as a real directory, owned by us, private. */
static int
check_dir(const char *dir, struct cc_err *err)
{
	struct stat st;

	if (lstat(dir, &st) != 0)
		return cc_err_sys(err, CC_ESYS, errno, "cannot stat '%s'", dir);
	if (!S_ISDIR(st.st_mode))
		return cc_err_set(err, CC_ESYS,
		                  "'%s' is not a directory (a symlink?)", dir);
	if (st.st_uid != getuid())
		return cc_err_set(err, CC_ESYS,
		                  "'%s' belongs to uid %ld, not us", dir,
		                  (long)st.st_uid);
	if ((st.st_mode & 077) != 0)
		return cc_err_set(err, CC_ESYS,
		                  "'%s' is open to others (mode %03o)", dir,
		                  (unsigned)(st.st_mode & 0777));
	return CC_OK;
}

int
localslots_dir(const char *base, char *dir, size_t size, struct cc_err *err)
{
	int n = snprintf(dir, size, "%s/clustcc-%ld", base ? base : "/tmp",
	                 (long)getuid());

	if (n < 0 || (size_t)n >= size)
		return cc_err_set(err, CC_ESYS, "slot directory path too long");
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return cc_err_sys(err, CC_ESYS, errno, "cannot create '%s'",
		                  dir);
	return check_dir(dir, err);
}

/* Open slot i; -1 with err filled if it is not a file of ours. */
static int
open_slot(const char *dir, int i, struct cc_err *err)
{
	char path[4096];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/slot.%d", dir, i);
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		cc_err_sys(err, CC_ESYS, errno, "cannot open slot file '%s'",
		           path);
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != getuid()) {
		close(fd);
		cc_err_set(err, CC_ESYS,
		           "slot file '%s' is not a regular file of ours",
		           path);
		return -1;
	}
	return fd;
}

/* One pass over the slots: CC_OK with one locked, CC_EBUSY if all held. */
static int
try_all(const char *dir, int limit, int *fd, int *slot, struct cc_err *err)
{
	for (int i = 0; i < limit; i++) {
		int f = open_slot(dir, i, err);

		if (f < 0)
			return CC_ESYS;
		if (flock(f, LOCK_EX | LOCK_NB) == 0) {
			*fd = f;
			*slot = i;
			return CC_OK;
		}
		close(f);
	}
	return CC_EBUSY;
}

static void
nap(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

int
localslots_acquire(const char *dir, int limit, long max_wait_ms, int *fd,
                   int *slot, struct cc_err *err)
{
	int64_t deadline = monotime_ms() + max_wait_ms;
	long ms = FIRST_NAP_MS;
	int rc;

	if (limit < 1 || limit > MAX_LIMIT)
		return cc_err_set(err, CC_EINVAL, "slot limit %d out of range",
		                  limit);
	srand((unsigned)getpid()); /* waiters' jitter differs */
	while ((rc = try_all(dir, limit, fd, slot, err)) == CC_EBUSY) {
		if (max_wait_ms >= 0 && monotime_ms() >= deadline)
			return cc_err_set(
			        err, CC_ETIMEDOUT,
			        "all %d local slots in '%s' still busy after %ld ms",
			        limit, dir, max_wait_ms);
		/* Jitter, so waiters woken together do not retry together. */
		nap(ms + rand() % (ms + 1));
		ms = ms * 2 > MAX_NAP_MS ? MAX_NAP_MS : ms * 2;
	}
	return rc;
}

void
localslots_release(int fd)
{
	if (fd >= 0)
		close(fd); /* closing the only descriptor drops the flock */
}
