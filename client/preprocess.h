/*
 * preprocess.h - the client's local preprocessing step (gcc -E), which
 * also writes the dependency file when the command asks for one.
 */
#ifndef CLUSTCC_CLIENT_PREPROCESS_H
#define CLUSTCC_CLIENT_PREPROCESS_H

#include <stddef.h>

#include "argv.h"
#include "ccerr.h"

struct preprocessed {
	char *text; /* the preprocessed source (malloc'd) */
	size_t len;
	char *diagnostics; /* what gcc -E wrote on stderr (malloc'd) */
	size_t diag_len;
};

/*
 * Run `compiler <plan->cpp_args> -fdirectives-only -o TMP` in a private
 * temporary directory
 * and read the result (at most max_bytes). *exit_code is gcc's; on a
 * non-zero exit out holds nothing. Errors: CC_ESYS (could not run),
 * CC_ETOOBIG (output over max_bytes).
 */
int preprocess_run(const char *compiler, const struct compile_plan *plan,
                   size_t max_bytes, struct preprocessed *out, int *exit_code,
                   struct cc_err *err);

void preprocess_release(struct preprocessed *pp);

#endif
