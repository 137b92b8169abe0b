/*
 * fallback.h - every reason clustcc-gcc compiles locally, by name, and the
 * local run itself. The classifier's rules (argv.c) and the runtime
 * fallbacks (no server, refused, timeout, ...) share one enum so that
 * CLUSTCC_VERBOSE, the log and `clustcc-ctl status` use the same names
 * (ccache's statistics do the same).
 */
#ifndef CLUSTCC_CLIENT_FALLBACK_H
#define CLUSTCC_CLIENT_FALLBACK_H

#include <stdbool.h>

enum fallback_reason {
	FALLBACK_NONE = 0, /* not a fallback: remote */

	/* Classifier: the command is not one compile of one C/C++ source. */
	FALLBACK_NOT_COMPILE, /* no -c: link, or compile and link */
	FALLBACK_INFO_QUERY,  /* -v, --version, -dumpversion, -print-*, ... */
	FALLBACK_PREPROCESS_ONLY,  /* -E */
	FALLBACK_DEPS_ONLY,        /* -M or -MM without -MD/-MMD */
	FALLBACK_SYNTAX_ONLY,      /* -fsyntax-only */
	FALLBACK_NO_SOURCE,        /* no input file */
	FALLBACK_MULTIPLE_SOURCES, /* more than one input file */
	FALLBACK_STDIN_SOURCE,     /* input is "-" */
	FALLBACK_STDOUT_OUTPUT,    /* -o - */
	FALLBACK_DEV_NULL_OUTPUT,  /* output is /dev/null or not a regular path
	                            */
	FALLBACK_LANGUAGE,         /* not C/C++ (asm, Fortran, ObjC, .i, ...) */
	FALLBACK_PCH,              /* building or using a precompiled header */
	FALLBACK_CONFTEST, /* autoconf/cmake probe: tiny, often fails on purpose
	                    */
	FALLBACK_RESPONSE_FILE, /* @file */
	FALLBACK_NATIVE_ARCH,   /* -march/-mtune/-mcpu=native */
	FALLBACK_COVERAGE,    /* --coverage, -fprofile-arcs, -ftest-coverage */
	FALLBACK_PROFILE,     /* -fprofile-generate/-use, -fauto-profile, ... */
	FALLBACK_SIDE_OUTPUT, /* writes files besides the object (-save-temps,
	                         -fdump-*, ...) */
	FALLBACK_SPLIT_DWARF, /* -gsplit-dwarf (.dwo) */
	FALLBACK_HOST_FILES,  /* -B, -specs=, -wrapper, -fplugin=, ... */
	FALLBACK_MODULES,     /* C++ modules */
	FALLBACK_PREPROCESSOR_PASSTHROUGH, /* -Wp,..., -Xpreprocessor */
	FALLBACK_ASSEMBLER_FILES,          /* -Wa,... that names files */

	/* Runtime: the remote path was tried and could not be used. */
	FALLBACK_DISABLED,       /* CLUSTCC_DISABLE=1 */
	FALLBACK_NO_PORT_FILE,   /* CLUSTCC_PORT_FILE unset or file missing */
	FALLBACK_BAD_PORT_FILE,  /* port file malformed */
	FALLBACK_CONNECT_FAILED, /* could not reach the head */
	FALLBACK_TIMEOUT,        /* no answer in time */
	FALLBACK_SEND_FAILED, /* request could not be sent / reply malformed */
	FALLBACK_TOO_BIG,     /* preprocessed source over the size limit */
	FALLBACK_PREPROCESS_FAILED,   /* local preprocessing failed (gcc reports
	                                 it) */
	FALLBACK_REFUSED_DRAINING,    /* server is draining */
	FALLBACK_REFUSED_BUSY,        /* server queue full */
	FALLBACK_REFUSED_TOKEN,       /* token mismatch */
	FALLBACK_REFUSED_VERSION,     /* protocol version mismatch */
	FALLBACK_REFUSED_COMPILER,    /* worker's compiler differs */
	FALLBACK_REFUSED_NOT_ALLOWED, /* not on allowed_compilers */
	FALLBACK_REFUSED_ARG,         /* an argument a worker must not run */
	FALLBACK_REFUSED_OTHER,       /* malformed, rejected arg, internal */
	FALLBACK_WORKER_FAILED, /* compiler crashed/timed out on the worker */
	FALLBACK_OUTPUT_FAILED, /* could not write the returned object */
	FALLBACK_INTERNAL,      /* out of memory or a clustcc bug */
	FALLBACK_NOT_EXACT, /* -g in shipped mode: would not be byte-identical
	                     */
	FALLBACK_SHIPPED_DIAGNOSTICS, /* shipped mode printed diagnostics
	                                 without source lines */
	FALLBACK_RETRY_LOCAL, /* CLUSTCC_RETRY_LOCAL: remote compile failed,
	                         retried here */
	FALLBACK_SERVER_UNRESPONSIVE, /* the head stopped answering pings
	                                 while the compile waited */

	FALLBACK_REASON_COUNT
};

/* Stable snake_case name, e.g. "native_arch"; never NULL. */
const char *fallback_reason_name(enum fallback_reason reason);

/* One-line human explanation, e.g. "-march=native would resolve on the worker".
 */
const char *fallback_reason_help(enum fallback_reason reason);

struct portfile;

/*
 * Run the real compiler (argv[0] = its path) with argv and the environment
 * untouched, and exit as it exits. When pf names a server, the compiler
 * runs as a child while the head is told the reason (status counts it),
 * so the notice costs the build no time; when as_child is set (this
 * process holds a local slot, localslots.h, that must last as long as the
 * compiler) it runs as a child too; otherwise this process execs the
 * compiler. Exits EXIT_WRAPPER_EXEC if the compiler cannot be run.
 */
_Noreturn void fallback_run(char *const argv[], const struct portfile *pf,
                            enum fallback_reason reason, bool as_child);

/*
 * Does a local run for reason take a node-wide local slot? The compile
 * and link steps do; questions to the compiler (-v, -print-*), -E and
 * -M are cheap and run at once, and so does everything under
 * CLUSTCC_DISABLE (clustcc is off).
 */
bool fallback_takes_slot(enum fallback_reason reason);

/*
 * Run the compiler as a child (notifying as above) and return its exit
 * status in *exit_code (128+N for a signal). CC_ESYS if it cannot start.
 */
int fallback_run_child(char *const argv[], const struct portfile *pf,
                       enum fallback_reason reason, int *exit_code);

#endif
