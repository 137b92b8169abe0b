/*
 * gcc_main.c - clustcc-gcc, the wrapper compiler.
 *
 *   clustcc-gcc REAL_COMPILER ARGS...   (as a Spack compiler wrapper uses it)
 *   gcc ARGS...                         (through a link named gcc/cc/g++/c++)
 *
 * Decide remote or local (argv.c); for remote: preprocess locally, send
 * the compile to the head, write the returned object atomically, relay the
 * compiler's stdout/stderr and exit with its code. Anything else, and any
 * trouble on the way, execs the real compiler with the original argv: a
 * build never fails because of clustcc. It adds nothing to gcc's output
 * except under CLUSTCC_VERBOSE=1; its log goes to $CLUSTCC_LOG.
 */
#define _XOPEN_SOURCE 700 /* realpath() */
#define LOG_MODULE "gcc"
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "argv.h"
#include "codec.h"
#include "exitcode.h"
#include "fallback.h"
#include "fileio.h"
#include "log.h"
#include "monotime.h"
#include "output.h"
#include "preprocess.h"
#include "rpc.h"

#define DEFAULT_TIMEOUT_MS (15 * 60 * 1000)
#define DEFAULT_MAX_BYTES ((size_t)256 << 20)

struct wrapper {
	const char *compiler;     /* as given: argv[0] of the real compiler */
	char compiler_path[PATH_MAX]; /* absolute path of the real compiler */
	char **cc_argv;           /* compiler + args, NULL-terminated */
	int argc;                 /* number of args after the compiler */
	char **args;
	bool verbose;
	const char *source;       /* for messages */
};

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

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

_Noreturn static void
run_local(struct wrapper *w, enum fallback_reason why, const char *detail)
{
	say(w, "local (%s): %s", fallback_reason_name(why),
	    detail ? detail : fallback_reason_help(why));
	log_info("local (%s): %s %s", fallback_reason_name(why),
		 w->source ? w->source : "",
		 detail ? detail : fallback_reason_help(why));
	fflush(stdout);
	fflush(stderr);
	fallback_exec(w->compiler_path, w->cc_argv);
	fprintf(stderr, "clustcc-gcc: cannot run '%s': %s\n", w->compiler_path,
		strerror(errno));
	exit(EXIT_WRAPPER_EXEC);
}

static bool
is_self(const char *path)
{
	char self[PATH_MAX], other[PATH_MAX];

	if (!realpath("/proc/self/exe", self) || !realpath(path, other))
		return false;
	return strcmp(self, other) == 0;
}

static bool
is_executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       access(path, X_OK) == 0;
}

/* First `name` on PATH that is not this program; false if none. */
static bool
search_path(const char *name, char *out, size_t size)
{
	const char *path = getenv("PATH");

	while (path && *path) {
		size_t len = strcspn(path, ":");
		/* An empty PATH entry means the current directory. */
		int n = len ? snprintf(out, size, "%.*s/%s", (int)len, path, name)
			    : snprintf(out, size, "./%s", name);

		if (n > 0 && (size_t)n < size && is_executable(out) &&
		    !is_self(out))
			return true;
		path += len;
		if (*path == ':')
			path++;
	}
	return false;
}

static bool
resolve_compiler(struct wrapper *w)
{
	char abs[PATH_MAX];

	if (!strchr(w->compiler, '/'))
		return search_path(w->compiler, w->compiler_path,
				   sizeof(w->compiler_path));
	if (!realpath(w->compiler, abs) || is_self(abs))
		return false;
	/* Keep the path as given (not realpath): gcc finds cc1 from it. */
	snprintf(w->compiler_path, sizeof(w->compiler_path), "%s", w->compiler);
	if (w->compiler[0] != '/')
		snprintf(w->compiler_path, sizeof(w->compiler_path), "%s", abs);
	return true;
}

static void
usage_exit(void)
{
	fprintf(stderr,
		"usage: clustcc-gcc COMPILER [ARGS...]\n"
		"   or: link clustcc-gcc as gcc, cc, g++ or c++ and run that\n"
		"Compiles remotely on a clustcc-server found through $CLUSTCC_PORT_FILE,\n"
		"locally otherwise. Environment: CLUSTCC_PORT_FILE, CLUSTCC_VERBOSE=1,\n"
		"CLUSTCC_LOG=FILE, CLUSTCC_DISABLE=1, CLUSTCC_TIMEOUT=SECONDS.\n");
	exit(EXIT_WRAPPER_NO_COMPILER);
}

/* Fill w from argv: wrapper form or masquerading form. */
static void
parse_invocation(struct wrapper *w, int argc, char **argv)
{
	const char *me = base_name(argv[0]);

	if (strncmp(me, "clustcc", 7) == 0) {
		if (argc < 2)
			usage_exit();
		if (strcmp(argv[1], "--version") == 0) {
			printf("clustcc-gcc %s\n", CLUSTCC_VERSION);
			exit(EXIT_OK);
		}
		if (strcmp(argv[1], "--help") == 0)
			usage_exit();
		w->compiler = argv[1];
		w->cc_argv = argv + 1;
	} else {
		w->compiler = me;
		w->cc_argv = argv;
	}
	w->args = w->cc_argv + 1;
	w->argc = argc - (int)(w->cc_argv - argv) - 1;
	if (!resolve_compiler(w)) {
		fprintf(stderr,
			"clustcc-gcc: cannot find the real compiler '%s' (other than clustcc-gcc itself) on PATH\n",
			w->compiler);
		exit(EXIT_WRAPPER_NO_COMPILER);
	}
	/*
	 * gcc finds its own install tree (cc1, liblto_plugin) from argv[0],
	 * searching PATH for a bare name, which would find this wrapper's
	 * symlink: give it the path of the real compiler.
	 */
	w->cc_argv[0] = w->compiler_path;
}

static bool
is_cxx_driver(const char *compiler)
{
	return strstr(base_name(compiler), "++") != NULL;
}

static void
setup_log(struct wrapper *w)
{
	const char *v = getenv("CLUSTCC_VERBOSE");
	const char *path = getenv("CLUSTCC_LOG");

	w->verbose = v && v[0] && strcmp(v, "0") != 0;
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
	static const char *const names[] = { "LANG=", "LANGUAGE=",
		"SOURCE_DATE_EPOCH=", "GCC_COLORS=", "GCC_URLS=", "COLUMNS=" };
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
	case CLUSTCC__REFUSAL__REFUSAL_WORKER_FAILED:
		return FALLBACK_WORKER_FAILED;
	case CLUSTCC__REFUSAL__REFUSAL_TOO_BIG:
		return FALLBACK_TOO_BIG;
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

struct remote {
	int64_t start_us, cpp_done_us, reply_us; /* for the log's timings */
	struct portfile pf;
	struct compile_plan plan;
	struct preprocessed pp;
	Clustcc__Response *resp;
};

static int
fill_compiler_id(const struct wrapper *w, Clustcc__CompilerId *id,
		 char *abs, size_t size)
{
	struct stat st;

	if (!realpath(w->compiler_path, abs) || stat(abs, &st) != 0)
		return CC_ESYS;
	(void)size;
	id->path = abs;
	id->size = (uint64_t)st.st_size;
	id->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 +
		       st.st_mtim.tv_nsec;
	return CC_OK;
}

static size_t
count(char **v)
{
	size_t n = 0;

	while (v[n])
		n++;
	return n;
}

static void
send_compile(struct wrapper *w, struct remote *r)
{
	Clustcc__Request req = CLUSTCC__REQUEST__INIT;
	Clustcc__CompileRequest c = CLUSTCC__COMPILE_REQUEST__INIT;
	Clustcc__CompilerId id = CLUSTCC__COMPILER_ID__INIT;
	char abs[PATH_MAX], cwd[PATH_MAX], *env[64];
	struct cc_err err;
	int rc;

	if (fill_compiler_id(w, &id, abs, sizeof(abs)) != CC_OK ||
	    !getcwd(cwd, sizeof(cwd)))
		run_local(w, FALLBACK_INTERNAL, "cannot identify the compiler");
	c.compiler = &id;
	c.n_args = count(r->plan.cc_args);
	c.args = r->plan.cc_args;
	c.n_check_args = count(r->plan.check_args);
	c.check_args = r->plan.check_args;
	c.n_exact_args = count(r->plan.exact_args);
	c.exact_args = r->plan.exact_args;
	c.language = (char *)(r->plan.lang == PLAN_LANG_CXX ? "c++" : "c");
	c.source.data = (uint8_t *)r->pp.text;
	c.source.len = r->pp.len;
	c.cwd = cwd;
	c.source_name = (char *)r->plan.source;
	c.n_env = collect_env(env, sizeof(env) / sizeof(*env));
	c.env = env;
	req.body_case = CLUSTCC__REQUEST__BODY_COMPILE;
	req.compile = &c;
	rc = rpc_call(&r->pf, &req, timeout_ms(), DEFAULT_MAX_BYTES, &r->resp,
		      &err);
	r->reply_us = monotime_us();
	if (rc != CC_OK)
		run_local(w, rpc_reason(rc), err.msg);
}

/* Write stdout/stderr as the compiler would have, then exit with its code. */
_Noreturn static void
finish_remote(struct wrapper *w, struct remote *r)
{
	const Clustcc__CompileResult *res = r->resp->compile;
	struct cc_err err;
	int code = res->exit_code;

	if (output_write(&r->plan, res, &err) != CC_OK)
		run_local(w, FALLBACK_OUTPUT_FAILED, err.msg);
	say(w, "remote: %s compiled on rank %u (%s mode)", r->plan.source,
	    res->rank, res->exact ? "exact" : "shipped-source");
	log_info("remote: %s: rank %u, %s mode, exit %d; ms: preprocess %.1f, round trip %.1f (compiler %lld), write %.1f",
		 r->plan.source, res->rank, res->exact ? "exact" : "shipped",
		 code, (double)(r->cpp_done_us - r->start_us) / 1000.0,
		 (double)(r->reply_us - r->cpp_done_us) / 1000.0,
		 (long long)res->run_ms,
		 (double)(monotime_us() - r->reply_us) / 1000.0);
	fileio_write_all(STDERR_FILENO, r->pp.diagnostics, r->pp.diag_len);
	fileio_write_all(STDOUT_FILENO, res->stdout_data.data,
			 res->stdout_data.len);
	fileio_write_all(STDERR_FILENO, res->stderr_data.data,
			 res->stderr_data.len);
	exit(code);
}

_Noreturn static void
compile_remote(struct wrapper *w, struct remote *r)
{
	struct cc_err err;
	int code = 0;

	if (preprocess_run(w->compiler_path, &r->plan, DEFAULT_MAX_BYTES,
			   &r->pp, &code, &err) != CC_OK)
		run_local(w, FALLBACK_PREPROCESS_FAILED, err.msg);
	if (code != 0)
		run_local(w, FALLBACK_PREPROCESS_FAILED, NULL);
	r->cpp_done_us = monotime_us();
	send_compile(w, r);
	if (!r->resp)
		run_local(w, FALLBACK_INTERNAL, NULL);
	if (r->resp->refusal != CLUSTCC__REFUSAL__REFUSAL_NONE)
		run_local(w, refusal_reason(r->resp->refusal),
			  r->resp->message);
	if (r->resp->body_case != CLUSTCC__RESPONSE__BODY_COMPILE)
		run_local(w, FALLBACK_SEND_FAILED, "reply is not a compile result");
	finish_remote(w, r);
}

int
main(int argc, char **argv)
{
	struct wrapper w = { 0 };
	struct remote r = { .start_us = monotime_us() };
	enum fallback_reason why = FALLBACK_NONE;
	const char *disable = getenv("CLUSTCC_DISABLE");
	struct cc_err err;

	setup_log(&w);
	parse_invocation(&w, argc, argv);
	if (disable && disable[0] && strcmp(disable, "0") != 0)
		run_local(&w, FALLBACK_DISABLED, NULL);
	if (argv_classify(w.argc, w.args, is_cxx_driver(w.compiler), &r.plan,
			  &why) != CC_OK)
		run_local(&w, FALLBACK_INTERNAL, "out of memory");
	if (why != FALLBACK_NONE)
		run_local(&w, why, NULL);
	w.source = r.plan.source;
	switch (rpc_find_server(NULL, &r.pf, &err)) {
	case CC_OK:
		break;
	case CC_ENOENT:
		run_local(&w, FALLBACK_NO_PORT_FILE, err.msg);
	default:
		run_local(&w, FALLBACK_BAD_PORT_FILE, err.msg);
	}
	compile_remote(&w, &r);
}
