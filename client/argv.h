/*
 * argv.h - classify a compiler command line: one C/C++ source compiled
 * with -c to an object (remote), or a local reason (fallback.h).
 *
 * The rules are a table (compopt.c) plus the checks here; the written spec
 * is docs/classification.md. Pure functions: no I/O except stat-free
 * string work, thread-safe.
 */
#ifndef CLUSTCC_CLIENT_ARGV_H
#define CLUSTCC_CLIENT_ARGV_H

#include <stdbool.h>

#include "fallback.h"

enum plan_lang {
	PLAN_LANG_C,
	PLAN_LANG_CXX,
};

/*
 * What a remote compile needs. Argument vectors are NULL-terminated and
 * hold only the arguments (no compiler name). The vectors are owned by the
 * plan; their strings may point into the caller's argv, so the plan must
 * not outlive it. Release with argv_plan_release().
 */
struct compile_plan {
	enum plan_lang lang;
	const char *source; /* the source as written on the command line */
	char *output;       /* object path gcc writes: the -o value, or the
	                       source's basename with .o (.s for -S) in the
	                       cwd */
	bool assemble;      /* -S: the output is assembly, not an object */
	/*
	 * Local preprocessing: the original arguments with "-c" replaced by
	 * "-E" and "-o OUT" removed; dependency options kept, plus -MF/-MQ
	 * where needed so the .d file gets exactly the name and target gcc
	 * would give it for this -o. The caller appends "-o TMP.i".
	 */
	char **cpp_args;
	/*
	 * Remote compile: every argument except preprocessor-only options
	 * (-D -U -I -include -isystem ... and all -M* dependency options),
	 * the source, "-c"/"-S", "-o OUT" and "-x LANG". The worker appends
	 * its own language, "-c" or "-S" (assemble), input and output.
	 */
	char **cc_args;
	/*
	 * Exact mode on a worker that sees the client's files (docs/DESIGN.md):
	 * check_args preprocess like cpp_args but without dependency options
	 * and with -fdirectives-only; exact_args are the original arguments
	 * without "-o OUT" and dependency options (the worker adds its -o).
	 */
	char **check_args;
	char **exact_args;
	bool writes_deps; /* -MD or -MMD given */
};

/*
 * Classify args[0..argc-1] (the arguments after the compiler name).
 * cxx_driver: the compiler is a C++ driver (g++, c++: a .c is C++ then).
 * On a remote verdict: returns CC_OK, *reason = FALLBACK_NONE and *plan
 * filled. On a local verdict: returns CC_OK, *reason says why, *plan
 * untouched. Returns CC_ENOMEM only on allocation failure.
 */
int argv_classify(int argc, char *const args[], bool cxx_driver,
                  struct compile_plan *plan, enum fallback_reason *reason);

/* Free what argv_classify() allocated in plan (NULL-safe fields). */
void argv_plan_release(struct compile_plan *plan);

#endif
