/*
 * output.h - put what a remote compile returned where gcc would have put
 * it: the object at the plan's output path, written atomically (temporary
 * file in the target directory + rename), mode 0666 & ~umask as gcc does.
 */
#ifndef CLUSTCC_CLIENT_OUTPUT_H
#define CLUSTCC_CLIENT_OUTPUT_H

#include "argv.h"
#include "ccerr.h"
#include "codec.h"

/*
 * Map each returned file to its destination and write it. A file the plan
 * does not expect, or a missing object after exit code 0, is CC_EPROTO and
 * nothing is written (the caller compiles locally). On a non-zero exit
 * code nothing is written and an existing object is left alone, as gcc
 * leaves it.
 */
int output_write(const struct compile_plan *plan,
                 const Clustcc__CompileResult *res, struct cc_err *err);

#endif
