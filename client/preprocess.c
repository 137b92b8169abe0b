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
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "fileio.h"
#include "log.h"

/* The private directory and the two files gcc -E writes there. */
struct pp_paths {
	char dir[PATH_MAX];
	char out[PATH_MAX + 16];
	char diag[PATH_MAX + 16];
};

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
        const struct pp_paths *p, int *exit_code, struct cc_err *err)
{
	struct child_opts opts = {0};
	const char **argv;
	int rc;

	argv = build_argv(compiler, plan, p->out);
	if (!argv)
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	opts.argv = argv;
	opts.stderr_path = p->diag;
	opts.in_caller_group = true; /* a Ctrl-C at the terminal stops it too */
	rc = child_run(&opts, 0, exit_code, err);
	free((void *)argv);
	return rc;
}

static int
read_results(const struct pp_paths *p, size_t max_bytes,
             struct preprocessed *out, struct cc_err *err)
{
	int rc = fileio_read_all(p->diag, max_bytes, &out->diagnostics,
	                         &out->diag_len, err);

	if (rc != CC_OK)
		return rc;
	return fileio_read_all(p->out, max_bytes, &out->text, &out->len, err);
}

int
preprocess_run(const char *compiler, const struct compile_plan *plan,
               size_t max_bytes, struct preprocessed *out, int *exit_code,
               struct cc_err *err)
{
	struct pp_paths p;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((size_t)snprintf(p.dir, sizeof(p.dir), "%s/clustcc-pp-XXXXXX",
	                     tmp_root()) >= sizeof(p.dir))
		return cc_err_set(err, CC_EINVAL, "TMPDIR '%s' is too long",
		                  tmp_root());
	if (!mkdtemp(p.dir))
		return cc_err_sys(err, CC_ESYS, errno,
		                  "cannot create a temporary directory in '%s'",
		                  tmp_root());
	snprintf(p.out, sizeof(p.out), "%s/pp.i", p.dir);
	snprintf(p.diag, sizeof(p.diag), "%s/stderr", p.dir);
	rc = run_cpp(compiler, plan, &p, exit_code, err);
	if (rc == CC_OK && *exit_code == 0)
		rc = read_results(&p, max_bytes, out, err);
	if (rc != CC_OK || *exit_code != 0)
		preprocess_release(out);
	unlink(p.out);
	unlink(p.diag);
	rmdir(p.dir);
	return rc;
}

void
preprocess_release(struct preprocessed *pp)
{
	free(pp->text);
	free(pp->diagnostics);
	memset(pp, 0, sizeof(*pp));
}
