/*
 * fallback.c - names of the local-compile reasons and the local run.
 * A local decision runs the real compiler with the exact original argv and
 * environment: an altered argv is a fidelity bug (distcc). While it runs,
 * the head is told why (LocalNotice), so `clustcc-ctl status` can answer
 * "why did this not go remote?".
 */
#define LOG_MODULE "fallback"
#include "fallback.h"

#include <assert.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "codec.h"
#include "exitcode.h"
#include "log.h"
#include "portfile.h"
#include "rpc.h"

#define NOTICE_TIMEOUT_MS 2000

struct reason_row {
	const char *name;
	const char *help;
};

static const struct reason_row rows[] = {
        [FALLBACK_NONE] = {"remote", "compiled on a worker"},
        [FALLBACK_NOT_COMPILE] = {"not_compile",
                                  "no -c: a link or compile-and-link"},
        [FALLBACK_INFO_QUERY] =
                {"info_query",
                 "asks the compiler about itself (-v, --version, -print-*)"},
        [FALLBACK_PREPROCESS_ONLY] = {"preprocess_only",
                                      "-E only preprocesses"},
        [FALLBACK_DEPS_ONLY] = {"deps_only", "-M/-MM only writes dependencies"},
        [FALLBACK_SYNTAX_ONLY] = {"syntax_only",
                                  "-fsyntax-only produces no object"},
        [FALLBACK_NO_SOURCE] = {"no_source", "no input file"},
        [FALLBACK_MULTIPLE_SOURCES] = {"multiple_sources",
                                       "more than one input file"},
        [FALLBACK_STDIN_SOURCE] = {"stdin_source", "source read from stdin"},
        [FALLBACK_STDOUT_OUTPUT] = {"stdout_output", "-o - writes to stdout"},
        [FALLBACK_DEV_NULL_OUTPUT] = {"dev_null_output",
                                      "output is not a regular file path"},
        [FALLBACK_LANGUAGE] = {"language", "not a C or C++ source"},
        [FALLBACK_PCH] = {"pch", "builds or uses a precompiled header"},
        [FALLBACK_CONFTEST] =
                {"conftest",
                 "a configure probe: tiny and often fails on purpose"},
        [FALLBACK_RESPONSE_FILE] = {"response_file",
                                    "@file arguments are not expanded yet"},
        [FALLBACK_NATIVE_ARCH] = {"native_arch",
                                  "=native would resolve to the worker's CPU"},
        [FALLBACK_COVERAGE] = {"coverage",
                               "coverage writes a .gcno next to the object"},
        [FALLBACK_PROFILE] = {"profile",
                              "profile feedback reads or writes local files"},
        [FALLBACK_SIDE_OUTPUT] = {"side_output",
                                  "writes files besides the object"},
        [FALLBACK_SPLIT_DWARF] = {"split_dwarf", "-gsplit-dwarf writes a .dwo"},
        [FALLBACK_HOST_FILES] =
                {"host_files",
                 "loads files or programs from this host (-B, -specs, plugins)"},
        [FALLBACK_MODULES] = {"modules", "C++ modules need the module mapper"},
        [FALLBACK_PREPROCESSOR_PASSTHROUGH] = {"preprocessor_passthrough",
                                               "-Wp,/-Xpreprocessor options"},
        [FALLBACK_ASSEMBLER_FILES] = {"assembler_files",
                                      "-Wa, options that read or write files"},
        [FALLBACK_DISABLED] = {"disabled", "CLUSTCC_DISABLE is set"},
        [FALLBACK_NO_PORT_FILE] = {"no_port_file",
                                   "CLUSTCC_PORT_FILE unset or no such file"},
        [FALLBACK_BAD_PORT_FILE] = {"bad_port_file",
                                    "the port file is malformed"},
        [FALLBACK_CONNECT_FAILED] = {"connect_failed",
                                     "the head did not accept a connection"},
        [FALLBACK_TIMEOUT] = {"timeout", "no answer from the head in time"},
        [FALLBACK_SEND_FAILED] = {"send_failed",
                                  "request or reply failed on the wire"},
        [FALLBACK_TOO_BIG] =
                {"too_big", "preprocessed source over the message size limit"},
        [FALLBACK_PREPROCESS_FAILED] = {"preprocess_failed",
                                        "local preprocessing failed"},
        [FALLBACK_REFUSED_DRAINING] = {"refused_draining",
                                       "the server is draining"},
        [FALLBACK_REFUSED_BUSY] = {"refused_busy",
                                   "the server's queue is full"},
        [FALLBACK_REFUSED_TOKEN] = {"refused_token",
                                    "the token does not match the server's"},
        [FALLBACK_REFUSED_VERSION] = {"refused_version",
                                      "protocol version mismatch"},
        [FALLBACK_REFUSED_COMPILER] =
                {"refused_compiler", "the worker's compiler differs from ours"},
        [FALLBACK_REFUSED_NOT_ALLOWED] =
                {"refused_not_allowed",
                 "the compiler is not on the server's allowed_compilers"},
        [FALLBACK_REFUSED_ARG] = {"refused_arg",
                                  "an argument a worker must never run"},
        [FALLBACK_REFUSED_OTHER] = {"refused_other",
                                    "the server refused the request"},
        [FALLBACK_WORKER_FAILED] =
                {"worker_failed",
                 "the compiler crashed or timed out on the worker"},
        [FALLBACK_OUTPUT_FAILED] =
                {"output_failed", "the returned outputs could not be written"},
        [FALLBACK_INTERNAL] = {"internal", "out of memory or a clustcc bug"},
        [FALLBACK_NOT_EXACT] =
                {"not_exact",
                 "-g needs exact mode (the worker cannot see this directory)"},
        [FALLBACK_SHIPPED_DIAGNOSTICS] =
                {"shipped_diagnostics",
                 "diagnostics from a worker that cannot see the sources lack source lines"},
        [FALLBACK_RETRY_LOCAL] =
                {"retry_local",
                 "the remote compile failed; CLUSTCC_RETRY_LOCAL recompiles here"},
        [FALLBACK_SERVER_UNRESPONSIVE] =
                {"server_unresponsive",
                 "the head stopped answering pings while the compile waited"},
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

static void
notify(const struct portfile *pf, enum fallback_reason reason)
{
	Clustcc__Request req = CLUSTCC__REQUEST__INIT;
	Clustcc__LocalNotice notice = CLUSTCC__LOCAL_NOTICE__INIT;
	Clustcc__Response *resp = NULL;
	struct cc_err err;
	int rc;

	notice.reason = (char *)fallback_reason_name(reason);
	req.body_case = CLUSTCC__REQUEST__BODY_LOCAL;
	req.local = &notice;
	rc = rpc_call(pf, &req, NOTICE_TIMEOUT_MS, 1 << 16, &resp, &err);
	if (rc != CC_OK)
		log_info("could not tell the head about a local compile: %s",
		         err.msg);
	if (rc == CC_ENNG)
		rpc_mark_down(pf);
	codec_free(resp);
}

static volatile sig_atomic_t child_pid;

static void
forward_signal(int sig)
{
	if (child_pid > 0)
		kill((pid_t)child_pid, sig);
}

/*
 * While the compiler runs as our child: a terminal's SIGINT/SIGQUIT reach
 * it directly (same process group), so ignore them here as system() does;
 * a SIGTERM/SIGHUP sent to us alone (by make, say) is passed on.
 */
static void
guard_signals(pid_t pid)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	child_pid = pid;
	sa.sa_handler = forward_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
}

int
fallback_run_child(char *const argv[], const struct portfile *pf,
                   enum fallback_reason reason, int *exit_code)
{
	struct child_opts opts = {0};
	pid_t pid;
	int rc;

	opts.argv = (const char *const *)argv;
	opts.in_caller_group = true;
	rc = child_start(&opts, &pid, NULL);
	if (rc != CC_OK)
		return rc;
	guard_signals(pid);
	if (pf)
		notify(pf, reason);
	rc = child_wait(pid, 0, exit_code, NULL);
	child_pid = 0;
	return rc;
}

/* Exit as the compiler did: the same code, or the same signal (1-64). */
_Noreturn static void
exit_like(int code)
{
	if (code > 128 && code < 128 + 65) {
		signal(code - 128, SIG_DFL);
		raise(code - 128);
	}
	exit(code);
}

bool
fallback_takes_slot(enum fallback_reason reason)
{
	switch (reason) {
	case FALLBACK_NONE:
	case FALLBACK_INFO_QUERY:
	case FALLBACK_PREPROCESS_ONLY:
	case FALLBACK_DEPS_ONLY:
	case FALLBACK_DISABLED:
		return false;
	default:
		return true;
	}
}

_Noreturn void
fallback_run(char *const argv[], const struct portfile *pf,
             enum fallback_reason reason, bool as_child)
{
	int code = 0;

	fflush(stdout);
	fflush(stderr);
	if ((pf || as_child) &&
	    fallback_run_child(argv, pf, reason, &code) == CC_OK)
		exit_like(code);
	execv(argv[0], argv);
	fprintf(stderr, "clustcc-gcc: cannot run '%s': %s\n", argv[0],
	        strerror(errno));
	exit(EXIT_WRAPPER_EXEC);
}
