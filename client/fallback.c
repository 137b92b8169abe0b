/*
 * fallback.c - names of the local-compile reasons and the local run.
 * A local decision must exec the real compiler with the exact original
 * argv and environment: an altered argv is a fidelity bug (distcc).
 */
#include "fallback.h"

#include <assert.h>
#include <unistd.h>

struct reason_row {
	const char *name;
	const char *help;
};

static const struct reason_row rows[] = {
	[FALLBACK_NONE] = { "remote", "compiled on a worker" },
	[FALLBACK_NOT_COMPILE] = { "not_compile", "no -c: a link or compile-and-link" },
	[FALLBACK_INFO_QUERY] = { "info_query", "asks the compiler about itself (-v, --version, -print-*)" },
	[FALLBACK_PREPROCESS_ONLY] = { "preprocess_only", "-E only preprocesses" },
	[FALLBACK_DEPS_ONLY] = { "deps_only", "-M/-MM only writes dependencies" },
	[FALLBACK_SYNTAX_ONLY] = { "syntax_only", "-fsyntax-only produces no object" },
	[FALLBACK_ASSEMBLY_OUTPUT] = { "assembly_output", "-S writes assembly, not an object" },
	[FALLBACK_NO_SOURCE] = { "no_source", "no input file" },
	[FALLBACK_MULTIPLE_SOURCES] = { "multiple_sources", "more than one input file" },
	[FALLBACK_STDIN_SOURCE] = { "stdin_source", "source read from stdin" },
	[FALLBACK_STDOUT_OUTPUT] = { "stdout_output", "-o - writes to stdout" },
	[FALLBACK_DEV_NULL_OUTPUT] = { "dev_null_output", "output is not a regular file path" },
	[FALLBACK_LANGUAGE] = { "language", "not a C or C++ source" },
	[FALLBACK_PCH] = { "pch", "builds or uses a precompiled header" },
	[FALLBACK_CONFTEST] = { "conftest", "a configure probe: tiny and often fails on purpose" },
	[FALLBACK_RESPONSE_FILE] = { "response_file", "@file arguments are not expanded yet" },
	[FALLBACK_NATIVE_ARCH] = { "native_arch", "=native would resolve to the worker's CPU" },
	[FALLBACK_COVERAGE] = { "coverage", "coverage writes a .gcno next to the object" },
	[FALLBACK_PROFILE] = { "profile", "profile feedback reads or writes local files" },
	[FALLBACK_SIDE_OUTPUT] = { "side_output", "writes files besides the object" },
	[FALLBACK_SPLIT_DWARF] = { "split_dwarf", "-gsplit-dwarf writes a .dwo" },
	[FALLBACK_HOST_FILES] = { "host_files", "loads files or programs from this host (-B, -specs, plugins)" },
	[FALLBACK_MODULES] = { "modules", "C++ modules need the module mapper" },
	[FALLBACK_PREPROCESSOR_PASSTHROUGH] = { "preprocessor_passthrough", "-Wp,/-Xpreprocessor options" },
	[FALLBACK_ASSEMBLER_FILES] = { "assembler_files", "-Wa, options that read or write files" },
	[FALLBACK_DISABLED] = { "disabled", "CLUSTCC_DISABLE is set" },
	[FALLBACK_NO_PORT_FILE] = { "no_port_file", "CLUSTCC_PORT_FILE unset or no such file" },
	[FALLBACK_BAD_PORT_FILE] = { "bad_port_file", "the port file is malformed" },
	[FALLBACK_CONNECT_FAILED] = { "connect_failed", "the head did not accept a connection" },
	[FALLBACK_TIMEOUT] = { "timeout", "no answer from the head in time" },
	[FALLBACK_SEND_FAILED] = { "send_failed", "request or reply failed on the wire" },
	[FALLBACK_TOO_BIG] = { "too_big", "preprocessed source over the message size limit" },
	[FALLBACK_PREPROCESS_FAILED] = { "preprocess_failed", "local preprocessing failed" },
	[FALLBACK_REFUSED_DRAINING] = { "refused_draining", "the server is draining" },
	[FALLBACK_REFUSED_BUSY] = { "refused_busy", "the server's queue is full" },
	[FALLBACK_REFUSED_TOKEN] = { "refused_token", "the token does not match the server's" },
	[FALLBACK_REFUSED_VERSION] = { "refused_version", "protocol version mismatch" },
	[FALLBACK_REFUSED_COMPILER] = { "refused_compiler", "the worker's compiler differs from ours" },
	[FALLBACK_REFUSED_OTHER] = { "refused_other", "the server refused the request" },
	[FALLBACK_WORKER_FAILED] = { "worker_failed", "the compiler crashed or timed out on the worker" },
	[FALLBACK_OUTPUT_FAILED] = { "output_failed", "the returned outputs could not be written" },
	[FALLBACK_INTERNAL] = { "internal", "out of memory or a clustcc bug" },
};
static_assert(sizeof(rows) / sizeof(rows[0]) == FALLBACK_REASON_COUNT,
	      "every fallback reason has a name");

const char *
fallback_reason_name(enum fallback_reason reason)
{
	if ((int)reason < 0 || reason >= FALLBACK_REASON_COUNT)
		return "unknown";
	return rows[reason].name;
}

const char *
fallback_reason_help(enum fallback_reason reason)
{
	if ((int)reason < 0 || reason >= FALLBACK_REASON_COUNT)
		return "unknown reason";
	return rows[reason].help;
}

int
fallback_exec(const char *compiler, char *const argv[])
{
	execv(compiler, argv);
	return -1;
}
