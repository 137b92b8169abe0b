/*
 * testutil.c - one copy of the helpers the unit tests used to repeat:
 * temporary directories, rm -rf, and whole-file writes and reads. Every
 * failure is a failed assertion of the calling test.
 */
#include "testutil.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"

char *
tu_tmpdir_new(const char *name)
{
	char tmpl[4096];
	char *dir;

	snprintf(tmpl, sizeof(tmpl), "/tmp/clustcc-test-%s.XXXXXX", name);
	cr_assert_not_null(mkdtemp(tmpl), "mkdtemp '%s': %s", tmpl,
	                   strerror(errno));
	dir = strdup(tmpl);
	cr_assert_not_null(dir);
	return dir;
}

void
tu_tmpdir_free(char *dir)
{
	tu_rm_rf(dir);
	free(dir);
}

void
tu_rm_rf(const char *path)
{
	char sub[4096];
	struct dirent *e;
	struct stat st;
	DIR *d;

	if (!path)
		return;
	d = opendir(path);
	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			tu_rm_rf(sub);
		else
			unlink(sub);
	}
	closedir(d);
	rmdir(path);
}

void
tu_path(char *buf, size_t size, const char *dir, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

int
tu_count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	cr_assert_not_null(d, "opendir '%s': %s", dir, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	}
	closedir(d);
	return n;
}

void
tu_write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f, "fopen '%s': %s", path, strerror(errno));
	cr_assert_eq(fwrite(data, 1, len, f), len, "fwrite '%s': %s", path,
	             strerror(errno));
	cr_assert_eq(fclose(f), 0, "fclose '%s': %s", path, strerror(errno));
}

void
tu_write_text(const char *path, const char *text)
{
	tu_write_file(path, text, strlen(text));
}

char *
tu_read_file(const char *path, size_t *len)
{
	char *data = NULL;
	size_t n = 0;

	cr_assert_eq(fileio_read_all(path, 1 << 20, &data, &n, NULL), CC_OK,
	             "cannot read '%s'", path);
	if (len)
		*len = n;
	return data;
}
