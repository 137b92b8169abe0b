/*
 * compopt.h - the table of gcc options clustcc must understand: which take
 * a separate argument, which are preprocessor-only, and which force a local
 * compile (with the reason). Sorted by name for bsearch; a unit test
 * proves the order and the consistency of flags (ccache does the same).
 */
#ifndef CLUSTCC_CLIENT_COMPOPT_H
#define CLUSTCC_CLIENT_COMPOPT_H

#include <stdbool.h>
#include <stddef.h>

#include "fallback.h"

enum compopt_flags {
	COMPOPT_TAKES_ARG = 1 << 0,    /* "-o X": next argv is its argument */
	COMPOPT_TAKES_CONCAT = 1 << 1, /* "-oX" form also accepted */
	COMPOPT_PREFIX = 1 << 2, /* matches any option starting with name */
	COMPOPT_CPP_ONLY =
	        1 << 3, /* affects preprocessing only: not sent remote */
	COMPOPT_LOCAL = 1 << 4, /* forces a local compile (see reason) */
	COMPOPT_DEPS =
	        1 << 5, /* -M family: handled during local preprocessing */
};

struct compopt {
	const char *name;
	unsigned flags;
	enum fallback_reason reason; /* when COMPOPT_LOCAL */
};

/*
 * Find the row for option arg (e.g. "-MF", "-MFfoo.d", "-fplugin=x.so"):
 * an exact match first, else the longest PREFIX or TAKES_CONCAT row that
 * arg starts with. NULL if the table has no row (an ordinary option).
 */
const struct compopt *compopt_find(const char *arg);

/* The table and its length, for the consistency test. */
const struct compopt *compopt_table(size_t *count);

#endif
