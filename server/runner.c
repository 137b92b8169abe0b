/*
 * runner.c - one compile as a child process in a scratch directory.
 *
 * The child is started with common/spawn (posix_spawn: safe after
 * MPI_Init) in its own process group, stdout and stderr to files in the
 * scratch directory, so nothing has to be drained while it runs. The
 * compiler is identified by path, size and mtime: a different compiler at
 * the same path is refused, and the client compiles locally.
 */
#define LOG_MODULE "runner"
#include "runner.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "fileio.h"
#include "log.h"
#include "monotime.h"
#include "scratch.h"
#include "spawn.h"

#define MAX_OUTPUTS 16

extern char **environ;

struct runner {
	uint64_t job_id;
	char *dir;
	pid_t pid;
	int64_t start_ms;
	int64_t deadline_ms;   /* 0 = none */
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

/* Options that load or write files on the host running the compiler. */
static const char *const forbidden_prefixes[] = {
	"-B", "-specs", "--specs", "-wrapper", "-fplugin", "-iplugindir",
	"@", "-o", "-save-temps", "-dumpdir", "-dumpbase", "-x",
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

/* Variables the client may set for its compile: locale and reproducibility. */
static bool
env_name_allowed(const char *entry)
{
	static const char *const allowed[] = {
		"LANG=", "LANGUAGE=", "SOURCE_DATE_EPOCH=", "GCC_COLORS=",
		"GCC_URLS=", "COLUMNS=", "TERM=",
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
	for (size_t i = 0; i < c->n_env; i++) {
		if (strncmp(c->env[i], entry, len + 1) == 0)
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

static const char **
build_argv(const Clustcc__CompileRequest *c)
{
	size_t k = 0;
	const char **argv = calloc(c->n_args + 9, sizeof(*argv));

	if (!argv)
		return NULL;
	argv[k++] = c->compiler->path;
	for (size_t i = 0; i < c->n_args; i++)
		argv[k++] = c->args[i];
	argv[k++] = "-x";
	argv[k++] = strcmp(c->language, "c++") == 0 ? "c++-cpp-output"
						    : "cpp-output";
	argv[k++] = "-c";
	argv[k++] = "in.i";
	argv[k++] = "-o";
	argv[k++] = "out.o";
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
		return cc_err_set(err, CC_EINVAL,
				  "compiler '%s' differs on this rank (size %lld, mtime %lld ns; client has %llu, %lld)",
				  id->path, (long long)st.st_size,
				  (long long)mtime_ns,
				  (unsigned long long)id->size,
				  (long long)id->mtime_ns);
	return CC_OK;
}

static int
check_job(const Clustcc__CompileRequest *c, Clustcc__Refusal *refusal,
	  struct cc_err *err)
{
	int rc = check_compiler(c->compiler, refusal, err);

	if (rc != CC_OK)
		return rc;
	for (size_t i = 0; i < c->n_args; i++) {
		if (runner_arg_is_forbidden(c->args[i])) {
			*refusal = CLUSTCC__REFUSAL__REFUSAL_REJECTED_ARG;
			return cc_err_set(err, CC_EINVAL,
					  "argument '%.200s' is never run on a worker",
					  c->args[i]);
		}
	}
	return CC_OK;
}

static int
spawn_compiler(struct runner *r, const Clustcc__CompileRequest *c,
	       struct cc_err *err)
{
	char out_path[4096], err_path[4096];
	const char **argv = build_argv(c);
	char **envp = build_env(c);
	struct spawn_opts opts = { 0 };
	int rc;

	if (!argv || !envp) {
		free((void *)argv);
		free(envp);
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	}
	snprintf(out_path, sizeof(out_path), "%s/.stdout", r->dir);
	snprintf(err_path, sizeof(err_path), "%s/.stderr", r->dir);
	opts.argv = argv;
	opts.envp = (const char *const *)envp;
	opts.cwd = r->dir;
	opts.stdin_path = "/dev/null";
	opts.stdout_path = out_path;
	opts.stderr_path = err_path;
	rc = spawn_start(&opts, &r->pid, err);
	free((void *)argv);
	free(envp);
	return rc;
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
runner_start(const Clustcc__WorkerJob *job, const char *scratch_root,
	     struct runner **out, Clustcc__Refusal *refusal,
	     struct cc_err *err)
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
	r->pid = -1;
	rc = scratch_create(scratch_root, job->job_id, &r->dir, err);
	if (rc == CC_OK)
		rc = write_source(r->dir, &job->compile->source, err);
	if (rc == CC_OK)
		rc = spawn_compiler(r, job->compile, err);
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

void
runner_poll(struct runner *r, bool *done)
{
	bool exited = false;
	int code = 0;

	if (!r->done && spawn_poll(r->pid, &exited, &code, NULL) != CC_OK) {
		exited = true;  /* lost the child (ECHILD): report a failure */
		code = 128 + SIGKILL;
	}
	if (!r->done && exited) {
		r->done = true;
		r->exit_code = code;
		r->pid = -1;
	}
	if (!r->done && r->deadline_ms && monotime_ms() > r->deadline_ms) {
		spawn_kill(r->pid);
		(void)spawn_wait(r->pid, 0, &r->exit_code, NULL);
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
	rc = read_scratch_file(r->dir, ".stdout", max_bytes, &res.stdout_data);
	if (rc == CC_OK)
		rc = read_scratch_file(r->dir, ".stderr", max_bytes,
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
		return runner_pack_refusal(r->job_id, rank,
					   CLUSTCC__REFUSAL__REFUSAL_WORKER_FAILED,
					   "compile outputs too large or unreadable",
					   buf, len);
	return rc;
}

int
runner_finish(struct runner *r, int rank, size_t max_bytes, uint8_t **buf,
	      size_t *len)
{
	char msg[128];
	int rc;

	if (r->timed_out) {
		snprintf(msg, sizeof(msg),
			 "compiler timed out after %lld ms on rank %d",
			 (long long)r->run_ms, rank);
		rc = runner_pack_refusal(r->job_id, rank,
					 CLUSTCC__REFUSAL__REFUSAL_WORKER_FAILED,
					 msg, buf, len);
	} else if (r->exit_code > 128) {
		snprintf(msg, sizeof(msg),
			 "compiler killed by signal %d on rank %d",
			 r->exit_code - 128, rank);
		rc = runner_pack_refusal(r->job_id, rank,
					 CLUSTCC__REFUSAL__REFUSAL_WORKER_FAILED,
					 msg, buf, len);
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

		spawn_kill(r->pid);
		(void)spawn_wait(r->pid, 0, &code, NULL);
	}
	if (r->dir && scratch_remove(r->dir) != CC_OK)
		log_warn("job %llu: could not remove scratch directory '%s'",
			 (unsigned long long)r->job_id, r->dir);
	free(r->dir);
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
