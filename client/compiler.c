/*
 * compiler.c - the wrapper may be installed as a symlink named gcc first
 * on PATH, so finding "gcc" must skip every PATH entry that resolves to
 * this very program (/proc/self/exe), or it would call itself forever.
 */
#define _XOPEN_SOURCE 700 /* realpath() */
#include "compiler.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool
is_self(const char *path)
{
	char self[PATH_MAX], other[PATH_MAX];

	if (!realpath("/proc/self/exe", self) || !realpath(path, other))
		return false;
	return strcmp(self, other) == 0;
}

static bool
is_executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       access(path, X_OK) == 0;
}

/* First `name` on PATH that is not this program; false if none. */
static bool
search_path(const char *name, char *out, size_t size)
{
	const char *path = getenv("PATH");

	while (path && *path) {
		size_t len = strcspn(path, ":");
		/* An empty PATH entry means the current directory. */
		int n = len ? snprintf(out, size, "%.*s/%s", (int)len, path,
		                       name)
		            : snprintf(out, size, "./%s", name);

		if (n > 0 && (size_t)n < size && is_executable(out) &&
		    !is_self(out))
			return true;
		path += len;
		if (*path == ':')
			path++;
	}
	return false;
}

static bool
identify(struct compiler *c)
{
	struct stat st;

	if (!realpath(c->path, c->real) || stat(c->real, &st) != 0)
		return false;
	c->size = (uint64_t)st.st_size;
	c->mtime_ns =
	        (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	return true;
}

bool
compiler_find(const char *name, struct compiler *out)
{
	const char *base = strrchr(name, '/');

	memset(out, 0, sizeof(*out));
	out->cxx = strstr(base ? base + 1 : name, "++") != NULL;
	if (!strchr(name, '/')) {
		if (!search_path(name, out->path, sizeof(out->path)))
			return false;
	} else if ((size_t)snprintf(out->path, sizeof(out->path), "%s", name) >=
	                   sizeof(out->path) ||
	           is_self(name)) {
		return false;
	}
	return identify(out);
}
