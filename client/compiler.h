/*
 * compiler.h - find the real compiler behind clustcc-gcc, and identify it
 * so a worker can refuse a different one. Single-threaded callers.
 */
#ifndef CLUSTCC_CLIENT_COMPILER_H
#define CLUSTCC_CLIENT_COMPILER_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

struct compiler {
	char path[PATH_MAX]; /* what to run: as given, or found on PATH */
	char real[PATH_MAX]; /* realpath() of it: the identity's path */
	uint64_t size;       /* st_size of real */
	int64_t mtime_ns;    /* st_mtim of real */
	bool cxx;            /* a C++ driver (g++, c++): a .c is C++ */
};

/*
 * Resolve name (e.g. "gcc", "/usr/bin/g++", "./cc") to a compiler that is
 * not this program: a bare name is looked up on PATH, skipping every entry
 * that is clustcc-gcc itself (the symlink form). False if none is found.
 */
bool compiler_find(const char *name, struct compiler *out);

#endif
