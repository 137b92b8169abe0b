/*
 * gcc_main.c - clustcc-gcc, the wrapper compiler.
 *
 *   clustcc-gcc REAL_COMPILER ARGS...   (as a Spack compiler wrapper uses it)
 *   gcc ARGS...                         (through a link named gcc/cc/g++/c++)
 *
 * Decide remote or local (argv.c); for remote: preprocess locally, send
 * the compile to the head, write the returned object atomically, relay the
 * compiler's stdout/stderr and exit with its code. Anything else, and any
 * trouble on the way, runs the real compiler with the original argv
 * (fallback.c): a build never fails because of clustcc. It adds nothing to
 * gcc's output except under CLUSTCC_VERBOSE=1; its log goes to
 * $CLUSTCC_LOG.
 */
#define LOG_MODULE "gcc"
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "argv.h"
#include "codec.h"
#include "compiler.h"
#include "exitcode.h"
#include "fallback.h"
#include "fileio.h"
#include "localslots.h"
#include "log.h"
#include "monotime.h"
#include "output.h"
#include "preprocess.h"
#include "rpc.h"

#define DEFAULT_TIMEOUT_MS (15 * 60 * 1000)
#define DEFAULT_MAX_BYTES  ((size_t)256 << 20)
#define MAX_ENV            64

struct wrapper {
	struct compiler cc;
	char **cc_argv; /* compiler + args, NULL-terminated */
	int argc;       /* number of args after the compiler */
	char **args;
	bool verbose;
	bool have_server; /* pf holds a readable port file */
	struct portfile pf;
	const char *source; /* for messages */
	/* Remote compile state. */
	int64_t start_us, cpp_done_us, reply_us; /* for the log's timings */
	struct compile_plan plan;
	struct preprocessed pp;
	Clustcc__Response *resp;
	bool color; /* add -fdiagnostics-color=always remotely */
};

static void say(const struct wrapper *w, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void
say(const struct wrapper *w, const char *fmt, ...)
{
	va_list ap;

	if (!w->verbose)
		return;
	fprintf(stderr, "clustcc-gcc: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Reasons after which telling the head is pointless: it is unreachable. */
static bool
can_notify(const struct wrapper *w, enum fallback_reason why)
{
	return w->have_server && why != FALLBACK_CONNECT_FAILED &&
	       why != FALLBACK_TIMEOUT && why != FALLBACK_SEND_FAILED &&
	       why != FALLBACK_SERVER_UNRESPONSIVE;
}

/*
 * With a server configured, local compiles are bounded node-wide
 * (localslots.h): when the server goes away mid-build, `make -j64` must
 * not start 64 compilers here at once. Without one, clustcc stays out of
 * the way and make's -j is the bound, as with plain gcc. True if this
 * process now holds a slot (held until it exits).
 */
static bool
take_local_slot(const struct wrapper *w, enum fallback_reason why)
{
	const char *pf = getenv("CLUSTCC_PORT_FILE");
	char dir[PATH_MAX];
	struct cc_err err = {0};
	int limit, fd = -1, slot = -1;
	int64_t t0 = monotime_us();

	if (!pf || !pf[0] || !fallback_takes_slot(why))
		return false;
	limit = localslots_limit(&err);
	if (err.code)
		log_warn("%s", err.msg);
	if (limit == 0)
		return false;
	if (localslots_dir(NULL, dir, sizeof(dir), &err) != CC_OK ||
	    localslots_acquire(dir, limit, -1, &fd, &slot, &err) != CC_OK) {
		log_warn("local compiles not bounded: %s", err.msg);
		return false;
	}
	log_info("local slot %d of %d for %s after %.1f ms", slot, limit,
	         w->source ? w->source : "", (monotime_us() - t0) / 1000.0);
	return true;
}

_Noreturn static void
run_local(struct wrapper *w, enum fallback_reason why, const char *detail)
{
	bool slot;

	say(w, "local (%s): %s", fallback_reason_name(why),
	    detail ? detail : fallback_reason_help(why));
	log_info("local (%s): %s %s", fallback_reason_name(why),
	         w->source ? w->source : "",
	         detail ? detail : fallback_reason_help(why));
	slot = take_local_slot(w, why);
	fallback_run(w->cc_argv, can_notify(w, why) ? &w->pf : NULL, why, slot);
}

static void
usage_exit(void)
{
	fprintf(stderr,
	        "usage: clustcc-gcc COMPILER [ARGS...]\n"
	        "   or: link clustcc-gcc as gcc, cc, g++ or c++ and run that\n"
	        "Compiles remotely on a clustcc-server found through $CLUSTCC_PORT_FILE,\n"
	        "locally otherwise. Environment: CLUSTCC_PORT_FILE, CLUSTCC_VERBOSE=1,\n"
	        "CLUSTCC_LOG=FILE, CLUSTCC_DISABLE=1, CLUSTCC_TIMEOUT=SECONDS,\n"
	        "CLUSTCC_RETRY_LOCAL=1, CLUSTCC_PING_MS=MS, CLUSTCC_LOCAL_JOBS=N.\n");
	exit(EXIT_WRAPPER_NO_COMPILER);
}

/* Fill w from argv: wrapper form or masquerading form. */
static void
parse_invocation(struct wrapper *w, int argc, char **argv)
{
	const char *slash = strrchr(argv[0], '/');
	const char *me = slash ? slash + 1 : argv[0];
	const char *name;

	if (strncmp(me, "clustcc", 7) == 0) {
		if (argc < 2)
			usage_exit();
		if (strcmp(argv[1], "--version") == 0) {
			printf("clustcc-gcc %s\n", CLUSTCC_VERSION);
			exit(EXIT_OK);
		}
		if (strcmp(argv[1], "--help") == 0)
			usage_exit();
		name = argv[1];
		w->cc_argv = argv + 1;
	} else {
		name = me;
		w->cc_argv = argv;
	}
	w->args = w->cc_argv + 1;
	w->argc = argc - (int)(w->cc_argv - argv) - 1;
	if (!compiler_find(name, &w->cc)) {
		fprintf(stderr,
		        "clustcc-gcc: cannot find the real compiler '%s' (other than clustcc-gcc itself) on PATH\n",
		        name);
		exit(EXIT_WRAPPER_NO_COMPILER);
	}
	/*
	 * gcc finds its own install tree (cc1, liblto_plugin) from argv[0],
	 * searching PATH for a bare name, which would find this wrapper's
	 * symlink: give it the path of the real compiler.
	 */
	w->cc_argv[0] = w->cc.path;
}

static bool
env_flag(const char *name)
{
	const char *v = getenv(name);

	return v && v[0] && strcmp(v, "0") != 0;
}

static void
setup_log(struct wrapper *w)
{
	const char *path = getenv("CLUSTCC_LOG");

	w->verbose = env_flag("CLUSTCC_VERBOSE");
	log_init("clustcc-gcc", "C", LOG_LEVEL_INFO);
	if (!path || !path[0] || log_open_file(path, NULL) != CC_OK)
		log_disable();
}

static int64_t
timeout_ms(void)
{
	const char *s = getenv("CLUSTCC_TIMEOUT");
	long v = s ? strtol(s, NULL, 10) : 0;

	return v > 0 ? (int64_t)v * 1000 : DEFAULT_TIMEOUT_MS;
}

/* Environment the worker should see for this compile. */
static size_t
collect_env(char **out, size_t max)
{
	extern char **environ;
	static const char *const names[] = {
	        "LANG=",       "LANGUAGE=", "SOURCE_DATE_EPOCH=",
	        "GCC_COLORS=", "GCC_URLS=", "COLUMNS=",
	        "TERM=",
	};
	size_t n = 0;

	for (char **e = environ; *e && n < max; e++) {
		bool want = strncmp(*e, "LC_", 3) == 0;

		for (size_t i = 0; !want && i < sizeof(names) / sizeof(*names);
		     i++)
			want = strncmp(*e, names[i], strlen(names[i])) == 0;
		if (want)
			out[n++] = *e;
	}
	return n;
}

/*
 * gcc colours diagnostics by default when stderr is a terminal and TERM is
 * not "dumb" (its -fdiagnostics-color=auto). The worker's stderr is a file,
 * so decide here, unless the command line decides itself.
 * -fdiagnostics-color is not recorded in DW_AT_producer.
 */
static bool
wants_color(const struct wrapper *w)
{
	const char *term = getenv("TERM");

	for (int i = 0; i < w->argc; i++) {
		if (strncmp(w->args[i], "-fdiagnostics-color", 19) == 0 ||
		    strncmp(w->args[i], "-fno-diagnostics-color", 22) == 0)
			return false;
	}
	return term && strcmp(term, "dumb") != 0 && isatty(STDERR_FILENO);
}

static bool
gch_exists(const char *dir, const char *header)
{
	char path[PATH_MAX];
	int n = dir ? snprintf(path, sizeof(path), "%s/%s.gch", dir, header)
	            : snprintf(path, sizeof(path), "%s.gch", header);

	return n > 0 && (size_t)n < sizeof(path) && access(path, F_OK) == 0;
}

/*
 * `-include X` where X.gch exists: gcc would use the precompiled header,
 * which the preprocessed source cannot carry (argv.c is pure, so this
 * file-system check lives here). Looks where gcc looks first: the cwd and
 * the -I directories.
 */
static bool
uses_pch(const struct wrapper *w)
{
	for (int i = 0; i + 1 < w->argc; i++) {
		const char *h = w->args[i + 1];

		if (strcmp(w->args[i], "-include") != 0 &&
		    strcmp(w->args[i], "--include") != 0)
			continue;
		if (gch_exists(NULL, h))
			return true;
		for (int j = 0; h[0] != '/' && j < w->argc; j++) {
			const char *a = w->args[j];

			if (strcmp(a, "-I") == 0 && j + 1 < w->argc &&
			    gch_exists(w->args[j + 1], h))
				return true;
			if (strncmp(a, "-I", 2) == 0 && a[2] &&
			    gch_exists(a + 2, h))
				return true;
		}
	}
	return false;
}

static enum fallback_reason
refusal_reason(Clustcc__Refusal r)
{
	switch (r) {
	case CLUSTCC__REFUSAL__REFUSAL_DRAINING:
		return FALLBACK_REFUSED_DRAINING;
	case CLUSTCC__REFUSAL__REFUSAL_BUSY:
		return FALLBACK_REFUSED_BUSY;
	case CLUSTCC__REFUSAL__REFUSAL_BAD_TOKEN:
		return FALLBACK_REFUSED_TOKEN;
	case CLUSTCC__REFUSAL__REFUSAL_VERSION:
		return FALLBACK_REFUSED_VERSION;
	case CLUSTCC__REFUSAL__REFUSAL_COMPILER_MISMATCH:
		return FALLBACK_REFUSED_COMPILER;
	case CLUSTCC__REFUSAL__REFUSAL_COMPILER_NOT_ALLOWED:
		return FALLBACK_REFUSED_NOT_ALLOWED;
	case CLUSTCC__REFUSAL__REFUSAL_REJECTED_ARG:
		return FALLBACK_REFUSED_ARG;
	case CLUSTCC__REFUSAL__REFUSAL_WORKER_FAILED:
		return FALLBACK_WORKER_FAILED;
	case CLUSTCC__REFUSAL__REFUSAL_TOO_BIG:
		return FALLBACK_TOO_BIG;
	case CLUSTCC__REFUSAL__REFUSAL_NOT_EXACT:
		return FALLBACK_NOT_EXACT;
	default:
		return FALLBACK_REFUSED_OTHER;
	}
}

static enum fallback_reason
rpc_reason(int rc)
{
	switch (rc) {
	case CC_ETIMEDOUT:
		return FALLBACK_TIMEOUT;
	case CC_ETOOBIG:
		return FALLBACK_TOO_BIG;
	case CC_ENNG:
		return FALLBACK_CONNECT_FAILED;
	case CC_ENOMEM:
		return FALLBACK_INTERNAL;
	default:
		return FALLBACK_SEND_FAILED;
	}
}

static size_t
count(char **v)
{
	size_t n = 0;

	while (v[n])
		n++;
	return n;
}

/*
 * A copy of v with extra appended (if not NULL); the strings are
 * borrowed. NULL on allocation failure.
 */
static char **
with_arg(char **v, const char *extra)
{
	size_t n = count(v);
	char **out = calloc(n + 2, sizeof(*out));

	if (!out)
		return NULL;
	memcpy(out, v, n * sizeof(*out));
	if (extra)
		out[n] = (char *)extra;
	return out;
}

static void
send_compile(struct wrapper *w)
{
	Clustcc__Request req = CLUSTCC__REQUEST__INIT;
	Clustcc__CompileRequest c = CLUSTCC__COMPILE_REQUEST__INIT;
	Clustcc__CompilerId id = CLUSTCC__COMPILER_ID__INIT;
	const char *color = w->color ? "-fdiagnostics-color=always" : NULL;
	char cwd[PATH_MAX], *env[MAX_ENV];
	char **cc_args = with_arg(w->plan.cc_args, color);
	char **exact_args = with_arg(w->plan.exact_args, color);
	bool unresponsive = false;
	struct rpc_wait wait = {timeout_ms(), rpc_ping_interval_ms(),
	                        &unresponsive};
	struct cc_err err;
	int rc;

	if (!cc_args || !exact_args || !getcwd(cwd, sizeof(cwd)))
		run_local(w, FALLBACK_INTERNAL, "out of memory or no cwd");
	id.path = w->cc.real;
	id.size = w->cc.size;
	id.mtime_ns = w->cc.mtime_ns;
	c.compiler = &id;
	c.n_args = count(cc_args);
	c.args = cc_args;
	c.n_check_args = count(w->plan.check_args);
	c.check_args = w->plan.check_args;
	c.n_exact_args = count(exact_args);
	c.exact_args = exact_args;
	c.language = (char *)(w->plan.lang == PLAN_LANG_CXX ? "c++" : "c");
	c.assemble = w->plan.assemble;
	c.source.data = (uint8_t *)w->pp.text;
	c.source.len = w->pp.len;
	c.cwd = cwd;
	c.source_name = (char *)w->plan.source;
	c.n_env = collect_env(env, MAX_ENV);
	c.env = env;
	req.body_case = CLUSTCC__REQUEST__BODY_COMPILE;
	req.compile = &c;
	rc = rpc_call_watched(&w->pf, &req, &wait, DEFAULT_MAX_BYTES, &w->resp,
	                      &err);
	w->reply_us = monotime_us();
	if (rc == CC_ENNG)
		rpc_mark_down(&w->pf);
	free(cc_args);
	free(exact_args);
	if (rc != CC_OK)
		run_local(w,
		          unresponsive ? FALLBACK_SERVER_UNRESPONSIVE
		                       : rpc_reason(rc),
		          err.msg);
}

static void
log_remote(const struct wrapper *w, const Clustcc__CompileResult *res)
{
	say(w, "remote: %s compiled on rank %u (%s mode)", w->plan.source,
	    res->rank, res->exact ? "exact" : "shipped-source");
	log_info(
	        "remote: %s: rank %u, %s mode, exit %d; ms: preprocess %.1f, round trip %.1f (compiler %lld), write %.1f",
	        w->plan.source, res->rank, res->exact ? "exact" : "shipped",
	        res->exit_code, (double)(w->cpp_done_us - w->start_us) / 1000.0,
	        (double)(w->reply_us - w->cpp_done_us) / 1000.0,
	        (long long)res->run_ms,
	        (double)(monotime_us() - w->reply_us) / 1000.0);
}

/*
 * CLUSTCC_RETRY_LOCAL=1 and the remote compile failed: compile here, and
 * if gcc here disagrees, report the discrepancy (it should never happen).
 */
_Noreturn static void
retry_local(struct wrapper *w, int remote_code)
{
	int code = 0;

	(void)take_local_slot(w, FALLBACK_RETRY_LOCAL); /* held until exit */
	/* Not run_local(): it would wait for a second slot while holding one.
	 */
	if (fallback_run_child(w->cc_argv, w->have_server ? &w->pf : NULL,
	                       FALLBACK_RETRY_LOCAL, &code) != CC_OK)
		fallback_run(w->cc_argv, NULL, FALLBACK_RETRY_LOCAL, false);
	if (code != remote_code) {
		log_error("discrepancy: %s: remote exit %d, local exit %d",
		          w->plan.source, remote_code, code);
		say(w,
		    "discrepancy: %s failed remotely (exit %d) but exits %d here",
		    w->plan.source, remote_code, code);
	}
	exit(code);
}

/* Write outputs, stdout and stderr as the compiler would have; exit. */
_Noreturn static void
finish_remote(struct wrapper *w)
{
	const Clustcc__CompileResult *res = w->resp->compile;
	struct cc_err err;

	log_remote(w, res);
	if (res->exit_code != 0 && env_flag("CLUSTCC_RETRY_LOCAL"))
		retry_local(w, res->exit_code);
	/*
	 * A worker that could not see the sources prints diagnostics without
	 * their source lines, and the preprocessor's (#warning) came from
	 * here: only gcc here gives the exact text, in order. In exact mode
	 * the worker ran the whole command, so its stderr is all of it.
	 */
	if (!res->exact && (res->stderr_data.len > 0 || w->pp.diag_len > 0))
		run_local(w, FALLBACK_SHIPPED_DIAGNOSTICS, NULL);
	if (output_write(&w->plan, res, &err) != CC_OK)
		run_local(w, FALLBACK_OUTPUT_FAILED, err.msg);
	fileio_write_all(STDOUT_FILENO, res->stdout_data.data,
	                 res->stdout_data.len);
	fileio_write_all(STDERR_FILENO, res->stderr_data.data,
	                 res->stderr_data.len);
	exit(res->exit_code);
}

_Noreturn static void
compile_remote(struct wrapper *w)
{
	struct cc_err err;
	int code = 0;

	w->color = wants_color(w);
	if (preprocess_run(w->cc.path, &w->plan, DEFAULT_MAX_BYTES, &w->pp,
	                   &code, &err) != CC_OK)
		run_local(w, FALLBACK_PREPROCESS_FAILED, err.msg);
	if (code != 0)
		run_local(w, FALLBACK_PREPROCESS_FAILED, NULL);
	w->cpp_done_us = monotime_us();
	send_compile(w);
	if (!w->resp)
		run_local(w, FALLBACK_INTERNAL, NULL);
	if (w->resp->refusal != CLUSTCC__REFUSAL__REFUSAL_NONE)
		run_local(w, refusal_reason(w->resp->refusal),
		          w->resp->message);
	if (w->resp->body_case != CLUSTCC__RESPONSE__BODY_COMPILE)
		run_local(w, FALLBACK_SEND_FAILED,
		          "reply is not a compile result");
	finish_remote(w);
}

int
main(int argc, char **argv)
{
	struct wrapper w = {.start_us = monotime_us()};
	enum fallback_reason why = FALLBACK_NONE;
	struct cc_err err;
	int rc;

	setup_log(&w);
	parse_invocation(&w, argc, argv);
	rc = rpc_find_server(NULL, &w.pf, &err);
	w.have_server = rc == CC_OK && !rpc_server_down(&w.pf);
	if (env_flag("CLUSTCC_DISABLE"))
		run_local(&w, FALLBACK_DISABLED, NULL);
	if (argv_classify(w.argc, w.args, w.cc.cxx, &w.plan, &why) != CC_OK)
		run_local(&w, FALLBACK_INTERNAL, "out of memory");
	if (why != FALLBACK_NONE)
		run_local(&w, why, NULL);
	w.source = w.plan.source;
	if (uses_pch(&w))
		run_local(&w, FALLBACK_PCH, "an -include has a .gch beside it");
	if (rc == CC_ENOENT)
		run_local(&w, FALLBACK_NO_PORT_FILE, err.msg);
	if (rc != CC_OK)
		run_local(&w, FALLBACK_BAD_PORT_FILE, err.msg);
	if (!w.have_server)
		run_local(
		        &w, FALLBACK_CONNECT_FAILED,
		        "the server was unreachable moments ago; not retried for 30 s");
	compile_remote(&w);
}
