/*
 * fuzz_argv.c - libFuzzer target for the argument classifier. The input is
 * a command line with its arguments separated by NUL bytes (the seeds are
 * real Spack build lines); each argument gets its own allocation so ASan
 * sees a read past its end. Classified as a C driver and as a C++ driver.
 * A remote verdict must come with a complete plan whose vectors are
 * NULL-terminated; a local verdict must name a reason.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "argv.h"
#include "ccerr.h"

/* gcc's own limit is the kernel's ARG_MAX; this keeps an input quick. */
#define MAX_ARGS 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
require(int cond)
{
	if (!cond)
		abort();
}

/* Touch every string of a NULL-terminated vector. */
static void
walk(char **v)
{
	size_t total = 0;

	require(v != NULL);
	for (size_t i = 0; v[i]; i++)
		total += strlen(v[i]);
	(void)total;
}

static void
classify(int argc, char **args, bool cxx)
{
	struct compile_plan plan;
	enum fallback_reason reason = FALLBACK_NONE;

	memset(&plan, 0, sizeof(plan));
	if (argv_classify(argc, args, cxx, &plan, &reason) != CC_OK)
		return; /* CC_ENOMEM only */
	if (reason != FALLBACK_NONE) {
		require(fallback_reason_name(reason) != NULL);
		return;
	}
	require(plan.source && plan.output && plan.output[0] != '\0');
	require(plan.lang == PLAN_LANG_C || plan.lang == PLAN_LANG_CXX);
	walk(plan.cpp_args);
	walk(plan.cc_args);
	walk(plan.check_args);
	walk(plan.exact_args);
	argv_plan_release(&plan);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char **args = calloc(MAX_ARGS + 1, sizeof(*args));
	int argc = 0;
	size_t start = 0;

	require(args != NULL);
	/* An empty input is argc 0; a trailing NUL does not add an argument. */
	while (start < size && argc < MAX_ARGS) {
		const uint8_t *nul = memchr(data + start, '\0', size - start);
		size_t len = nul ? (size_t)(nul - data) - start : size - start;

		args[argc] = malloc(len + 1);
		require(args[argc] != NULL);
		memcpy(args[argc], data + start, len);
		args[argc][len] = '\0';
		argc++;
		start += len + 1;
	}
	classify(argc, args, false);
	classify(argc, args, true);
	for (int i = 0; i < argc; i++)
		free(args[i]);
	free(args);
	return 0;
}
