/*
 * log.c - the process-wide log sink. Settings are written by main before
 * threads start (log_init, log_open_file) and read by every thread; the
 * level and fd are atomics so a late change is still race-free. Each line
 * is formatted into a local buffer and written with one write(2), so lines
 * from threads and processes sharing a file never interleave. While the
 * sink is a file, errors are written to stderr as well: an operator
 * watching the terminal (or mpirun's output) must see them without knowing
 * where the logs went.
 */
#define LOG_MODULE "log"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static _Atomic int level_now = LOG_LEVEL_WARNING;
static _Atomic int sink_fd = STDERR_FILENO;
static char prog_name[64] = "clustcc";
static char role_tag[16] = "?";

static const char *const level_names[] = {"debug", "info", "warning", "error",
                                          "none"};
static const char *const level_tags[] = {"DEBUG", "INFO", "WARN", "ERROR",
                                         "NONE"};

static void
copy_str(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

void
log_init(const char *prog, const char *role, enum log_level level)
{
	copy_str(prog_name, sizeof(prog_name), prog);
	copy_str(role_tag, sizeof(role_tag), role);
	atomic_store(&level_now, level);
}

void
log_set_role(const char *role)
{
	copy_str(role_tag, sizeof(role_tag), role);
}

void
log_set_level(enum log_level level)
{
	atomic_store(&level_now, level);
}

int
log_open_file(const char *path, struct cc_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	int old;

	if (fd < 0)
		return cc_err_sys(err, CC_ESYS, errno,
		                  "cannot open log file '%s'", path);
	old = atomic_exchange(&sink_fd, fd);
	if (old > STDERR_FILENO)
		close(old);
	return CC_OK;
}

/* mkdir -p path with mode 0755; an existing directory is fine. */
static int
make_dirs(const char *path, struct cc_err *err)
{
	char buf[4096];
	size_t len = strlen(path);
	struct stat st;

	if (len == 0 || len >= sizeof(buf))
		return cc_err_set(err, CC_EINVAL,
		                  "log directory '%s': empty or too long",
		                  path);
	memcpy(buf, path, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		/* Ranks start together: another may create it first. */
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return cc_err_sys(err, CC_ESYS, errno,
			                  "cannot create log directory '%s'",
			                  buf);
		buf[i] = i < len ? '/' : '\0';
	}
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return cc_err_set(
		        err, CC_ESYS,
		        "cannot create log directory '%s': not a directory",
		        path);
	return CC_OK;
}

void
log_file_name(int rank, char *buf, size_t size)
{
	if (rank == 0)
		snprintf(buf, size, "head.log");
	else
		snprintf(buf, size, "worker-%d.log", rank);
}

int
log_open_rank_file(const char *dir, int rank, struct cc_err *err)
{
	char name[32], path[4096];
	int rc = make_dirs(dir, err);

	if (rc != CC_OK)
		return rc;
	log_file_name(rank, name, sizeof(name));
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return cc_err_set(err, CC_EINVAL,
		                  "log directory '%s': path too long", dir);
	return log_open_file(path, err);
}

void
log_disable(void)
{
	atomic_store(&level_now, LOG_LEVEL_NONE);
}

bool
log_enabled(enum log_level level)
{
	return level != LOG_LEVEL_NONE && (int)level >= atomic_load(&level_now);
}

int
log_level_parse(const char *s, enum log_level *out)
{
	for (int i = 0; i <= LOG_LEVEL_NONE; i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return CC_OK;
		}
	}
	return CC_EINVAL;
}

const char *
log_level_name(enum log_level level)
{
	if ((int)level < 0 || level > LOG_LEVEL_NONE)
		return "?";
	return level_names[level];
}

static size_t
format_prefix(char *buf, size_t size, enum log_level level, const char *module)
{
	struct timespec ts;
	struct tm tm;
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = snprintf(buf, size,
	             "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s[%ld] %s %s %s: ",
	             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	             tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000L, prog_name,
	             (long)getpid(), role_tag, level_tags[level], module);
	if (n < 0)
		return 0;
	return (size_t)n < size ? (size_t)n : size - 1;
}

void
log_write(enum log_level level, const char *module, const char *fmt, ...)
{
	char buf[4096];
	size_t len;
	va_list ap;
	int n, fd;

	if (!log_enabled(level))
		return;
	len = format_prefix(buf, sizeof(buf), level, module);
	va_start(ap, fmt);
	n = vsnprintf(buf + len, sizeof(buf) - len, fmt, ap);
	va_end(ap);
	if (n > 0)
		len += (size_t)n < sizeof(buf) - len ? (size_t)n
		                                     : sizeof(buf) - len - 1;
	if (len >= sizeof(buf) - 1)
		len = sizeof(buf) - 2;
	buf[len++] = '\n';
	/* A failed log write has nowhere to be reported; drop it. */
	fd = atomic_load(&sink_fd);
	if (write(fd, buf, len) < 0)
		return;
	if (level == LOG_LEVEL_ERROR && fd != STDERR_FILENO &&
	    write(STDERR_FILENO, buf, len) < 0)
		return;
}
