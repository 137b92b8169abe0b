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
 * compiler is identified by path, size and mtime: a different compiler at
 * the same path is refused, and the client compiles locally. All state is
 * owned by the rank's main thread.
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

#include "atomicfile.h"
#include "child.h"
#include "fileio.h"
#include "log.h"
#include "monotime.h"
#include "scratch.h"

#define MAX_OUTPUTS 16

extern char **environ;

enum stage { STAGE_CHECK, STAGE_COMPILE };

struct runner {
	uint64_t job_id;
	struct runner_opts opts;
	Clustcc__CompileRequest *req; /* owned copy, without the source */
	Clustcc__Refusal refusal;     /* set when it ends without compiling */
	char refusal_msg[CC_ERR_MSG_MAX];
	enum stage stage;
	bool exact;
	char *dir;
	pid_t pid;
	int64_t start_ms;
	int64_t deadline_ms; /* 0 = none */
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
 */
static const char *const forbidden_prefixes[] = {
        "-B",
        "-specs",
        "--specs",
        "-wrapper",
        "-fplugin",
        "-iplugindir",
        "@",
        "-o",
        "-save-temps",
        "-dumpdir",
        "-dumpbase",
        "-M",
        "-aux-info",
        "-fopt-info",
        "-fcallgraph-info",
        "-gsplit-dwarf",
        "-Wp,",
        "-Wa,",
        "-Xpreprocessor",
        "-Xassembler",
        "-fdump-",
        "-fstack-usage",
};

bool
runner_arg_is_forbidden(const char *arg)
{
	size_t n = sizeof(forbidden_prefixes) / sizeof(forbidden_prefixes[0]);

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

static int
check_compiler(const Clustcc__CompilerId *id, Clustcc__Refusal *refusal,
               struct cc_err *err)
{
	struct stat st;
	int64_t mtime_ns;

	*refusal = CLUSTCC__REFUSAL__REFUSAL_COMPILER_MISMATCH;
	if (stat(id->path, &st) != 0)
		return cc_err_sys(err, CC_ENOENT, errno,
		                  "compiler '%s' not found on this rank",
		                  id->path);
	mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	if ((uint64_t)st.st_size != id->size || mtime_ns != id->mtime_ns)
		return cc_err_set(
		        err, CC_EINVAL,
		        "compiler '%s' differs on this rank (size %lld, mtime %lld ns; client has %llu, %lld)",
		        id->path, (long long)st.st_size, (long long)mtime_ns,
		        (unsigned long long)id->size, (long long)id->mtime_ns);
	return CC_OK;
}

static int
check_args(char **args, size_t n, bool shipped, Clustcc__Refusal *refusal,
           struct cc_err *err)
{
	for (size_t i = 0; i < n; i++) {
		/* The worker sets the language of the shipped source itself. */
		if (runner_arg_is_forbidden(args[i]) ||
		    (shipped && strncmp(args[i], "-x", 2) == 0)) {
			*refusal = CLUSTCC__REFUSAL__REFUSAL_REJECTED_ARG;
			return cc_err_set(
			        err, CC_EINVAL,
			        "argument '%.200s' is never run on a worker",
			        args[i]);
		}
	}
	return CC_OK;
}

static int
check_job(const Clustcc__CompileRequest *c, Clustcc__Refusal *refusal,
          struct cc_err *err)
{
	int rc = check_compiler(c->compiler, refusal, err);

	if (rc == CC_OK)
		rc = check_args(c->args, c->n_args, true, refusal, err);
	if (rc == CC_OK)
		rc = check_args(c->check_args, c->n_check_args, false, refusal,
		                err);
	if (rc == CC_OK)
		rc = check_args(c->exact_args, c->n_exact_args, false, refusal,
		                err);
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

static int
start_exact(struct runner *r, struct cc_err *err)
{
	char *out = scratch_path(r, "out.o");
	int rc;

	if (!out)
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	r->stage = STAGE_COMPILE;
	r->exact = true;
	rc = spawn_in(r,
	              argv_with_output(r->req->compiler->path,
	                               r->req->exact_args, r->req->n_exact_args,
	                               out, 0),
	              r->req->cwd, "compile", err);
	free(out);
	return rc;
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
	char *out = scratch_path(r, ".check.i");
	int rc;

	if (!out)
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	r->stage = STAGE_CHECK;
	rc = spawn_in(r,
	              argv_with_output(r->req->compiler->path,
	                               r->req->check_args, r->req->n_check_args,
	                               out, 0),
	              r->req->cwd, "check", err);
	free(out);
	return rc;
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
	int rc;

	rc = check_job(job->compile, refusal, err);
	if (rc != CC_OK)
		return rc;
	*refusal = CLUSTCC__REFUSAL__REFUSAL_WORKER_FAILED;
	r = calloc(1, sizeof(*r));
	if (!r)
		return cc_err_set(err, CC_ENOMEM, "out of memory");
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

		if (!is_output_name(e->d_name))
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
