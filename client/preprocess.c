/*
 * preprocess.c - runs gcc -E with the original command's preprocessor and
 * dependency options, so the .d file is written by gcc itself, exactly as
 * a local compile would write it. -fdirectives-only: includes and
 * conditionals are resolved here, macros expand on the worker, so columns
 * and "in expansion of macro" notes stay right and the client's part is
 * faster (docs/DESIGN.md, "Preprocessing mode"). stderr is captured, not passed
 * through: if preprocessing fails, the wrapper compiles locally and gcc
 * prints its own diagnostics once.
 */
#define LOG_MODULE "preprocess"
#include "preprocess.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "child.h"

static const char *
tmp_root(void)
{
	const char *t = getenv("TMPDIR");

	return t && t[0] ? t : "/tmp";
}

static const char **
build_argv(const char *compiler, const struct compile_plan *plan,
	   const char *out)
{
	size_t n = 0, k = 0;
	const char **argv;

	while (plan->cpp_args[n])
		n++;
	argv = calloc(n + 5, sizeof(*argv));
	if (!argv)
		return NULL;
	argv[k++] = compiler;
	for (size_t i = 0; i < n; i++)
		argv[k++] = plan->cpp_args[i];
	argv[k++] = "-fdirectives-only";
	argv[k++] = "-o";
	argv[k++] = out;
	return argv;
}

static int
run_cpp(const char *compiler, const struct compile_plan *plan,
	const char *dir, int *exit_code, struct cc_err *err)
{
	char out[4096], diag[4096];
	struct child_opts opts = { 0 };
	const char **argv;
	int rc;

	snprintf(out, sizeof(out), "%s/pp.i", dir);
	snprintf(diag, sizeof(diag), "%s/stderr", dir);
	argv = build_argv(compiler, plan, out);
	if (!argv)
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	opts.argv = argv;
	opts.stderr_path = diag;
	rc = child_run(&opts, 0, exit_code, err);
	free((void *)argv);
	return rc;
}

static int
read_results(const char *dir, size_t max_bytes, struct preprocessed *out,
	     struct cc_err *err)
{
	char path[4096];
	int rc;

	snprintf(path, sizeof(path), "%s/stderr", dir);
	rc = fileio_read_all(path, max_bytes, &out->diagnostics,
			     &out->diag_len, err);
	if (rc != CC_OK)
		return rc;
	snprintf(path, sizeof(path), "%s/pp.i", dir);
	return fileio_read_all(path, max_bytes, &out->text, &out->len, err);
}

static void
remove_dir(const char *dir)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/pp.i", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/stderr", dir);
	unlink(path);
	rmdir(dir);
}

int
preprocess_run(const char *compiler, const struct compile_plan *plan,
	       size_t max_bytes, struct preprocessed *out, int *exit_code,
	       struct cc_err *err)
{
	char dir[4096];
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(dir, sizeof(dir), "%s/clustcc-pp-XXXXXX", tmp_root());
	if (!mkdtemp(dir))
		return cc_err_sys(err, CC_ESYS, errno,
				  "cannot create a temporary directory in '%s'",
				  tmp_root());
	rc = run_cpp(compiler, plan, dir, exit_code, err);
	if (rc == CC_OK && *exit_code == 0)
		rc = read_results(dir, max_bytes, out, err);
	if (rc != CC_OK || *exit_code != 0)
		preprocess_release(out);
	remove_dir(dir);
	return rc;
}

void
preprocess_release(struct preprocessed *pp)
{
	free(pp->text);
	free(pp->diagnostics);
	memset(pp, 0, sizeof(*pp));
}
