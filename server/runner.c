/*
 * runner.c - one compile as child processes of this rank.
 *
 * Exact mode (docs/DESIGN.md): when the client's cwd is a directory here,
 * stage CHECK preprocesses the client's command in that cwd; if its output
 * equals the shipped source byte for byte, this rank sees the same inputs
 * as the client, and stage COMPILE runs the client's own command there
 * (output into the scratch directory): the object, its debug info and the
 * diagnostics are what a local compile gives. Otherwise stage COMPILE
 * compiles the shipped source in the scratch directory.
 *
 * Children are started with common/spawn (posix_spawn: safe after
 * MPI_Init) in their own process group, stdout and stderr to files in the
 * scratch directory, so nothing has to be drained while they run. The
 * compiler a request names is resolved with realpath() and must be on the
 * rank's allow-list (allowlist.h); the resolved file is what runs. It must
 * also have the client's size and mtime: a different compiler at the same
 * path is refused, and the client compiles locally. Before anything runs,
 * every argument of the three vectors is checked against the forbidden
 * list below (docs/DESIGN.md, "Security"); while it runs, a compile is
 * bounded in time (compile_timeout_ms) and in what it writes
 * (max_msg_bytes). All state is owned by the rank's main thread.
 */
#define LOG_MODULE "runner"
#include "runner.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "allowlist.h"
#include "atomicfile.h"
#include "child.h"
#include "fileio.h"
#include "log.h"
#include "monotime.h"
#include "scratch.h"

#define MAX_OUTPUTS 16
/* How often a running compile's scratch directory is measured. */
#define SIZE_CHECK_MS 200

extern char **environ;

enum stage { STAGE_CHECK, STAGE_COMPILE };

struct runner {
	uint64_t job_id;
	struct runner_opts opts;
	Clustcc__CompileRequest *req; /* owned copy, without the source */
	char *compiler; /* allow-listed real path that is run (owned) */
	Clustcc__Refusal refusal; /* set when it ends without compiling */
	char refusal_msg[CC_ERR_MSG_MAX];
	enum stage stage;
	bool exact;
	char *dir;
	pid_t pid;
	int64_t start_ms;
	int64_t deadline_ms; /* 0 = none */
	int64_t next_size_check_ms;
	bool done;
	bool timed_out;
	int exit_code;
	int64_t run_ms;
};

uint64_t
runner_job_id(const struct runner *r)
{
	return r->job_id;
}

/*
 * Options that load programs or files from the host, or write files
 * outside the scratch directory (exact mode runs in the client's cwd).
 * Refused in every argument vector, also as the separated form's option
 * ("-B dir", "-specs f", "-wrapper x", "-aux-info f") and when they hide
 * in -Wp,/-Xpreprocessor/-Wa,/-Xassembler. docs/DESIGN.md "Security"
 * lists why each is here.
 */
static const char *const forbidden_prefixes[] = {
        "-B",          /* where the driver finds cc1, as, ld */
        "-specs",      /* a specs file can run any program */
        "-wrapper",    /* runs each subprocess under a program */
        "-fplugin",    /* loads a shared object into cc1 */
        "-iplugindir", /* where -fplugin=NAME is looked up */
        "@",           /* response file: arguments we cannot see */
        "-o",          /* the worker names the output itself */
        "-save-temps", /* intermediate files in the cwd */
        "-dumpdir",    /* where side outputs go */
        "-dumpbase",   /* their names */
        "-M",          /* dependency files (-MD -MF -MMD ...) */
        "-aux-info",   /* prototypes to a named file */
        "-fopt-info",  /* -fopt-info-...=FILE */
        "-fcallgraph-info",
        "-gsplit-dwarf", /* .dwo beside the output */
        "-Wp,",          /* preprocessor options: -Wp,-MD,FILE */
        /* -Wa,: only items that name no file (wa_is_safe) */
        "-Xpreprocessor", /* next argument goes to cpp unchecked */
        "-Xassembler",    /* alone; with a safe item see check_args() */
        "-fdump-",        /* -fdump-...=FILE, -fdump-ada-spec in cwd */
        "-fstack-usage",
        "-time",     /* -time=FILE appends to FILE */
        "-fmodule",  /* -fmodule-mapper=|PROGRAM runs it; gcm.cache */
        "-fprofile", /* -fprofile-note=FILE, profile dirs */
        "-ftest-coverage",
        "-coverage",
        "-fauto-profile",
        "-fcompare-debug", /* the driver reruns cc1 with other options */
        "-fdiagnostics-format=json-file",
        "-fdiagnostics-format=sarif-file",
};

/* Harmless (they print to stderr) unless given "=FILE" to write. */
static const char *const forbidden_with_file[] = {
        "-fopt-info", /* -fopt-info-vec-missed=FILE */
        "-time",      /* -time=FILE appends to FILE */
};

/*
 * gcc's driver takes any unambiguous abbreviation of its long options and
 * turns an unknown "--X" into "-fX" (gcc.cc option_map, translate_options):
 * "--pref" is -B, "--plugin=x.so" is -fplugin=x.so. So a "--" option runs
 * remotely only if its name is one of these, in full.
 */
static const char *const safe_long_options[] = {
        "--assemble",
        "--compile",
        "--define-macro",
        "--imacros",
        "--include",
        "--include-barrier",
        "--include-directory",
        "--include-directory-after",
        "--include-prefix",
        "--include-with-prefix",
        "--include-with-prefix-after",
        "--include-with-prefix-before",
        "--language",
        "--no-standard-includes",
        "--param",
        "--sysroot",
        "--traditional-cpp",
        "--undefine-macro",
};

static bool
long_option_is_safe(const char *arg)
{
	size_t len = strcspn(arg, "=");
	size_t n = sizeof(safe_long_options) / sizeof(safe_long_options[0]);

	for (size_t i = 0; i < n; i++) {
		if (strlen(safe_long_options[i]) == len &&
		    strncmp(arg, safe_long_options[i], len) == 0)
			return true;
	}
	return false;
}

/*
 * One item for the assembler (from -Wa, or after -Xassembler) that names
 * no file: an option, not -a... (listing to a file), --MD FILE, -o, and
 * no @file. The client keeps the same ones remote (docs/classification.md,
 * assembler_files). An item not starting with '-' is an operand: a file.
 */
static bool
as_item_is_safe(const char *item, size_t len)
{
	if (len < 2 || item[0] != '-' || memchr(item, '@', len))
		return false;
	if (item[1] == 'a' || item[1] == 'o')
		return false;
	return !(len >= 4 && strncmp(item, "--MD", 4) == 0);
}

/* -Wa,ITEM,ITEM...: every item safe. */
static bool
wa_is_safe(const char *arg)
{
	const char *p = arg + 4;

	for (;;) {
		size_t len = strcspn(p, ",");

		if (!as_item_is_safe(p, len))
			return false;
		if (p[len] == '\0')
			return true;
		p += len + 1;
	}
}

bool
runner_arg_is_forbidden(const char *arg)
{
	size_t n = sizeof(forbidden_prefixes) / sizeof(forbidden_prefixes[0]);

	if (strncmp(arg, "--", 2) == 0)
		return !long_option_is_safe(arg);
	if (strncmp(arg, "-Wa,", 4) == 0)
		return !wa_is_safe(arg);
	for (size_t i = 0;
	     i < sizeof(forbidden_with_file) / sizeof(forbidden_with_file[0]);
	     i++) {
		const char *p = forbidden_with_file[i];

		if (strncmp(arg, p, strlen(p)) == 0 && strchr(arg, '='))
			return true;
	}
	for (size_t i = 0; i < n; i++) {
		const char *p = forbidden_prefixes[i];

		if (strncmp(arg, p, strlen(p)) == 0)
			return true;
	}
	return false;
}

bool
runner_records_switches(char **args, size_t n)
{
	bool debug = false, record = true;

	for (size_t i = 0; i < n; i++) {
		const char *a = args[i];

		if (strcmp(a, "-g0") == 0)
			debug = false;
		else if (strcmp(a, "-g") == 0 || strcmp(a, "-g1") == 0 ||
		         strcmp(a, "-g2") == 0 || strcmp(a, "-g3") == 0 ||
		         strncmp(a, "-ggdb", 5) == 0 ||
		         strncmp(a, "-gdwarf", 7) == 0)
			debug = true;
		else if (strcmp(a, "-gno-record-gcc-switches") == 0)
			record = false;
		else if (strcmp(a, "-grecord-gcc-switches") == 0)
			record = true;
	}
	return debug && record;
}

/* Variables the client may set for its compile: locale and reproducibility. */
static bool
env_name_allowed(const char *entry)
{
	static const char *const allowed[] = {
	        "LANG=",       "LANGUAGE=", "SOURCE_DATE_EPOCH=",
	        "GCC_COLORS=", "GCC_URLS=", "COLUMNS=",
	        "TERM=",
	};

	if (strncmp(entry, "LC_", 3) == 0)
		return true;
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		if (strncmp(entry, allowed[i], strlen(allowed[i])) == 0)
			return true;
	}
	return false;
}

static bool
env_overridden(const Clustcc__CompileRequest *c, const char *entry)
{
	size_t len = strcspn(entry, "=");

	if (strncmp(entry, "LC_", 3) == 0 || strncmp(entry, "LANG", 4) == 0)
		return true; /* the client's locale replaces ours entirely */
	/* Only an entry build_env() will add may replace ours. */
	for (size_t i = 0; i < c->n_env; i++) {
		if (env_name_allowed(c->env[i]) &&
		    strncmp(c->env[i], entry, len + 1) == 0)
			return true;
	}
	return false;
}

/* environ minus what the client overrides, plus the client's entries. */
static char **
build_env(const Clustcc__CompileRequest *c)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ[n])
		n++;
	env = calloc(n + c->n_env + 1, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (!env_overridden(c, environ[i]))
			env[k++] = environ[i];
	}
	for (size_t i = 0; i < c->n_env; i++) {
		if (env_name_allowed(c->env[i]))
			env[k++] = c->env[i];
	}
	return env;
}

/* compiler + args + "-o" + out, NULL-terminated; strings borrowed. */
static const char **
argv_with_output(const char *compiler, char **args, size_t n_args,
                 const char *out, size_t extra)
{
	size_t k = 0;
	const char **argv = calloc(n_args + extra + 4, sizeof(*argv));

	if (!argv)
		return NULL;
	argv[k++] = compiler;
	for (size_t i = 0; i < n_args; i++)
		argv[k++] = args[i];
	argv[k++] = "-o";
	argv[k++] = out;
	return argv;
}

/*
 * Shipped mode: compile the -fdirectives-only output. gcc takes the
 * compilation directory from its cwd here (the .i's working-directory
 * line marker is not used in this mode), so map the scratch directory
 * back to the client's; -fdebug-prefix-map is not recorded in
 * DW_AT_producer.
 */
static const char **
shipped_argv(const struct runner *r, char *prefix_map)
{
	const Clustcc__CompileRequest *c = r->req;
	const char **argv = argv_with_output(c->compiler->path, c->args,
	                                     c->n_args, "out.o", 8);
	size_t k;

	if (!argv)
		return NULL;
	k = c->n_args + 3;
	argv[k++] = "-fpreprocessed";
	argv[k++] = "-fdirectives-only";
	argv[k++] = "-x";
	argv[k++] = strcmp(c->language, "c++") == 0 ? "c++" : "c";
	argv[k++] = c->assemble ? "-S" : "-c";
	argv[k++] = "in.i";
	if (c->cwd[0])
		argv[k++] = prefix_map;
	return argv;
}

/*
 * The request's compiler, resolved and allow-listed: *resolved is the
 * file to run. Then the same identity check as before the allow-list: a
 * different build of it at the same path is a mismatch, not an error.
 */
static int
check_compiler(const Clustcc__CompilerId *id, const struct allowlist *al,
               char **resolved, Clustcc__Refusal *refusal, struct cc_err *err)
{
	struct stat st;
	int64_t mtime_ns;
	char *real = NULL;
	int rc;

	*refusal = CLUSTCC__REFUSAL__REFUSAL_COMPILER_MISMATCH;
	rc = allowlist_resolve(al, id->path, &real, err);
	if (rc == CC_EINVAL)
		*refusal = CLUSTCC__REFUSAL__REFUSAL_COMPILER_NOT_ALLOWED;
	if (rc != CC_OK)
		return rc;
	if (stat(real, &st) != 0) {
		free(real);
		return cc_err_sys(err, CC_ENOENT, errno,
		                  "compiler '%s' not found on this rank",
		                  id->path);
	}
	mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	if ((uint64_t)st.st_size != id->size || mtime_ns != id->mtime_ns) {
		free(real);
		return cc_err_set(
		        err, CC_EINVAL,
		        "compiler '%s' differs on this rank (size %lld, mtime %lld ns; client has %llu, %lld)",
		        id->path, (long long)st.st_size, (long long)mtime_ns,
		        (unsigned long long)id->size, (long long)id->mtime_ns);
	}
	*resolved = real;
	return CC_OK;
}

static bool
has_arg(char **args, size_t n, const char *const *any)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; any[k]; k++) {
			if (strcmp(args[i], any[k]) == 0)
				return true;
		}
	}
	return false;
}

static int
check_args(char **args, size_t n, bool shipped, const char *vector,
           Clustcc__Refusal *refusal, struct cc_err *err)
{
	for (size_t i = 0; i < n; i++) {
		/* "-Xassembler ITEM" with a safe item is one harmless pair. */
		if (strcmp(args[i], "-Xassembler") == 0 && i + 1 < n &&
		    as_item_is_safe(args[i + 1], strlen(args[i + 1]))) {
			i++;
			continue;
		}
		/* The worker sets the language of the shipped source itself. */
		if (runner_arg_is_forbidden(args[i]) ||
		    (shipped && strncmp(args[i], "-x", 2) == 0)) {
			*refusal = CLUSTCC__REFUSAL__REFUSAL_REJECTED_ARG;
			return cc_err_set(
			        err, CC_EINVAL,
			        "argument '%.200s' in %s is never run on a worker",
			        args[i], vector);
		}
	}
	return CC_OK;
}

/*
 * Exact mode runs the request's own vectors: the check must only
 * preprocess and the compile must stop before the link (a link would run
 * ld with whatever -Wl, options came along, and write where they say).
 */
static int
check_stops(const Clustcc__CompileRequest *c, Clustcc__Refusal *refusal,
            struct cc_err *err)
{
	static const char *const preprocess[] = {"-E", "--preprocess", NULL};
	static const char *const compile[] = {"-c",        "-S",         "-E",
	                                      "--compile", "--assemble", NULL};

	*refusal = CLUSTCC__REFUSAL__REFUSAL_REJECTED_ARG;
	if (c->n_check_args &&
	    !has_arg(c->check_args, c->n_check_args, preprocess))
		return cc_err_set(
		        err, CC_EINVAL,
		        "check_args without -E are never run on a worker");
	if (c->n_exact_args &&
	    !has_arg(c->exact_args, c->n_exact_args, compile))
		return cc_err_set(
		        err, CC_EINVAL,
		        "exact_args without -c or -S (a link) are never run on a worker");
	return CC_OK;
}

static int
check_job(const Clustcc__CompileRequest *c, const struct allowlist *al,
          char **compiler, Clustcc__Refusal *refusal, struct cc_err *err)
{
	int rc = check_args(c->args, c->n_args, true, "args", refusal, err);

	if (rc == CC_OK)
		rc = check_args(c->check_args, c->n_check_args, false,
		                "check_args", refusal, err);
	if (rc == CC_OK)
		rc = check_args(c->exact_args, c->n_exact_args, false,
		                "exact_args", refusal, err);
	if (rc == CC_OK)
		rc = check_stops(c, refusal, err);
	/* Last: the only check that touches the file system. */
	if (rc == CC_OK)
		rc = check_compiler(c->compiler, al, compiler, refusal, err);
	return rc;
}

/* Start argv in cwd; its stdout/stderr go to <scratch>/.<tag>.out/.err */
static int
spawn_in(struct runner *r, const char **argv, const char *cwd, const char *tag,
         struct cc_err *err)
{
	char out_path[4096], err_path[4096];
	char **envp = build_env(r->req);
	struct child_opts opts = {0};
	int rc;

	if (!argv || !envp) {
		free((void *)argv);
		free(envp);
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	}
	snprintf(out_path, sizeof(out_path), "%s/.%s.out", r->dir, tag);
	snprintf(err_path, sizeof(err_path), "%s/.%s.err", r->dir, tag);
	opts.argv = argv;
	/* Never the request's string: the allow-listed file it resolved to. */
	opts.path = r->compiler;
	opts.envp = (const char *const *)envp;
	opts.cwd = cwd;
	opts.stdin_path = "/dev/null";
	opts.stdout_path = out_path;
	opts.stderr_path = err_path;
	rc = child_start(&opts, &r->pid, err);
	free((void *)argv);
	free(envp);
	return rc;
}

static char *
scratch_path(const struct runner *r, const char *name)
{
	size_t size = strlen(r->dir) + strlen(name) + 2;
	char *p = malloc(size);

	if (p)
		snprintf(p, size, "%s/%s", r->dir, name);
	return p;
}

static int
start_shipped(struct runner *r, struct cc_err *err)
{
	size_t size = strlen(r->dir) + strlen(r->req->cwd) + 32;
	char *map;
	int rc;

	if (!r->opts.shipped_debug &&
	    runner_records_switches(r->req->args, r->req->n_args)) {
		r->refusal = CLUSTCC__REFUSAL__REFUSAL_NOT_EXACT;
		return cc_err_set(
		        err, CC_EINVAL,
		        "debug info needs exact mode, which is %s for '%s' (cfg shipped_debug allows -g in shipped mode)",
		        r->opts.exact_mode ? "not possible here"
		                           : "switched off (cfg exact_mode)",
		        r->req->cwd);
	}
	map = malloc(size);
	if (!map)
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	snprintf(map, size, "-fdebug-prefix-map=%s=%s", r->dir, r->req->cwd);
	r->stage = STAGE_COMPILE;
	r->exact = false;
	rc = spawn_in(r, shipped_argv(r, map), r->dir, "compile", err);
	free(map);
	return rc;
}

/*
 * Run `compiler args -o <scratch>/out` in the client's cwd (exact mode:
 * the check preprocessing, then the client's own command).
 */
static int
spawn_in_cwd(struct runner *r, char **args, size_t n_args, const char *out,
             const char *what, struct cc_err *err)
{
	char *path = scratch_path(r, out);
	int rc;

	if (!path)
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	rc = spawn_in(
	        r,
	        argv_with_output(r->req->compiler->path, args, n_args, path, 0),
	        r->req->cwd, what, err);
	free(path);
	return rc;
}

static int
start_exact(struct runner *r, struct cc_err *err)
{
	r->stage = STAGE_COMPILE;
	r->exact = true;
	return spawn_in_cwd(r, r->req->exact_args, r->req->n_exact_args,
	                    "out.o", "compile", err);
}

static bool
exact_possible(const Clustcc__CompileRequest *c)
{
	struct stat st;

	return c->n_check_args > 0 && c->n_exact_args > 0 && c->cwd[0] == '/' &&
	       stat(c->cwd, &st) == 0 && S_ISDIR(st.st_mode);
}

static int
start_check(struct runner *r, struct cc_err *err)
{
	r->stage = STAGE_CHECK;
	return spawn_in_cwd(r, r->req->check_args, r->req->n_check_args,
	                    ".check.i", "check", err);
}

/* True if .check.i exists and equals in.i byte for byte. */
static bool
check_matches(const struct runner *r, size_t max)
{
	char *a_path = scratch_path(r, "in.i"),
	     *b_path = scratch_path(r, ".check.i");
	char *a = NULL, *b = NULL;
	size_t la = 0, lb = 0;
	bool same = false;

	if (a_path && b_path &&
	    fileio_read_all(a_path, max, &a, &la, NULL) == CC_OK &&
	    fileio_read_all(b_path, max, &b, &lb, NULL) == CC_OK)
		same = la == lb && memcmp(a, b, la) == 0;
	if (b_path)
		unlink(b_path);
	free(a);
	free(b);
	free(a_path);
	free(b_path);
	return same;
}

/* Deep copy of the request without the (large) source. */
static Clustcc__CompileRequest *
copy_request(const Clustcc__CompileRequest *c)
{
	Clustcc__CompileRequest tmp = *c;
	Clustcc__CompileRequest *copy;
	uint8_t *buf = NULL;
	size_t len = 0;

	tmp.source.data = NULL;
	tmp.source.len = 0;
	if (codec_pack(&tmp.base, 0, &buf, &len, NULL) != CC_OK)
		return NULL;
	copy = clustcc__compile_request__unpack(NULL, len, buf);
	free(buf);
	return copy;
}

static int
write_source(const char *dir, const ProtobufCBinaryData *src,
             struct cc_err *err)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/in.i", dir);
	return atomicfile_write(path, src->data, src->len, 0600, 0, err);
}

int
runner_start(const Clustcc__WorkerJob *job, const struct runner_opts *opts,
             struct runner **out, Clustcc__Refusal *refusal, struct cc_err *err)
{
	struct runner *r;
	char *compiler = NULL;
	int rc;

	rc = check_job(job->compile, opts->compilers, &compiler, refusal, err);
	if (rc != CC_OK)
		return rc;
	*refusal = CLUSTCC__REFUSAL__REFUSAL_WORKER_FAILED;
	r = calloc(1, sizeof(*r));
	if (!r) {
		free(compiler);
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	}
	r->compiler = compiler;
	r->job_id = job->job_id;
	r->opts = *opts;
	r->pid = -1;
	r->req = copy_request(job->compile);
	rc = r->req ? scratch_create(opts->scratch_root, job->job_id, &r->dir,
	                             err)
	            : cc_err_set(err, CC_ENOMEM, "out of memory");
	if (rc == CC_OK)
		rc = write_source(r->dir, &job->compile->source, err);
	if (rc == CC_OK)
		rc = opts->exact_mode && exact_possible(r->req)
		             ? start_check(r, err)
		             : start_shipped(r, err);
	if (rc != CC_OK && r->refusal)
		*refusal = r->refusal;
	if (rc != CC_OK) {
		runner_abort(r);
		return rc;
	}
	r->start_ms = monotime_ms();
	if (job->timeout_ms > 0)
		r->deadline_ms = r->start_ms + job->timeout_ms;
	*out = r;
	return CC_OK;
}

/* The check preprocess finished with code: go on with the compile. */
static void
after_check(struct runner *r, int code)
{
	struct cc_err err;
	bool same = code == 0 && check_matches(r, SIZE_MAX);
	int rc;

	log_debug("job %llu: exact-mode check %s",
	          (unsigned long long)r->job_id,
	          same ? "matches" : "differs: compiling the shipped source");
	rc = same ? start_exact(r, &err) : start_shipped(r, &err);
	if (rc != CC_OK) {
		log_info("job %llu: %s", (unsigned long long)r->job_id,
		         err.msg);
		r->done = true;
		if (!r->refusal)
			r->refusal = CLUSTCC__REFUSAL__REFUSAL_WORKER_FAILED;
		snprintf(r->refusal_msg, sizeof(r->refusal_msg), "%s", err.msg);
	}
}

/* Bytes of every file in the scratch directory but the source. */
static uint64_t
scratch_bytes(const struct runner *r)
{
	DIR *d = opendir(r->dir);
	struct dirent *e;
	uint64_t sum = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		struct stat st;

		if (strcmp(e->d_name, "in.i") != 0 &&
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) ==
		            0 &&
		    S_ISREG(st.st_mode))
			sum += (uint64_t)st.st_size;
	}
	closedir(d);
	return sum;
}

/* Kill a compile whose outputs could never be shipped, before the disk
 * fills: they would be refused as too big at the end anyway. */
static void
check_output_size(struct runner *r)
{
	int64_t now = monotime_ms();
	uint64_t bytes;

	if (!r->opts.max_output_bytes || now < r->next_size_check_ms)
		return;
	r->next_size_check_ms = now + SIZE_CHECK_MS;
	bytes = scratch_bytes(r);
	if (bytes <= r->opts.max_output_bytes)
		return;
	child_kill(r->pid);
	(void)child_wait(r->pid, 0, &r->exit_code, NULL);
	r->pid = -1;
	r->done = true;
	r->refusal = CLUSTCC__REFUSAL__REFUSAL_WORKER_FAILED;
	snprintf(
	        r->refusal_msg, sizeof(r->refusal_msg),
	        "compile killed: its outputs reached %llu bytes, over max_msg_bytes (%zu)",
	        (unsigned long long)bytes, r->opts.max_output_bytes);
}

void
runner_poll(struct runner *r, bool *done)
{
	bool exited = false;
	int code = 0;

	if (!r->done && child_poll(r->pid, &exited, &code, NULL) != CC_OK) {
		exited = true; /* lost the child (ECHILD): report a failure */
		code = 128 + SIGKILL;
	}
	if (!r->done && exited && r->stage == STAGE_CHECK) {
		r->pid = -1;
		after_check(r, code);
		exited = false;
	}
	if (!r->done && exited) {
		r->done = true;
		r->exit_code = code;
		r->pid = -1;
	}
	if (!r->done)
		check_output_size(r);
	if (!r->done && r->deadline_ms && monotime_ms() > r->deadline_ms) {
		child_kill(r->pid);
		(void)child_wait(r->pid, 0, &r->exit_code, NULL);
		r->pid = -1;
		r->done = true;
		r->timed_out = true;
	}
	if (r->done && !r->run_ms)
		r->run_ms = monotime_ms() - r->start_ms;
	*done = r->done;
}

/* A compiler writes regular files; anything else is never read back. */
static bool
is_regular(const char *dir, const char *name)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool
is_output_name(const char *name)
{
	return name[0] != '.' && strcmp(name, "in.i") != 0;
}

static int
read_scratch_file(const char *dir, const char *name, size_t max,
                  ProtobufCBinaryData *out)
{
	char path[4096];
	char *data = NULL;
	size_t len = 0;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	rc = fileio_read_all(path, max, &data, &len, NULL);
	if (rc == CC_ENOENT) {
		out->data = NULL;
		out->len = 0;
		return CC_OK;
	}
	out->data = (uint8_t *)data;
	out->len = len;
	return rc;
}

/* Fill res->outputs with every file the compiler wrote. */
static int
collect_outputs(const char *dir, size_t max, Clustcc__CompileResult *res,
                Clustcc__OutputFile **files, Clustcc__OutputFile *storage)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = CC_OK;

	if (!d)
		return CC_ESYS;
	while (rc == CC_OK && (e = readdir(d)) != NULL) {
		Clustcc__OutputFile *f;

		if (!is_output_name(e->d_name) || !is_regular(dir, e->d_name))
			continue;
		if (res->n_outputs == MAX_OUTPUTS) {
			rc = CC_ETOOBIG;
			break;
		}
		f = &storage[res->n_outputs];
		clustcc__output_file__init(f);
		f->name = strdup(e->d_name);
		if (!f->name) {
			rc = CC_ENOMEM;
			break;
		}
		files[res->n_outputs++] = f;
		rc = read_scratch_file(dir, e->d_name, max, &f->data);
	}
	closedir(d);
	return rc;
}

static void
free_outputs(Clustcc__CompileResult *res)
{
	for (size_t i = 0; i < res->n_outputs; i++) {
		free(res->outputs[i]->name);
		free(res->outputs[i]->data.data);
	}
	free(res->stdout_data.data);
	free(res->stderr_data.data);
}

static int
pack_result(struct runner *r, int rank, size_t max_bytes, uint8_t **buf,
            size_t *len)
{
	Clustcc__WorkerResult wr = CLUSTCC__WORKER_RESULT__INIT;
	Clustcc__CompileResult res = CLUSTCC__COMPILE_RESULT__INIT;
	Clustcc__OutputFile *files[MAX_OUTPUTS];
	Clustcc__OutputFile storage[MAX_OUTPUTS];
	int rc;

	res.exit_code = r->exit_code;
	res.rank = (uint32_t)rank;
	res.job_id = r->job_id;
	res.run_ms = r->run_ms;
	res.outputs = files;
	res.exact = r->exact;
	rc = read_scratch_file(r->dir, ".compile.out", max_bytes,
	                       &res.stdout_data);
	if (rc == CC_OK)
		rc = read_scratch_file(r->dir, ".compile.err", max_bytes,
		                       &res.stderr_data);
	if (rc == CC_OK)
		rc = collect_outputs(r->dir, max_bytes, &res, files, storage);
	if (rc == CC_OK) {
		wr.job_id = r->job_id;
		wr.result = &res;
		rc = codec_pack(&wr.base, max_bytes, buf, len, NULL);
	}
	free_outputs(&res);
	if (rc == CC_ETOOBIG || rc == CC_ESYS)
		return runner_pack_refusal(
		        r->job_id, rank,
		        CLUSTCC__REFUSAL__REFUSAL_WORKER_FAILED,
		        "compile outputs too large or unreadable", buf, len);
	return rc;
}

int
runner_finish(struct runner *r, int rank, size_t max_bytes, uint8_t **buf,
              size_t *len)
{
	char msg[128];
	int rc;

	if (r->refusal) {
		rc = runner_pack_refusal(r->job_id, rank, r->refusal,
		                         r->refusal_msg, buf, len);
	} else if (r->timed_out) {
		snprintf(msg, sizeof(msg),
		         "compiler timed out after %lld ms on rank %d",
		         (long long)r->run_ms, rank);
		rc = runner_pack_refusal(
		        r->job_id, rank,
		        CLUSTCC__REFUSAL__REFUSAL_WORKER_FAILED, msg, buf, len);
	} else if (r->exit_code > 128) {
		snprintf(msg, sizeof(msg),
		         "compiler killed by signal %d on rank %d",
		         r->exit_code - 128, rank);
		rc = runner_pack_refusal(
		        r->job_id, rank,
		        CLUSTCC__REFUSAL__REFUSAL_WORKER_FAILED, msg, buf, len);
	} else if (r->exit_code != 0 &&
	           scratch_disk_full(r->dir, ".compile.err")) {
		/* "No space left on device" is ours, not the user's error. */
		snprintf(msg, sizeof(msg), "scratch disk full on rank %d",
		         rank);
		rc = runner_pack_refusal(
		        r->job_id, rank,
		        CLUSTCC__REFUSAL__REFUSAL_WORKER_FAILED, msg, buf, len);
	} else {
		rc = pack_result(r, rank, max_bytes, buf, len);
	}
	runner_abort(r);
	return rc;
}

void
runner_abort(struct runner *r)
{
	if (!r)
		return;
	if (r->pid > 0) {
		int code;

		child_kill(r->pid);
		(void)child_wait(r->pid, 0, &code, NULL);
	}
	if (r->dir && scratch_remove(r->dir) != CC_OK)
		log_warn("job %llu: could not remove scratch directory '%s'",
		         (unsigned long long)r->job_id, r->dir);
	free(r->dir);
	free(r->compiler);
	codec_free(r->req);
	free(r);
}

int
runner_pack_refusal(uint64_t job_id, int rank, Clustcc__Refusal refusal,
                    const char *message, uint8_t **buf, size_t *len)
{
	Clustcc__WorkerResult wr = CLUSTCC__WORKER_RESULT__INIT;
	Clustcc__CompileResult res = CLUSTCC__COMPILE_RESULT__INIT;

	res.rank = (uint32_t)rank;
	res.job_id = job_id;
	wr.job_id = job_id;
	wr.refusal = refusal;
	wr.message = (char *)message;
	wr.result = &res;
	return codec_pack(&wr.base, 0, buf, len, NULL);
}
