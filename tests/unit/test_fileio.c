/*
 * test_fileio.c - whole-file reads (limit, growth, missing files) and
 * complete writes under short writes and EINTR.
 */
#include "fileio.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
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
	tmpdir = tu_tmpdir_new("fileio");
}

static void
teardown(void)
{
	tu_tmpdir_free(tmpdir);
}

TestSuite(fileio, .init = setup, .fini = teardown);

Test(fileio, reads_whole_file_nul_terminated)
{
	char path[4096];
	char *data = NULL;
	size_t len = 0;

	tu_path(path, sizeof(path), tmpdir, "f");
	tu_write_file(path, "hello\nworld", 11);
	cr_assert_eq(fileio_read_all(path, 100, &data, &len, NULL), CC_OK);
	cr_assert_eq(len, 11);
	cr_assert_eq(memcmp(data, "hello\nworld", 11), 0);
	cr_assert_eq(data[len], '\0');
	free(data);
}

Test(fileio, reads_empty_file)
{
	char path[4096];
	char *data = NULL;
	size_t len = 99;

	tu_path(path, sizeof(path), tmpdir, "empty");
	tu_write_file(path, "", 0);
	cr_assert_eq(fileio_read_all(path, 0, &data, &len, NULL), CC_OK);
	cr_assert_eq(len, 0);
	cr_assert_not_null(data);
	cr_assert_eq(data[0], '\0');
	free(data);
}

Test(fileio, reads_file_larger_than_first_chunk)
{
	size_t n = 300 * 1000 + 7;
	char *want = malloc(n);
	char path[4096];
	char *data = NULL;
	size_t len = 0;

	cr_assert_not_null(want);
	for (size_t i = 0; i < n; i++)
		want[i] = (char)(i * 7 + 3);
	tu_path(path, sizeof(path), tmpdir, "big");
	tu_write_file(path, want, n);
	cr_assert_eq(fileio_read_all(path, n, &data, &len, NULL), CC_OK);
	cr_assert_eq(len, n);
	cr_assert_eq(memcmp(data, want, n), 0);
	free(data);
	free(want);
}

Test(fileio, limit_is_inclusive)
{
	char path[4096];
	char *data = NULL;
	size_t len = 0;
	struct cc_err err;

	tu_path(path, sizeof(path), tmpdir, "ten");
	tu_write_file(path, "0123456789", 10);
	cr_assert_eq(fileio_read_all(path, 10, &data, &len, NULL), CC_OK);
	cr_assert_eq(len, 10);
	free(data);
	data = NULL;
	cr_assert_eq(fileio_read_all(path, 9, &data, &len, &err), CC_ETOOBIG);
	cr_assert_eq(err.code, CC_ETOOBIG);
	cr_assert_not_null(strstr(err.msg, path), "msg: %s", err.msg);
	cr_assert_null(data, "out-parameter written on failure");
}

/* /proc files report st_size 0: only the read loop sees their size. */
Test(fileio, reads_file_whose_stat_size_is_zero)
{
	char *data = NULL;
	size_t len = 0;

	cr_assert_eq(fileio_read_all("/proc/self/status", 1 << 20, &data, &len,
	                             NULL),
	             CC_OK);
	cr_assert_gt(len, 0);
	cr_assert_not_null(strstr(data, "Pid:"));
	cr_assert_eq(strlen(data), len);
	free(data);
}

Test(fileio, limit_applies_when_stat_size_is_zero)
{
	char *data = NULL;
	size_t len = 0;

	cr_assert_eq(
	        fileio_read_all("/proc/self/status", 16, &data, &len, NULL),
	        CC_ETOOBIG);
	cr_assert_null(data);
}

Test(fileio, missing_file_is_enoent)
{
	char path[4096];
	char *data = NULL;
	size_t len = 0;
	struct cc_err err;

	tu_path(path, sizeof(path), tmpdir, "nope");
	cr_assert_eq(fileio_read_all(path, 100, &data, &len, &err), CC_ENOENT);
	cr_assert_eq(err.sys, ENOENT);
	cr_assert_not_null(strstr(err.msg, path), "msg: %s", err.msg);
	cr_assert_null(data);
}

Test(fileio, directory_is_esys)
{
	char *data = NULL;
	size_t len = 0;
	struct cc_err err;

	cr_assert_eq(fileio_read_all(tmpdir, 100, &data, &len, &err), CC_ESYS);
	cr_assert_eq(err.sys, EISDIR);
	cr_assert_null(data);
}

Test(fileio, write_all_to_bad_fd_fails)
{
	errno = 0;
	cr_assert_eq(fileio_write_all(-1, "x", 1), CC_ESYS);
	cr_assert_eq(errno, EBADF);
}

Test(fileio, write_all_of_nothing_succeeds)
{
	cr_assert_eq(fileio_write_all(-1, NULL, 0), CC_OK);
}

Test(fileio, write_all_writes_file)
{
	char path[4096];
	char *data = NULL;
	size_t len = 0;
	int fd;

	tu_path(path, sizeof(path), tmpdir, "w");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(fileio_write_all(fd, "abc", 3), CC_OK);
	cr_assert_eq(fileio_write_all(fd, "defg", 4), CC_OK);
	cr_assert_eq(close(fd), 0);
	cr_assert_eq(fileio_read_all(path, 100, &data, &len, NULL), CC_OK);
	cr_assert_eq(len, 7);
	cr_assert_str_eq(data, "abcdefg");
	free(data);
}

/*
 * A blocking write() into a pipe that a signal interrupts returns a short
 * count (or EINTR if nothing was written yet). The reader thread signals
 * the writer after every read, so a single write() of 4 MiB cannot
 * deliver everything; only a retry loop does.
 */
#define PIPE_TOTAL (4u << 20)

static atomic_int signals_seen;

struct reader {
	int fd;
	pthread_t writer;
	unsigned char *buf;
	size_t got;
};

static void
on_usr1(int sig)
{
	(void)sig;
	atomic_fetch_add(&signals_seen, 1);
}

static void *
read_pipe(void *arg)
{
	struct reader *r = arg;
	ssize_t n;

	for (;;) {
		n = read(r->fd, r->buf + r->got, 4096);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		r->got += (size_t)n;
		pthread_kill(r->writer, SIGUSR1);
	}
	return NULL;
}

Test(fileio, write_all_survives_signals_and_short_writes)
{
	struct sigaction sa;
	struct reader r;
	unsigned char *want = malloc(PIPE_TOTAL);
	pthread_t th;
	int fds[2];

	cr_assert_not_null(want);
	for (size_t i = 0; i < PIPE_TOTAL; i++)
		want[i] = (unsigned char)(i % 251);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1; /* no SA_RESTART: write() must see it */
	cr_assert_eq(sigemptyset(&sa.sa_mask), 0);
	cr_assert_eq(sigaction(SIGUSR1, &sa, NULL), 0);
	cr_assert_eq(pipe(fds), 0);
	r.fd = fds[0];
	r.writer = pthread_self();
	r.buf = malloc(PIPE_TOTAL);
	r.got = 0;
	cr_assert_not_null(r.buf);
	cr_assert_eq(pthread_create(&th, NULL, read_pipe, &r), 0);

	cr_assert_eq(fileio_write_all(fds[1], want, PIPE_TOTAL), CC_OK);
	cr_assert_eq(close(fds[1]), 0);
	cr_assert_eq(pthread_join(th, NULL), 0);
	cr_assert_eq(close(fds[0]), 0);

	cr_assert_gt(atomic_load(&signals_seen), 0);
	cr_assert_eq(r.got, PIPE_TOTAL);
	cr_assert_eq(memcmp(r.buf, want, PIPE_TOTAL), 0);
	free(r.buf);
	free(want);
}

/*
 * A FIFO has no size to stat: only the loop that grows the buffer until
 * EOF reads all of it, and only the limit check inside it stops it.
 */
#define FIFO_TOTAL (100 * 1000)

struct feeder {
	char path[4096];
	int fed_all;
};

static void *
feed_fifo(void *arg)
{
	struct feeder *f = arg;
	char chunk[1000];
	int fd = open(f->path, O_WRONLY | O_CLOEXEC);
	size_t sent;

	if (fd < 0)
		return NULL;
	for (sent = 0; sent < FIFO_TOTAL; sent += sizeof(chunk)) {
		for (size_t i = 0; i < sizeof(chunk); i++)
			chunk[i] = (char)('a' + (sent + i) % 26);
		/* The reader may stop early (limit): EPIPE ends us. */
		if (fileio_write_all(fd, chunk, sizeof(chunk)) != CC_OK)
			break;
	}
	f->fed_all = sent == FIFO_TOTAL;
	close(fd);
	return NULL;
}

static void
start_feeder(struct feeder *f, pthread_t *th)
{
	tu_path(f->path, sizeof(f->path), tmpdir, "fifo");
	f->fed_all = 0;
	/* A reader that stops early must fail the test, not kill it. */
	cr_assert_neq(signal(SIGPIPE, SIG_IGN), SIG_ERR);
	cr_assert_eq(mkfifo(f->path, 0600), 0, "mkfifo: %s", strerror(errno));
	cr_assert_eq(pthread_create(th, NULL, feed_fifo, f), 0);
}

Test(fileio, reads_stream_of_unknown_size_to_eof)
{
	struct feeder f;
	pthread_t th;
	char *data = NULL;
	size_t len = 0;

	start_feeder(&f, &th);
	cr_assert_eq(fileio_read_all(f.path, FIFO_TOTAL, &data, &len, NULL),
	             CC_OK);
	cr_assert_eq(pthread_join(th, NULL), 0);
	cr_assert(f.fed_all);
	cr_assert_eq(len, FIFO_TOTAL);
	for (size_t i = 0; i < len; i++)
		cr_assert_eq(data[i], (char)('a' + i % 26), "byte %zu", i);
	cr_assert_eq(data[len], '\0');
	free(data);
}

Test(fileio, limit_applies_to_stream_of_unknown_size)
{
	struct feeder f;
	pthread_t th;
	char *data = NULL;
	size_t len = 0;

	start_feeder(&f, &th);
	cr_assert_eq(fileio_read_all(f.path, FIFO_TOTAL / 2, &data, &len, NULL),
	             CC_ETOOBIG);
	cr_assert_eq(pthread_join(th, NULL), 0);
	cr_assert_null(data);
}
