/*
 * allowlist.c - which compilers a rank may run (see allowlist.h).
 *
 * Entries are kept as given for patterns and resolved for plain paths, so
 * a configured /usr/bin/gcc (a symlink chain on Debian) matches the file
 * it names. Matching is always against the realpath() of the requested
 * compiler: a symlink a user plants in their build tree cannot make an
 * arbitrary program look like an allowed compiler. The file run is the
 * resolved one, never the request's string.
 */
#define _XOPEN_SOURCE 700 /* realpath() */
#define LOG_MODULE    "allowlist"
#include "allowlist.h"

#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

/* What an empty allowed_compilers means: these names on the rank's PATH. */
static const char *const default_names[] = {"gcc", "g++", "cc", "c++"};

struct allowlist {
	char **entries; /* resolved paths or fnmatch patterns */
	size_t n, cap;
};

static bool
is_pattern(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static bool
contains(const struct allowlist *al, const char *s)
{
	for (size_t i = 0; i < al->n; i++) {
		if (strcmp(al->entries[i], s) == 0)
			return true;
	}
	return false;
}

/* Append a copy of s unless present. */
static int
add(struct allowlist *al, const char *s)
{
	char **p;

	if (contains(al, s))
		return CC_OK;
	if (al->n == al->cap) {
		size_t cap = al->cap ? al->cap * 2 : 8;

		p = realloc(al->entries, cap * sizeof(*p));
		if (!p)
			return CC_ENOMEM;
		al->entries = p;
		al->cap = cap;
	}
	al->entries[al->n] = strdup(s);
	if (!al->entries[al->n])
		return CC_ENOMEM;
	al->n++;
	return CC_OK;
}

/* A plain path is stored resolved; one that does not exist, as given. */
static int
add_entry(struct allowlist *al, const char *entry)
{
	char real[PATH_MAX];

	if (!is_pattern(entry) && realpath(entry, real))
		return add(al, real);
	return add(al, entry);
}

/* First executable dir/name along path_env, resolved; false if none. */
static bool
find_in_path(const char *path_env, const char *name, char real[PATH_MAX])
{
	const char *p = path_env;

	while (p && *p) {
		size_t len = strcspn(p, ":");
		char cand[PATH_MAX];
		struct stat st;

		/* An empty element means the cwd: never for a server. */
		if (len > 0 && p[0] == '/' &&
		    (size_t)snprintf(cand, sizeof(cand), "%.*s/%s", (int)len, p,
		                     name) < sizeof(cand) &&
		    stat(cand, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(cand, X_OK) == 0 && realpath(cand, real))
			return true;
		p += len;
		if (*p == ':')
			p++;
	}
	return false;
}

static int
add_defaults(struct allowlist *al, const char *path_env)
{
	char real[PATH_MAX];
	size_t n = sizeof(default_names) / sizeof(default_names[0]);

	for (size_t i = 0; i < n; i++) {
		if (find_in_path(path_env, default_names[i], real) &&
		    add(al, real) != CC_OK)
			return CC_ENOMEM;
	}
	return CC_OK;
}

int
allowlist_new(char *const *entries, size_t n, const char *path_env,
              struct allowlist **out, struct cc_err *err)
{
	struct allowlist *al = calloc(1, sizeof(*al));
	int rc = CC_OK;

	if (!al)
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	for (size_t i = 0; rc == CC_OK && i < n; i++) {
		if (entries[i][0] != '/')
			rc = cc_err_set(
			        err, CC_EINVAL,
			        "allowed_compilers entry '%.200s' is not an absolute path",
			        entries[i]);
		else if (add_entry(al, entries[i]) != CC_OK)
			rc = cc_err_set(err, CC_ENOMEM, "out of memory");
	}
	if (rc == CC_OK && n == 0 && add_defaults(al, path_env) != CC_OK)
		rc = cc_err_set(err, CC_ENOMEM, "out of memory");
	if (rc != CC_OK) {
		allowlist_free(al);
		return rc;
	}
	*out = al;
	return CC_OK;
}

void
allowlist_free(struct allowlist *al)
{
	if (!al)
		return;
	for (size_t i = 0; i < al->n; i++)
		free(al->entries[i]);
	free(al->entries);
	free(al);
}

static bool
matches(const struct allowlist *al, const char *real)
{
	for (size_t i = 0; al && i < al->n; i++) {
		const char *e = al->entries[i];

		if (is_pattern(e) ? fnmatch(e, real, FNM_PATHNAME) == 0
		                  : strcmp(e, real) == 0)
			return true;
	}
	return false;
}

int
allowlist_resolve(const struct allowlist *al, const char *path, char **resolved,
                  struct cc_err *err)
{
	char real[PATH_MAX];
	struct stat st;
	char *copy;

	if (!realpath(path, real))
		return cc_err_sys(err, CC_ENOENT, errno,
		                  "compiler '%.200s' not found on this rank",
		                  path);
	if (!matches(al, real))
		return cc_err_set(
		        err, CC_EINVAL,
		        "compiler '%.200s' (real path '%.200s') is not in allowed_compilers on this rank",
		        path, real);
	if (stat(real, &st) != 0 || !S_ISREG(st.st_mode) ||
	    access(real, X_OK) != 0)
		return cc_err_set(
		        err, CC_EINVAL,
		        "compiler '%.200s' is not an executable file on this rank",
		        real);
	copy = strdup(real);
	if (!copy)
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	*resolved = copy;
	return CC_OK;
}

size_t
allowlist_count(const struct allowlist *al)
{
	return al ? al->n : 0;
}

const char *
allowlist_entry(const struct allowlist *al, size_t i)
{
	return al && i < al->n ? al->entries[i] : NULL;
}

struct allowlist *
allowlist_for_rank(const struct cfg *cfg)
{
	struct allowlist *al = NULL;
	struct cc_err err;

	if (allowlist_new(cfg->allowed_compilers, cfg->n_allowed_compilers,
	                  getenv("PATH"), &al, &err) != CC_OK) {
		log_error("%s: every compile will be refused", err.msg);
		return NULL;
	}
	if (al->n == 0)
		log_warn(
		        "no compiler allowed (allowed_compilers is empty and no gcc, g++, cc or c++ on PATH): every compile will be refused");
	for (size_t i = 0; i < al->n; i++)
		log_info("allowed compiler: %s", al->entries[i]);
	return al;
}
