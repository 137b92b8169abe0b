/*
 * test_runner.c - one compile run the way a worker runs it: the object is
 * byte-identical to a local gcc's, a compile error comes back as gcc's
 * exit code and stderr, a different compiler or a forbidden argument is
 * refused before anything runs, and a hung compiler is killed at its
 * deadline with its scratch directory removed.
 *
 * The test prepares files with system(); the compiler itself is only ever
 * started through runner (posix_spawn).
 */
/* realpath(): glibc declares it only for XSI, not plain POSIX 2008. */
#define _XOPEN_SOURCE 700
#include "runner.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "monotime.h"
#include "testutil.h"

#define MAX_MSG (64u << 20)

static char *tmpdir;
static char scratch_root[4096];
static char *gcc_path; /* realpath of /usr/bin/gcc */
/* gcc, and the stand-in compiler scripts the tests write into tmpdir. */
static struct allowlist *allowed;

static char s_o2[] = "-O2";
static char s_c[] = "c";

/* gcc and tmpdir/<anything>.sh: the scripts stand in for compilers. */
static void
allowed_init(void)
{
	char pattern[4200], real[4096];
	char *entries[] = {gcc_path, pattern};

	cr_assert_not_null(realpath(tmpdir, real));
	snprintf(pattern, sizeof(pattern), "%s/*.sh", real);
	cr_assert_eq(allowlist_new(entries, 2, NULL, &allowed, NULL), CC_OK);
}

static void
setup(void)
{
	tmpdir = tu_tmpdir_new("runner");
	tu_path(scratch_root, sizeof(scratch_root), tmpdir, "scratch");
	cr_assert_eq(mkdir(scratch_root, 0700), 0);
	gcc_path = realpath("/usr/bin/gcc", NULL);
	cr_assert_not_null(gcc_path, "realpath /usr/bin/gcc: %s",
	                   strerror(errno));
	allowed_init();
}

static void
teardown(void)
{
	allowlist_free(allowed);
	free(gcc_path);
	tu_tmpdir_free(tmpdir);
}

TestSuite(runner, .init = setup, .fini = teardown);

static void
write_text(const char *name, const char *text, mode_t mode)
{
	char path[4096];

	tu_path(path, sizeof(path), tmpdir, name);
	tu_write_text(path, text);
	cr_assert_eq(chmod(path, mode), 0);
}

/* Run a shell command in tmpdir; it must succeed. */
static void
sh_in_tmp(const char *cmd)
{
	char line[8192];

	snprintf(line, sizeof(line), "cd '%s' && %s", tmpdir, cmd);
	cr_assert_eq(system(line), 0, "failed: %s", line);
}

/* A job built by hand; every pointer is borrowed from this struct. */
struct fixture {
	Clustcc__WorkerJob job;
	Clustcc__CompileRequest c;
	Clustcc__CompilerId id;
	char *args[4];
	char *source; /* malloc'd by fileio */
};

/* Fill id with path and its real size and mtime. */
static void
identify(Clustcc__CompilerId *id, char *path)
{
	struct stat st;

	cr_assert_eq(stat(path, &st), 0, "stat '%s': %s", path,
	             strerror(errno));
	clustcc__compiler_id__init(id);
	id->path = path;
	id->size = (uint64_t)st.st_size;
	id->mtime_ns =
	        (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
}

/* A job compiling tmpdir/<ifile> with compiler and -O2. */
static void
fixture_init(struct fixture *f, char *compiler, const char *ifile)
{
	char path[4096];
	size_t len = 0;

	memset(f, 0, sizeof(*f));
	clustcc__worker_job__init(&f->job);
	clustcc__compile_request__init(&f->c);
	identify(&f->id, compiler);
	tu_path(path, sizeof(path), tmpdir, ifile);
	cr_assert_eq(fileio_read_all(path, MAX_MSG, &f->source, &len, NULL),
	             CC_OK, "cannot read '%s'", path);
	f->args[0] = s_o2;
	f->c.compiler = &f->id;
	f->c.n_args = 1;
	f->c.args = f->args;
	f->c.language = s_c;
	f->c.source.data = (uint8_t *)f->source;
	f->c.source.len = len;
	f->job.job_id = 4711;
	f->job.compile = &f->c;
	f->job.timeout_ms = 60000;
}

static void
fixture_release(struct fixture *f)
{
	free(f->source);
}

/* Preprocess C text as tmpdir/<name>.c into tmpdir/<name>.i. */
static void
preprocess(const char *name, const char *text)
{
	char file[256], cmd[8192];

	snprintf(file, sizeof(file), "%s.c", name);
	write_text(file, text, 0644);
	snprintf(cmd, sizeof(cmd), "'%s' -E %s.c -o %s.i", gcc_path, name,
	         name);
	sh_in_tmp(cmd);
}

/* Poll r until done; fail after deadline_ms. Returns the elapsed ms. */
static int64_t
wait_done(struct runner *r, int64_t deadline_ms)
{
	int64_t start = monotime_ms();
	struct timespec nap = {0, 5 * 1000000L};
	bool done = false;

	for (;;) {
		runner_poll(r, &done);
		if (done)
			break;
		cr_assert_lt(monotime_ms() - start, deadline_ms,
		             "runner not done after %lld ms",
		             (long long)deadline_ms);
		nanosleep(&nap, NULL);
	}
	return monotime_ms() - start;
}

/* Start, wait, finish and decode; *out is the caller's (codec_free). */
static int64_t
run_job(const Clustcc__WorkerJob *job, int64_t deadline_ms,
        Clustcc__WorkerResult **out)
{
	Clustcc__Refusal refusal = CLUSTCC__REFUSAL__REFUSAL_NONE;
	struct runner *r = NULL;
	struct cc_err err;
	uint8_t *buf = NULL;
	size_t len = 0;
	int64_t ms;

	cr_assert_eq(runner_start(job,
	                          &(struct runner_opts){scratch_root, true,
	                                                true, allowed, 0},
	                          &r, &refusal, &err),
	             CC_OK, "runner_start: %s (%s)", err.msg,
	             codec_refusal_name(refusal));
	cr_assert_not_null(r);
	cr_assert_eq(runner_job_id(r), job->job_id);
	cr_assert_eq(tu_count_entries(scratch_root), 1, "no scratch dir");
	ms = wait_done(r, deadline_ms);
	cr_assert_eq(runner_finish(r, 3, MAX_MSG, &buf, &len), CC_OK);
	cr_assert_eq(codec_unpack_worker_result(buf, len, out, &err), CC_OK,
	             "%s", err.msg);
	free(buf);
	cr_assert_eq((*out)->job_id, job->job_id);
	cr_assert_eq(tu_count_entries(scratch_root), 0,
	             "scratch dir left behind");
	return ms;
}

static const Clustcc__OutputFile *
find_output(const Clustcc__CompileResult *res, const char *name)
{
	for (size_t i = 0; i < res->n_outputs; i++) {
		if (strcmp(res->outputs[i]->name, name) == 0)
			return res->outputs[i];
	}
	return NULL;
}

static const char good_c[] = "#include <stdio.h>\n"
                             "static int sq(int x) { return x * x; }\n"
                             "int main(void)\n"
                             "{\n"
                             "\tint s = 0;\n"
                             "\tfor (int i = 0; i < 10; i++)\n"
                             "\t\ts += sq(i);\n"
                             "\tprintf(\"%d\\n\", s);\n"
                             "\treturn 0;\n"
                             "}\n";

Test(runner, object_is_identical_to_a_local_compile)
{
	Clustcc__WorkerResult *res = NULL;
	const Clustcc__OutputFile *obj;
	struct fixture f;
	char cmd[8192], path[4096];
	char *local = NULL;
	size_t local_len = 0;

	preprocess("t", good_c);
	snprintf(cmd, sizeof(cmd), "'%s' -O2 -x cpp-output -c t.i -o local.o",
	         gcc_path);
	sh_in_tmp(cmd);
	tu_path(path, sizeof(path), tmpdir, "local.o");
	cr_assert_eq(fileio_read_all(path, MAX_MSG, &local, &local_len, NULL),
	             CC_OK);

	fixture_init(&f, gcc_path, "t.i");
	(void)run_job(&f.job, 60000, &res);
	cr_assert_eq(res->refusal, CLUSTCC__REFUSAL__REFUSAL_NONE, "%s",
	             res->message);
	cr_assert_not_null(res->result);
	cr_assert_eq(res->result->exit_code, 0, "stderr: %.*s",
	             (int)res->result->stderr_data.len,
	             (const char *)res->result->stderr_data.data);
	cr_assert_eq(res->result->rank, 3);
	cr_assert_eq(res->result->job_id, 4711);
	cr_assert_eq(res->result->n_outputs, 1, "%zu outputs",
	             res->result->n_outputs);
	obj = find_output(res->result, "out.o");
	cr_assert_not_null(obj, "no out.o returned");
	cr_assert_eq(obj->data.len, local_len, "%zu bytes, local %zu",
	             obj->data.len, local_len);
	cr_assert_arr_eq(obj->data.data, local, local_len,
	                 "object differs from the local compile");
	codec_free(res);
	free(local);
	fixture_release(&f);
}

Test(runner, compile_error_returns_gcc_exit_code_and_stderr)
{
	Clustcc__WorkerResult *res = NULL;
	struct fixture f;
	char *err_text;

	preprocess("bad", "int main(void)\n{\n\treturn undeclared_thing;\n}\n");
	fixture_init(&f, gcc_path, "bad.i");
	(void)run_job(&f.job, 60000, &res);
	cr_assert_eq(res->refusal, CLUSTCC__REFUSAL__REFUSAL_NONE, "%s",
	             res->message);
	cr_assert_eq(res->result->exit_code, 1);
	err_text = strndup((const char *)res->result->stderr_data.data,
	                   res->result->stderr_data.len);
	cr_assert_not_null(err_text);
	cr_assert_not_null(strstr(err_text, "undeclared_thing"), "stderr: %s",
	                   err_text);
	cr_assert_not_null(strstr(err_text, "bad.c"), "stderr: %s", err_text);
	cr_assert_null(find_output(res->result, "out.o"),
	               "object returned for a failed compile");
	free(err_text);
	codec_free(res);
	fixture_release(&f);
}

/* runner_start must refuse with code and refusal and leave nothing. */
static void
expect_refused_at_start(const Clustcc__WorkerJob *job, int code,
                        Clustcc__Refusal want, const char *in_msg)
{
	Clustcc__Refusal refusal = CLUSTCC__REFUSAL__REFUSAL_NONE;
	struct runner *r = NULL;
	struct cc_err err;

	cc_err_clear(&err);
	cr_assert_eq(runner_start(job,
	                          &(struct runner_opts){scratch_root, true,
	                                                true, allowed, 0},
	                          &r, &refusal, &err),
	             code, "rc %s, want %s: %s", cc_strerror(err.code),
	             cc_strerror(code), err.msg);
	cr_assert_null(r, "*out written on failure");
	cr_assert_eq(refusal, want, "refusal %s, want %s",
	             codec_refusal_name(refusal), codec_refusal_name(want));
	cr_assert_not_null(strstr(err.msg, in_msg), "msg '%s' lacks '%s'",
	                   err.msg, in_msg);
	cr_assert_eq(tu_count_entries(scratch_root), 0, "left files behind");
}

Test(runner, different_compiler_is_a_mismatch)
{
	static char missing[] = "/nonexistent/bin/gcc";
	struct fixture f;

	preprocess("t", good_c);
	fixture_init(&f, gcc_path, "t.i");
	f.id.mtime_ns += 1;
	expect_refused_at_start(&f.job, CC_EINVAL,
	                        CLUSTCC__REFUSAL__REFUSAL_COMPILER_MISMATCH,
	                        gcc_path);
	f.id.mtime_ns -= 1;
	f.id.size += 1;
	expect_refused_at_start(&f.job, CC_EINVAL,
	                        CLUSTCC__REFUSAL__REFUSAL_COMPILER_MISMATCH,
	                        gcc_path);
	f.id.path = missing;
	expect_refused_at_start(&f.job, CC_ENOENT,
	                        CLUSTCC__REFUSAL__REFUSAL_COMPILER_MISMATCH,
	                        missing);
	fixture_release(&f);
}

Test(runner, forbidden_argument_is_rejected)
{
	static char plugin[] = "-fplugin=x.so";
	static char bdir[] = "-B/tmp";
	static char dash_o[] = "-o";
	static char x_out[] = "x";
	static char lang_x[] = "-xc";
	char *const bad[] = {plugin, bdir, dash_o, lang_x};
	struct fixture f;

	preprocess("t", good_c);
	fixture_init(&f, gcc_path, "t.i");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* The bad argument after a good one, so all are checked. */
		f.args[1] = bad[i];
		f.args[2] = x_out;
		f.c.n_args = 3;
		expect_refused_at_start(&f.job, CC_EINVAL,
		                        CLUSTCC__REFUSAL__REFUSAL_REJECTED_ARG,
		                        bad[i]);
	}
	fixture_release(&f);
}

/* Exact-mode arguments for tmpdir/t.c, as a client would send them. */
static char s_dash_e[] = "-E";
static char s_directives[] = "-fdirectives-only";
static char s_dash_c[] = "-c";
static char s_t_c[] = "t.c";

static void
set_exact(struct fixture *f, char **check, char **exact)
{
	check[0] = s_dash_e;
	check[1] = s_directives;
	check[2] = s_t_c;
	exact[0] = s_o2;
	exact[1] = s_dash_c;
	exact[2] = s_t_c;
	f->c.check_args = check;
	f->c.n_check_args = 3;
	f->c.exact_args = exact;
	f->c.n_exact_args = 3;
	f->c.cwd = tmpdir;
}

/* The object of `gcc -O2 -c t.c` in tmpdir; *len set, caller frees. */
static char *
local_object(size_t *len)
{
	char cmd[8192], path[4096];
	char *data = NULL;

	snprintf(cmd, sizeof(cmd), "'%s' -O2 -c t.c -o local.o", gcc_path);
	sh_in_tmp(cmd);
	tu_path(path, sizeof(path), tmpdir, "local.o");
	cr_assert_eq(fileio_read_all(path, MAX_MSG, &data, len, NULL), CC_OK);
	return data;
}

static void
assert_object_equals(const Clustcc__WorkerResult *res, const char *want,
                     size_t want_len)
{
	const Clustcc__OutputFile *obj;

	cr_assert_eq(res->refusal, CLUSTCC__REFUSAL__REFUSAL_NONE, "%s",
	             res->message);
	cr_assert_eq(res->result->exit_code, 0, "stderr: %.*s",
	             (int)res->result->stderr_data.len,
	             (const char *)res->result->stderr_data.data);
	obj = find_output(res->result, "out.o");
	cr_assert_not_null(obj, "no out.o returned");
	cr_assert_eq(obj->data.len, want_len, "%zu bytes, local %zu",
	             obj->data.len, want_len);
	cr_assert_arr_eq(obj->data.data, want, want_len,
	                 "object differs from the local compile");
}

/*
 * Exact mode: the rank sees the client's cwd and the check reproduces the
 * shipped source, so it runs the client's own command there.
 */
Test(runner, exact_mode_runs_the_client_command_in_its_cwd)
{
	Clustcc__WorkerResult *res = NULL;
	char *check[3], *exact[3], cmd[8192], *local;
	struct fixture f;
	size_t local_len = 0;

	write_text("t.c", good_c, 0644);
	snprintf(cmd, sizeof(cmd), "'%s' -E -fdirectives-only t.c -o t.di",
	         gcc_path);
	sh_in_tmp(cmd);
	local = local_object(&local_len);
	fixture_init(&f, gcc_path, "t.di");
	set_exact(&f, check, exact);
	(void)run_job(&f.job, 60000, &res);
	assert_object_equals(res, local, local_len);
	cr_assert(res->result->exact, "not compiled in exact mode");
	codec_free(res);
	free(local);
	fixture_release(&f);
}

/* A check that differs from the shipped source falls back to it. */
Test(runner, exact_mode_check_mismatch_compiles_the_shipped_source)
{
	Clustcc__WorkerResult *res = NULL;
	char *check[3], *exact[3], cmd[8192], *local;
	struct fixture f;
	size_t local_len = 0;

	write_text("t.c", good_c, 0644);
	/* Same code, different bytes: an extra line marker comment. */
	snprintf(cmd, sizeof(cmd),
	         "'%s' -E -fdirectives-only t.c -o t.di && echo >> t.di",
	         gcc_path);
	sh_in_tmp(cmd);
	local = local_object(&local_len);
	fixture_init(&f, gcc_path, "t.di");
	set_exact(&f, check, exact);
	(void)run_job(&f.job, 60000, &res);
	assert_object_equals(res, local, local_len);
	cr_assert_not(res->result->exact, "exact mode despite a mismatch");
	codec_free(res);
	free(local);
	fixture_release(&f);
}

Test(runner, forbidden_argument_in_exact_args_is_rejected)
{
	static char dep[] = "-MD";
	char *check[3], *exact[3];
	struct fixture f;

	write_text("t.c", good_c, 0644);
	write_text("t.di", "int x;\n", 0644);
	fixture_init(&f, gcc_path, "t.di");
	set_exact(&f, check, exact);
	check[1] = dep;
	expect_refused_at_start(&f.job, CC_EINVAL,
	                        CLUSTCC__REFUSAL__REFUSAL_REJECTED_ARG, "-MD");
	check[1] = s_directives;
	exact[1] = dep;
	expect_refused_at_start(&f.job, CC_EINVAL,
	                        CLUSTCC__REFUSAL__REFUSAL_REJECTED_ARG, "-MD");
	fixture_release(&f);
}

/* The pid a script wrote to tmpdir/name. */
static pid_t
read_pid(const char *name)
{
	char path[4096];
	long pid = 0;
	FILE *f;

	tu_path(path, sizeof(path), tmpdir, name);
	f = fopen(path, "r");
	cr_assert_not_null(f, "no pid file '%s'", path);
	cr_assert_eq(fscanf(f, "%ld", &pid), 1);
	fclose(f);
	cr_assert_gt(pid, 1);
	return (pid_t)pid;
}

/* True while pid exists and is not a zombie waiting to be reaped. */
static bool
is_alive(pid_t pid)
{
	char path[64], *stat_text = NULL, *paren;
	size_t len = 0;
	bool alive;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (fileio_read_all(path, 4096, &stat_text, &len, NULL) != CC_OK)
		return false;
	paren = strrchr(stat_text, ')');
	alive = paren && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
	free(stat_text);
	return alive;
}

/* pid must be dead within ms. */
static void
assert_gone(pid_t pid, int64_t ms)
{
	int64_t start = monotime_ms();
	struct timespec nap = {0, 10 * 1000000L};

	while (is_alive(pid)) {
		cr_assert_lt(monotime_ms() - start, ms,
		             "process %ld still alive after %lld ms", (long)pid,
		             (long long)ms);
		nanosleep(&nap, NULL);
	}
}

/* A "compiler" that hangs: a script with a real size and mtime. */
Test(runner, hung_compiler_is_killed_at_its_deadline)
{
	Clustcc__WorkerResult *res = NULL;
	char script[4096];
	struct fixture f;
	int64_t ms;

	/* The sleep is a grandchild: only a process-group kill ends it. */
	write_text("hang.sh",
	           "#!/bin/sh\nsleep 30 &\necho $! > ../../sleep.pid\nwait\n",
	           0755);
	write_text("t.i", "# 1 \"t.c\"\nint x;\n", 0644);
	tu_path(script, sizeof(script), tmpdir, "hang.sh");
	fixture_init(&f, script, "t.i");
	f.job.timeout_ms = 200;
	ms = run_job(&f.job, 5000, &res);
	cr_assert_lt(ms, 2000, "killed after %lld ms", (long long)ms);
	cr_assert_geq(ms, 150, "killed early, after %lld ms", (long long)ms);
	cr_assert_eq(res->refusal, CLUSTCC__REFUSAL__REFUSAL_WORKER_FAILED);
	cr_assert_not_null(strstr(res->message, "timed out"), "message: %s",
	                   res->message);
	assert_gone(read_pid("sleep.pid"), 2000);
	codec_free(res);
	fixture_release(&f);
}

Test(runner, compiler_killed_by_a_signal_is_worker_failed)
{
	Clustcc__WorkerResult *res = NULL;
	char script[4096];
	struct fixture f;

	write_text("crash.sh", "#!/bin/sh\nkill -SEGV $$\n", 0755);
	write_text("t.i", "# 1 \"t.c\"\nint x;\n", 0644);
	tu_path(script, sizeof(script), tmpdir, "crash.sh");
	fixture_init(&f, script, "t.i");
	(void)run_job(&f.job, 10000, &res);
	cr_assert_eq(res->refusal, CLUSTCC__REFUSAL__REFUSAL_WORKER_FAILED);
	cr_assert_not_null(strstr(res->message, "signal 11"), "message: %s",
	                   res->message);
	codec_free(res);
	fixture_release(&f);
}

Test(runner, abort_kills_the_compiler_and_removes_its_dir)
{
	Clustcc__Refusal refusal;
	struct runner *r = NULL;
	char script[4096];
	struct fixture f;
	bool done = true;
	int64_t start;

	write_text("hang.sh", "#!/bin/sh\nsleep 30\n", 0755);
	write_text("t.i", "int x;\n", 0644);
	tu_path(script, sizeof(script), tmpdir, "hang.sh");
	fixture_init(&f, script, "t.i");
	f.job.timeout_ms = 0; /* no deadline */
	cr_assert_eq(runner_start(&f.job,
	                          &(struct runner_opts){scratch_root, true,
	                                                true, allowed, 0},
	                          &r, &refusal, NULL),
	             CC_OK);
	runner_poll(r, &done);
	cr_assert_not(done);
	start = monotime_ms();
	runner_abort(r);
	cr_assert_lt(monotime_ms() - start, 5000);
	cr_assert_eq(tu_count_entries(scratch_root), 0);
	runner_abort(NULL);
	fixture_release(&f);
}

/* True if the NUL-free text has a line that is exactly line. */
static bool
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; p && *p; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, line, n) == 0 && (p[n] == '\n' || p[n] == '\0'))
			return true;
	}
	return false;
}

/*
 * The client's locale and allowed variables reach the compiler; anything
 * else it sends neither reaches it nor removes the worker's own value.
 */
Test(runner, client_env_is_filtered_and_applied)
{
	static char lang[] = "LANG=C";
	static char sde[] = "SOURCE_DATE_EPOCH=123";
	static char path_env[] = "PATH=/evil/bin";
	static char preload[] = "LD_PRELOAD=/evil.so";
	char *env[] = {lang, sde, path_env, preload};
	Clustcc__WorkerResult *res = NULL;
	char script[4096], want_path[8192];
	struct fixture f;
	char *out;

	cr_assert_eq(setenv("LC_ALL", "xx_XX.UTF-8", 1), 0);
	cr_assert_eq(setenv("PATH", "/usr/bin:/bin", 1), 0);
	write_text("env.sh", "#!/bin/sh\n/usr/bin/env\n", 0755);
	write_text("t.i", "int x;\n", 0644);
	tu_path(script, sizeof(script), tmpdir, "env.sh");
	fixture_init(&f, script, "t.i");
	f.c.env = env;
	f.c.n_env = sizeof(env) / sizeof(env[0]);
	(void)run_job(&f.job, 10000, &res);
	cr_assert_eq(res->result->exit_code, 0);
	out = strndup((const char *)res->result->stdout_data.data,
	              res->result->stdout_data.len);
	cr_assert_not_null(out);
	cr_assert(has_line(out, "LANG=C"), "env:\n%s", out);
	cr_assert(has_line(out, "SOURCE_DATE_EPOCH=123"), "env:\n%s", out);
	cr_assert_null(strstr(out, "LC_ALL="), "worker locale kept:\n%s", out);
	cr_assert_null(strstr(out, "/evil"), "client override applied:\n%s",
	               out);
	snprintf(want_path, sizeof(want_path), "PATH=%s", getenv("PATH"));
	cr_assert(has_line(out, want_path), "worker PATH lost:\n%s", out);
	free(out);
	codec_free(res);
	fixture_release(&f);
}

Test(runner, refusal_result_round_trips)
{
	Clustcc__WorkerResult *res = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;

	cr_assert_eq(runner_pack_refusal(99, 2,
	                                 CLUSTCC__REFUSAL__REFUSAL_INTERNAL,
	                                 "no scratch space", &buf, &len),
	             CC_OK);
	cr_assert_eq(codec_unpack_worker_result(buf, len, &res, NULL), CC_OK);
	cr_assert_eq(res->job_id, 99);
	cr_assert_eq(res->refusal, CLUSTCC__REFUSAL__REFUSAL_INTERNAL);
	cr_assert_str_eq(res->message, "no scratch space");
	cr_assert_eq(res->result->rank, 2);
	codec_free(res);
	free(buf);
}

struct arg_case {
	const char *arg;
	bool forbidden;
};

static const struct arg_case arg_cases[] = {
        {"-B/tmp", true},
        {"-B", true},
        {"-specs=my.specs", true},
        {"--specs=my.specs", true},
        {"-wrapper", true},
        {"-fplugin=x.so", true},
        {"-fplugin-arg-x-y=z", true},
        {"-iplugindir=/p", true},
        {"@args.rsp", true},
        {"-o", true},
        {"-ofoo.o", true},
        {"-save-temps", true},
        {"-save-temps=obj", true},
        {"-dumpdir", true},
        {"-dumpbase", true},
        {"-MD", true},
        {"-MF", true},
        {"-aux-info", true},
        {"-fopt-info-all=opt.txt", true},
        {"-fcallgraph-info", true},
        {"-gsplit-dwarf", true},
        {"-Wp,-MD,x.d", true},
        {"-Wa,-adhln=/tmp/x.lst", true},
        {"-Xpreprocessor", true},
        {"-Xassembler", true},
        {"-fdump-tree-all", true},
        {"-fstack-usage", true},
        {"-O2", false},
        {"-g", false},
        {"-Wall", false},
        {"-fPIC", false},
        {"-std=c11", false},
        {"-march=x86-64-v2", false},
        {"-ffunction-sections", false},
        {"-fno-plt", false},
        {"-pipe", false},
        {"-W", false},
        {"-Wa", false},
        {"-Wpedantic", false},
        {"-march=native", false},
        {"-fstack-protector-strong", false},
        /* -x is refused in shipped args only (runner_start). */
        {"-x", false},
        {"", false},
};

Test(runner, forbidden_argument_table)
{
	for (size_t i = 0; i < sizeof(arg_cases) / sizeof(arg_cases[0]); i++) {
		const struct arg_case *c = &arg_cases[i];

		cr_expect_eq(runner_arg_is_forbidden(c->arg), c->forbidden,
		             "'%s' should be %s", c->arg,
		             c->forbidden ? "forbidden" : "allowed");
	}
}

Test(runner, records_switches_follows_gcc_rules)
{
	/* The API takes protobuf-c's char **; the strings are not written. */
	char *g[] = {(char *)"-O2", (char *)"-g"};
	char *g0[] = {(char *)"-g", (char *)"-g0"};
	char *norec[] = {(char *)"-g3", (char *)"-gno-record-gcc-switches"};
	char *dwarf[] = {(char *)"-gdwarf-4"};
	char *none[] = {(char *)"-O2", (char *)"-gz"};

	cr_assert(runner_records_switches(g, 2));
	cr_assert_not(runner_records_switches(g0, 2));
	cr_assert_not(runner_records_switches(norec, 2));
	cr_assert(runner_records_switches(dwarf, 1));
	cr_assert_not(runner_records_switches(none, 2));
}

/* ---- what a worker refuses to run --------------------------------------- */

/*
 * distcc's CVE-2004-2687: a request that names /bin/sh as its compiler.
 * Refused before anything runs, and the file it would create never is.
 */
Test(runner, compiler_not_on_the_allow_list_never_runs)
{
	static char sh[] = "/bin/sh";
	static char dash_c[] = "-c";
	char touch[4200], pwned[4096], link[4096];
	struct fixture f;

	tu_path(pwned, sizeof(pwned), tmpdir, "pwned");
	snprintf(touch, sizeof(touch), "touch '%s'", pwned);
	preprocess("t", good_c);
	fixture_init(&f, sh, "t.i");
	f.args[0] = dash_c;
	f.args[1] = touch;
	f.c.n_args = 2;
	expect_refused_at_start(&f.job, CC_EINVAL,
	                        CLUSTCC__REFUSAL__REFUSAL_COMPILER_NOT_ALLOWED,
	                        "not in allowed_compilers");
	/* A symlink named like an allowed script does not help either. */
	tu_path(link, sizeof(link), tmpdir, "evil.sh");
	cr_assert_eq(symlink("/bin/sh", link), 0);
	fixture_release(&f);
	fixture_init(&f, link, "t.i");
	f.args[0] = dash_c;
	f.args[1] = touch;
	f.c.n_args = 2;
	expect_refused_at_start(&f.job, CC_EINVAL,
	                        CLUSTCC__REFUSAL__REFUSAL_COMPILER_NOT_ALLOWED,
	                        "not in allowed_compilers");
	cr_assert_neq(access(pwned, F_OK), 0, "%s was created", pwned);
	fixture_release(&f);
}

Test(runner, without_an_allow_list_nothing_runs)
{
	Clustcc__Refusal refusal = CLUSTCC__REFUSAL__REFUSAL_NONE;
	struct runner *r = NULL;
	struct fixture f;

	preprocess("t", good_c);
	fixture_init(&f, gcc_path, "t.i");
	cr_assert_eq(runner_start(&f.job,
	                          &(struct runner_opts){scratch_root, true,
	                                                true, NULL, 0},
	                          &r, &refusal, NULL),
	             CC_EINVAL);
	cr_assert_eq(refusal, CLUSTCC__REFUSAL__REFUSAL_COMPILER_NOT_ALLOWED);
	fixture_release(&f);
}

/* A symlink to gcc is resolved: the worker runs gcc itself. */
Test(runner, allowed_compiler_through_a_symlink_runs_the_resolved_file)
{
	Clustcc__WorkerResult *res = NULL;
	char link[4096];
	struct fixture f;

	tu_path(link, sizeof(link), tmpdir, "mygcc");
	cr_assert_eq(symlink(gcc_path, link), 0);
	preprocess("t", good_c);
	fixture_init(&f, link, "t.i");
	(void)run_job(&f.job, 60000, &res);
	cr_assert_eq(res->refusal, CLUSTCC__REFUSAL__REFUSAL_NONE, "%s",
	             res->message);
	cr_assert_eq(res->result->exit_code, 0);
	cr_assert_not_null(find_output(res->result, "out.o"));
	codec_free(res);
	fixture_release(&f);
}

/* Every way to load code or write outside scratch, as gcc spells it. */
static const char *const attacks[] = {
        "-fplugin=/tmp/evil.so",
        "-fplugin-arg-evil-x=1",
        "-B/tmp/evil",
        "-B",
        "-specs=/tmp/evil.specs",
        "-specs",
        "--specs=/tmp/evil.specs",
        "-wrapper",
        "-iplugindir=/tmp",
        "@/tmp/args",
        "-o",
        "-o/tmp/x.o",
        "-save-temps",
        "-save-temps=obj",
        "-dumpdir",
        "-dumpbase",
        "-MD",
        "-MF/tmp/x.d",
        "-MMD",
        "-aux-info",
        "-aux-info=/tmp/x",
        "-fopt-info-all=/tmp/x",
        "-fcallgraph-info",
        "-gsplit-dwarf",
        "-Wp,-MD,/tmp/x.d",
        "-Wa,-adhln=/tmp/x.lst",
        "-Wa,--noexecstack,--MD,/tmp/x.d",
        "-Wa,-I,/tmp",
        "-Wa,@/tmp/args",
        "-Wa,-o,/tmp/x.o",
        "-Wa,",
        "-Xpreprocessor",
        "-Xassembler",
        "-fdump-tree-all",
        "-fdump-ada-spec",
        "-fstack-usage",
        "-time=/tmp/x",
        "-fmodules-ts",
        "-fmodule-mapper=|/tmp/evil",
        "-fprofile-note=/tmp/x.gcno",
        "-fprofile-generate=/tmp/x",
        "-ftest-coverage",
        "-coverage",
        "--coverage",
        "-fcompare-debug",
        "-fdiagnostics-format=sarif-file",
        /* gcc's long-option abbreviations and its "--X" = "-fX" rule. */
        "--pref=/tmp/evil",
        "--prefix=/tmp/evil",
        "--plugin=/tmp/evil.so",
        "--dump-tree-all",
        "--output=/tmp/x.o",
        "--save-temps",
        "--write-dependencies",
        "--wrapper",
        "--for-assembler=-a=/tmp/x",
};

static void
refuse_in(struct fixture *f, char **vec, size_t *n, const char *arg)
{
	size_t old = *n;

	vec[*n] = (char *)arg;
	(*n)++;
	expect_refused_at_start(&f->job, CC_EINVAL,
	                        CLUSTCC__REFUSAL__REFUSAL_REJECTED_ARG, arg);
	*n = old;
}

Test(runner, every_forbidden_argument_is_refused_in_every_vector)
{
	char *check[8], *exact[8];
	struct fixture f;
	size_t n = sizeof(attacks) / sizeof(attacks[0]);

	write_text("t.c", good_c, 0644);
	write_text("t.di", "int x;\n", 0644);
	fixture_init(&f, gcc_path, "t.di");
	set_exact(&f, check, exact);
	for (size_t i = 0; i < n; i++) {
		refuse_in(&f, f.args, &f.c.n_args, attacks[i]);
		refuse_in(&f, check, &f.c.n_check_args, attacks[i]);
		refuse_in(&f, exact, &f.c.n_exact_args, attacks[i]);
	}
	fixture_release(&f);
}

Test(runner, harmless_options_are_not_forbidden)
{
	static const char *const fine[] = {
	        "-O2",
	        "-g",
	        "-Wall",
	        "-DX=1",
	        "-Iinc",
	        "-std=c11",
	        "--param=max-inline-insns-single=10",
	        "--param",
	        "--sysroot=/",
	        "-fdebug-prefix-map=/a=/b",
	        "-Wl,-O1",
	        "-fPIC",
	        "-march=x86-64",
	        "-fno-plt",
	        "--include-directory=inc",
	};

	for (size_t i = 0; i < sizeof(fine) / sizeof(fine[0]); i++)
		cr_assert_not(runner_arg_is_forbidden(fine[i]), "%s", fine[i]);
}

/* "-Xassembler ITEM" passes with a safe item only, in every vector. */
Test(runner, xassembler_pairs_are_checked_as_a_pair)
{
	static char xa[] = "-Xassembler";
	static char safe[] = "--noexecstack";
	static char listing[] = "-adhln=/tmp/x.lst";
	Clustcc__WorkerResult *res = NULL;
	struct fixture f;

	preprocess("t", good_c);
	fixture_init(&f, gcc_path, "t.i");
	f.args[1] = xa;
	f.args[2] = listing;
	f.c.n_args = 3;
	expect_refused_at_start(&f.job, CC_EINVAL,
	                        CLUSTCC__REFUSAL__REFUSAL_REJECTED_ARG, xa);
	f.c.n_args = 2; /* a trailing -Xassembler */
	expect_refused_at_start(&f.job, CC_EINVAL,
	                        CLUSTCC__REFUSAL__REFUSAL_REJECTED_ARG, xa);
	f.args[2] = safe;
	f.c.n_args = 3;
	(void)run_job(&f.job, 60000, &res);
	cr_assert_eq(res->refusal, CLUSTCC__REFUSAL__REFUSAL_NONE, "%s",
	             res->message);
	cr_assert_eq(res->result->exit_code, 0);
	codec_free(res);
	fixture_release(&f);
}

/* Exact mode runs the request's vectors: no link, and a check that only
 * preprocesses. */
Test(runner, exact_vectors_that_would_link_are_refused)
{
	static char s_o1[] = "-O1";
	char *check[3], *exact[3];
	struct fixture f;

	write_text("t.c", good_c, 0644);
	write_text("t.di", "int x;\n", 0644);
	fixture_init(&f, gcc_path, "t.di");
	set_exact(&f, check, exact);
	exact[1] = s_o1; /* "-O2 -O1 t.c": a link */
	expect_refused_at_start(&f.job, CC_EINVAL,
	                        CLUSTCC__REFUSAL__REFUSAL_REJECTED_ARG,
	                        "without -c or -S");
	exact[1] = s_dash_c;
	check[0] = s_o1; /* "-O1 -fdirectives-only t.c": a link too */
	expect_refused_at_start(&f.job, CC_EINVAL,
	                        CLUSTCC__REFUSAL__REFUSAL_REJECTED_ARG,
	                        "without -E");
	fixture_release(&f);
}

/*
 * The file run is the resolved one, never the request's string: a
 * script sees its real path as $0 even when the request names a symlink
 * to it (argv[0] stays the request's name, for gcc's messages).
 */
Test(runner, the_resolved_compiler_is_what_runs)
{
	Clustcc__WorkerResult *res = NULL;
	char link[4096], real[4096], want[4096];
	struct fixture f;
	char *text;

	write_text("real.sh", "#!/bin/sh\necho \"ran $0\" >&2\n", 0755);
	tu_path(link, sizeof(link), tmpdir, "link.sh");
	tu_path(real, sizeof(real), tmpdir, "real.sh");
	cr_assert_eq(symlink(real, link), 0);
	cr_assert_not_null(realpath(real, want));
	write_text("t.i", "int x;\n", 0644);
	fixture_init(&f, link, "t.i");
	(void)run_job(&f.job, 30000, &res);
	cr_assert_eq(res->refusal, CLUSTCC__REFUSAL__REFUSAL_NONE, "%s",
	             res->message);
	text = strndup((const char *)res->result->stderr_data.data,
	               res->result->stderr_data.len);
	cr_assert_not_null(text);
	cr_assert_not_null(strstr(text, want), "stderr '%s' lacks '%s'", text,
	                   want);
	free(text);
	codec_free(res);
	fixture_release(&f);
}

/* A compile that writes more than can be shipped is killed while it runs. */
Test(runner, outputs_past_the_bound_kill_the_compile)
{
	Clustcc__Refusal refusal = CLUSTCC__REFUSAL__REFUSAL_NONE;
	Clustcc__WorkerResult *res = NULL;
	struct runner_opts opts = {scratch_root, false, false, NULL, 1 << 20};
	struct runner *r = NULL;
	char script[4096];
	struct fixture f;
	uint8_t *buf = NULL;
	size_t len = 0;
	int64_t ms;

	opts.compilers = allowed;
	/* 2 MiB into the output (in the scratch dir), then hang. */
	write_text("big.sh",
	           "#!/bin/sh\nhead -c 2097152 /dev/zero > out.o\nsleep 30\n",
	           0755);
	write_text("t.i", "int x;\n", 0644);
	tu_path(script, sizeof(script), tmpdir, "big.sh");
	fixture_init(&f, script, "t.i");
	f.job.timeout_ms = 20000;
	cr_assert_eq(runner_start(&f.job, &opts, &r, &refusal, NULL), CC_OK);
	ms = wait_done(r, 15000);
	cr_assert_lt(ms, 10000, "killed after %lld ms", (long long)ms);
	cr_assert_eq(runner_finish(r, 1, MAX_MSG, &buf, &len), CC_OK);
	cr_assert_eq(codec_unpack_worker_result(buf, len, &res, NULL), CC_OK);
	cr_assert_eq(res->refusal, CLUSTCC__REFUSAL__REFUSAL_WORKER_FAILED);
	cr_assert_not_null(strstr(res->message, "max_msg_bytes"), "%s",
	                   res->message);
	cr_assert_eq(tu_count_entries(scratch_root), 0);
	free(buf);
	codec_free(res);
	fixture_release(&f);
}
