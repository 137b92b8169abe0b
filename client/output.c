/*
 * output.c - the worker names its outputs after its own scratch files
 * ("out.o"); this module owns the mapping back to client paths, so adding
 * a side output (.dwo, .gcno) means one row here and one in the worker.
 */
#include "output.h"

#include <stdbool.h>
#include <string.h>

#include "atomicfile.h"

/* Destination of a returned file, or NULL if the plan does not expect it. */
static const char *
destination(const struct compile_plan *plan, const char *name)
{
	if (strcmp(name, "out.o") == 0)
		return plan->output;
	return NULL;
}

static int
check_outputs(const struct compile_plan *plan,
              const Clustcc__CompileResult *res, struct cc_err *err)
{
	bool have_object = false;

	for (size_t i = 0; i < res->n_outputs; i++) {
		const char *name = res->outputs[i]->name;

		if (!destination(plan, name))
			return cc_err_set(
			        err, CC_EPROTO,
			        "worker returned unexpected file '%.100s'",
			        name);
		if (strcmp(name, "out.o") == 0)
			have_object = true;
	}
	if (!have_object)
		return cc_err_set(err, CC_EPROTO,
		                  "worker returned no object for '%s'",
		                  plan->output);
	return CC_OK;
}

int
output_write(const struct compile_plan *plan, const Clustcc__CompileResult *res,
             struct cc_err *err)
{
	int rc;

	/* gcc leaves an existing object alone when cc1 fails; so do we. */
	if (res->exit_code != 0)
		return CC_OK;
	rc = check_outputs(plan, res, err);
	for (size_t i = 0; rc == CC_OK && i < res->n_outputs; i++) {
		const Clustcc__OutputFile *f = res->outputs[i];

		rc = atomicfile_write(destination(plan, f->name), f->data.data,
		                      f->data.len, 0666, 1, err);
	}
	return rc;
}
