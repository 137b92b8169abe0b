/*
 * test_runset.c - a set of running compiles: every finished one is packed
 * and handed to the callback exactly once, with the rank recorded, and
 * release aborts what still runs.
 */
#define _XOPEN_SOURCE 700 /* realpath() */
#include "runset.h"

#include <criterion/criterion.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "codec.h"
#include "monotime.h"
#include "testutil.h"

static char *tmpdir;
static char gcc[PATH_MAX];
static struct stat gcc_st;

static void
setup(void)
{
	tmpdir = tu_tmpdir_new("runset");
	cr_assert_not_null(realpath("/usr/bin/gcc", gcc));
	cr_assert_eq(stat(gcc, &gcc_st), 0);
}

static void
teardown(void)
{
	tu_tmpdir_free(tmpdir);
}

TestSuite(runset, .init = setup, .fini = teardown);

static struct runner *
start(uint64_t id, const char *source)
{
	static char lang[] = "c";
	Clustcc__WorkerJob job = CLUSTCC__WORKER_JOB__INIT;
	Clustcc__CompileRequest c = CLUSTCC__COMPILE_REQUEST__INIT;
	Clustcc__CompilerId cid = CLUSTCC__COMPILER_ID__INIT;
	char *entries[] = {gcc};
	struct allowlist *al = NULL;
	struct runner_opts opts = {tmpdir, false, false, NULL, 0};
	Clustcc__Refusal why;
	struct runner *r = NULL;
	struct cc_err err;

	cid.path = gcc;
	cid.size = (uint64_t)gcc_st.st_size;
	cid.mtime_ns = (int64_t)gcc_st.st_mtim.tv_sec * 1000000000 +
	               gcc_st.st_mtim.tv_nsec;
	c.compiler = &cid;
	c.language = lang;
	c.source.data = (uint8_t *)source;
	c.source.len = strlen(source);
	job.job_id = id;
	job.compile = &c;
	job.timeout_ms = 60000;
	cr_assert_eq(allowlist_new(entries, 1, NULL, &al, NULL), CC_OK);
	opts.compilers = al;
	cr_assert_eq(runner_start(&job, &opts, &r, &why, &err), CC_OK, "%s",
	             err.msg);
	/* The runner keeps the resolved path, not the list. */
	allowlist_free(al);
	return r;
}

struct seen {
	int count;
	uint64_t ids; /* bit per job id */
	uint32_t rank;
};

static void
on_done(uint8_t *buf, size_t len, void *arg)
{
	struct seen *seen = arg;
	Clustcc__WorkerResult *res = NULL;

	cr_assert_eq(codec_unpack_worker_result(buf, len, &res, NULL), CC_OK);
	cr_assert_eq(res->refusal, CLUSTCC__REFUSAL__REFUSAL_NONE);
	cr_assert_eq(res->result->exit_code, 0);
	seen->count++;
	seen->ids |= 1u << res->job_id;
	seen->rank = res->result->rank;
	codec_free(res);
	free(buf);
}

Test(runset, every_finished_compile_is_reported_once)
{
	struct runset set = {0};
	struct seen seen = {0};
	int64_t deadline = monotime_ms() + 60000;

	for (uint64_t id = 1; id <= 3; id++)
		cr_assert_eq(
		        runset_add(&set,
		                   start(id, "int f(void) { return 1; }\n")),
		        CC_OK);
	cr_assert_eq(set.n, 3);
	while (set.n > 0 && monotime_ms() < deadline)
		runset_poll(&set, 7, 1u << 20, on_done, &seen);
	cr_assert_eq(set.n, 0, "compiles did not finish in time");
	cr_assert_eq(seen.count, 3);
	cr_assert_eq(seen.ids, 0xeu);
	cr_assert_eq(seen.rank, 7);
	cr_assert_not(runset_poll(&set, 7, 1u << 20, on_done, &seen));
	runset_release(&set);
}

Test(runset, release_aborts_running_compiles)
{
	struct runset set = {0};

	cr_assert_eq(runset_add(&set, start(1, "int g(void) { return 2; }\n")),
	             CC_OK);
	runset_release(&set);
	cr_assert_eq(set.n, 0);
	cr_assert_null(set.runners);
	cr_assert_eq(tu_count_entries(tmpdir), 0, "scratch left behind");
}
