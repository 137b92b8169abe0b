/*
 * test_output.c - a returned object lands at the plan's output path with
 * its bytes and gcc's mode; anything unexpected writes nothing; a failed
 * compile leaves an existing object alone.
 */
#include "output.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

static char *tmpdir;

static char s_out_o[] = "out.o";
static char s_evil[] = "../evil.o";
static char s_dwo[] = "out.dwo";
static uint8_t s_obj[] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0xff, 'x'};

static void
setup(void)
{
	tmpdir = tu_tmpdir_new("output");
}

static void
teardown(void)
{
	tu_tmpdir_free(tmpdir);
}

TestSuite(output, .init = setup, .fini = teardown);

/* A plan whose only field that matters is .output = tmpdir/name. */
static struct compile_plan
plan_for(char *buf, size_t size, const char *name)
{
	struct compile_plan plan;

	memset(&plan, 0, sizeof(plan));
	tu_path(buf, size, tmpdir, name);
	plan.output = buf;
	return plan;
}

static void
set_file(Clustcc__OutputFile *f, char *name, uint8_t *data, size_t len)
{
	clustcc__output_file__init(f);
	f->name = name;
	f->data.data = data;
	f->data.len = len;
}

static void
assert_content(const char *path, const void *want, size_t want_len)
{
	size_t len = 0;
	char *data = tu_read_file(path, &len);

	cr_assert_eq(len, want_len, "'%s': %zu bytes, want %zu", path, len,
	             want_len);
	cr_assert_arr_eq(data, want, want_len);
	free(data);
}

Test(output, object_is_written_with_its_bytes_and_gcc_mode)
{
	Clustcc__CompileResult res = CLUSTCC__COMPILE_RESULT__INIT;
	Clustcc__OutputFile of;
	Clustcc__OutputFile *files[1] = {&of};
	char path[4096];
	struct compile_plan plan = plan_for(path, sizeof(path), "main.o");
	struct cc_err err;
	struct stat st;

	set_file(&of, s_out_o, s_obj, sizeof(s_obj));
	res.n_outputs = 1;
	res.outputs = files;
	umask(027);
	cr_assert_eq(output_write(&plan, &res, &err), CC_OK, "%s", err.msg);
	assert_content(path, s_obj, sizeof(s_obj));
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0640, "mode %04o",
	             (unsigned)(st.st_mode & 07777));
	cr_assert_eq(tu_count_entries(tmpdir), 1, "temporary file left behind");

	/* Overwrites an old object, under another umask. */
	umask(022);
	of.data.len = 4;
	cr_assert_eq(output_write(&plan, &res, &err), CC_OK, "%s", err.msg);
	assert_content(path, s_obj, 4);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0644, "mode %04o",
	             (unsigned)(st.st_mode & 07777));
}

Test(output, unexpected_file_is_eproto_and_writes_nothing)
{
	Clustcc__CompileResult res = CLUSTCC__COMPILE_RESULT__INIT;
	Clustcc__OutputFile of, bad;
	/* The object first: a partial write would show. */
	Clustcc__OutputFile *files[2] = {&of, &bad};
	char path[4096];
	struct compile_plan plan = plan_for(path, sizeof(path), "main.o");
	char *const names[] = {s_evil, s_dwo};
	struct cc_err err;

	set_file(&of, s_out_o, s_obj, sizeof(s_obj));
	res.n_outputs = 2;
	res.outputs = files;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		set_file(&bad, names[i], s_obj, 3);
		cc_err_clear(&err);
		cr_assert_eq(output_write(&plan, &res, &err), CC_EPROTO,
		             "'%s' accepted", names[i]);
		cr_assert_not_null(strstr(err.msg, names[i]), "msg: %s",
		                   err.msg);
		cr_assert_eq(tu_count_entries(tmpdir), 0,
		             "something was written for '%s'", names[i]);
	}
}

Test(output, success_without_object_is_eproto)
{
	Clustcc__CompileResult res = CLUSTCC__COMPILE_RESULT__INIT;
	char path[4096];
	struct compile_plan plan = plan_for(path, sizeof(path), "main.o");
	struct cc_err err;

	res.exit_code = 0;
	cr_assert_eq(output_write(&plan, &res, &err), CC_EPROTO);
	cr_assert_not_null(strstr(err.msg, path), "msg: %s", err.msg);
	cr_assert_eq(tu_count_entries(tmpdir), 0);
}

Test(output, failed_compile_leaves_existing_object_untouched)
{
	Clustcc__CompileResult res = CLUSTCC__COMPILE_RESULT__INIT;
	Clustcc__OutputFile of;
	Clustcc__OutputFile *files[1] = {&of};
	char path[4096];
	struct compile_plan plan = plan_for(path, sizeof(path), "main.o");
	struct stat before, after;

	tu_write_text(path, "old object");
	cr_assert_eq(stat(path, &before), 0);
	set_file(&of, s_out_o, s_obj, sizeof(s_obj));
	res.exit_code = 1;
	res.n_outputs = 1;
	res.outputs = files;
	cr_assert_eq(output_write(&plan, &res, NULL), CC_OK);
	assert_content(path, "old object", strlen("old object"));
	cr_assert_eq(stat(path, &after), 0);
	cr_assert_eq(before.st_ino, after.st_ino, "object was replaced");
	cr_assert_eq(tu_count_entries(tmpdir), 1);

	/* Nor is one created where there was none. */
	res.n_outputs = 0;
	res.exit_code = 4;
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(output_write(&plan, &res, NULL), CC_OK);
	cr_assert_eq(tu_count_entries(tmpdir), 0);
}

Test(output, unwritable_destination_is_an_error_naming_it)
{
	Clustcc__CompileResult res = CLUSTCC__COMPILE_RESULT__INIT;
	Clustcc__OutputFile of;
	Clustcc__OutputFile *files[1] = {&of};
	char path[4096];
	struct compile_plan plan = plan_for(path, sizeof(path), "nodir/m.o");
	struct cc_err err;

	set_file(&of, s_out_o, s_obj, sizeof(s_obj));
	res.n_outputs = 1;
	res.outputs = files;
	cr_assert_eq(output_write(&plan, &res, &err), CC_ESYS);
	cr_assert_not_null(strstr(err.msg, path), "msg: %s", err.msg);
}
